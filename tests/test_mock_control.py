"""The control API under /__mock__/: calls, events, reset, faults (openapi/mock-control.yaml)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from plivo_mock.app import MockApp
from plivo_mock.config import (
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    UNBRIDGED_CALL_UUID,
)
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio


async def event_digits(client: httpx.AsyncClient, call_uuid: str) -> list[str]:
    answer = await client.get(f"/__mock__/calls/{call_uuid}/events")
    return [event["digits"] for event in answer.json()["events"]]


async def fault(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/__mock__/faults", json={"call_uuid": BRIDGED_CALL_UUID, **body})


async def test_health_is_ok(client: httpx.AsyncClient) -> None:
    answer = await client.get("/__mock__/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


async def test_list_calls_shows_the_start_up_calls(client: httpx.AsyncClient) -> None:
    calls = (await client.get("/__mock__/calls")).json()["calls"]
    assert [(c["call_uuid"], c["bleg"], c["live"]) for c in calls] == [
        (BRIDGED_CALL_UUID, True, True),
        (UNBRIDGED_CALL_UUID, False, True),
    ]


async def test_create_call_with_bleg_answers_201_and_the_call_takes_digits(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/__mock__/calls", json={"bleg": True})
    assert created.status_code == 201
    call_uuid = created.json()["call_uuid"]
    answer = await client.post(dtmf_path(call_uuid), json={"digits": "1", "leg": "bleg"})
    assert answer.status_code == 202


async def test_create_call_without_body_has_no_bleg(client: httpx.AsyncClient) -> None:
    created = await client.post("/__mock__/calls")
    assert created.status_code == 201 and created.json()["bleg"] is False


async def test_create_call_with_unknown_field_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post("/__mock__/calls", json={"b_leg": True})
    assert answer.status_code == 400 and "b_leg" in answer.json()["error"]


async def test_call_limit_is_409(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(max_calls_per_account=3))
    assert (await client.post("/__mock__/calls")).status_code == 201
    answer = await client.post("/__mock__/calls")
    assert answer.status_code == 409 and "call limit" in answer.json()["error"]


async def test_hang_up_twice_is_404_the_second_time(client: httpx.AsyncClient) -> None:
    assert (await client.delete(f"/__mock__/calls/{UNBRIDGED_CALL_UUID}")).status_code == 204
    assert (await client.delete(f"/__mock__/calls/{UNBRIDGED_CALL_UUID}")).status_code == 404


async def test_bridge_unknown_call_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"/__mock__/calls/{uuid.UUID(int=9)}/bridge")
    assert answer.status_code == 404


async def test_events_of_malformed_uuid_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.get("/__mock__/calls/not-a-uuid/events")
    assert answer.status_code == 400 and answer.json()["error"].startswith("call_uuid: ")


async def test_reset_restores_start_up_calls_and_clears_events(client: httpx.AsyncClient) -> None:
    await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    await client.delete(f"/__mock__/calls/{BRIDGED_CALL_UUID}")
    created = (await client.post("/__mock__/calls")).json()["call_uuid"]
    assert (await client.post("/__mock__/reset")).status_code == 204
    calls = [c["call_uuid"] for c in (await client.get("/__mock__/calls")).json()["calls"]]
    assert calls == [BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID] and created not in calls
    assert await event_digits(client, BRIDGED_CALL_UUID) == []


async def test_fault_status_answers_that_status_n_times_and_records_nothing(
    client: httpx.AsyncClient,
) -> None:
    armed = await fault(client, count=2, status=500)
    assert armed.status_code == 201 and armed.json()["count"] == 2
    statuses = [
        (await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": str(n)})).status_code
        for n in range(3)
    ]
    assert statuses == [500, 500, 202]
    assert await event_digits(client, BRIDGED_CALL_UUID) == ["2"]


async def test_fault_status_body_is_plivo_shaped_and_says_injected(
    client: httpx.AsyncClient,
) -> None:
    await fault(client, status=403)
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert answer.status_code == 403
    assert answer.json()["error"] == "injected fault: 403 Forbidden"


async def test_fault_503_is_allowed_though_undocumented(
    app: MockApp, client: httpx.AsyncClient, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    # Unchecked client: 503 is deliberately absent from the Plivo spec.
    raw = client_for(app, checked=False)
    await fault(client, status=503)
    answer = await raw.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert answer.status_code == 503
    assert set(answer.json()) == {"api_id", "error"}


async def test_fault_401_carries_www_authenticate(client: httpx.AsyncClient) -> None:
    await fault(client, status=401)
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Basic")


async def test_fault_applies_only_to_requests_that_would_be_accepted(
    client: httpx.AsyncClient,
) -> None:
    await fault(client, count=1, status=500)
    bad = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "x"})
    assert bad.status_code == 400
    faulted = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert faulted.status_code == 500


async def test_fault_delay_holds_the_answer_then_records_normally(
    client: httpx.AsyncClient,
) -> None:
    await fault(client, delay_ms=300)
    started = time.monotonic()
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "7"})
    assert answer.status_code == 202
    assert time.monotonic() - started >= 0.3
    assert await event_digits(client, BRIDGED_CALL_UUID) == ["7"]


async def test_call_hung_up_during_a_delay_is_404_and_records_nothing(
    app: MockApp, client: httpx.AsyncClient
) -> None:
    await fault(client, delay_ms=1000)
    result: dict[str, httpx.Response] = {}

    async def send() -> None:
        result["answer"] = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "7"})

    async with anyio.create_task_group() as group:
        group.start_soon(send)
        # The fault is consumed when the request starts waiting: hang up then.
        with anyio.fail_after(5):
            while app.state.calls[BRIDGED_CALL_UUID].fault is not None:
                await anyio.sleep(0.005)
        await client.delete(f"/__mock__/calls/{BRIDGED_CALL_UUID}")
    assert result["answer"].status_code == 404
    assert await event_digits(client, BRIDGED_CALL_UUID) == []


async def test_reset_during_a_delay_never_answers_202_for_an_event_it_discarded(
    app: MockApp, client: httpx.AsyncClient
) -> None:
    await fault(client, delay_ms=1000)
    result: dict[str, httpx.Response] = {}

    async def send() -> None:
        result["answer"] = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "7"})

    async with anyio.create_task_group() as group:
        group.start_soon(send)
        with anyio.fail_after(5):
            while app.state.calls[BRIDGED_CALL_UUID].fault is not None:
                await anyio.sleep(0.005)
        assert (await client.post("/__mock__/reset")).status_code == 204
    answer = result["answer"]
    recorded = await event_digits(client, BRIDGED_CALL_UUID)
    # The call the request addressed was reset away: a 202 would promise an event that no
    # log shows, and recording it in the fresh call would leak it across the reset.
    assert (answer.status_code, recorded) == (404, []), answer.text
    assert "reset" in answer.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"status": 500, "delay_ms": 10},
        {},
        {"status": 302},
        {"status": 500, "count": 0},
        {"delay_ms": 60001},
    ],
)
async def test_bad_fault_requests_are_400(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await fault(client, **body)).status_code == 400


async def test_fault_on_unknown_call_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/__mock__/faults", json={"call_uuid": str(uuid.UUID(int=3)), "status": 500}
    )
    assert answer.status_code == 404


# -- who may use it ----------------------------------------------------------------------

AUTH = (EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)


def peer(app: MockApp, host: str) -> httpx.AsyncClient:
    """A client of the app whose connections come from `host`, with the default account."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)),
        base_url="http://mock",
        auth=AUTH,
    )


async def test_control_api_is_an_unknown_path_to_peers_not_on_loopback(app: MockApp) -> None:
    async with peer(app, "192.0.2.10") as remote:
        reset = await remote.post("/__mock__/reset")
        wrong_method = await remote.put("/__mock__/calls")
        unknown = await remote.post("/__mock__/no-such-path")
        digits = await remote.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    # The same answer as a path that does not exist: no 405, no Allow, no 401.
    for answer in (reset, wrong_method, unknown):
        assert answer.status_code == 404
        assert "allow" not in answer.headers and "www-authenticate" not in answer.headers
        assert answer.json()["error"].startswith("no such resource: /__mock__/")
    assert digits.status_code == 202, "Plivo's API stays open to any peer"


async def test_a_path_a_loopback_peer_used_stays_unknown_to_other_peers(app: MockApp) -> None:
    # The mock remembers which route a path addresses; who asks is checked every time.
    async with peer(app, "127.0.0.1") as local, peer(app, "192.0.2.10") as remote:
        assert (await local.get("/__mock__/calls")).status_code == 200
        assert (await remote.get("/__mock__/calls")).status_code == 404
        assert (await local.get("/__mock__/calls")).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
async def test_control_api_answers_every_loopback_address(app: MockApp, host: str) -> None:
    async with peer(app, host) as local:
        assert (await local.get("/__mock__/calls")).status_code == 200


async def test_control_api_answers_any_peer_when_configured(
    make_app: Callable[..., MockApp],
) -> None:
    async with peer(make_app(control_loopback_only=False), "192.0.2.10") as remote:
        assert (await remote.get("/__mock__/calls")).status_code == 200


async def test_fault_message_answers_202_with_it_and_plays_the_digits(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(app, checked=False)  # the fault's answer is outside the spec's enum
    armed = await fault(client, message="digits queued")
    assert armed.status_code == 201
    assert armed.json() == {"call_uuid": BRIDGED_CALL_UUID, "count": 1, "message": "digits queued"}
    answers = [
        await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": str(n)}) for n in range(2)
    ]
    assert [(a.status_code, a.json()["message"]) for a in answers] == [
        (202, "digits queued"),
        (202, "digits sent"),  # strict again once the fault is used
    ]
    assert await event_digits(client, BRIDGED_CALL_UUID) == ["0", "1"]
