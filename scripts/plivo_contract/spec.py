"""What the contract suite expects of a provider, read from the OpenAPI document.

Probes and checks never retype a status code, a pattern or a schema: they ask this module,
which reads the OpenAPI document (`openapi/plivo-dtmf.yaml`, or the copy the wheel carries, or
the one `--spec` names; validators compiled by jsonschema-rs, JSON Schema
2020-12 semantics, so `"1\\n"` does not match `^[0-9]+$`).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import plivo_mock
import yaml
from plivo_mock import pointer as refs
from plivo_mock.jsonbody import BadJson
from plivo_mock.jsonbody import parse as parse_strict_json

# The spec the mock serves (plivo_mock.config finds it the same way): in an installed wheel
# the mock package's copy, in a checkout (and its editable install) openapi/ itself, so an
# edit there is tested. Not imported from plivo_mock.config: `st` loads this module with the
# hooks, and Hypothesis draws string constants from every local module loaded (the mock's
# published token among them), which would make generation depend on our sources.
_PACKAGED = Path(plivo_mock.__file__).resolve().parent / "openapi" / "plivo-dtmf.yaml"
PACKAGED_SPEC = (
    _PACKAGED
    if _PACKAGED.is_file()
    else Path(__file__).resolve().parents[2] / "openapi" / "plivo-dtmf.yaml"
)
# `plivo-contract --spec FILE` sets it, so that the `st` process (the hooks) reads the same file.
SPEC_ENV = "CONTRACT_SPEC"


def default_path() -> Path:
    """The spec of this run: `CONTRACT_SPEC` (what `--spec` sets), else the packaged one."""
    given = os.environ.get(SPEC_ENV)
    return Path(given).resolve() if given else PACKAGED_SPEC


SEND_DIGITS = "sendDigits"
LIST_LIVE_CALLS = "listLiveCalls"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class SpecError(Exception):
    """The document lacks something the suite derives its expectations from."""


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    responses: dict[str, Any]

    def url(self, base_url: str, **params: str) -> str:
        return base_url.rstrip("/") + self.path.format(**params)

    @property
    def success(self) -> int:
        codes = [int(code) for code in self.responses if code.startswith("2")]
        if len(codes) != 1:
            raise SpecError(f"{self.operation_id}: expected one 2xx response, found {codes}")
        return codes[0]

    def status_of(self, component: str) -> int:
        """The status under which this operation documents `#/components/responses/<component>`."""
        ref = f"#/components/responses/{component}"
        for code, response in self.responses.items():
            if response.get("$ref") == ref:
                return int(code)
        raise SpecError(f"{self.operation_id} documents no {component} response")


@dataclass(frozen=True, slots=True)
class PatternTarget:
    """A string the spec constrains with a `pattern`, and the spec's valid examples of it."""

    location: str  # "body" or "path"
    name: str
    examples: tuple[str, ...]
    uri: bool = False  # `format: uri`: hostless near-misses too


class NotStrictJson(Exception):
    """A body the spec's json-body decision rejects before any schema is applied."""


@dataclass(frozen=True, slots=True)
class HeaderRule:
    name: str
    required: bool
    pattern: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """What the spec says a response with one status looks like."""

    status: int
    media_type: str | None
    schema_pointer: str | None
    headers: tuple[HeaderRule, ...]


class Spec:
    """The parsed document and the validators compiled from it."""

    def __init__(self, path: Path | None = None) -> None:
        path = default_path() if path is None else path
        self.path = path
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError(f"cannot read {path}: {exc}") from exc
        if not isinstance(document, dict) or "paths" not in document:
            raise SpecError(f"{path} is not an OpenAPI document")
        self.document: dict[str, Any] = document
        self.components: dict[str, Any] = document.get("components", {})
        self.operations: dict[str, Operation] = {}
        self.methods_by_path: dict[str, frozenset[str]] = {}
        for path_template, item in document["paths"].items():
            methods = set()
            for method, operation in item.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                methods.add(method.upper())
                self.operations[operation["operationId"]] = Operation(
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    path=path_template,
                    responses=operation.get("responses", {}),
                )
            self.methods_by_path[path_template] = frozenset(methods)
        for needed in (SEND_DIGITS, LIST_LIVE_CALLS):
            if needed not in self.operations:
                raise SpecError(f"{path} has no operation {needed}")

    @property
    def send(self) -> Operation:
        return self.operations[SEND_DIGITS]

    @property
    def list_calls(self) -> Operation:
        return self.operations[LIST_LIVE_CALLS]

    def operation_for(self, method: str, path: str) -> Operation | None:
        """The operation a request line addresses (path parameters match one segment)."""
        for operation in self.operations.values():
            if operation.method != method.upper():
                continue
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(operation.path))
            if re.fullmatch(pattern, path):
                return operation
        return None

    def allowed_methods(self, operation: Operation) -> frozenset[str]:
        return self.methods_by_path[operation.path]

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """`node` with its `$ref` chain followed, as the mock and spec-diff follow it."""
        try:
            found = refs.resolve(self.document, node, where=self.path.name)
        except refs.RefError as exc:
            raise SpecError(str(exc)) from None
        if not isinstance(found, dict):
            raise SpecError(f"{self.path.name}: $ref {node.get('$ref')!r} is not an object")
        return found

    def response_rule(self, operation: Operation, status: int) -> ResponseRule | None:
        """The documented response for `status`, or None when the operation documents none."""
        raw = operation.responses.get(str(status))
        if raw is None:
            return None
        response = self.resolve(raw)
        media_type = schema_pointer = None
        content = response.get("content", {})
        if content:
            media_type = next(iter(content))
            ref = content[media_type].get("schema", {}).get("$ref")
            schema_pointer = str(ref).removeprefix("#/") if ref else None
        headers = []
        for name, header in response.get("headers", {}).items():
            header = self.resolve(header)
            pattern = header.get("schema", {}).get("pattern")
            headers.append(
                HeaderRule(
                    name=name,
                    required=bool(header.get("required")),
                    pattern=re.compile(pattern) if pattern else None,
                )
            )
        return ResponseRule(status, media_type, schema_pointer, tuple(headers))

    @functools.cache  # noqa: B019 - one Spec per process; the cache lives as long as it does
    def validator(self, pointer: str) -> jsonschema_rs.Validator:
        """A validator for the schema at `#/<pointer>`, with every `#/components/...` resolvable."""
        schema = {"$schema": _DIALECT, "$ref": f"#/{pointer}", "components": self.components}
        return jsonschema_rs.validator_for(schema, validate_formats=True)

    def conforms(self, pointer: str, value: Any) -> bool:
        """Whether `value` is valid against the schema at `#/<pointer>`; non-JSON values are not."""
        try:
            return bool(self.validator(pointer).is_valid(value))
        except (ValueError, TypeError):
            return False

    def valid_query(self, operation: Operation, query: dict[str, list[str]]) -> bool:
        """Whether a query string (as parsed by `urllib.parse.parse_qs`) fits the operation.

        Undeclared parameters are ignored, as HTTP APIs (Plivo's included) do: OpenAPI does
        not close the query string, so a provider owes no rejection for them.
        """
        item = self.document["paths"][operation.path][operation.method.lower()]
        declared = {p["name"]: p for p in item.get("parameters", []) if p.get("in") == "query"}
        for name, param in declared.items():
            values = query.get(name)
            if values is None:
                if param.get("required"):
                    return False
                continue
            schema = {"$schema": _DIALECT, **param["schema"], "components": self.components}
            if len(values) != 1 or not jsonschema_rs.validator_for(schema).is_valid(values[0]):
                return False
        return True

    def schema_at(self, at: str) -> dict[str, Any]:
        """The node at `#/<at>` (a JSON pointer without its leading `/`)."""
        try:
            node = refs.lookup(self.document, f"/{at}")
        except refs.RefError as exc:
            raise SpecError(f"{self.path.name}: {exc}") from None
        if not isinstance(node, dict):
            raise SpecError(f"#/{at} is not a schema")
        return node

    def valid_body(self, body: Any) -> bool:
        return self.conforms("components/schemas/SendDigitsRequest", body)

    @staticmethod
    def strict_json(raw: bytes) -> Any:
        """The body decoded as `info.x-decisions.json-body` reads it, else NotStrictJson.

        The mock's decoder is that decision written down (UTF-8, no BOM, no duplicate keys,
        no NaN/Infinity, no lone surrogates, no number past 4300 digits): one reading, shared.
        """
        try:
            return parse_strict_json(raw)
        except BadJson as exc:
            raise NotStrictJson(str(exc)) from None

    def accepts_raw_body(self, raw: bytes | None) -> bool:
        """Whether the spec accepts these bytes as a sendDigits body (JSON rules, then schema)."""
        if raw is None:
            return False
        try:
            return self.valid_body(self.strict_json(raw))
        except NotStrictJson:
            return False

    def response_cases(self, operation: Operation, status: int) -> list[dict[str, Any]]:
        """`x-cases` of a response: which request body (a schema) gets which answer (a schema)."""
        raw = operation.responses.get(str(status))
        return list(self.resolve(raw).get("x-cases", [])) if raw is not None else []

    def case_violation(
        self, operation: Operation, status: int, request_body: Any, response_body: Any
    ) -> str | None:
        """Why `response_body` is not the answer `x-cases` gives `request_body`, if it is not."""
        for index, case in enumerate(self.response_cases(operation, status)):
            if not self._matches(case["request"], request_body):
                continue
            if not self._matches(case["response"], response_body):
                return (
                    f"{operation.operation_id} {status}: the request matches x-cases[{index}] "
                    f"{json_dumps(case['request'])}, so the answer must match "
                    f"{json_dumps(case['response'])}; got {json_dumps(response_body)}"
                )
        return None

    def _matches(self, schema: dict[str, Any], value: Any) -> bool:
        document = {"$schema": _DIALECT, **schema, "components": self.components}
        try:
            return bool(jsonschema_rs.validator_for(document).is_valid(value))
        except (ValueError, TypeError):
            return False

    def pattern_targets(self) -> list[PatternTarget]:
        """Every request string with a `pattern`: body properties, then path parameters.

        Examples come from the schema's `examples` and the request examples of sendDigits.
        """
        targets = []
        send = self.document["paths"][self.send.path][self.send.method.lower()]
        media = send["requestBody"]["content"][self.request_media_type]
        request_examples = [e.get("value", {}) for e in media.get("examples", {}).values()]
        body = self.schema_at("components/schemas/SendDigitsRequest")
        for name, prop in body["properties"].items():
            schema = self._string_schema(prop)
            if schema is None:
                continue
            found = [str(v) for v in schema.get("examples", [])]
            found += [str(e[name]) for e in request_examples if isinstance(e.get(name), str)]
            uri = schema.get("format") == "uri"
            targets.append(PatternTarget("body", name, tuple(dict.fromkeys(found)), uri))
        for param in self.document["paths"][self.send.path].get("parameters", []):
            param = self.resolve(param)
            schema = self._string_schema(param["schema"])
            if param.get("in") == "path" and schema is not None:
                examples = tuple(str(v) for v in schema.get("examples", []))
                targets.append(PatternTarget("path", str(param["name"]), examples))
        return targets

    def _string_schema(self, node: dict[str, Any]) -> dict[str, Any] | None:
        node = self.resolve(node)
        for part in node.get("allOf", []):
            found = self._string_schema(part)
            if found is not None:
                return found
        return node if node.get("type") == "string" and "pattern" in node else None

    @property
    def decisions(self) -> dict[str, str]:
        return dict(self.document.get("info", {}).get("x-decisions", {}))

    @property
    def limits(self) -> dict[str, Any]:
        return dict(self.document.get("info", {}).get("x-limits", {}))

    def valid_digits(self, digits: Any) -> bool:
        return self.conforms("components/schemas/Digits", digits)

    def valid_path_param(self, name: str, value: str) -> bool:
        param_name = {"auth_id": "AuthId", "call_uuid": "CallUuid"}[name]
        return self.conforms(f"components/parameters/{param_name}/schema", value)

    def valid_callback_url(self, url: Any) -> bool:
        return self.conforms("components/schemas/SendDigitsRequest/properties/callback_url", url)

    @property
    def leg_values(self) -> list[str]:
        return list(self.schema_at("components/schemas/Leg")["enum"])

    @property
    def default_leg(self) -> str:
        leg = self.schema_at("components/schemas/SendDigitsRequest")["properties"]["leg"]
        return str(leg["default"])

    @property
    def other_leg(self) -> str:
        """The leg that needs a bridged other party (the one that is not the default)."""
        others = [leg for leg in self.leg_values if leg != self.default_leg]
        if len(others) != 1:
            raise SpecError(f"expected two legs, found {self.leg_values}")
        return others[0]

    @property
    def request_media_type(self) -> str:
        send = self.document["paths"][self.send.path][self.send.method.lower()]
        media_types = list(send["requestBody"]["content"])
        if len(media_types) != 1:
            raise SpecError(f"sendDigits: expected one request media type, found {media_types}")
        return str(media_types[0])

    @property
    def max_digits(self) -> int:
        return int(self.schema_at("components/schemas/Digits")["maxLength"])

    def _limit(self, name: str) -> int:
        limits = self.document.get("info", {}).get("x-limits", {})
        if not isinstance(limits.get(name), int):
            raise SpecError(f"info.x-limits has no whole number {name}")
        return int(limits[name])

    @property
    def rate_limit(self) -> tuple[int, int]:
        """(requests, seconds) of the documented per-account rate limit."""
        return self._limit("rate-limit-requests"), self._limit("rate-limit-seconds")

    @property
    def body_limit(self) -> int:
        return self._limit("body-bytes")


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@functools.cache
def _load(path: Path) -> Spec:
    return Spec(path)


def load() -> Spec:
    """The spec of this run, parsed once per file."""
    return _load(default_path())
