"""Which statuses may a request get? The spec's order of checks, read as preconditions.

A provider checks a request in the order the spec's x-decisions give (and the mock follows,
see app.py): the request itself (x-decisions.request-limits, 400), route (404), method
(405), credentials (401, before anything in the body is looked at), rate limit (429), path
and query parameters (400), body size (413), media type and coding (415), JSON and schema
(400); a request that passes them all gets the operation's success or an outcome that
depends on state the request does not show (a call not found, a conflict...).

Someone who sees only the request (the proxy, the contract suite) can decide most of those
checks, not all: whether a Basic token is right, whether the account is over its rate
limit, whether a call exists. So a request has at most one *problem*, the first check it
fails for certain, which fixes the status; and the statuses of the undecidable checks
before it (its preconditions met: credentials that may be wrong, a window that may be
full) are allowed as well. Any status whose precondition the request meets is allowed;
5xx always is (a provider may fail on anything). Everything is derived from the compiled
documents: routes, methods, security, parameter and body schemas, documented statuses and
x-limits. The proxy (conformance.py) judges each answer with this; the contract suite can
import it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from .asgi import is_identity_coding, is_json_media_type
from .auth import parse_basic
from .config import BODY_LIMIT_BYTES, HEADER_COUNT_LIMIT, HEADER_LIMIT_BYTES, TARGET_LIMIT_BYTES
from .jsonbody import BadJson, parse
from .spec import ApiDocument, Operation, Route, SchemaSet

# Statuses whose precondition the request's own content decides (a parameter or a body the
# schema rejects, a method not documented...): never owed to a request that passes the checks.
DECIDED_BY_REQUEST = frozenset({400, 405, 413, 415})
# Decided by the provider's state, which no request shows: allowed whenever documented.
THROTTLED = HTTPStatus.TOO_MANY_REQUESTS.value


@dataclass(frozen=True)
class Problem:
    """The first check a request fails for certain, and the status the spec answers it with."""

    rule: str
    detail: str
    status: int


@dataclass(frozen=True)
class Expectation:
    """What a request may get: its problem (None: it passes every check the request decides)
    and every status whose precondition it meets (5xx aside: always allowed)."""

    operation: Operation | None
    problem: Problem | None
    allowed: frozenset[int]

    def allows(self, status: int) -> bool:
        return status >= 500 or status in self.allowed


@dataclass(frozen=True)
class RequestFacts:
    """A request as it crossed the wire: header names lower case; `body` None when it was
    over the body limit and not read."""

    method: str
    raw_path: str
    query: bytes
    headers: Mapping[str, str]
    raw_headers: Sequence[tuple[bytes, bytes]]
    body: bytes | None

    @classmethod
    def sent(
        cls, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> RequestFacts:
        """A request as a client library describes it (a URL, a header mapping)."""
        split = urlsplit(url)
        raw = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(method.upper(), split.path, split.query.encode("latin-1"), lowered, raw, body)


@functools.cache
def for_spec(spec_path: Path) -> Preconditions:
    """The checks of one spec's operations (the contract suite's view: no control API)."""
    return Preconditions([ApiDocument(SchemaSet([spec_path]), spec_path)])


class Preconditions:
    """The checks of the documents' operations, in the spec's order."""

    def __init__(self, documents: Iterable[ApiDocument]) -> None:
        self.documents = tuple(documents)

    def route(self, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route a path as sent addresses ("/" split before decoding: %2F is data)."""
        segments = [unquote(part) for part in raw_path.split("/")]
        for document in self.documents:
            for route in document.routes:
                params = route.match_segments(segments)
                if params is not None:
                    return route, params
        return None

    def expect(self, request: RequestFacts) -> Expectation:
        found = self.route(request.raw_path)
        op = found[0].operations.get(request.method) if found else None
        # Statuses of checks the request's content cannot decide, met so far.
        possible = {THROTTLED}

        def fails(rule: str, detail: str, status: int) -> Expectation:
            return Expectation(op, Problem(rule, detail, status), frozenset({status, *possible}))

        limit = _limits(request)
        if limit is not None:
            return fails("request-limits", limit, 400)
        if found is None:
            return fails("path", f"no documented path matches {request.raw_path[:200]}", 404)
        route, params = found
        if op is None:
            return fails("method", f"{route.template} documents {route.allow} only", 405)
        if op.secured:
            credentials = parse_basic(request.headers.get("authorization", "").encode("latin-1"))
            if credentials is None:
                return fails("credentials", "no HTTP Basic credentials", 401)
            if params.get("auth_id", credentials[0]) != credentials[0]:
                return fails("credentials", "the path's auth_id is not the Basic user", 401)
            # Basic credentials for the path's account: the token may still be wrong.
            possible.add(HTTPStatus.UNAUTHORIZED.value)
        problem = _parameters(op, params, request.query) or _body(op, request)
        if problem is not None:
            return fails(problem.rule, problem.detail, problem.status)
        outcomes = {s for s in op.statuses if s not in DECIDED_BY_REQUEST} | possible
        return Expectation(op, None, frozenset(outcomes))


def _limits(request: RequestFacts) -> str | None:
    """x-decisions.request-limits: the target, each header, the count, the singletons."""
    target = len(request.raw_path) + (len(request.query) + 1 if request.query else 0)
    if target > TARGET_LIMIT_BYTES:
        return f"request target over {TARGET_LIMIT_BYTES} B"
    if len(request.raw_headers) > HEADER_COUNT_LIMIT:
        return f"more than {HEADER_COUNT_LIMIT} header fields"
    names = [name.lower() for name, _ in request.raw_headers]
    for name, value in request.raw_headers:
        if len(name) + len(value) > HEADER_LIMIT_BYTES:
            return f"a header over {HEADER_LIMIT_BYTES} B"
    for once in (b"authorization", b"content-type"):
        if names.count(once) > 1:
            return f"{once.decode()} given twice"
    return None


def _parameters(op: Operation, params: dict[str, str], query: bytes) -> Problem | None:
    schemas = op.document.schemas
    for param in op.path_params:
        if not param.validator.is_valid(params[param.name]):
            problems = schemas.errors(param.validator, params[param.name], param.name)
            return Problem("parameter", "; ".join(problems), 400)
    given = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    for param in op.query_params:
        if param.name not in given:
            if param.required:
                return Problem("parameter", f"{param.name}: required query parameter", 400)
        elif not param.validator.is_valid(given[param.name]):
            problems = schemas.errors(param.validator, given[param.name], param.name)
            return Problem("parameter", "; ".join(problems), 400)
    return None


def _body(op: Operation, request: RequestFacts) -> Problem | None:
    if op.body is None:
        return None
    raw = request.body
    content_type = request.headers.get("content-type")
    coding = request.headers.get("content-encoding")
    if raw is None or len(raw) > BODY_LIMIT_BYTES:
        return Problem("body-limit", f"body over {BODY_LIMIT_BYTES} bytes", 413)
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
        return Problem("body", "; ".join(op.body.errors(op.document.schemas, value)), 400)
    return None
