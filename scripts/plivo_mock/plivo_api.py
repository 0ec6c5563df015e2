"""Plivo's own operations (openapi/plivo-dtmf.yaml), once a request has passed the spec.

The decisions where Plivo is silent follow the spec's `info.x-decisions`: another
account's call and a hung-up call are 404 like an unknown one; `bleg` on a call with no
bridged other party is 404 ("b-leg not found").
"""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus

from .asgi import ApiError, Handler, Header, Mock, Reply, Request
from .auth import WWW_AUTHENTICATE
from .jsonbody import json_bytes
from .state import Call, CallbackOutcome, Event

CALL_NOT_FOUND = "call not found"
BLEG_NOT_FOUND = "b-leg not found: the call has no bridged other party"
RESET_WHILE_DELAYED = "call not found: the mock's calls were reset while the request was delayed"


def _fault_headers(status: int, request: Request) -> tuple[Header, ...]:
    """The headers the spec requires with an injected status, so it stays well-formed."""
    if status == HTTPStatus.UNAUTHORIZED:
        return (WWW_AUTHENTICATE,)
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        return ((b"allow", request.operation.method.encode("ascii")),)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return ((b"retry-after", b"1"),)
    return ()


def _phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


async def list_live_calls(app: Mock, request: Request) -> Reply:
    calls = [call.call_uuid for call in app.state.of_account(request.owner) if call.live]
    return Reply(request.operation.success, {"api_id": request.api_id, "calls": calls})


async def send_digits(app: Mock, request: Request) -> Reply:
    assert request.body is not None
    body = request.body
    call_uuid = request.params["call_uuid"]
    call = app.state.find(request.owner, call_uuid)
    if call is None:
        raise ApiError(HTTPStatus.NOT_FOUND, CALL_NOT_FOUND)
    leg = body["leg"]
    if leg == "bleg" and not call.bleg:
        raise ApiError(HTTPStatus.NOT_FOUND, BLEG_NOT_FOUND)

    fault = app.state.take_fault(call)
    if fault is not None and fault.status is not None:
        raise ApiError(
            fault.status,
            f"injected fault: {_phrase(fault.status)}",
            _fault_headers(fault.status, request),
        )
    delay_s = fault.delay_ms / 1000 if fault is not None and fault.delay_ms else 0.0
    callback_url = body.get("callback_url")

    if delay_s and callback_url is None:
        await asyncio.sleep(delay_s)
        # The call may have hung up, or been reset away, while the digits were "playing":
        # an event recorded in a call object no longer in the state is one no log shows.
        if app.state.calls.get(call_uuid) is not call:
            raise ApiError(HTTPStatus.NOT_FOUND, RESET_WHILE_DELAYED)
        if not call.live:
            raise ApiError(HTTPStatus.NOT_FOUND, CALL_NOT_FOUND)

    assert request.operation.body is not None
    event = Event.accepted(
        body["digits"],
        leg,
        time.time(),
        request.api_id,
        request.unknown_fields,
        body,
        request.operation.body.defaults,
    )
    if callback_url is not None:
        outcome = CallbackOutcome(url=callback_url, method=body["callback_method"])
        event.callback = outcome
        if app.callbacks.host_allowed(callback_url):
            app.callbacks.spawn(_report(app, call, event, outcome, delay_s))
        else:
            outcome.status = "blocked"
            outcome.error = "host not in the mock's allowed callback hosts"
    app.state.record(call, event)
    # Which message answers which body is the spec's (`x-cases` of the 202), not ours.
    fields = next((a.fields for a in request.operation.answers if a.request.is_valid(body)), {})
    if fault is not None and fault.message is not None:
        fields = {**fields, "message": fault.message}
    return Reply(request.operation.success, json_bytes({**fields, "api_id": request.api_id}))


async def _report(
    app: Mock, call: Call, event: Event, outcome: CallbackOutcome, delay_s: float
) -> None:
    if delay_s:
        await asyncio.sleep(delay_s)
    payload = {
        "api_id": event.api_id,
        "call_uuid": call.call_uuid,
        "digits": event.digits,
        "leg": event.leg,
        "status": "sent" if call.live else "failed",
    }
    await app.callbacks.deliver(outcome, payload, app.state.accounts[call.owner].auth_token)


HANDLERS: dict[str, Handler] = {
    "listLiveCalls": list_live_calls,
    "sendDigits": send_digits,
}
