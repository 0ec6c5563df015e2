"""Does an HTTP exchange follow the specs? What the proxy (proxy.py) asks of each one.

A request is checked in the mock's order (see app.py), which is the order of the spec's
x-decisions: route (404), method (405), credentials (401), parameters (400), body size
(413), media type and coding (415), JSON and schema (400). The first problem is the
request's violation, and it names the status the spec then requires. A response must have a
documented status, the documented content type, body schema and required headers, and,
where the spec decides: that status for an invalid request, and no 400/413/415 for a valid
one. Nothing here reads or keeps credentials beyond "are they HTTP Basic, for which user".
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import jsonschema_rs

from .asgi import is_identity_coding, is_json_media_type
from .auth import parse_basic
from .config import BODY_LIMIT_BYTES, HEADER_LIMIT_BYTES, TARGET_LIMIT_BYTES
from .jsonbody import BadJson, parse
from .pointer import token as pointer_token
from .spec import ApiDocument, Operation, Route, SchemaSet

# Statuses a provider must not answer to a request the spec finds valid.
_REJECTIONS = frozenset({400, 413, 415})


@dataclass(frozen=True)
class Violation:
    direction: str  # "request" | "response"
    operation: str | None
    method: str
    path: str
    status: int
    rule: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "rule": self.rule,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Problem:
    """What is wrong with a request, and the status the spec answers it with."""

    rule: str
    detail: str
    status: int


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as they crossed the proxy (header names lower case)."""

    method: str
    raw_path: str
    query: bytes
    headers: Mapping[str, str]
    body: bytes
    # The request's header fields as sent (repeats included), for x-decisions.request-limits.
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()
    status: int = 0
    response_headers: Mapping[str, str] | None = None
    response_body: bytes = b""


@dataclass(frozen=True)
class _Answer:
    """A documented response: its body validator (None: no body) and its headers."""

    content: jsonschema_rs.Validator | None
    headers: tuple[tuple[str, bool, jsonschema_rs.Validator], ...]


class Checker:
    def __init__(self, spec_path: Path, control_spec_path: Path) -> None:
        schemas = SchemaSet([spec_path, control_spec_path])
        self.schemas = schemas
        self.documents = (ApiDocument(schemas, spec_path), ApiDocument(schemas, control_spec_path))
        plivo = self.documents[0]
        self.error = plivo.schema_validator("/components/schemas/Error")
        self.answers: dict[tuple[str, int], _Answer] = {}
        for document in self.documents:
            for route in document.routes:
                for op in route.operations.values():
                    self._compile(document, route, op)

    def _compile(self, document: ApiDocument, route: Route, op: Operation) -> None:
        pointer = f"/paths/{pointer_token(route.template)}/{op.method.lower()}/responses"
        for code in op.statuses:
            uri, at, response = self.schemas.deref(document.uri, f"{pointer}/{code}")
            content = response.get("content", {}).get("application/json")
            headers = []
            for name in response.get("headers", {}):
                h_uri, h_at, header = self.schemas.deref(uri, f"{at}/headers/{pointer_token(name)}")
                validator = self.schemas.validator(h_uri, f"{h_at}/schema")
                headers.append((name.lower(), bool(header.get("required")), validator))
            self.answers[(op.operation_id, code)] = _Answer(
                self.schemas.validator(uri, f"{at}/content/application~1json/schema")
                if content is not None
                else None,
                tuple(headers),
            )

    def route(self, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        segments = [unquote(part) for part in raw_path.split("/")]
        for document in self.documents:
            for route in document.routes:
                params = route.match_segments(segments)
                if params is not None:
                    return route, params
        return None

    def check(self, exchange: Exchange) -> list[Violation]:
        """The exchange's violations: at most one for the request, one for the response."""
        found = self.route(exchange.raw_path)
        op = found[0].operations.get(exchange.method) if found else None
        problem = self._request(exchange, found, op)
        name = op.operation_id if op else None
        violations = []

        def add(direction: str, rule: str, detail: str) -> None:
            violations.append(
                Violation(
                    direction,
                    name,
                    exchange.method,
                    unquote(exchange.raw_path),
                    exchange.status,
                    rule,
                    detail,
                )
            )

        if problem is not None:
            add("request", problem.rule, problem.detail)
        wrong = self._response(exchange, found, op, problem)
        if wrong is not None:
            add("response", *wrong)
        return violations

    # Requests -------------------------------------------------------------------------

    def _request(
        self,
        exchange: Exchange,
        found: tuple[Route, dict[str, str]] | None,
        op: Operation | None,
    ) -> Problem | None:
        target = len(exchange.raw_path) + (len(exchange.query) + 1 if exchange.query else 0)
        if target > TARGET_LIMIT_BYTES:
            return Problem("request-limits", f"request target over {TARGET_LIMIT_BYTES} B", 400)
        names = [name.lower() for name, _ in exchange.raw_headers]
        for name, value in exchange.raw_headers:
            if len(name) + len(value) > HEADER_LIMIT_BYTES:
                return Problem("request-limits", f"a header over {HEADER_LIMIT_BYTES} B", 400)
        for once in (b"authorization", b"content-type"):
            if names.count(once) > 1:
                return Problem("request-limits", f"{once.decode()} given twice", 400)
        if found is None:
            return Problem("path", f"no documented path matches {exchange.raw_path[:200]}", 404)
        route, params = found
        if op is None:
            allowed = route.allow
            return Problem("method", f"{route.template} documents {allowed} only", 405)
        if op.secured:
            credentials = parse_basic(exchange.headers.get("authorization", "").encode("latin-1"))
            if credentials is None:
                return Problem("credentials", "no HTTP Basic credentials", 401)
            if params.get("auth_id", credentials[0]) != credentials[0]:
                return Problem("credentials", "the path's auth_id is not the Basic user", 401)
        for param in op.path_params:
            if not param.validator.is_valid(params[param.name]):
                problems = self.schemas.errors(param.validator, params[param.name], param.name)
                return Problem("parameter", "; ".join(problems), 400)
        given = dict(parse_qsl(exchange.query.decode("latin-1"), keep_blank_values=True))
        for param in op.query_params:
            if param.name not in given:
                if param.required:
                    return Problem("parameter", f"{param.name}: required query parameter", 400)
            elif not param.validator.is_valid(given[param.name]):
                problems = self.schemas.errors(param.validator, given[param.name], param.name)
                return Problem("parameter", "; ".join(problems), 400)
        return self._body(exchange, op) if op.body is not None else None

    def _body(self, exchange: Exchange, op: Operation) -> Problem | None:
        assert op.body is not None
        raw = exchange.body
        content_type = exchange.headers.get("content-type")
        coding = exchange.headers.get("content-encoding")
        if len(raw) > BODY_LIMIT_BYTES:
            return Problem("body-limit", f"body of {len(raw)} bytes, over {BODY_LIMIT_BYTES}", 413)
        if content_type is not None and not is_json_media_type(content_type.encode("latin-1")):
            return Problem("content-type", f"Content-Type {content_type[:80]}", 415)
        if coding is not None and not is_identity_coding(coding.encode("latin-1")):
            return Problem("content-type", f"Content-Encoding {coding[:80]}", 415)
        if not raw:
            if not op.body.required:
                return None
            if content_type is None:
                return Problem("content-type", "no Content-Type", 415)
            return Problem("body", "a JSON request body is required", 400)
        if content_type is None:
            return Problem("content-type", "no Content-Type", 415)
        try:
            value = parse(raw)
        except BadJson as exc:
            return Problem("body", str(exc), 400)
        if not op.body.validator.is_valid(value):
            return Problem("body", "; ".join(op.body.errors(self.schemas, value)), 400)
        return None

    # Responses ------------------------------------------------------------------------

    def _response(
        self,
        exchange: Exchange,
        found: tuple[Route, dict[str, str]] | None,
        op: Operation | None,
        problem: Problem | None,
    ) -> tuple[str, str] | None:
        status = exchange.status
        headers = exchange.response_headers or {}
        if problem is not None and 200 <= status < 300:
            return "accepted-invalid", f"{status} to a request the spec answers {problem.status}"
        if problem is not None and status not in (problem.status, 429) and status < 500:
            return "status", f"expected {problem.status} ({problem.rule}), got {status}"
        if problem is None and status in _REJECTIONS:
            return "rejected-valid", f"{status} to a request the spec accepts"
        if op is None:
            if found is not None and status == 405:
                allow = {m.strip() for m in headers.get("allow", "").split(",") if m.strip()}
                if allow != set(found[0].operations):
                    return "header", f"Allow {sorted(allow)} for {found[0].allow}"
            return self._body_of(exchange, self.error)
        answer = self.answers.get((op.operation_id, status))
        if answer is None:
            documented = ", ".join(map(str, sorted(op.statuses)))
            return "status", f"{status} is not documented (documented: {documented})"
        for name, required, validator in answer.headers:
            value = headers.get(name)
            if value is None:
                if required:
                    return "header", f"required header {name} missing"
            elif not validator.is_valid(value):
                return "header", f"{name}: {'; '.join(self.schemas.errors(validator, value))}"
        if answer.content is None:
            if exchange.response_body and exchange.method != "HEAD":
                return "body", f"{status} documents no body, got {len(exchange.response_body)} B"
            return None
        return self._body_of(exchange, answer.content)

    def _body_of(
        self, exchange: Exchange, validator: jsonschema_rs.Validator
    ) -> tuple[str, str] | None:
        if exchange.method == "HEAD":
            return None
        headers = exchange.response_headers or {}
        content_type = headers.get("content-type", "")
        if not is_json_media_type(content_type.encode("latin-1")):
            return "content-type", f"Content-Type {content_type[:80] or '(none)'}, not JSON"
        try:
            value = json.loads(_decoded(exchange.response_body, headers))
        except (ValueError, zlib.error) as exc:
            return "body", f"not JSON: {exc}"
        if not validator.is_valid(value):
            return "body-schema", "; ".join(self.schemas.errors(validator, value))
        return None


def _decoded(body: bytes, headers: Mapping[str, str]) -> bytes:
    """The body without its Content-Encoding (the proxy forwards it encoded)."""
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding == "gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompress(body)
    return body
