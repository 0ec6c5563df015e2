"""The generated client against the mock Plivo, a real server on loopback.

Uses the session's `python -m plivo_mock` (tests/conftest.py), reset before each test, and
its control API to read what the server recorded and to inject faults: this is where "a
retried POST can play the digits twice" is shown for real.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import Leg, SendDigitsAccepted, SendDigitsRequest
from plivo_mock.config import (
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    UNBRIDGED_CALL_UUID,
)
from plivo_mock.testing import MockServer


def ours(server: MockServer, **options: Any) -> Client:
    return Client(
        EMBEDDED_AUTH_ID,
        options.pop("auth_token", EMBEDDED_AUTH_TOKEN),
        base_url=server.base_url,
        httpx_args={"trust_env": False},
        **options,
    )


def events(live: httpx.Client, call_uuid: str = BRIDGED_CALL_UUID) -> list[dict[str, Any]]:
    answer = live.get(f"/__mock__/calls/{call_uuid}/events")
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["events"]
    return found


def inject(live: httpx.Client, **fault: Any) -> None:
    answer = live.post("/__mock__/faults", json={"call_uuid": BRIDGED_CALL_UUID, **fault})
    assert answer.status_code == 201, answer.text


def send(client: Client, call_uuid: str = BRIDGED_CALL_UUID, **body: Any) -> SendDigitsAccepted:
    body.setdefault("digits", "8743#")
    return send_digits.sync(call_uuid, client=client, body=SendDigitsRequest(**body))


def test_digits_sent_are_recorded_once_by_the_mock(server: MockServer, live: httpx.Client) -> None:
    with ours(server) as client:
        sent = send(client, leg=Leg.BLEG)
    (event,) = events(live)
    assert (event["digits"], event["leg"], event["api_id"]) == ("8743#", "bleg", sent.api_id)


def test_live_calls_listed_by_the_mock_can_be_sent_to(
    server: MockServer, live: httpx.Client
) -> None:
    with ours(server) as client:
        calls = list_live_calls.sync(client=client).calls
        assert set(calls) >= {BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID}
        send(client, call_uuid=UNBRIDGED_CALL_UUID)
    assert len(events(live, UNBRIDGED_CALL_UUID)) == 1


def test_bleg_without_a_bridge_raises_not_found(server: MockServer, live: httpx.Client) -> None:
    with ours(server) as client, pytest.raises(errors.NotFoundError) as caught:
        send(client, call_uuid=UNBRIDGED_CALL_UUID, leg=Leg.BLEG)
    assert caught.value.api_id is not None
    assert caught.value.error


def test_wrong_token_raises_authentication_error(server: MockServer, live: httpx.Client) -> None:
    with ours(server, auth_token="not-the-token") as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            send(client)
    assert caught.value.response.headers["WWW-Authenticate"].startswith("Basic")
    assert events(live) == []


def test_injected_429_is_retried_and_the_digits_play_once(
    server: MockServer, live: httpx.Client
) -> None:
    inject(live, count=1, status=429)
    delays: list[float] = []
    with ours(server, sleep=delays.append) as client:
        send(client)
    assert len(delays) == 1
    assert len(events(live)) == 1


def test_injected_503_is_not_retried_and_nothing_plays(
    server: MockServer, live: httpx.Client
) -> None:
    inject(live, count=1, status=503)
    delays: list[float] = []
    with ours(server, sleep=delays.append) as client, pytest.raises(errors.ServerError) as caught:
        send(client)
    assert (caught.value.status_code, delays) == (503, [])
    assert events(live) == []


def test_read_timeout_is_not_retried_because_the_digits_may_play(
    server: MockServer, live: httpx.Client
) -> None:
    inject(live, count=1, delay_ms=1500)
    with ours(server, timeout=httpx.Timeout(0.3, connect=5.0)) as client:
        with pytest.raises(errors.APITimeoutError):
            send(client)
    # The mock plays the digits once the delay is over: poll for it, with a deadline.
    deadline = time.monotonic() + 10.0
    while not events(live) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(events(live)) == 1


def test_asyncio_send_reaches_the_mock(server: MockServer, live: httpx.Client) -> None:
    async def main() -> SendDigitsAccepted:
        async with ours(server) as client:
            body = SendDigitsRequest(digits="0")
            return await send_digits.asyncio(BRIDGED_CALL_UUID, client=client, body=body)

    sent = asyncio.run(main())
    (event,) = events(live)
    assert (event["digits"], event["leg"], event["api_id"]) == ("0", "aleg", sent.api_id)
