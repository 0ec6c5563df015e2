"""Named edge cases that schemathesis does not generate, with expectations read from the spec.

Each probe sends a few hand-built requests and checks the answers: the status the spec
documents for that situation (a body's verdict comes from the spec's own schema, so `"1\\n"`
is expected to be a 400 because the spec's pattern rejects it, not because this file says
so), and the documented shape of that response (Plivo-shaped JSON error, `WWW-Authenticate`
on 401, `Allow` on 405...). In negative-only mode no schema-valid digits body is ever sent;
probes that need one are skipped.
"""

from __future__ import annotations

import json
import shlex
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import h11
import httpx

from . import nearmiss
from .provider import BudgetExhausted, MockControl, Provider, RateLimited
from .semantics import LiveCall
from .spec import Operation, Spec, load

Outcome = Literal["passed", "failed", "skipped"]


class Skip(Exception):
    """The probe cannot run here (mode, missing knowledge); the message says why."""


class Violation(AssertionError):
    """The provider broke the contract; the message shows the request and the answer."""

    def __init__(
        self,
        message: str,
        response: httpx.Response | None = None,
        request: httpx.Request | None = None,
        reproduce: str = "",
        concerns: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        # The decisions this failure is about, where the probe knows (async_callback's
        # api_id mismatch is callback-api-id's alone); empty: every decision it covers.
        self.concerns = concerns
        self.response = response
        # What to resend when there is no answer to take it from (see body_timeout).
        self.request = request if request is not None or response is None else response.request
        # A line of its own where curl cannot send the request as an HTTP client (head_timeout).
        self.reproduce = reproduce


@dataclass
class ProbeContext:
    spec: Spec
    provider: Provider
    call: LiveCall
    negative_only: bool
    mock: MockControl | None = None
    bridged_call: str | None = None
    unbridged_call: str | None = None
    hung_up_call: str | None = None
    other_account_call: str | None = None
    rate_limit_probe: tuple[int, int] | None = None
    # Where a valid callback_url may point: CALLBACK_URL, or on our mock the mock itself.
    callback_url: str | None = None
    # CALLBACK_URL as the user gave it: where the async_callback probe's receiver is reached.
    given_callback_url: str | None = None
    # Where a failing probe's long request body is kept for its curl line.
    report_dir: Path | None = None

    @property
    def send_op(self) -> Operation:
        return self.spec.send

    def digits_path(self, call_uuid: str | None = None, auth_id: str | None = None) -> str:
        return self.send_op.url(
            "", auth_id=auth_id or self.call.auth_id, call_uuid=call_uuid or self.call.call_uuid
        )

    def list_path(self, auth_id: str | None = None) -> str:
        return self.spec.list_calls.url("", auth_id=auth_id or self.call.auth_id) + "?status=live"

    def verdict(self, body: Any) -> int:
        """The status the spec gives this body on a live call's default leg."""
        if self.spec.valid_body(body):
            return self.send_op.success
        return self.send_op.status_of("BadRequest")

    def invalid_digits(self) -> str:
        """A digits value the spec rejects, to make a body harmless to send anywhere."""
        for candidate in ("not digits!", "x"):
            if not self.spec.valid_digits(candidate):
                return candidate
        raise RuntimeError("the spec accepts every digits value we tried")

    def send_digits(
        self,
        body: Any = None,
        *,
        raw: bytes | None = None,
        method: str | None = None,
        path: str | None = None,
        content_type: str | None = "default",
        auth: str | None = "default",
    ) -> httpx.Response:
        """Send to the DTMF path; refuses a schema-valid digits body in negative-only mode."""
        content = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if self.negative_only and self.spec.accepts_raw_body(content):
            raise Skip("negative-only: this probe needs a body the spec accepts")
        headers = {}
        if content_type == "default":
            headers["Content-Type"] = self.spec.request_media_type
        elif content_type is not None:
            headers["Content-Type"] = content_type
        return self.provider.send(
            method or self.send_op.method,
            path or self.digits_path(),
            headers=headers,
            content=content,
            auth=auth,
        )

    def list_calls(
        self, *, auth: str | None = "default", auth_id: str | None = None
    ) -> httpx.Response:
        return self.provider.send(self.spec.list_calls.method, self.list_path(auth_id), auth=auth)


@dataclass
class ProbeResult:
    name: str
    description: str
    outcome: Outcome
    detail: str = ""
    requests: int = 0
    seconds: float = 0.0
    # One line that sends the failing request again (credentials masked).
    reproduce: str = ""
    # Failed: the decisions the failure concerns (Violation.concerns); empty: all it covers.
    concerns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Probe:
    name: str
    description: str
    run: Callable[[ProbeContext], None]


PROBES: dict[str, Probe] = {}
# Probes that exhaust the provider's rate-limit window run last and only when asked for.
RATE_PROBES = ("rate_limit", "rate_limit_spread")
OPT_IN = (*RATE_PROBES, "body_timeout", "head_timeout")
# Probes that judge every answer of the run (families.py): after all the others.
JUDGES = ("error_answers_hide_credentials", "error_answers_plivo_shaped", "api_ids_distinct")


def probe(name: str, description: str) -> Callable[[Callable[[ProbeContext], None]], Probe]:
    def register(function: Callable[[ProbeContext], None]) -> Probe:
        registered = Probe(name, description, function)
        PROBES[name] = registered
        return registered

    return register


def _loads(content: bytes | None) -> Any:
    try:
        return json.loads(content) if content is not None else None
    except (ValueError, UnicodeDecodeError):
        return None


def _show(response: httpx.Response) -> str:
    """The request and the whole answer on one line; long parts end with how much was left."""
    request = response.request
    return (
        f"{request.method} {_clip(request.url.raw_path, 200).decode(errors='replace')} "
        f"body={_clip(request.content or b'', 200)!r} -> {response.status_code} "
        f"{response.headers.get('content-type', '-')} "
        f"{_clip(response.content, 1000).decode(errors='replace')!r}"
    )


def _clip(data: bytes, limit: int) -> bytes:
    if len(data) <= limit:
        return data
    return data[:limit] + f"...(+{len(data) - limit} bytes)".encode()


def conform(ctx: ProbeContext, response: httpx.Response, operation: Operation | None) -> None:
    """The answer has the media type, schema and headers the spec documents for its status."""
    status = response.status_code
    rule = ctx.spec.response_rule(operation, status) if operation is not None else None
    if operation is not None and rule is None:
        raise Violation(f"undocumented status {status}: {_show(response)}", response)
    if response.request.method == "HEAD":
        return
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    expected_media = rule.media_type if rule is not None else ctx.spec.request_media_type
    if media_type != expected_media:
        raise Violation(
            f"content type {media_type or 'missing'}, not {expected_media}: {_show(response)}",
            response,
        )
    try:
        body = response.json()
    except ValueError:
        raise Violation(f"body is not JSON: {_show(response)}", response) from None
    pointer = rule.schema_pointer if rule is not None else "components/schemas/Error"
    if pointer is not None and not ctx.spec.conforms(pointer, body):
        raise Violation(f"body does not match #/{pointer}: {_show(response)}", response)
    for header in rule.headers if rule is not None else ():
        value = response.headers.get(header.name)
        if value is None:
            if header.required:
                raise Violation(f"{header.name} header missing: {_show(response)}", response)
            continue
        if header.pattern is not None and not header.pattern.search(value):
            raise Violation(
                f"{header.name}: {value!r} does not match {header.pattern.pattern}", response
            )
    if operation is not None and rule is not None and rule.media_type is not None:
        problem = ctx.spec.case_violation(operation, status, _loads(response.request.content), body)
        if problem is not None:
            raise Violation(f"{problem}: {_show(response)}", response)


def expect(
    ctx: ProbeContext,
    response: httpx.Response,
    statuses: set[int] | int,
    operation: Operation | None = None,
) -> None:
    allowed = {statuses} if isinstance(statuses, int) else statuses
    if response.status_code not in allowed:
        raise Violation(f"expected {sorted(allowed)}: {_show(response)}", response)
    conform(ctx, response, operation if operation is not None else ctx.send_op)


def expect_event(
    ctx: ProbeContext, call_uuid: str, digits: str, leg: str, response: httpx.Response
) -> dict[str, Any]:
    """On our mock, the newest recorded event of the call is these digits on this leg.

    `response` is the answer that claimed success: the failure's curl line resends it.
    """
    if ctx.mock is None:
        return {}
    events = ctx.mock.events(call_uuid)
    if not events:
        raise Violation(f"accepted, but the mock recorded no event for call {call_uuid}", response)
    event = events[-1]
    if event.get("digits") != digits or event.get("leg") != leg:
        raise Violation(
            f"recorded {event.get('digits')!r} on {event.get('leg')!r}, sent {digits!r} on {leg!r}",
            response,
        )
    return dict(event)


# --- authentication ------------------------------------------------------------------------


def _unauthorized(ctx: ProbeContext, response: httpx.Response, operation: Operation) -> None:
    expect(ctx, response, operation.status_of("Unauthorized"), operation)


def _auth_probe(ctx: ProbeContext, auth: str | None, auth_id: str | None = None) -> None:
    listing = ctx.spec.list_calls
    _unauthorized(ctx, ctx.list_calls(auth=auth, auth_id=auth_id), listing)
    if not ctx.negative_only:
        path = ctx.digits_path(auth_id=auth_id)
        response = ctx.send_digits({"digits": "1"}, auth=auth, path=path)
        _unauthorized(ctx, response, ctx.send_op)


@probe("no_credentials", "no Authorization header: 401 with WWW-Authenticate")
def _no_credentials(ctx: ProbeContext) -> None:
    _auth_probe(ctx, None)


@probe("wrong_password", "the right Auth ID with a wrong token: 401")
def _wrong_password(ctx: ProbeContext) -> None:
    _auth_probe(ctx, ctx.provider.wrong_password_authorization())


@probe("non_basic_scheme", "Authorization: Bearer <token> instead of Basic: 401")
def _non_basic_scheme(ctx: ProbeContext) -> None:
    _auth_probe(ctx, ctx.provider.bearer_authorization())


@probe("path_auth_id_mismatch", "path auth_id of another account, own credentials: 401")
def _path_auth_id_mismatch(ctx: ProbeContext) -> None:
    own = ctx.call.auth_id
    for replacement in "0123456789":
        other = own[:-1] + replacement
        if other != own and ctx.spec.valid_path_param("auth_id", other):
            break
    else:
        raise Skip(f"cannot derive another valid Auth ID from {own}")
    _auth_probe(ctx, "default", auth_id=other)


# --- digits and leg -----------------------------------------------------------------------


def _body_verdict(ctx: ProbeContext, body: Any) -> None:
    expected = ctx.verdict(body)
    response = ctx.send_digits(body)
    expect(ctx, response, expected)
    if expected == ctx.send_op.success and isinstance(body, dict):
        leg = body.get("leg", ctx.spec.default_leg)
        expect_event(ctx, ctx.call.call_uuid, body["digits"], leg, response)


@probe(
    "digits_trailing_newline",
    '"1\\n": the spec\'s pattern decides (a re.match validator accepts it)',
)
def _digits_trailing_newline(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": "1\n"})


@probe("digits_non_ascii", "Arabic-Indic digits (str.isdigit() is True): the spec decides")
def _digits_non_ascii(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": "\u0661\u0662\u0663"})


@probe("digits_empty", "digits = empty string: the spec decides")
def _digits_empty(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": ""})


@probe("digits_zero", 'digits = "0" is a value, not a missing field')
def _digits_zero(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": "0"})


@probe("digits_json_number", "digits = 123 as a JSON number (what the Python SDK sends)")
def _digits_json_number(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": 123})


@probe("digits_missing", "a body without digits")
def _digits_missing(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"leg": ctx.spec.default_leg})


@probe("digits_too_long", "one character over the spec's maxLength")
def _digits_too_long(ctx: ProbeContext) -> None:
    _body_verdict(ctx, {"digits": "1" * (ctx.spec.max_digits + 1)})


@probe("leg_other_case", "each leg in upper and title case")
def _leg_other_case(ctx: ProbeContext) -> None:
    for leg in ctx.spec.leg_values:
        for variant in (leg.upper(), leg.title()):
            if variant != leg:
                _body_verdict(ctx, {"digits": "1", "leg": variant})


@probe("malformed_json", "a body that is not JSON")
def _malformed_json(ctx: ProbeContext) -> None:
    response = ctx.send_digits(raw=b'{"digits": "1"')
    expect(ctx, response, ctx.send_op.status_of("BadRequest"))


@probe("duplicate_json_keys", "digits twice, one valid and one not: never act on the invalid one")
def _duplicate_json_keys(ctx: ProbeContext) -> None:
    if ctx.negative_only:
        raise Skip("negative-only: one of the two values is valid digits")
    bad = ctx.invalid_digits()
    accepted = []
    for first, second in (("1", bad), (bad, "1")):
        raw = f'{{"digits": {json.dumps(first)}, "digits": {json.dumps(second)}}}'.encode()
        response = ctx.provider.send(
            ctx.send_op.method,
            ctx.digits_path(),
            headers={"Content-Type": ctx.spec.request_media_type},
            content=raw,
        )
        expect(ctx, response, {ctx.send_op.success, ctx.send_op.status_of("BadRequest")})
        if response.status_code == ctx.send_op.success:
            accepted.append(raw)
            if ctx.mock is not None:
                expect_event(ctx, ctx.call.call_uuid, "1", ctx.spec.default_leg, response)
    if len(accepted) == 2:
        raise Violation(f"both orders accepted, so one acted on {bad!r}: {accepted}", response)


@probe("unknown_fields_ignored", "the Python SDK's body, call_uuid repeated: accepted")
def _unknown_fields_ignored(ctx: ProbeContext) -> None:
    body = {"call_uuid": ctx.call.call_uuid, "digits": "1", "leg": ctx.spec.default_leg}
    _body_verdict(ctx, body)


# --- media type and size ------------------------------------------------------------------


@probe("content_type_wrong", "a JSON body sent as text/plain: 415")
def _content_type_wrong(ctx: ProbeContext) -> None:
    body = json.dumps({"digits": ctx.invalid_digits()}).encode()
    response = ctx.send_digits(raw=body, content_type="text/plain")
    expect(ctx, response, ctx.send_op.status_of("UnsupportedMediaType"))


@probe("content_type_missing", "a JSON body with no Content-Type: 415")
def _content_type_missing(ctx: ProbeContext) -> None:
    body = json.dumps({"digits": ctx.invalid_digits()}).encode()
    response = ctx.send_digits(raw=body, content_type=None)
    expect(ctx, response, ctx.send_op.status_of("UnsupportedMediaType"))


@probe("content_type_charset", "application/json; charset=utf-8 is JSON too")
def _content_type_charset(ctx: ProbeContext) -> None:
    # In negative-only mode invalid digits still show the body got past the media-type check.
    body = {"digits": ctx.invalid_digits() if ctx.negative_only else "1"}
    media_type = f"{ctx.spec.request_media_type}; charset=utf-8"
    response = ctx.send_digits(raw=json.dumps(body).encode(), content_type=media_type)
    expect(ctx, response, ctx.verdict(body))
    if response.status_code == ctx.send_op.success:
        expect_event(ctx, ctx.call.call_uuid, "1", ctx.spec.default_leg, response)


@probe("body_too_large", "a body over the spec's size limit: 413")
def _body_too_large(ctx: ProbeContext) -> None:
    padding = "x" * (ctx.spec.body_limit + 1)
    raw = json.dumps({"digits": ctx.invalid_digits(), "padding": padding}).encode()
    response = ctx.send_digits(raw=raw)
    expect(ctx, response, ctx.send_op.status_of("PayloadTooLarge"))


@probe("content_encoding_gzip", "Content-Encoding: gzip on a JSON body: 415")
def _content_encoding_gzip(ctx: ProbeContext) -> None:
    body = json.dumps({"digits": ctx.invalid_digits()}).encode()
    response = ctx.provider.send(
        ctx.send_op.method,
        ctx.digits_path(),
        headers={"Content-Type": ctx.spec.request_media_type, "Content-Encoding": "gzip"},
        content=body,
    )
    expect(ctx, response, ctx.send_op.status_of("UnsupportedMediaType"))


@probe("target_too_long", "a request target one byte over x-limits.target-bytes: 400")
def _target_too_long(ctx: ProbeContext) -> None:
    path = ctx.list_path() + "&pad="
    path += "x" * (ctx.spec.limits["target-bytes"] + 1 - len(path))
    response = ctx.provider.send(ctx.spec.list_calls.method, path)
    expect(ctx, response, ctx.spec.list_calls.status_of("BadRequest"), ctx.spec.list_calls)


@probe("header_too_long", "a header value over x-limits.header-bytes: 400")
def _header_too_long(ctx: ProbeContext) -> None:
    pad = "x" * (ctx.spec.limits["header-bytes"] + 1)
    response = ctx.provider.send(
        ctx.spec.list_calls.method, ctx.list_path(), headers={"X-Contract-Pad": pad}
    )
    expect(ctx, response, ctx.spec.list_calls.status_of("BadRequest"), ctx.spec.list_calls)


# --- paths and methods --------------------------------------------------------------------


@probe("path_without_trailing_slash", ".../DTMF without its slash: a JSON error, no redirect")
def _path_without_trailing_slash(ctx: ProbeContext) -> None:
    response = ctx.send_digits({"digits": ctx.invalid_digits()}, path=ctx.digits_path().rstrip("/"))
    if not 400 <= response.status_code < 500:
        raise Violation(f"expected a 4xx error: {_show(response)}", response)
    conform(ctx, response, None)


def _method_probe(ctx: ProbeContext, method: str) -> None:
    body = None if method == "HEAD" else {"digits": ctx.invalid_digits()}
    response = ctx.send_digits(body, method=method)
    expect(ctx, response, ctx.send_op.status_of("MethodNotAllowed"))
    allowed = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
    documented = set(ctx.spec.allowed_methods(ctx.send_op))
    if allowed != documented:
        raise Violation(
            f"Allow: {sorted(allowed)}, the spec documents {sorted(documented)}", response
        )


def _register_method_probe(method: str) -> None:
    def run(ctx: ProbeContext) -> None:
        _method_probe(ctx, method)

    probe(f"method_{method.lower()}", f"{method} on the DTMF path: 405 with Allow")(run)


for _method in ("HEAD", "OPTIONS", "PUT", "DELETE"):
    _register_method_probe(_method)


# --- calls ----------------------------------------------------------------------------------


def _not_found(ctx: ProbeContext, call_uuid: str, leg: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"digits": "1"}
    if leg is not None:
        body["leg"] = leg
    response = ctx.send_digits(body, path=ctx.digits_path(call_uuid=call_uuid))
    expect(ctx, response, ctx.send_op.status_of("NotFound"))
    return response


@probe("live_call_listed", "the live call is in the live-call list; a hung-up one is not")
def _live_call_listed(ctx: ProbeContext) -> None:
    response = ctx.list_calls()
    expect(ctx, response, ctx.spec.list_calls.success, ctx.spec.list_calls)
    listed = response.json()["calls"]
    if ctx.call.call_uuid not in listed:
        if ctx.mock is None:
            # On a real account the call may simply have ended since the run began.
            raise Skip(f"the pinned call {ctx.call.call_uuid} is no longer listed: hung up?")
        raise Violation(f"live call {ctx.call.call_uuid} missing from {listed}", response)
    if ctx.hung_up_call is not None and ctx.hung_up_call in listed:
        raise Violation(f"hung-up call {ctx.hung_up_call} still listed as live", response)


@probe("unknown_call", "a well-formed call UUID that is no live call: 404")
def _unknown_call(ctx: ProbeContext) -> None:
    _not_found(ctx, _unknown_uuid(ctx))


def _unknown_uuid(ctx: ProbeContext) -> str:
    for candidate in (
        "00000000-0000-4000-8000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
    ):
        if candidate != ctx.call.call_uuid:
            return candidate
    raise RuntimeError("unreachable")


@probe("other_account_call", "another account's live call: 404, same body as an unknown call")
def _other_account_call(ctx: ProbeContext) -> None:
    if ctx.other_account_call is None:
        raise Skip("no call of another account (OTHER_CALL_UUID, or OTHER_AUTH_ID on the mock)")
    answer = _not_found(ctx, ctx.other_account_call)
    theirs = answer.json()
    unknown = _not_found(ctx, _unknown_uuid(ctx)).json()
    if theirs.get("error") != unknown.get("error"):
        raise Violation(
            f"another account's call answers {theirs.get('error')!r}, an unknown call "
            f"{unknown.get('error')!r}: the difference leaks which UUIDs exist",
            answer,
        )


@probe("hung_up_call", "a call that has hung up is no longer live: 404")
def _hung_up_call(ctx: ProbeContext) -> None:
    if ctx.hung_up_call is None:
        raise Skip(
            "no hung-up call known: pin HUNG_UP_CALL_UUID or give a states hook (--states) "
            "that makes one"
        )
    _not_found(ctx, ctx.hung_up_call)


@probe("bleg_on_bridged_call", "leg=bleg on a bridged call is accepted and reaches the b-leg")
def _bleg_on_bridged_call(ctx: ProbeContext) -> None:
    if ctx.bridged_call is None:
        raise Skip(
            "no call known to be bridged: BRIDGED_CALL_UUID, CALL_BLEG=bridged or a states hook"
        )
    body = {"digits": "1", "leg": ctx.spec.other_leg}
    response = ctx.send_digits(body, path=ctx.digits_path(call_uuid=ctx.bridged_call))
    expect(ctx, response, ctx.send_op.success)
    expect_event(ctx, ctx.bridged_call, "1", ctx.spec.other_leg, response)


@probe("bleg_on_unbridged_call", "leg=bleg on a call with no b-leg: 404 (spec decision)")
def _bleg_on_unbridged_call(ctx: ProbeContext) -> None:
    if ctx.unbridged_call is None:
        raise Skip(
            "no call known to be unbridged: UNBRIDGED_CALL_UUID, CALL_BLEG=unbridged or a "
            "states hook"
        )
    _not_found(ctx, ctx.unbridged_call, leg=ctx.spec.other_leg)


@probe("default_leg", "without leg the digits go to the spec's default leg")
def _default_leg(ctx: ProbeContext) -> None:
    target = ctx.unbridged_call or ctx.bridged_call
    if target is None:
        raise Skip("no call whose b-leg is known")
    response = ctx.send_digits({"digits": "1"}, path=ctx.digits_path(call_uuid=target))
    expect(ctx, response, ctx.send_op.success)
    expect_event(ctx, target, "1", ctx.spec.default_leg, response)


# --- near-misses derived from the spec (nearmiss.py) -----------------------------------------


def _all_variants(
    variants: list[tuple[str, Callable[[], httpx.Response]]],
    check: Callable[[httpx.Response], None],
) -> None:
    """Send every variant, check each answer; report the first violation and how many."""
    failures: list[tuple[str, Violation]] = []
    sent = 0
    for label, send in variants:
        try:
            response = send()
        except Skip:
            continue
        sent += 1
        try:
            check(response)
        except Violation as exc:
            failures.append((label, exc))
    if not sent:
        raise Skip("negative-only: every near-miss here is a body the spec accepts")
    if failures:
        label, first = failures[0]
        raise Violation(f"{label}: {first} ({len(failures)} of {sent} near-misses)", first.response)


def _near_miss_body(ctx: ProbeContext, name: str) -> None:
    target = next(t for t in ctx.spec.pattern_targets() if t.name == name)
    base = {"digits": _valid_digits(ctx)}
    examples = target.examples
    # A valid callback URL makes the provider call it: built on the run's own receiver, or,
    # with none, on the spec's examples with only the near-misses the spec rejects sent.
    rejected_only = name == "callback_url" and ctx.callback_url is None
    if name == "callback_url" and ctx.callback_url is not None:
        examples = (ctx.callback_url,)
    if not examples:
        raise Skip(f"the spec gives no example of {name}")

    def sender(value: str) -> Callable[[], httpx.Response]:
        return lambda: ctx.send_digits({**base, name: value})

    def check(response: httpx.Response) -> None:
        body = _loads(response.request.content)
        expect(ctx, response, ctx.verdict(body))

    made = nearmiss.string_near_misses(examples)
    if target.uri:
        made += [
            (f"{examples[0]!r}: {label}", v) for label, v in nearmiss.hostless_urls(examples[0])
        ]
    if rejected_only:
        made = [m for m in made if ctx.verdict({**base, name: m[1]}) != ctx.send_op.success]
    variants = [(label, sender(value)) for label, value in made]
    _all_variants(variants, check)


def _valid_digits(ctx: ProbeContext) -> str:
    for target in ctx.spec.pattern_targets():
        if target.name == "digits" and target.examples:
            return target.examples[0]
    raise Skip("the spec gives no example of digits")


def _near_miss_path(ctx: ProbeContext, name: str) -> None:
    own = {"auth_id": ctx.call.auth_id, "call_uuid": ctx.call.call_uuid}[name]
    body = {"digits": ctx.invalid_digits() if ctx.negative_only else _valid_digits(ctx)}
    # A path parameter the spec rejects is a 400; a well-formed one that names nothing of
    # this account is the 401 (auth_id) or 404 (call_uuid) the decisions give.
    other = {"auth_id": "Unauthorized", "call_uuid": "NotFound"}[name]

    def sender(value: str) -> Callable[[], httpx.Response]:
        params = {"auth_id": ctx.call.auth_id, "call_uuid": ctx.call.call_uuid}
        params[name] = quote(value, safe="")
        path = ctx.send_op.url("", **params)
        return lambda: ctx.send_digits(body, path=path)

    def check(response: httpx.Response) -> None:
        statuses = {ctx.send_op.status_of(other), ctx.send_op.status_of("BadRequest")}
        expect(ctx, response, statuses)

    variants = [(label, sender(value)) for label, value in nearmiss.string_near_misses((own,))]
    _all_variants(variants, check)


def _register_pattern_probes() -> None:
    for target in load().pattern_targets():
        name = target.name

        def run(ctx: ProbeContext, name: str = name, location: str = target.location) -> None:
            if location == "body":
                _near_miss_body(ctx, name)
            else:
                _near_miss_path(ctx, name)

        where = "the body's" if target.location == "body" else "the path's"
        probe(
            f"near_miss_{target.location}_{name}",
            f"{where} {name} one step from valid (case, whitespace, newline, zero-width space, "
            "non-ASCII digits; a URI without its host): the spec's pattern decides",
        )(run)


_register_pattern_probes()


def _register_credential_probes() -> None:
    for key, label in nearmiss.CREDENTIAL_LABELS.items():

        def run(ctx: ProbeContext, key: str = key) -> None:
            _auth_probe(ctx, ctx.provider.near_miss_authorizations()[key])

        probe(f"credentials_{key}", f"{label}: 401")(run)


_register_credential_probes()


def _register_json_probes() -> None:
    for key, label in nearmiss.JSON_LABELS.items():

        def run(ctx: ProbeContext, key: str = key) -> None:
            raw = nearmiss.json_near_misses({"digits": _valid_digits(ctx)})[key]
            response = ctx.send_digits(raw=raw)
            expected = ctx.send_op.success if ctx.spec.accepts_raw_body(raw) else None
            expect(ctx, response, expected or ctx.send_op.status_of("BadRequest"))

        probe(f"json_{key}", f"{label} (json-body decision): 400")(run)


_register_json_probes()


# --- the answer per case (x-cases of the 202 response) --------------------------------------


@probe("async_answer", "with callback_url: 202 and the message x-cases gives (async api spawned)")
def _async_answer(ctx: ProbeContext) -> None:
    if ctx.callback_url is not None:
        response = ctx.send_digits({"digits": _valid_digits(ctx), "callback_url": ctx.callback_url})
    else:
        # async_callback's default target: a receiver of our own, where one can be reached.
        host, port, _ = _callback_probe.listen_address(ctx.provider.base_url, None, None)
        with _callback_probe.CallbackReceiver(host, port) as receiver:
            url = f"{receiver.url}?{_callback_probe.MARKER}=async_answer"
            response = ctx.send_digits({"digits": _valid_digits(ctx), "callback_url": url})
            # Its callback, if it comes while the receiver is up, is not judged here.
    expect(ctx, response, ctx.send_op.success)
    if not ctx.spec.response_cases(ctx.send_op, response.status_code):
        raise Skip("the spec gives no x-cases for the 202 answer")


@probe("sync_answer", "without callback_url: 202 and the message x-cases gives (digits sent)")
def _sync_answer(ctx: ProbeContext) -> None:
    response = ctx.send_digits({"digits": _valid_digits(ctx)})
    expect(ctx, response, ctx.send_op.success)


# --- rate limit (opt-in: it spends the provider's whole window) -----------------------------


@probe("rate_limit", "over the per-account limit within its window: 429 (opt-in)")
def _rate_limit(ctx: ProbeContext) -> None:
    if ctx.rate_limit_probe is None:
        raise Skip("opt-in: CONTRACT_RATE_LIMIT_PROBE=REQUESTS/SECONDS")
    limit, window = ctx.rate_limit_probe
    throttled = ctx.spec.list_calls.status_of("TooManyRequests")
    deadline = time.monotonic() + window
    for _ in range(limit + 1):
        response = ctx.provider.send(
            ctx.spec.list_calls.method, ctx.list_path(), throttle=False, retry=False
        )
        if response.status_code == throttled:
            conform(ctx, response, ctx.spec.list_calls)
            return
        if time.monotonic() > deadline:
            raise Skip(f"could not send {limit + 1} requests within {window} s from here")
    raise Violation(f"{limit + 1} requests within {window} s and no {throttled}", response)


# --- head and body timeouts (opt-in: each holds a connection for the whole limit) ------------

# How late after an x-limits timeout an answer may still come: a loaded machine and a network
# round trip, not slack the spec gives the provider.
TIMEOUT_GRACE_S = 5.0
# An answer to a refused head is one small error: more than this is not read.
_RAW_ANSWER_LIMIT = 64 * 1024


@contextmanager
def _raw_connection(url: httpx.URL, timeout: float) -> Iterator[socket.socket]:
    """One connection to the provider that sends bytes as given (TLS for https)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    raw = socket.create_connection((url.host, port), timeout=timeout)
    with (
        ssl.create_default_context().wrap_socket(raw, server_hostname=url.host)
        if url.scheme == "https"
        else raw
    ) as sock:
        yield sock


@probe(
    "body_timeout",
    "a body that stops arriving half-way: 400 within x-limits.body-timeout-seconds (opt-in)",
)
def _body_timeout(ctx: ProbeContext) -> None:
    limit = float(ctx.spec.limits["body-timeout-seconds"])
    grace = TIMEOUT_GRACE_S
    url = httpx.URL(ctx.provider.base_url)
    body = json.dumps({"digits": ctx.invalid_digits()}).encode()
    head = (
        f"{ctx.send_op.method} {ctx.digits_path()} HTTP/1.1\r\nHost: {url.netloc.decode()}\r\n"
        f"Authorization: {ctx.provider.authorization}\r\n"
        f"Content-Type: {ctx.spec.request_media_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    ctx.provider.budget.take()
    started = time.monotonic()
    with _raw_connection(url, limit + grace) as sock:
        sock.sendall(head + body[: len(body) // 2])
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pass
    waited = time.monotonic() - started
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    expected = ctx.send_op.status_of("BadRequest")
    # curl sends a Content-Length given with -H as is, and then only the half body.
    sent = httpx.Request(
        ctx.send_op.method,
        ctx.provider.base_url + ctx.digits_path(),
        headers={
            "Authorization": ctx.provider.authorization,
            "Content-Type": ctx.spec.request_media_type,
            "Content-Length": str(len(body)),
        },
        content=body[: len(body) // 2],
    )
    if not status_line:
        raise Violation(
            f"half a body, then silence: no answer within {waited:.1f} s "
            f"(the limit is {limit:g} s)",
            request=sent,
        )
    if status_line.split(" ")[1:2] != [str(expected)]:
        raise Violation(
            f"half a body, then silence: {status_line!r}, expected {expected}", request=sent
        )
    if waited > limit + grace:
        raise Violation(
            f"answered {expected} only after {waited:.1f} s (limit {limit:g} s)", request=sent
        )


@probe(
    "head_timeout",
    "a request head that stops before its blank line: 400 as JSON, then a close, at "
    "x-limits.head-timeout-seconds (opt-in)",
)
def _head_timeout(ctx: ProbeContext) -> None:
    limit = float(ctx.spec.limits["head-timeout-seconds"])
    url = httpx.URL(ctx.provider.base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    # The request line and one header; no credentials: a head that never ends authorises nothing.
    host = url.netloc.decode()
    partial = f"{ctx.send_op.method} {ctx.digits_path()} HTTP/1.1\r\nHost: {host}\r\n".encode()
    line = raw_reproduction(url, port, partial, limit + TIMEOUT_GRACE_S)
    sent = httpx.Request(
        ctx.send_op.method, ctx.provider.base_url + ctx.digits_path(), headers={"Host": host}
    )
    ctx.provider.budget.take()
    started = time.monotonic()
    deadline = started + limit + TIMEOUT_GRACE_S
    answer, answered_at, closed = b"", None, False
    with _raw_connection(url, limit + TIMEOUT_GRACE_S) as sock:
        sock.sendall(partial)
        # Read until the provider closes: the decision is a 400 and then a closed connection.
        while (left := deadline - time.monotonic()) > 0 and len(answer) <= _RAW_ANSWER_LIMIT:
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            answered_at = answered_at or time.monotonic()
            answer += chunk
    waited = time.monotonic() - started
    what = "a request head without its blank line, then silence"
    expected = ctx.send_op.status_of("BadRequest")
    if answered_at is None:
        if closed:
            raise Violation(
                f"{what}: closed after {waited:.1f} s without the {expected} the spec's "
                "request-limits decision gives",
                request=sent,
                reproduce=line,
            )
        raise Violation(
            f"{what}: no answer and still open after {waited:.1f} s (the limit is {limit:g} s)",
            request=sent,
            reproduce=line,
        )
    took = answered_at - started
    if took > limit + TIMEOUT_GRACE_S:
        raise Violation(
            f"{what}: answered only after {took:.1f} s (limit {limit:g} s)",
            request=sent,
            reproduce=line,
        )
    # A provider's timer starts no earlier than our clock (at its accept); a tenth off for a
    # loop that reads its clock once per iteration.
    if took < 0.9 * limit:
        raise Violation(
            f"{what}: cut after {took:.1f} s, before the {limit:g} s a head may take",
            request=sent,
            reproduce=line,
        )
    response = _raw_answer(answer, closed, sent)
    if response is None:
        raise Violation(
            f"{what}: not an HTTP answer: {_clip(answer, 1000)!r}", request=sent, reproduce=line
        )
    try:
        expect(ctx, response, expected)
    except Violation as exc:
        raise Violation(f"{what}: {exc}", response, reproduce=line) from None
    if not closed:
        raise Violation(
            f"{what}: answered {expected}, then kept the connection open "
            f"{waited - took:.1f} s more",
            response,
            reproduce=line,
        )


def _raw_answer(raw: bytes, closed: bool, request: httpx.Request) -> httpx.Response | None:
    """The answer in `raw` (h11 reads the framing: Content-Length, chunked, or the close)."""
    parser = h11.Connection(h11.CLIENT)
    target = request.url.raw_path
    parser.send(h11.Request(method=request.method, target=target, headers=[("Host", "x")]))
    parser.send(h11.EndOfMessage())
    parser.receive_data(raw)
    if closed:
        parser.receive_data(b"")
    head: h11.Response | None = None
    body = b""
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif event is h11.NEED_DATA or isinstance(
                event, (h11.EndOfMessage, h11.ConnectionClosed)
            ):
                break
    except h11.RemoteProtocolError:
        return None
    if head is None:
        return None
    headers = [(bytes(name), bytes(value)) for name, value in head.headers]
    return httpx.Response(head.status_code, headers=headers, content=body, request=request)


def raw_reproduction(url: httpx.URL, port: int, data: bytes, seconds: float) -> str:
    """A line that sends `data` as it is on one connection and prints what comes back (curl's
    telnet:// does, unchanged, until the server closes; openssl for TLS)."""
    send = f"<(printf %s {_shell_bytes(data)})"
    host = url.netloc.decode() if url.port else f"{url.netloc.decode()}:{port}"
    if url.scheme == "https":
        return (
            f"timeout {seconds:g} openssl s_client -quiet -connect {shlex.quote(host)} "
            f"-servername {shlex.quote(url.host)} < {send}"
        )
    return f"curl -sS --max-time {seconds:g} -T {send} {shlex.quote(f'telnet://{host}')}"


def selected(names: tuple[str, ...] | None) -> Iterator[Probe]:
    """The probes to run, in order; opt-in ones only when named or configured, then the
    ones that judge every answer seen before them."""
    chosen = list(PROBES) if names is None else [n for n in PROBES if n in names]
    yield from (PROBES[n] for n in chosen if n not in OPT_IN and n not in JUDGES)
    yield from (PROBES[n] for n in chosen if n in OPT_IN)
    yield from (PROBES[n] for n in chosen if n in JUDGES)


def run_probe(ctx: ProbeContext, item: Probe) -> ProbeResult:
    spent = ctx.provider.budget.spent
    started = time.monotonic()
    result = ProbeResult(item.name, item.description, "passed")
    try:
        item.run(ctx)
    except Skip as exc:
        result.outcome, result.detail = "skipped", str(exc)
    except Violation as exc:
        result.outcome, result.detail = "failed", str(exc)
        result.concerns = exc.concerns
        if exc.reproduce:
            result.reproduce = exc.reproduce
        elif exc.request is not None:
            body_file = None
            if ctx.report_dir is not None:
                body_file = ctx.report_dir / "requests" / f"{item.name}.body"
            result.reproduce = reproduction(ctx.provider, exc.request, body_file)
    except (BudgetExhausted, RateLimited) as exc:
        result.outcome, result.detail = "skipped", str(exc)
    except httpx.HTTPError as exc:
        result.outcome, result.detail = "failed", f"{type(exc).__name__}: {exc}"
    result.requests = ctx.provider.budget.spent - spent
    result.seconds = time.monotonic() - started
    return result


def run_all(ctx: ProbeContext, names: tuple[str, ...] | None) -> list[ProbeResult]:
    return [run_probe(ctx, item) for item in selected(names)]


def reproduction(provider: Provider, request: httpx.Request, body_file: Path | None = None) -> str:
    """One curl line that sends `request` again; credentials never appear in it.

    The run's own credentials become `-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"` (set them to
    replay), and a value a probe derived from them (a near-miss, Bearer) a shell expression
    over the same variables; any other Authorization value is `[Filtered]`. With `body_file`,
    what would make the line long goes to files beside it, so that the summary stays one
    screen: a body over 512 bytes (`--data-binary @FILE`), header lines over 200 (`-H @FILE`,
    one header a line), a URL over 200 (`-K FILE`, curl's config file: `url = "..."`).
    """
    # curl -X HEAD would wait for a body that never comes; -I sends a HEAD.
    parts = ["curl", "-I"] if request.method == "HEAD" else ["curl", "-X", request.method]
    long_headers: list[str] = []
    for name, value in request.headers.items():
        # A Content-Length that is not the body's own is the point of the request: keep it.
        if name.lower() == "content-length" and value != str(len(request.content)):
            pass
        elif name.lower() in _CURL_SETS:
            continue
        if name.lower() == "authorization":
            shell = provider.curl_authorization(value)
            if shell is not None:
                parts.append(shell)
                continue
            value = "[Filtered]"
        if body_file is not None and len(name) + len(value) > _INLINE_VALUE:
            long_headers.append(f"{name}: {value}")
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if long_headers and body_file is not None:
        headers_file = _beside(body_file, ".headers")
        headers_file.write_bytes(
            "".join(f"{h}\n" for h in long_headers).encode(request.headers.encoding)
        )
        parts += ["-H", shlex.quote(f"@{headers_file}")]
    content = request.content
    if content and (body_file is None or len(content) <= _INLINE_BODY):
        parts += ["--data-binary", _shell_bytes(content)]
    elif content and body_file is not None:
        body_file.parent.mkdir(parents=True, exist_ok=True)
        body_file.write_bytes(content)
        parts += ["--data-binary", shlex.quote(f"@{body_file}")]
    url = str(request.url)
    if body_file is not None and len(url) > _INLINE_VALUE:
        config = _beside(body_file, ".curlrc")
        # curl's config syntax: a double-quoted value takes backslash escapes.
        quoted = url.replace("\\", "\\\\").replace('"', '\\"')
        config.write_text(f'url = "{quoted}"\n', encoding="utf-8")
        parts += ["-K", shlex.quote(str(config))]
    else:
        parts.append(shlex.quote(url))
    return " ".join(parts)


def _beside(body_file: Path, suffix: str) -> Path:
    body_file.parent.mkdir(parents=True, exist_ok=True)
    return body_file.with_suffix(suffix)


_INLINE_BODY = 512
_INLINE_VALUE = 200
# Headers curl writes itself.
_CURL_SETS = frozenset(
    {"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"}
)


def _shell_bytes(content: bytes) -> str:
    """Bytes as one shell word: plain quoting for printable ASCII, else bash's $'...'."""
    if all(32 <= byte < 127 for byte in content):
        return shlex.quote(content.decode("ascii"))
    escaped = "".join(
        chr(byte) if 32 <= byte < 127 and chr(byte) not in "'\\" else f"\\x{byte:02x}"
        for byte in content
    )
    return f"$'{escaped}'"


# Registered here so that PROBES names it wherever this module is imported.
from . import callback_probe as _callback_probe  # noqa: E402
from . import families as _families  # noqa: E402, F401
