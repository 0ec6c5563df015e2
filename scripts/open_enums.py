"""Which enums the generated clients keep open: the values they parse, derived from the spec.

A client must not fail on a value a newer provider adds to something it *parses* (a response
body, or a callback body the webhook verifier reads): the digits were played already, and an
application retrying on the error would play them twice. What a client *sends* stays closed
and is checked before sending. So every enum position is classified from the spec:

- parsed: a property of an object reached from a response body or header, or from a
  callback's request body or parameter (what the provider sends us);
- sent: reached from an operation's parameters or request body, or a callback's response.

An enum schema reached from both sides (`Leg`: sent as SendDigitsRequest.leg, parsed as
DigitsSentCallback.leg) is decided per position, as `info.x-decisions.open-enums` says: the
property of an object that is parsed is open, the property of an object that is only sent
stays closed. The positions are what both generators read (scripts/generate.py for the
Python models' templates, scripts/generate_typescript.py for the TypeScript types, and the
callbacks' rules in openapi/hooks/emit_spec_module.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from plivo_mock.pointer import MAX_HOPS, fragment_pointer, lookup, token

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMAS = "#/components/schemas/"
_SUBSCHEMAS = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")

Schema = dict[str, Any]


@dataclass(frozen=True, order=True)
class Position:
    """An enum-valued property of an object schema, at `pointer` (a JSON pointer fragment)."""

    pointer: str
    """The object schema holding the property, e.g. `#/components/schemas/SendDigitsAccepted`."""
    name: str

    @property
    def property_pointer(self) -> str:
        return f"{self.pointer}/properties/{token(self.name)}"

    @property
    def component(self) -> str | None:
        """The component schema's name when the object is one (the generated model's)."""
        rest = self.pointer.removeprefix(SCHEMAS)
        return rest if rest != self.pointer and "/" not in rest else None


def _resolved(spec: Schema, node: Any, pointer: str) -> tuple[Any, str]:
    """`node` with its chain of local `$ref`s followed as plivo_mock.pointer reads them (its
    escapes and hop bound), and the pointer of where the chain ends."""
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SystemExit(f"open_enums: only local references are resolved, not {ref!r}")
        hops += 1
        if hops > MAX_HOPS:
            raise SystemExit(f"open_enums: $ref chain over {MAX_HOPS} refs at {pointer}")
        pointer = ref
        node = lookup(spec, fragment_pointer(ref[1:]))
    return node, pointer


def _schemas_of(spec: Schema, holder: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    """The schemas of a parameter, header, request body or response (its content's)."""
    holder, pointer = _resolved(spec, holder, pointer)
    if not isinstance(holder, dict):
        return
    if "schema" in holder:
        yield holder["schema"], f"{pointer}/schema"
    for media, content in holder.get("content", {}).items():
        if isinstance(content, dict) and "schema" in content:
            yield content["schema"], f"{pointer}/content/{token(media)}/schema"
    for name, header in holder.get("headers", {}).items():
        yield from _schemas_of(spec, header, f"{pointer}/headers/{token(name)}")


@dataclass(frozen=True)
class Sides:
    """The one reading of which schemas are sent and which parsed, for every generator."""

    parsed: dict[str, Schema]
    """Every schema reached from what the clients parse, by the pointer its `$ref`s end at."""
    sent: dict[str, Schema]
    """Every schema reached from what the clients send, likewise."""
    bodies: tuple[str, ...]
    """The operations' request body schemas (each media type's), pointers as in `sent`."""


def _roots(spec: Schema) -> tuple[list[tuple[Any, str]], list[tuple[Any, str]], list[str]]:
    """(parsed, sent, bodies): the schemas the clients read, those they write, and where
    the operations' (not the callbacks') request body schemas are."""
    parsed: list[tuple[Any, str]] = []
    sent: list[tuple[Any, str]] = []
    bodies: list[str] = []

    def operation(
        op: Schema, at: str, params: list[Any], reads: list[Any], writes: list[Any]
    ) -> list[tuple[Any, str]]:
        for i, parameter in enumerate([*params, *op.get("parameters", [])]):
            writes.extend(_schemas_of(spec, parameter, f"{at}/parameters/{i}"))
        body = (
            list(_schemas_of(spec, op["requestBody"], f"{at}/requestBody"))
            if ("requestBody" in op)
            else []
        )
        writes.extend(body)
        for status, response in op.get("responses", {}).items():
            reads.extend(_schemas_of(spec, response, f"{at}/responses/{token(str(status))}"))
        return body

    for path, item in spec.get("paths", {}).items():
        item_at = f"#/paths/{token(path)}"
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op, op_at = item[method], f"{item_at}/{method}"
            body = operation(op, op_at, item.get("parameters", []), parsed, sent)
            bodies.extend(_resolved(spec, schema, at)[1] for schema, at in body)
            for name, callback in op.get("callbacks", {}).items():
                callback, cb_at = _resolved(spec, callback, f"{op_at}/callbacks/{token(name)}")
                for expression, cb_item in callback.items():
                    expr_at = f"{cb_at}/{token(expression)}"
                    for cb_method in HTTP_METHODS:
                        if cb_method in cb_item:
                            # The provider sends the callback's request; we answer it.
                            operation(
                                cb_item[cb_method],
                                f"{expr_at}/{cb_method}",
                                cb_item.get("parameters", []),
                                sent,
                                parsed,
                            )
    return parsed, sent, bodies


def _reached(spec: Schema, roots: list[tuple[Any, str]]) -> dict[str, Schema]:
    """Every schema reached from `roots` (through properties and subschemas), by pointer."""
    found: dict[str, Schema] = {}

    def walk(node: Any, pointer: str) -> None:
        node, pointer = _resolved(spec, node, pointer)
        if not isinstance(node, dict) or pointer in found:
            return
        found[pointer] = node
        if isinstance(node.get("properties"), dict):
            for name, sub in node["properties"].items():
                walk(sub, f"{pointer}/properties/{token(name)}")
        for key in _SUBSCHEMAS:
            if isinstance(node.get(key), dict):
                walk(node[key], f"{pointer}/{key}")
        for key in _SCHEMA_LISTS:
            for i, sub in enumerate(node.get(key, []) or []):
                walk(sub, f"{pointer}/{key}/{i}")

    for schema, pointer in roots:
        walk(schema, pointer)
    return found


def sides(spec: Schema) -> Sides:
    """The schemas sent and parsed: what open_positions and the TypeScript generator's
    closed request bodies (scripts/generate_typescript.py) both read."""
    parsed, sent, bodies = _roots(spec)
    return Sides(_reached(spec, parsed), _reached(spec, sent), tuple(bodies))


def string_enum(spec: Schema, schema: Any) -> tuple[str, ...] | None:
    """The values of a string enum (through `$ref`s and `allOf` members), else None."""
    schema, _ = _resolved(spec, schema, "")
    if not isinstance(schema, dict):
        return None
    values = schema.get("enum")
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return tuple(values)
    for member in schema.get("allOf", []) or []:
        found = string_enum(spec, member)
        if found is not None:
            return found
    return None


def positions(spec: Schema, schemas: dict[str, Schema]) -> set[Position]:
    """The enum-valued properties of the object schemas among `schemas`."""
    return {
        Position(pointer, name)
        for pointer, node in schemas.items()
        if isinstance(node.get("properties"), dict)
        for name, sub in node["properties"].items()
        if string_enum(spec, sub) is not None
    }


def open_positions(spec: Schema) -> list[Position]:
    """The enum properties the clients parse: open (an unlisted value is kept, typed)."""
    return sorted(positions(spec, sides(spec).parsed))


def by_component(spec: Schema) -> dict[str, list[str]]:
    """Open property names by component schema name (the Python models' class names)."""
    found: dict[str, list[str]] = {}
    for position in open_positions(spec):
        if position.component is None:
            raise SystemExit(
                f"open_enums: the parsed enum {position.property_pointer} is in an inline "
                "object; give the object a name under components/schemas so that its model "
                "can keep an unlisted value"
            )
        found.setdefault(position.component, []).append(position.name)
    return found
