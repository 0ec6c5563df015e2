"""The mock as a plain ASGI application: every request goes through the spec first.

Order of checks, the same for every operation of both documents (Plivo's and the control
API's), each answered with a Plivo-shaped JSON error and a status the spec documents:

0. the request itself, as x-decisions.request-limits has it (400): HTTP/1.0 or 1.1 only,
   the target and each header within their byte limits, a bounded number of headers, one
   Authorization and one Content-Type at most;
1. route (404 for an unknown path, also for a missing trailing slash: never a redirect).
   Paths are split on "/" before each segment is percent-decoded, so `%2F` is data, never
   a separator; the control API is a 404 to peers that are not loopback (by default);
2. method (405 with `Allow`);
3. credentials when the operation is secured (401 with `WWW-Authenticate`), then the path
   `auth_id` against the Basic user (401), so bad credentials with a bad body are a 401;
4. rate limit per account, Plivo operations only (429 with `Retry-After`);
5. path and query parameters against their schemas (400);
6. body: size (413), Content-Type and Content-Encoding (415), arrival within the body
   timeout (400), UTF-8 / JSON / duplicate keys (400), schema (400), unknown fields in
   strict mode (400); then the spec's defaults are filled in;
7. the operation's handler (state: 404 for calls not found, 409, faults...).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from . import control_api, plivo_api
from .asgi import (
    ApiError,
    BodyDeadlines,
    BodyTimeout,
    ClientGone,
    Handler,
    Header,
    Receive,
    Reply,
    Request,
    Scope,
    Send,
    error_body,
    is_identity_coding,
    is_json_media_type,
    is_loopback_peer,
    new_api_id,
    read_body,
    response_messages,
)
from .auth import WWW_AUTHENTICATE, authenticate
from .callbacks import CallbackSender
from .config import Account, MockConfig
from .jsonbody import BadJson, parse
from .ratelimit import RateLimiter
from .seed import load_seed
from .spec import ApiDocument, Operation, Route, SchemaSet, SpecError
from .state import MockState, SeedCall

_NO_BODY: Any = object()  # no body, where JSON `null` is a body

access_logger = logging.getLogger("plivo_mock.access")
logger = logging.getLogger("plivo_mock")

_AUTH_MISSING = "authentication required: send HTTP Basic credentials (Auth ID, Auth Token)"
_AUTH_FAILED = "authentication failed: unknown Auth ID or wrong Auth Token"
_AUTH_MISMATCH = "authentication failed: the Auth ID in the path is not the Basic-auth user"

_STOPPING = "service unavailable: the mock is shutting down and did not carry out this request"

_HTTP_VERSIONS = frozenset({"1.0", "1.1"})
# Sent with errors after which the rest of the connection cannot be trusted.
_CLOSE: tuple[Header, ...] = ((b"connection", b"close"),)
# Headers the mock reads that a request may carry once only (x-decisions.request-limits).
_SINGLETONS = {b"authorization": "Authorization", b"content-type": "Content-Type"}
# Paths kept matched; each is at most the target limit (8 KiB), so at most 2 MiB.
_MATCHED_MAX = 256


class MockApp:
    """The ASGI callable. `state` holds accounts, calls and events; see create_app."""

    def __init__(self, config: MockConfig) -> None:
        self.config = config
        schemas = SchemaSet([config.spec_path, config.control_spec_path])
        self.plivo = _served(ApiDocument(schemas, config.spec_path), plivo_api.HANDLERS)
        self.control = _served(ApiDocument(schemas, config.control_spec_path), control_api.HANDLERS)
        self._handlers: dict[str, Handler] = {**plivo_api.HANDLERS, **control_api.HANDLERS}
        # True for Plivo's operations (rate-limited), False for the control API's (loopback
        # peers only, by default).
        self._routes = [(route, True) for route in self.plivo.routes] + [
            (route, False) for route in self.control.routes
        ]
        accounts = list(config.accounts)
        seed_calls: list[SeedCall] = []
        if config.seed_file is not None:
            seed_accounts, seed_calls = load_seed(config.seed_file, self.control)
            accounts += seed_accounts
        self._check_accounts(accounts)
        self.state = MockState.build(
            accounts, seed_calls, config.max_events_per_call, config.max_calls_per_account
        )
        self.limiter = (
            RateLimiter(config.rate_limit, config.rate_window_s, config.clock)
            if config.rate_limit is not None
            else None
        )
        self.callbacks = CallbackSender(config.callback_hosts, config.callback_timeout_s)
        self._body_deadlines = BodyDeadlines(config.body_timeout_s)
        # Paths as sent and the route each addresses: a client sends to the same few (one
        # call's DTMF URL) again and again. Bounded, like the values seen valid (spec.Param).
        self._matched: dict[str, tuple[Route, dict[str, str], bool]] = {}

    def _check_accounts(self, accounts: list[Account]) -> None:
        """Every Auth ID must be one the spec's `auth_id` path parameter accepts."""
        ids = [account.auth_id for account in accounts]
        if len(set(ids)) != len(ids):
            raise ValueError("an Auth ID is given more than once (environment and seed file?)")
        auth_id_params = [
            p for op in self.plivo.operations for p in op.path_params if p.name == "auth_id"
        ]
        if not auth_id_params:
            raise SpecError("no operation has an auth_id path parameter")
        for auth_id in ids:
            problems = self.plivo.schemas.errors(
                auth_id_params[0].validator, auth_id, where="Auth ID"
            )
            if problems:
                raise ValueError(f"not a valid Plivo Auth ID: {'; '.join(problems)}")

    # ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        """Stop pending callback deliveries (the server calls this on shutdown)."""
        await self.callbacks.aclose()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        logged = self.config.access_log and access_logger.isEnabledFor(logging.INFO)
        started = time.perf_counter() if logged else 0.0
        api_id = new_api_id()
        try:
            reply = await self._handle(scope, receive, api_id)
        except ApiError as exc:
            reply = Reply(exc.status, error_body(api_id, exc.message), exc.headers)
        except ClientGone:
            if logged:
                self._log(scope, 499, started, api_id)
            return
        except asyncio.CancelledError:
            # uvicorn cancels the requests still running when its graceful-shutdown bound
            # expires, and would answer them with a text/plain 500. The request is over
            # either way: answer it as Plivo would, and let the task end normally.
            reply = Reply(HTTPStatus.SERVICE_UNAVAILABLE, error_body(api_id, _STOPPING), _CLOSE)
        except Exception:
            logger.exception("unhandled error, api_id=%s", api_id)
            reply = Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR, error_body(api_id, "internal server error")
            )
        # Logged before the answer leaves: once a client has its answer, the line exists.
        if logged:
            self._log(scope, reply.status, started, api_id)
        start, body = response_messages(reply)
        await send(start)
        await send(body)

    def _log(self, scope: Scope, status: int, started: float, api_id: str) -> None:
        # Path only: never the headers (credentials) nor the query string. The path as
        # sent, escaped: decoded, `%0A` would start a line of the client's choosing.
        client = scope.get("client")
        raw: bytes | None = scope.get("raw_path")
        access_logger.info(
            '%s "%s %s" %d %.1fms api_id=%s',
            f"{client[0]}:{client[1]}" if client else "-",
            _loggable(scope["method"]),
            _loggable(scope["path"] if raw is None else raw.decode("latin-1")),
            status,
            (time.perf_counter() - started) * 1000,
            api_id,
        )

    # The pipeline -------------------------------------------------------------------

    def _match(self, raw_path: str, client: Any) -> tuple[Route, dict[str, str], bool] | None:
        """The route the path as sent addresses as this peer sees it, its parameters, and
        whether it is one of Plivo's operations."""
        found = self._matched.get(raw_path)
        if found is None:
            found = self._route_of(raw_path)
            if found is None:
                return None
            if len(self._matched) >= _MATCHED_MAX:
                self._matched.clear()
            self._matched[raw_path] = found
        route, params, plivo = found
        # The control API does not exist for peers that may not use it.
        if plivo or not self.config.control_loopback_only or is_loopback_peer(client):
            return route, dict(params), plivo
        return None

    def _route_of(self, raw_path: str) -> tuple[Route, dict[str, str], bool] | None:
        """The route a path as sent addresses, its parameters, and whether it is Plivo's.

        The path is split on "/" before each segment is percent-decoded: `%2F` is data.
        """
        segments = None
        if "%" in raw_path:
            segments = [unquote(part) for part in raw_path.split("/")]
        for route, plivo in self._routes:
            if segments is None:
                found = route.pattern.fullmatch(raw_path)
                params = None if found is None else found.groupdict()
            else:
                params = route.match_segments(segments)
            if params is not None:
                return route, params, plivo
        return None

    def _raw_path(self, scope: Scope) -> str:
        """The path as the client sent it (percent-encoded), within the target limit."""
        raw: bytes | None = scope.get("raw_path")
        if raw is None:
            # raw_path is optional in ASGI; re-encoding the decoded path keeps a literal %.
            raw = quote(scope["path"], safe="/").encode("ascii")
        query: bytes = scope.get("query_string", b"")
        size = len(raw) + (len(query) + 1 if query else 0)
        if size > self.config.target_limit:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"request target longer than {self.config.target_limit} bytes",
            )
        return raw.decode("latin-1")

    def _headers(
        self, headers: list[tuple[bytes, bytes]]
    ) -> tuple[bytes | None, bytes | None, bytes | None, bytes | None]:
        """Authorization, Content-Type, Content-Length and a Content-Encoding other than
        identity, in one pass that also enforces x-decisions.request-limits on headers."""
        config = self.config
        if len(headers) > config.header_count_limit:
            raise ApiError(
                HTTPStatus.BAD_REQUEST, f"more than {config.header_count_limit} header fields"
            )
        limit = config.header_limit
        authorization = content_type = content_length = content_encoding = None
        for name, value in headers:
            if len(name) + len(value) > limit:
                raise ApiError(
                    HTTPStatus.BAD_REQUEST,
                    f"header {_quoted(name)} longer than {limit} bytes (name and value)",
                )
            if name == b"authorization":
                if authorization is not None:
                    raise _repeated(name)
                authorization = value
            elif name == b"content-type":
                if content_type is not None:
                    raise _repeated(name)
                content_type = value
            elif name == b"content-length":
                content_length = value
            elif (
                name == b"content-encoding"
                and content_encoding is None
                and not is_identity_coding(value)
            ):
                content_encoding = value
        return authorization, content_type, content_length, content_encoding

    async def _handle(self, scope: Scope, receive: Receive, api_id: str) -> Reply:
        version = scope.get("http_version", "1.1")
        if version not in _HTTP_VERSIONS:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"HTTP/{version} is not supported: the mock speaks HTTP/1.0 and HTTP/1.1",
                _CLOSE,
            )
        raw_path = self._raw_path(scope)
        authorization, content_type, content_length, content_encoding = self._headers(
            scope["headers"]
        )
        client = scope.get("client")
        found = self._match(raw_path, client)
        if found is None:
            hint = " (paths end with '/')" if self._match(raw_path + "/", client) else ""
            raise ApiError(HTTPStatus.NOT_FOUND, f"no such resource: {_short(raw_path)}{hint}")
        route, params, plivo = found
        method: str = scope["method"]
        op = route.operations.get(method)
        if op is None:
            raise ApiError(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"method {method} not allowed on {route.template}; allowed: {route.allow}",
                ((b"allow", route.allow.encode("ascii")),),
            )

        account = None
        if op.secured:
            if authorization is None:
                raise ApiError(HTTPStatus.UNAUTHORIZED, _AUTH_MISSING, (WWW_AUTHENTICATE,))
            account = authenticate(self.state.accounts, authorization)
            if account is None:
                raise ApiError(HTTPStatus.UNAUTHORIZED, _AUTH_FAILED, (WWW_AUTHENTICATE,))
            if params.get("auth_id", account.auth_id) != account.auth_id:
                raise ApiError(HTTPStatus.UNAUTHORIZED, _AUTH_MISMATCH, (WWW_AUTHENTICATE,))
            if plivo and self.limiter is not None:
                wait = self.limiter.retry_after(account.auth_id)
                if wait is not None:
                    raise ApiError(
                        HTTPStatus.TOO_MANY_REQUESTS,
                        f"too many requests: over {self.limiter.limit} in "
                        f"{self.limiter.window:g} s for this account; retry in {wait} s",
                        ((b"retry-after", str(wait).encode("ascii")),),
                    )

        for param in op.path_params:
            value = params[param.name]
            if not param.is_valid(value):
                problems = op.document.schemas.errors(param.validator, value, where=param.name)
                raise ApiError(HTTPStatus.BAD_REQUEST, "; ".join(problems))
        query = self._query(op, scope.get("query_string", b""))

        body: dict[str, Any] | None = None
        unknown: dict[str, Any] = {}
        if op.body is not None:
            value = await self._body(op, receive, content_type, content_length, content_encoding)
            if value is not _NO_BODY:
                if not op.body.validator.is_valid(value):
                    # The commonest error is answered here rather than raised: raising through
                    # three coroutine frames cost about a tenth of a 400's server CPU.
                    problems = op.body.errors(op.document.schemas, value)
                    return Reply(HTTPStatus.BAD_REQUEST, error_body(api_id, "; ".join(problems)))
                body, unknown = self._known_fields(op, value)

        request = Request(api_id, op, account, params, query, body, unknown)
        return await self._handlers[op.operation_id](self, request)

    def _query(self, op: Operation, raw: bytes) -> dict[str, str]:
        if not op.query_params:
            return {}
        given: dict[str, str] = {}
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            given.setdefault(name, value)
        schemas = op.document.schemas
        for param in op.query_params:
            if param.name not in given:
                if param.required:
                    raise ApiError(
                        HTTPStatus.BAD_REQUEST, f"{param.name}: required query parameter missing"
                    )
                continue
            value = given[param.name]
            if not param.is_valid(value):
                problems = schemas.errors(param.validator, value, where=param.name)
                raise ApiError(HTTPStatus.BAD_REQUEST, "; ".join(problems))
        return given

    async def _body(
        self,
        op: Operation,
        receive: Receive,
        content_type: bytes | None,
        content_length: bytes | None,
        content_encoding: bytes | None,
    ) -> Any:
        """The request's JSON body, parsed (_NO_BODY when absent and optional); not yet
        checked against its schema."""
        assert op.body is not None
        limit = self.config.body_limit
        if content_length is not None and content_length.isdigit() and int(content_length) > limit:
            raise _too_large(limit)
        if content_type is not None and not is_json_media_type(content_type):
            raise _wrong_type()
        if content_encoding is not None:
            raise ApiError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"Content-Encoding {_quoted(content_encoding)} is not supported: "
                "send the body unencoded",
            )
        try:
            raw = await read_body(receive, limit, self._body_deadlines)
        except BodyTimeout:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"request body not received in full within {self.config.body_timeout_s:g} s",
                _CLOSE,
            ) from None
        if raw is None:
            raise _too_large(limit)
        if not raw:
            if not op.body.required:
                return _NO_BODY
            if content_type is None:
                raise _wrong_type()
            raise ApiError(HTTPStatus.BAD_REQUEST, "body: a JSON request body is required")
        if content_type is None:
            raise _wrong_type()
        try:
            return parse(raw)
        except BadJson as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"body: {exc}") from None

    def _known_fields(self, op: Operation, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """A valid body with its defaults filled in, and its unknown fields."""
        assert op.body is not None
        if not isinstance(value, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "body: must be a JSON object")
        known = op.body.properties
        # Usually every field is known: one C-level subset test instead of a comprehension.
        unknown = (
            {} if known.issuperset(value) else {k: v for k, v in value.items() if k not in known}
        )
        if unknown and self.config.strict:
            names = ", ".join(sorted(unknown))
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"body: unknown field(s) {names} (strict mode; known: {', '.join(sorted(known))})",
            )
        for name, default in op.body.defaults.items():
            value.setdefault(name, default)
        return value, unknown


def _loggable(text: str) -> str:
    """`text` as printable ASCII on one line: other characters, `"` and `\\` escaped."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if " " <= char <= "~" and char not in '"\\':
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def _served(document: ApiDocument, handlers: Mapping[str, Handler]) -> ApiDocument:
    """The document, if its operations are exactly those the mock has handlers for."""
    documented = {op.operation_id for op in document.operations}
    if missing := sorted(set(handlers) - documented):
        raise SpecError(f"{document.path}: no operation {', '.join(missing)} to serve")
    if extra := sorted(documented - set(handlers)):
        raise SpecError(f"{document.path}: operations the mock cannot serve: {', '.join(extra)}")
    return document


def _too_large(limit: int) -> ApiError:
    return ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"request body larger than {limit} bytes")


def _repeated(name: bytes) -> ApiError:
    return ApiError(
        HTTPStatus.BAD_REQUEST, f"header {_SINGLETONS[name]} given more than once: send it once"
    )


def _quoted(value: bytes, limit: int = 60) -> str:
    """A header name or value for an error message: short, and any bytes readable."""
    return _short(value.decode("latin-1"), limit)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrong_type() -> ApiError:
    return ApiError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")


def create_app(config: MockConfig) -> MockApp:
    """A ready ASGI app; `app.state` is its MockState. Raises on a bad spec, seed or account."""
    return MockApp(config)
