"""The error messages of common invalid bodies, without jsonschema-rs building error objects.

Under load a jsonschema-rs error costs about 7 µs of server CPU (its `iter_errors` builds a
verbose message, paths and a kind object per error), which made a 400 far dearer than a 202.
Most invalid Plivo requests fail a keyword on one string field (a bad `digits`, a `leg` of
`both`): for a body schema made only of string properties with the keywords below, each
keyword is compiled from the spec into its own jsonschema-rs validator, asked with the cheap
`is_valid`, and a failure is worded as jsonschema-rs words it (the pattern in the spec's own
spelling, as SchemaSet.errors does), in its order: the keywords below, then the field's
`allOf` members'. Bodies with more than one field wrong are left to jsonschema-rs.

Validity is still decided by the whole body's validator. This only words a body already
found invalid, and answers [] (so the caller asks jsonschema-rs) whenever the body or a
schema is anything else. tests/test_mock_validation.py checks it against jsonschema-rs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from plivo_mock.pointer import token

if TYPE_CHECKING:
    from plivo_mock.spec import SchemaSet

# jsonschema-rs reports a string's failures in this order, whatever the schema's.
KEYWORDS = ("enum", "minLength", "maxLength", "pattern", "format")
# Keywords that validate nothing.
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "example", "deprecated", "$comment"}
    | {"readOnly", "writeOnly", "$anchor"}  # not $id: it would move the base of `$ref`s
)

_quote = json.JSONEncoder(ensure_ascii=False).encode  # what serde_json writes for a string


class Unsupported(Exception):
    """A schema this module does not word: its errors are left to jsonschema-rs."""


@dataclass(frozen=True, slots=True)
class Check:
    """One keyword of one field: its own validator and how a failure reads."""

    validator: jsonschema_rs.Validator
    message: Callable[[str], str]


@dataclass(frozen=True, slots=True)
class FastErrors:
    required: frozenset[str]
    fields: Mapping[str, tuple[Check, ...]]
    word: Callable[[str, str], str]  # (field, message) -> the line SchemaSet.errors writes
    max_errors: int

    def explain(self, body: Any) -> list[str]:
        """The lines SchemaSet.errors would write for this invalid body, or [] when this
        cannot tell (the caller then asks jsonschema-rs)."""
        if not isinstance(body, dict) or not self.required.issubset(body):
            return []
        found: list[str] = []
        for name, value in body.items():
            checks = self.fields.get(name)
            if checks is None:
                continue  # an unknown field: allowed, and checked by nothing
            if not isinstance(value, str):
                return []
            failed = [
                check.message(value) for check in checks if not check.validator.is_valid(value)
            ]
            if failed:
                if found:
                    # Two fields wrong: the order jsonschema-rs lists fields in depends on how
                    # many keys the body has; leave that to it.
                    return []
                found = [self.word(name, message) for message in failed[: self.max_errors]]
        return found


def compile_fast_errors(
    schemas: SchemaSet,
    uri: str,
    pointer: str,
    *,
    pattern_text: Callable[[str], str],
    word: Callable[[str, str], str],
    max_errors: int,
) -> FastErrors | None:
    """FastErrors for the object schema at `pointer`, or None if it is not all string fields.

    `pattern_text(value)` quotes a value in a pattern message, `word(field, message)` makes a
    line of it, and at most `max_errors` lines are listed, all as SchemaSet.errors does.
    """
    try:
        uri, pointer, schema = _resolve(schemas, uri, pointer)
        _only(schema, {"type", "properties", "required", "additionalProperties"})
        if schema.get("type") != "object" or schema.get("additionalProperties", True) not in (
            True,
            {},
        ):
            raise Unsupported  # unknown fields must be allowed: they are not looked at
        fields = {
            name: tuple(_checks(schemas, uri, f"{pointer}/properties/{token(name)}", pattern_text))
            for name in schema.get("properties", {})
        }
    except Unsupported:
        return None
    return FastErrors(frozenset(schema.get("required", ())), fields, word, max_errors)


def _resolve(schemas: SchemaSet, uri: str, pointer: str) -> tuple[str, str, dict[str, Any]]:
    """Follow `$ref`s that stand alone (a `$ref` with validating siblings is unsupported)."""
    try:
        uri, pointer, node = schemas.deref(uri, pointer, on_ref=lambda ref: _only(ref, {"$ref"}))
    except (LookupError, ValueError):  # SpecError is a ValueError
        raise Unsupported from None
    if not isinstance(node, dict):
        raise Unsupported
    return uri, pointer, node


def _checks(
    schemas: SchemaSet, uri: str, pointer: str, pattern_text: Callable[[str], str]
) -> list[Check]:
    uri, pointer, node = _resolve(schemas, uri, pointer)
    _only(node, {"type", "allOf", *KEYWORDS})
    if node.get("type", "string") != "string":
        raise Unsupported
    checks = [
        Check(_keyword_validator(keyword, node[keyword]), _message(keyword, node, pattern_text))
        for keyword in KEYWORDS
        if keyword in node
    ]
    for index, _ in enumerate(node.get("allOf", ())):
        checks += _checks(schemas, uri, f"{pointer}/allOf/{index}", pattern_text)
    return checks


def _only(node: dict[str, Any], allowed: set[str]) -> None:
    if any(k not in allowed and k not in _ANNOTATIONS and not k.startswith("x-") for k in node):
        raise Unsupported


def _keyword_validator(keyword: str, value: Any) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", keyword: value},
        validate_formats=True,
    )


def _message(
    keyword: str, node: dict[str, Any], pattern_text: Callable[[str], str]
) -> Callable[[str], str]:
    value = node[keyword]
    if keyword == "enum":
        # jsonschema-rs shortens longer lists ("or 2 other candidates") and writes other JSON
        # its own way: those are left to it.
        if not isinstance(value, list) or not 0 < len(value) <= 3:
            raise Unsupported
        if not all(isinstance(option, str) for option in value):
            raise Unsupported
        options = [json.dumps(option, ensure_ascii=False) for option in value]
        listed = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
        return lambda text: f"{_quote(text)} is not one of {listed}"
    if keyword in ("minLength", "maxLength"):
        if type(value) is not int:  # 2.0 is valid JSON Schema, written "2" by jsonschema-rs
            raise Unsupported
        comparison = "shorter" if keyword == "minLength" else "longer"
        unit = "character" if value == 1 else "characters"
        return lambda text: f"{_quote(text)} is {comparison} than {value} {unit}"
    if keyword == "pattern":
        return lambda text: f"{pattern_text(text)} does not match the pattern {value}"
    return lambda text: f'{_quote(text)} is not a "{value}"'  # format
