"""Does an HTTP exchange follow the specs? What the proxy (proxy.py) asks of each one.

What a request may get is expectations.py's: its problem (the first check it fails, in the
spec's order) and every status whose precondition it meets. A response must have one of
those statuses, the documented content type, body schema and required headers, and the
answer the success response's `x-cases` give its request. Upstream answers are hostile
input too: a body is decoded within ANSWER_LIMIT_BYTES (a gzip bomb is a violation, not
memory) and parsed by the mock's bounded JSON reader (deep nesting is a violation, not a
RecursionError). Nothing here reads or keeps credentials beyond "are they HTTP Basic, for
which user"; what is recorded is redacted (redaction.py) by the proxy.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema_rs

from .asgi import is_json_media_type
from .expectations import Expectation, Preconditions, RequestFacts
from .jsonbody import BadJson, parse
from .pointer import token as pointer_token
from .spec import ApiDocument, Operation, Route, SchemaSet, json_media_type

# The most an answer body may take, as sent and once its Content-Encoding is undone: far
# over anything the spec's answers hold (a few hundred bytes; a call list of 1000 UUIDs is
# 40 KB).
ANSWER_LIMIT_BYTES = 1 << 20
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
class Exchange:
    """One request and its answer, as they crossed the proxy (header names lower case)."""

    method: str
    raw_path: str
    query: bytes
    headers: Mapping[str, str]
    # None: over the body limit, not read (the proxy answers 413 itself).
    body: bytes | None
    # The request's header fields as sent (repeats included), for x-decisions.request-limits.
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()
    status: int = 0
    response_headers: Mapping[str, str] | None = None
    response_body: bytes = b""

    @property
    def request(self) -> RequestFacts:
        return RequestFacts(
            self.method, self.raw_path, self.query, self.headers, self.raw_headers, self.body
        )


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
        self.preconditions = Preconditions(self.documents)
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
            content = response.get("content")
            media = json_media_type(content, f"{uri}#{at}") if content else None
            headers = []
            for name in response.get("headers", {}):
                h_uri, h_at, header = self.schemas.deref(uri, f"{at}/headers/{pointer_token(name)}")
                validator = self.schemas.validator(h_uri, f"{h_at}/schema")
                headers.append((name.lower(), bool(header.get("required")), validator))
            self.answers[(op.operation_id, code)] = _Answer(
                self.schemas.validator(uri, f"{at}/content/{pointer_token(media)}/schema")
                if media is not None
                else None,
                tuple(headers),
            )

    def route(self, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        return self.preconditions.route(raw_path)

    def check(self, exchange: Exchange) -> list[Violation]:
        """The exchange's violations: at most one for the request, one for the response."""
        expected = self.preconditions.expect(exchange.request)
        op = expected.operation
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

        if expected.problem is not None:
            add("request", expected.problem.rule, expected.problem.detail)
        wrong = self._response(exchange, expected)
        if wrong is not None:
            add("response", *wrong)
        return violations

    # Responses ------------------------------------------------------------------------

    def _response(self, exchange: Exchange, expected: Expectation) -> tuple[str, str] | None:
        status = exchange.status
        headers = exchange.response_headers or {}
        problem = expected.problem
        op = expected.operation
        if problem is not None and 200 <= status < 300:
            return "accepted-invalid", f"{status} to a request the spec answers {problem.status}"
        if problem is None and status in _REJECTIONS:
            return "rejected-valid", f"{status} to a request the spec accepts"
        if not expected.allows(status):
            allowed = ", ".join(map(str, sorted(expected.allowed)))
            why = f" ({problem.rule})" if problem is not None else ""
            return "status", f"expected one of {allowed}{why}, got {status}"
        if op is None:
            found = self.route(exchange.raw_path)
            if found is not None and status == 405:
                allow = {m.strip() for m in headers.get("allow", "").split(",") if m.strip()}
                if allow != set(found[0].operations):
                    return "header", f"Allow {sorted(allow)} for {found[0].allow}"
            return self._body_of(exchange, self.error)[0]
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
        wrong, value = self._body_of(exchange, answer.content)
        if wrong is None and status == op.success and problem is None:
            return _case(op, exchange, value)
        return wrong

    def _body_of(
        self, exchange: Exchange, validator: jsonschema_rs.Validator
    ) -> tuple[tuple[str, str] | None, Any]:
        """What is wrong with the answer's JSON body (None if nothing), and the body."""
        if exchange.method == "HEAD":
            return None, None
        headers = exchange.response_headers or {}
        content_type = headers.get("content-type", "")
        if not is_json_media_type(content_type.encode("latin-1")):
            return ("content-type", f"Content-Type {content_type[:80] or '(none)'}, not JSON"), None
        try:
            value = parse(decoded(exchange.response_body, headers))
        except (BadJson, zlib.error) as exc:
            return ("body", f"not JSON: {exc}"), None
        if not validator.is_valid(value):
            return ("body-schema", "; ".join(self.schemas.errors(validator, value))), value
        return None, value


def _case(op: Operation, exchange: Exchange, answer: Any) -> tuple[str, str] | None:
    """The success answer against the spec's `x-cases`: the first case whose request
    schema the body fits decides the answer's schema (the 202's message)."""
    if not op.answers or exchange.body is None:
        return None
    try:
        body = parse(exchange.body) if exchange.body else None
    except BadJson:
        return None
    for index, case in enumerate(op.answers):
        if not case.request.is_valid(body):
            continue
        if case.response is not None and not case.response.is_valid(answer):
            problems = op.document.schemas.errors(case.response, answer)
            return "x-cases", f"the request matches x-cases[{index}]: {'; '.join(problems)}"
        return None
    return None


def decoded(body: bytes, headers: Mapping[str, str]) -> bytes:
    """The body without its Content-Encoding (the proxy forwards it encoded), inflated to
    at most ANSWER_LIMIT_BYTES: past that it raises BadJson rather than take the memory."""
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        inflater = zlib.decompressobj()
    else:
        return body
    inflated = inflater.decompress(body, ANSWER_LIMIT_BYTES)
    if inflater.unconsumed_tail:
        raise BadJson(f"{coding} body inflates to over {ANSWER_LIMIT_BYTES} bytes")
    return inflated
