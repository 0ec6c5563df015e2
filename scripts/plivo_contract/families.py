"""Probe families, one per channel an input can take, each derived from the spec (issue 22).

A family sends the whole class the spec defines, never one named case: every enum of the
body and of the query, every body property and query parameter name, every path with every
method it does not list, the body limit under every framing and the other x-limits at
their boundary, every media type near the accepted one, every pattern at its boundaries,
the rate limit over connections, client addresses and operations; and three judge every
answer of the run, not only their own: each error is Plivo-shaped JSON that echoes no
credential, each `api_id` is well-formed and none repeats. The verdict of each
request is the spec's (its schemas, `x-limits`, `x-decisions`); `variants.py` only builds
the candidates.

Bodies the spec accepts are never sent in negative-only mode (`ctx.send_digits` refuses
them): the families that need one skip those requests and send the rest.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
from plivo_mock import jsonbody
from plivo_mock.redaction import answer_echo, credential_forms

from . import variants
from .probes import (
    ProbeContext,
    Skip,
    Violation,
    _all_variants,
    _loads,
    _unknown_uuid,
    _valid_digits,
    conform,
    expect,
    probe,
)
from .provider import Provider
from .spec import Operation, Spec

# Methods a client may send that the spec may not list for a path (RFC 9110 plus PATCH).
PROBED_METHODS = ("GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "TRACE")


# --- what the spec defines -------------------------------------------------------------


@dataclass(frozen=True)
class EnumTarget:
    """A string the spec restricts to an enum: a body property or a query parameter."""

    location: str  # "body" or "query"
    operation: Operation
    name: str
    values: tuple[str, ...]


def _flatten(spec: Spec, node: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref and allOf parts merged (the spec's enums sit behind both)."""
    node = spec.resolve(node)
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for part in node.get("allOf", []):
        for key, value in _flatten(spec, part).items():
            merged.setdefault(key, value)
    return merged


def enum_targets(spec: Spec) -> list[EnumTarget]:
    """Every enum a request can carry: properties of each JSON body, query parameters."""
    found = []
    for operation in spec.operations.values():
        item = spec.document["paths"][operation.path]
        method = item[operation.method.lower()]
        body = method.get("requestBody", {}).get("content", {}).get(spec.request_media_type)
        if body is not None:
            schema = _flatten(spec, body["schema"])
            for name, prop in schema.get("properties", {}).items():
                values = _flatten(spec, prop).get("enum")
                if values:
                    found.append(EnumTarget("body", operation, name, tuple(map(str, values))))
        for param in [*item.get("parameters", []), *method.get("parameters", [])]:
            param = spec.resolve(param)
            if param.get("in") != "query":
                continue
            values = _flatten(spec, param["schema"]).get("enum")
            if values:
                found.append(EnumTarget("query", operation, param["name"], tuple(map(str, values))))
    return found


@dataclass(frozen=True)
class BoundaryTarget:
    location: str  # "body" or "path"
    name: str
    pattern: str
    max_length: int | None
    is_uri: bool


def boundary_targets(spec: Spec) -> list[BoundaryTarget]:
    """Every request string with a `pattern`, with its `maxLength` and whether it is a URL."""
    found = []
    body = _flatten(spec, spec.schema_at("components/schemas/SendDigitsRequest"))
    for name, prop in body.get("properties", {}).items():
        schema = _flatten(spec, prop)
        if schema.get("type") == "string" and "pattern" in schema:
            found.append(
                BoundaryTarget(
                    "body",
                    name,
                    schema["pattern"],
                    schema.get("maxLength"),
                    schema.get("format") == "uri",
                )
            )
    for param in spec.document["paths"][spec.send.path].get("parameters", []):
        param = spec.resolve(param)
        schema = _flatten(spec, param["schema"])
        if param.get("in") == "path" and "pattern" in schema:
            found.append(
                BoundaryTarget(
                    "path", param["name"], schema["pattern"], schema.get("maxLength"), False
                )
            )
    return found


def media_type_accepted(spec: Spec, value: str | None) -> bool:
    """x-decisions.content-type: the request media type, any case (RFC 9110), any
    parameters; the list form, wildcards and every other type are not it."""
    if value is None:
        return False
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == spec.request_media_type.lower()


# --- every answer of the run: credentials and api_id -----------------------------------


# An answer's body is parsed (for its api_id and its shape) only up to this size: an
# `{"api_id", "error"}` answer is far smaller, and the witness runs inside every request.
MAX_JUDGED_BODY = 64 * 1024


@dataclass
class Seen:
    """What one answer showed, and no more (the answer itself is not kept: a run has
    thousands). `request` is kept only for an answer with a finding, to replay it."""

    label: str
    status: int
    api_id: str | None
    echoed: str | None
    shaped: bool
    media: str
    request: httpx.Request | None = None


@dataclass
class Witness:
    """Looks at every answer a Provider gets (an httpx response hook) and keeps what the
    credential, shape and api_id families judge. Secrets are compared, never kept in a
    message. Nothing an answer holds may raise here: the hook runs inside whatever request
    the answer came to."""

    provider: Provider
    seen: list[Seen] = field(default_factory=list)
    _api_ids: set[str] = field(default_factory=set)

    def observe(self, response: httpx.Response) -> None:
        request = response.request
        if request.url.path.startswith("/__"):
            return  # the mock's control API and the probe's own receivers: not the spec's
        # The client reads the whole answer anyway; the witness judges it, and keeps none.
        body = response.read()
        target = request.url.raw_path.decode(errors="replace")[:120]
        status = response.status_code
        document = _document(body)
        api_id = document.get("api_id") if isinstance(document, dict) else None
        api_id = api_id if isinstance(api_id, str) else None
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        seen = Seen(
            label=f"{request.method} {target} -> {status}",
            status=status,
            api_id=api_id,
            echoed=self._echo(request, response.headers.raw, body),
            shaped=self._shaped(request.method, status, media, document),
            media=media or "no Content-Type",
        )
        repeated = api_id is not None and api_id in self._api_ids
        malformed = api_id is not None and not self.provider.spec.conforms(
            "components/schemas/ApiId", api_id
        )
        if seen.echoed is not None or not seen.shaped or repeated or malformed:
            seen.request = request
        if api_id is not None:
            self._api_ids.add(api_id)
        self.seen.append(seen)

    def _echo(
        self, request: httpx.Request, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> str | None:
        """Where and which credential the answer repeats (its name, never its value): the
        judgement the proxy makes of every answer, success or error
        (plivo_mock.redaction.answer_echo), with the run's token."""
        forms = credential_forms(request.headers.get("authorization"), self.provider.auth_token)
        return answer_echo(forms, headers, body)

    def _shaped(self, method: str, status: int, media: str, document: Any) -> bool:
        """An error answer is `{"api_id", "error"}` JSON, whatever its status, documented or
        not (a HEAD answer has no body to judge)."""
        if status < 400 or method == "HEAD":
            return True
        spec = self.provider.spec
        return (
            media == spec.request_media_type
            and document is not _UNREADABLE
            and spec.conforms("components/schemas/Error", document)
        )


_UNREADABLE = object()
"""An answer's body that is no JSON the mock's strict reader accepts, or too long to judge."""


def _document(body: bytes) -> Any:
    if len(body) > MAX_JUDGED_BODY:
        return _UNREADABLE
    try:
        return jsonbody.parse(body)
    except jsonbody.BadJson:
        return _UNREADABLE


_WITNESSES: weakref.WeakKeyDictionary[Provider, Witness] = weakref.WeakKeyDictionary()


def watch(provider: Provider) -> Witness:
    """The witness of `provider`'s answers, installed on first use (the runner installs it
    before the first request, so the families judge every answer of the run)."""
    witness = _WITNESSES.get(provider)
    if witness is None:
        witness = Witness(provider)
        _WITNESSES[provider] = witness
        provider.client.event_hooks["response"].append(witness.observe)
    return witness


def _provoke_errors(ctx: ProbeContext, witness: Witness) -> None:
    """One answer of each error status an ordinary client meets, unless the run already
    had one: what the credential and api_id families judge when they run alone."""
    seen = {s.status for s in witness.seen}
    bad = {"digits": ctx.invalid_digits()}
    send = ctx.send_op
    listing = ctx.spec.list_calls
    provocations: list[tuple[int, Callable[[], object]]] = [
        (
            send.status_of("Unauthorized"),
            lambda: ctx.list_calls(auth=ctx.provider.wrong_password_authorization()),
        ),
        (send.status_of("BadRequest"), lambda: ctx.send_digits(bad)),
        (
            send.status_of("NotFound"),
            lambda: ctx.send_digits(bad, path=ctx.digits_path(call_uuid=_unknown_uuid(ctx))),
        ),
        (send.status_of("MethodNotAllowed"), lambda: ctx.send_digits(bad, method="PUT")),
        (
            send.status_of("UnsupportedMediaType"),
            lambda: ctx.send_digits(raw=json.dumps(bad).encode(), content_type="text/plain"),
        ),
        (listing.success, ctx.list_calls),
    ]
    for status, provoke in provocations:
        if status not in seen:
            provoke()
            seen.add(status)


@probe(
    "error_answers_hide_credentials",
    "no answer of the run, success or error (and one of each error status), echoes the "
    "token, the Authorization value, its base64, user:password or the password sent, in "
    "its body or a header",
)
def _error_answers_hide_credentials(ctx: ProbeContext) -> None:
    witness = watch(ctx.provider)
    _provoke_errors(ctx, witness)
    leaks = [s for s in witness.seen if s.echoed is not None]
    if leaks:
        first = leaks[0]
        # The message names what leaked, never the answer itself (it holds the secret).
        raise Violation(
            f"{first.label}: {first.echoed} ({len(leaks)} of {len(witness.seen)} answers)",
            request=first.request,
        )


@probe(
    "error_answers_plivo_shaped",
    "every error answer of the run (and one of each error status) is Plivo-shaped JSON, "
    "the spec's Error, whatever its status",
)
def _error_answers_plivo_shaped(ctx: ProbeContext) -> None:
    witness = watch(ctx.provider)
    _provoke_errors(ctx, witness)
    wrong = [s for s in witness.seen if not s.shaped]
    if wrong:
        first = wrong[0]
        raise Violation(
            f"{first.label}: the error answer is {first.media}, not Plivo-shaped JSON "
            f"(#/components/schemas/Error as {ctx.spec.request_media_type}; "
            f"{len(wrong)} of {len(witness.seen)} answers)",
            request=first.request,
        )


@probe(
    "api_ids_distinct",
    "every api_id of the run matches the spec's ApiId and none repeats",
)
def _api_ids_distinct(ctx: ProbeContext) -> None:
    witness = watch(ctx.provider)
    # Alone, the probe makes the answers it judges: successes and errors.
    for attempt in range(4):
        if sum(s.api_id is not None for s in witness.seen) >= 4:
            break
        ctx.list_calls(auth=None if attempt % 2 else "default")
    first: dict[str, Seen] = {}
    for seen in witness.seen:
        if seen.api_id is None:
            continue
        if not ctx.spec.conforms("components/schemas/ApiId", seen.api_id):
            raise Violation(
                f"{seen.label}: api_id {seen.api_id!r} does not match the spec's ApiId",
                request=seen.request,
            )
        if seen.api_id in first:
            repeats = sum(s.api_id == seen.api_id for s in witness.seen)
            raise Violation(
                f"api_id {seen.api_id} answered {repeats} times: first {first[seen.api_id].label}, "
                f"again {seen.label}",
                request=seen.request,
            )
        first[seen.api_id] = seen
    if len(first) < 2:
        raise Skip(f"only {len(first)} answer(s) with an api_id seen")


# --- enums -----------------------------------------------------------------------------


@probe(
    "enum_variants",
    "every enum of the body and the query in other case, with whitespace, with a "
    "look-alike letter, null, in an array: the spec decides (400)",
)
def _enum_variants(ctx: ProbeContext) -> None:
    targets = enum_targets(ctx.spec)
    if not targets:
        raise Skip("the spec has no enum in a request")
    sends: list[tuple[str, Callable[[], httpx.Response]]] = []
    for target in targets:
        in_json = target.location == "body"
        for label, value in variants.enum_variants(list(target.values), in_json=in_json):
            name = f"{target.location} {target.name} {label}"
            if target.location == "body":
                sends.append((name, _enum_body_sender(ctx, target, value)))
            else:
                sends.append((name, _enum_query_sender(ctx, target, value)))

    def check(response: httpx.Response) -> None:
        operation = ctx.spec.operation_for(response.request.method, response.request.url.path)
        assert operation is not None
        if operation == ctx.send_op:
            expect(ctx, response, ctx.verdict(_loads(response.request.content)))
        else:
            query = parse_qs(response.request.url.query.decode(), keep_blank_values=True)
            ok = ctx.spec.valid_query(operation, query)
            status = operation.success if ok else operation.status_of("BadRequest")
            expect(ctx, response, status, operation)

    _all_variants(sends, check)


def _enum_body_sender(
    ctx: ProbeContext, target: EnumTarget, value: Any
) -> Callable[[], httpx.Response]:
    body = {"digits": _valid_digits(ctx), target.name: value}
    return lambda: ctx.send_digits(body)


def _enum_query_sender(
    ctx: ProbeContext, target: EnumTarget, value: Any
) -> Callable[[], httpx.Response]:
    operation = target.operation
    path = operation.url("", auth_id=ctx.call.auth_id, call_uuid=ctx.call.call_uuid)
    if value is None:
        query = quote(target.name)  # null has no spelling in a query: the name alone
    else:
        query = urlencode({target.name: value})
    return lambda: ctx.provider.send(operation.method, f"{path}?{query}")


# --- field and parameter names ----------------------------------------------------------


def field_names(spec: Spec) -> tuple[list[str], list[str], list[tuple[Operation, str]]]:
    """The JSON body's required and optional property names, and every query parameter."""
    body = _flatten(spec, spec.schema_at("components/schemas/SendDigitsRequest"))
    required = list(body.get("required", []))
    optional = [name for name in body.get("properties", {}) if name not in required]
    query = []
    for operation in spec.operations.values():
        item = spec.document["paths"][operation.path]
        for param in [
            *item.get("parameters", []),
            *item[operation.method.lower()].get("parameters", []),
        ]:
            param = spec.resolve(param)
            if param.get("in") == "query":
                query.append((operation, str(param["name"])))
    return required, optional, query


@probe(
    "field_name_variants",
    "every body property and query parameter under its name in other case (and the required "
    "ones with a space): the spec reads names exactly, so a required one is missing (400) "
    "and an optional one is an unknown field, ignored",
)
def _field_name_variants(ctx: ProbeContext) -> None:
    required, optional, query = field_names(ctx.spec)
    valid = _valid_digits(ctx)
    # Under its own name this value is rejected: a provider that reads the variant as the
    # field answers 400 where the spec ignores it.
    wrong = "not a valid value!"
    sends: list[tuple[str, Callable[[], httpx.Response]]] = []
    for name in required:
        for label, variant in (
            ("upper case", name.upper()),
            ("title case", name.title()),
            ("trailing space", name + " "),
        ):
            if variant != name:
                body = {**{r: valid for r in required if r != name}, variant: valid}
                sends.append((f"body {name!r} {label}", _body_sender(ctx, body)))
    for name in optional:
        if name.upper() != name:
            body = {**{r: valid for r in required}, name.upper(): wrong}
            sends.append((f"body {name!r} upper case", _body_sender(ctx, body)))
    for operation, name in query:
        path = operation.url("", auth_id=ctx.call.auth_id, call_uuid=ctx.call.call_uuid)
        target = f"{path}?{urlencode({name.upper(): _query_value(ctx.spec, operation, name)})}"
        sends.append((f"query {name!r} upper case", _get_sender(ctx, operation, target)))

    def check(response: httpx.Response) -> None:
        operation = ctx.spec.operation_for(response.request.method, response.request.url.path)
        assert operation is not None
        if operation == ctx.send_op:
            expect(ctx, response, ctx.verdict(_loads(response.request.content)))
        else:
            given = parse_qs(response.request.url.query.decode(), keep_blank_values=True)
            ok = ctx.spec.valid_query(operation, given)
            status = operation.success if ok else operation.status_of("BadRequest")
            expect(ctx, response, status, operation)

    _all_variants(sends, check)


def _query_value(spec: Spec, operation: Operation, name: str) -> str:
    """A value the parameter accepts under its own name: its enum's first, else its example."""
    for target in enum_targets(spec):
        if target.location == "query" and target.operation == operation and target.name == name:
            return target.values[0]
    return "x"


def _get_sender(
    ctx: ProbeContext, operation: Operation, target: str
) -> Callable[[], httpx.Response]:
    return lambda: ctx.provider.send(operation.method, target)


# --- methods ---------------------------------------------------------------------------


@probe(
    "methods_every_path",
    "every path of the spec with every method it does not list (GET, POST, HEAD, OPTIONS, "
    "PUT, PATCH, DELETE, TRACE): 405 with Allow naming exactly the spec's methods",
)
def _methods_every_path(ctx: ProbeContext) -> None:
    sends: list[tuple[str, Callable[[], httpx.Response]]] = []
    for template, listed in ctx.spec.methods_by_path.items():
        operation = next(op for op in ctx.spec.operations.values() if op.path == template)
        path = operation.url("", auth_id=ctx.call.auth_id, call_uuid=ctx.call.call_uuid)
        if operation.operation_id == ctx.spec.list_calls.operation_id:
            path += "?status=live"
        for method in PROBED_METHODS:
            if method in listed:
                continue
            body = (
                None
                if method in ("HEAD", "GET", "TRACE", "OPTIONS")
                else {"digits": ctx.invalid_digits()}
            )
            sends.append((f"{method} {template}", _method_sender(ctx, method, path, body)))

    def check(response: httpx.Response) -> None:
        template = _template_of(ctx.spec, response.request.url.path)
        operation = next(op for op in ctx.spec.operations.values() if op.path == template)
        expect(ctx, response, operation.status_of("MethodNotAllowed"), operation)
        allowed = {
            m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()
        }
        documented = set(ctx.spec.methods_by_path[template])
        if allowed != documented:
            raise Violation(
                f"{response.request.method} {template}: Allow {sorted(allowed)}, the spec "
                f"lists {sorted(documented)}",
                response,
            )

    _all_variants(sends, check)


def _method_sender(
    ctx: ProbeContext, method: str, path: str, body: Any
) -> Callable[[], httpx.Response]:
    return lambda: ctx.send_digits(body, method=method, path=path)


def _template_of(spec: Spec, path: str) -> str:
    for operation in spec.operations.values():
        if spec.operation_for(operation.method, path) is operation:
            return operation.path
    raise RuntimeError(f"{path} is no path of the spec")


# --- media types -----------------------------------------------------------------------


@probe(
    "content_type_near_misses",
    "media types near the accepted one (cut short, extended, +json suffixes, text/json, "
    "parameters, case, none): the content-type decision gives 415 or the body's verdict",
)
def _content_type_near_misses(ctx: ProbeContext) -> None:
    # Invalid digits: an accepted media type shows as the body's 400, a refused one as 415,
    # and nothing reaches a call either way.
    raw = json.dumps({"digits": ctx.invalid_digits()}).encode()
    sends = [
        (f"Content-Type {label} ({value!r})", _media_sender(ctx, raw, value))
        for label, value in variants.media_type_variants(ctx.spec.request_media_type)
    ]

    def check(response: httpx.Response) -> None:
        value = response.request.headers.get("content-type")
        if media_type_accepted(ctx.spec, value):
            expect(ctx, response, ctx.send_op.status_of("BadRequest"))
        else:
            expect(ctx, response, ctx.send_op.status_of("UnsupportedMediaType"))

    _all_variants(sends, check)


def _media_sender(ctx: ProbeContext, raw: bytes, value: str | None) -> Callable[[], httpx.Response]:
    return lambda: ctx.send_digits(raw=raw, content_type=value)


# --- pattern boundaries ----------------------------------------------------------------


@probe(
    "pattern_boundaries",
    "every pattern at its longest allowed value (each optional part at its maximum) and one "
    "past each bound: the spec decides, and nothing crashes",
)
def _pattern_boundaries(ctx: ProbeContext) -> None:
    sends: list[tuple[str, Callable[[], httpx.Response]]] = []
    for target in boundary_targets(ctx.spec):
        if target.location == "body" and target.is_uri:
            values = _uri_boundaries(ctx, target)
        else:
            # A path parameter's groups all change one length: the first and last will do.
            made = variants.pattern_boundaries(
                target.pattern, target.max_length, every_repeat=target.location == "body"
            )
            values = [(b.label, b.value) for b in made]
        for label, value in values:
            name = f"{target.location} {target.name}: {label} ({len(value)} characters)"
            if target.location == "body":
                body = {"digits": _valid_digits(ctx), target.name: value}
                sends.append((name, _body_sender(ctx, body)))
            else:
                sends.append((name, _path_sender(ctx, target.name, value)))

    def check(response: httpx.Response) -> None:
        if response.request.url.path == ctx.digits_path():
            expect(ctx, response, ctx.verdict(_loads(response.request.content)))
            return
        # A path parameter: malformed is a 400; well-formed names no call or account of
        # these credentials (401 for auth_id, 404 for call_uuid, as the decisions say).
        statuses = {
            ctx.send_op.status_of("BadRequest"),
            ctx.send_op.status_of("Unauthorized"),
            ctx.send_op.status_of("NotFound"),
        }
        expect(ctx, response, statuses)

    _all_variants(sends, check)


def _uri_boundaries(ctx: ProbeContext, target: BoundaryTarget) -> list[tuple[str, str]]:
    """A URL the provider will call: the run's own receiver padded in its query to the
    limit (only with a receiver), and one past it on a host that never resolves."""
    if target.max_length is None:
        return []
    found = []
    if ctx.callback_url is not None:
        prefix = ctx.callback_url + ("&" if "?" in ctx.callback_url else "?") + "contract_pad="
        found.append(("longest allowed", prefix + "x" * (target.max_length - len(prefix))))
    prefix = "https://example.invalid/?contract_pad="
    found.append(("one past the length", prefix + "x" * (target.max_length + 1 - len(prefix))))
    return found


def _body_sender(ctx: ProbeContext, body: dict[str, Any]) -> Callable[[], httpx.Response]:
    return lambda: ctx.send_digits(body)


def _path_sender(ctx: ProbeContext, name: str, value: str) -> Callable[[], httpx.Response]:
    params = {
        "auth_id": ctx.call.auth_id,
        "call_uuid": ctx.call.call_uuid,
        name: quote(value, safe=""),
    }
    path = ctx.send_op.url("", **params)
    body = {"digits": ctx.invalid_digits() if ctx.negative_only else _valid_digits(ctx)}
    return lambda: ctx.send_digits(body, path=path)


# --- the body limit under every framing ------------------------------------------------


@dataclass
class RawAnswer:
    response: httpx.Response
    statuses: list[bytes]


def _raw_exchange(
    ctx: ProbeContext, headers: dict[str, str], body: bytes, wire: bytes
) -> RawAnswer:
    """Send one request as `wire` bytes of body on its own connection (Connection: close),
    read to the end; the answer as an httpx.Response plus every status line that came."""
    url = httpx.URL(ctx.provider.base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    path = ctx.digits_path()
    head = f"{ctx.send_op.method} {path} HTTP/1.1\r\nHost: {url.netloc.decode()}\r\n"
    sent = {"Authorization": ctx.provider.authorization, **headers, "Connection": "close"}
    head += "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
    statuses: list[bytes] = []

    def once() -> httpx.Response:
        raw = socket.create_connection((url.host, port), timeout=10)
        answer = b""
        with (
            ssl.create_default_context().wrap_socket(raw, server_hostname=url.host)
            if url.scheme == "https"
            else raw
        ) as sock:
            try:
                sock.sendall(head.encode("latin-1") + wire)
            except OSError:
                pass  # answered and closed before the whole body was written: read the answer
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            except (TimeoutError, ConnectionResetError):
                pass
        request = httpx.Request(
            ctx.send_op.method, ctx.provider.base_url + path, headers=sent, content=body
        )
        # httpx sets Content-Length from the content; show what was sent.
        for name in ("content-length", "transfer-encoding"):
            if name in request.headers and name not in {k.lower() for k in headers}:
                del request.headers[name]
        for name, value in headers.items():
            request.headers[name] = value
        head_bytes, _, rest = answer.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ") if lines and lines[0] else []
        if len(parts) < 2 or not parts[1].isdigit():
            raise Violation(
                f"no HTTP answer to {_describe(headers)}: {answer[:200]!r}", request=request
            )
        response_headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
        length = next(
            (int(v.strip()) for k, v in response_headers if k.strip().lower() == "content-length"),
            None,
        )
        content = rest if length is None else rest[:length]
        response = httpx.Response(
            int(parts[1]),
            headers=[(k.strip(), v.strip()) for k, v in response_headers],
            content=content,
            request=request,
        )
        watch(ctx.provider).observe(response)
        statuses[:] = variants.status_lines(answer)
        return response

    # Through the provider's budget, client-side rate and 429 retries, as every probe.
    response = ctx.provider.retrying(once, f"{ctx.send_op.method} {path} ({_describe(headers)})")
    return RawAnswer(response, statuses)


def _describe(headers: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in headers.items() if k != "Content-Type")


@probe(
    "body_limit_framings",
    "the x-limits body size under Content-Length, chunked and both framings: at the limit "
    "parsed (400 for these digits), one byte over 413; both headers at once rejected "
    "(400) or read as chunked (RFC 9112), one answer only",
)
def _body_limit_framings(ctx: ProbeContext) -> None:
    limit = ctx.spec.body_limit
    media = {"Content-Type": ctx.spec.request_media_type}
    too_large = ctx.send_op.status_of("PayloadTooLarge")
    bad_request = ctx.send_op.status_of("BadRequest")
    failures: list[Violation] = []
    sent = 0
    for size in (limit, limit + 1):
        body = _padded(ctx, size)
        expected = bad_request if size <= limit else too_large
        for framing in ("Content-Length", "chunked"):
            if framing == "Content-Length":
                headers = {**media, "Content-Length": str(len(body))}
                wire = body
            else:
                headers = {**media, "Transfer-Encoding": "chunked"}
                wire = variants.chunked(body)
            sent += 1
            try:
                answer = _raw_exchange(ctx, headers, body, wire)
                _check_framed(ctx, answer, {expected}, f"{len(body)}-byte body, {framing}")
            except Violation as exc:
                failures.append(exc)
    # Both at once: a Content-Length that covers only the start of the chunked stream. A
    # provider that honours Content-Length reads a different body and then takes the rest
    # of the stream as a second request (request smuggling): two answers.
    body = _padded(ctx, limit + 1)
    wire = variants.chunked(body)
    headers = {**media, "Transfer-Encoding": "chunked", "Content-Length": "5"}
    sent += 1
    try:
        answer = _raw_exchange(ctx, headers, body, wire)
        _check_framed(ctx, answer, {bad_request, too_large}, "Content-Length and chunked")
    except Violation as exc:
        failures.append(exc)
    if failures:
        raise Violation(
            f"{failures[0]} ({len(failures)} of {sent} framings)",
            request=failures[0].request,
        )


def _padded(ctx: ProbeContext, size: int) -> bytes:
    """A body of exactly `size` bytes whose digits the spec rejects (so at the limit it is
    parsed and answered 400, and nothing is ever sent to a call)."""
    head = json.dumps({"digits": ctx.invalid_digits(), "padding": ""}).encode()
    pad = size - len(head)
    assert pad >= 0
    return json.dumps({"digits": ctx.invalid_digits(), "padding": "x" * pad}).encode()


def _check_framed(ctx: ProbeContext, answer: RawAnswer, allowed: set[int], what: str) -> None:
    response = answer.response
    if len(answer.statuses) > 1:
        raise Violation(
            f"{what}: {len(answer.statuses)} answers on one request "
            f"({[s.decode() for s in answer.statuses]}): the rest of the body was read as a "
            "new request",
            response,
        )
    if response.status_code not in allowed:
        raise Violation(
            f"{what}: {response.status_code} {response.content[:300]!r}, "
            f"expected {sorted(allowed)}",
            response,
        )
    try:
        conform(ctx, response, ctx.send_op)
    except Violation as exc:
        raise Violation(f"{what}: {exc}", response) from None


@probe(
    "request_limits_at_boundary",
    "a request target of exactly x-limits.target-bytes and a header line of exactly "
    "x-limits.header-bytes: answered as without them (the probes *_too_long send one more)",
)
def _request_limits_at_boundary(ctx: ProbeContext) -> None:
    listing = ctx.spec.list_calls
    limits = ctx.spec.limits
    path = ctx.list_path() + "&contract_pad="
    path += "x" * (int(limits["target-bytes"]) - len(path))
    sends = [(f"a {len(path)}-byte target", lambda: ctx.provider.send(listing.method, path))]
    # The whole field line, "name: value" and its CRLF, within the limit: what the header
    # limit counts is not spelled out, and none of these readings refuses it.
    name = "X-Contract-Pad"
    value = "x" * (int(limits["header-bytes"]) - len(name) - 4)
    sends.append(
        (
            f"a {len(name) + len(value) + 4}-byte header line",
            lambda: ctx.provider.send(listing.method, ctx.list_path(), headers={name: value}),
        )
    )
    _all_variants(sends, lambda response: expect(ctx, response, listing.success, listing))


# --- the rate limit per account, whatever the connection -------------------------------

CONNECTIONS = 4


@probe(
    "rate_limit_spread",
    "over the per-account limit from several connections, client names, (on loopback) "
    "source addresses and over every operation: 429 all the same (opt-in, with rate_limit)",
)
def _rate_limit_spread(ctx: ProbeContext) -> None:
    if ctx.rate_limit_probe is None:
        raise Skip("opt-in: CONTRACT_RATE_LIMIT_PROBE=REQUESTS/SECONDS")
    limit, window = ctx.rate_limit_probe
    throttled = ctx.spec.list_calls.status_of("TooManyRequests")
    url = httpx.URL(ctx.provider.base_url)
    clients = [_spread_client(url, index) for index in range(CONNECTIONS)]
    # Every operation in turn (the limit is the account's, not a path's): the list, and the
    # DTMF path with digits the spec rejects, so nothing reaches a call.
    rejected = json.dumps({"digits": ctx.invalid_digits()}).encode()
    turns = [
        (ctx.spec.list_calls, ctx.list_path(), None, {}),
        (ctx.send_op, ctx.digits_path(), rejected, {"Content-Type": ctx.spec.request_media_type}),
    ]
    deadline = time.monotonic() + window
    try:
        for count in range(limit + 1):
            client = clients[count % CONNECTIONS]
            operation, path, content, headers = turns[count % len(turns)]
            ctx.provider.budget.take()
            response = client.request(
                operation.method,
                ctx.provider.base_url + path,
                headers={"Authorization": ctx.provider.authorization, **headers},
                content=content,
            )
            watch(ctx.provider).observe(response)
            if response.status_code == throttled:
                conform(ctx, response, operation)
                return
            if time.monotonic() > deadline:
                raise Skip(f"could not send {limit + 1} requests within {window} s from here")
    finally:
        for client in clients:
            client.close()
    raise Violation(
        f"{limit + 1} requests within {window} s for one account, spread over "
        f"{CONNECTIONS} connections, client names and both operations, and no {throttled}",
        response,
    )


def _spread_client(url: httpx.URL, index: int) -> httpx.Client:
    """One connection of its own, its own User-Agent and, to 127.0.0.1, its own source
    address (127.0.0.2 and up: a limiter keyed on the client's address sees new clients)."""
    local = f"127.0.0.{index + 2}" if url.host == "127.0.0.1" and _can_bind(index + 2) else None
    transport = httpx.HTTPTransport(local_address=local, limits=httpx.Limits(max_connections=1))
    return httpx.Client(
        transport=transport,
        headers={"User-Agent": f"plivo-dtmf-contract/{index}"},
        timeout=10.0,
        trust_env=False,
        follow_redirects=False,
    )


def _can_bind(last: int) -> bool:
    try:
        with socket.socket() as sock:
            sock.bind((f"127.0.0.{last}", 0))
    except OSError:
        return False
    return True
