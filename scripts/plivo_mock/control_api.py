"""The mock's control API (openapi/mock-control.yaml), once a request has passed it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from .asgi import ApiError, Handler, Mock, Reply, Request
from .plivo_api import CALL_NOT_FOUND
from .state import Call, CallLimitReached, Fault


def _call(app: Mock, request: Request, call_uuid: str, *, live: bool = True) -> Call:
    call = app.state.find(request.owner, call_uuid, live=live)
    if call is None:
        raise ApiError(HTTPStatus.NOT_FOUND, CALL_NOT_FOUND)
    return call


def _body(request: Request) -> dict[str, Any]:
    """The body with the spec's defaults, also when an optional body was left out."""
    if request.body is not None:
        return request.body
    assert request.operation.body is not None
    return dict(request.operation.body.defaults)


async def health(app: Mock, request: Request) -> Reply:
    return Reply(request.operation.success, {"status": "ok"})


async def list_calls(app: Mock, request: Request) -> Reply:
    calls = [call.summary() for call in app.state.of_account(request.owner)]
    return Reply(request.operation.success, {"calls": calls})


async def create_call(app: Mock, request: Request) -> Reply:
    try:
        call = app.state.create_call(request.owner, bool(_body(request)["bleg"]))
    except CallLimitReached:
        limit = app.state.max_calls_per_account
        raise ApiError(
            HTTPStatus.CONFLICT, f"call limit reached ({limit} calls); reset the account"
        ) from None
    return Reply(request.operation.success, call.summary())


async def hang_up(app: Mock, request: Request) -> Reply:
    app.state.hang_up(_call(app, request, request.params["call_uuid"]))
    return Reply(request.operation.success, None)


async def bridge(app: Mock, request: Request) -> Reply:
    call = _call(app, request, request.params["call_uuid"])
    app.state.bridge(call)
    return Reply(request.operation.success, call.summary())


async def list_events(app: Mock, request: Request) -> Reply:
    call = _call(app, request, request.params["call_uuid"], live=False)
    body = {
        "call_uuid": call.call_uuid,
        "events": [event.to_json() for event in call.events],
        "dropped": call.dropped_events,
    }
    return Reply(request.operation.success, body)


async def reset(app: Mock, request: Request) -> Reply:
    app.state.reset(request.owner)
    if app.limiter is not None:
        app.limiter.forget(request.owner)
    return Reply(request.operation.success, None)


async def inject_fault(app: Mock, request: Request) -> Reply:
    body = _body(request)
    call = _call(app, request, body["call_uuid"])
    # JSON Schema's integer admits 2.0; the state wants ints.
    count = int(body["count"])
    status = int(body["status"]) if "status" in body else None
    delay_ms = int(body["delay_ms"]) if "delay_ms" in body else None
    message = body.get("message")
    app.state.set_fault(
        call, Fault(remaining=count, status=status, delay_ms=delay_ms, message=message)
    )
    armed: dict[str, Any] = {"call_uuid": call.call_uuid, "count": count}
    given = {"status": status, "delay_ms": delay_ms, "message": message}
    armed.update({key: value for key, value in given.items() if value is not None})
    return Reply(request.operation.success, armed)


HANDLERS: dict[str, Handler] = {
    "health": health,
    "listCalls": list_calls,
    "createCall": create_call,
    "hangUp": hang_up,
    "bridge": bridge,
    "listEvents": list_events,
    "reset": reset,
    "injectFault": inject_fault,
}
