"""The generated client against the mock process's injected faults.

What proves "sent once" is the mock's own record: the call's DTMF events (a faulted
request records nothing, an accepted one records one event) and its access log, which
has one line per request the server saw.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest

from .mockproc import ACCOUNT_A, Control, MockProcess

LOG_DEADLINE_S = 5.0
SLOW_ANSWER_MS = 2000


def _client(mock: MockProcess, sleeps: list[float], **options: object) -> Client:
    return Client(
        auth_id=ACCOUNT_A.auth_id,
        auth_token=ACCOUNT_A.auth_token,
        base_url=mock.base_url,
        sleep=sleeps.append,
        random=lambda: 0.0,
        **options,  # type: ignore[arg-type]
    )


def _send(client: Client, call_uuid: str) -> str:
    with client:
        return send_digits.sync(
            call_uuid=call_uuid, body=SendDigitsRequest(digits="1"), client=client
        ).api_id


def _statuses_seen(mock: MockProcess, call_uuid: str) -> list[int]:
    """Statuses of the DTMF requests on the call, from the access log, in order.

    A sentinel request sent now bounds what can still be unlogged: the server logs each
    request right after answering it, before it reads newer ones.
    """
    sentinel = f"/__mock__/sentinel/{uuid.uuid4()}"
    assert httpx.get(mock.base_url + sentinel, trust_env=False).status_code == 404
    deadline = time.monotonic() + LOG_DEADLINE_S
    while sentinel not in (log := mock.log()):
        if time.monotonic() > deadline:
            raise AssertionError("the sentinel request never reached the access log")
        time.sleep(0.02)
    line = re.compile(rf'"POST /v1/Account/\w+/Call/{call_uuid}/DTMF/" (\d{{3}}) ')
    return [int(status) for status in line.findall(log)]


def _wait_for_events(control: Control, call_uuid: str, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + LOG_DEADLINE_S
    while True:
        events = control.events(call_uuid)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.02)


def test_client_times_out_on_a_slow_answer_and_does_not_resend(
    mock: MockProcess, control_a: Control
) -> None:
    call = control_a.create_call()
    control_a.inject_fault(call, count=1, delay_ms=SLOW_ANSWER_MS)
    sleeps: list[float] = []
    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError):
        _send(_client(mock, sleeps, timeout=0.3), call)
    # Far below the delay even on a loaded machine: the client did not wait for the answer.
    assert time.monotonic() - started < SLOW_ANSWER_MS / 1000 * 0.8
    # The held request is recorded when its delay ends; a resend would have been
    # answered at once (the fault was for one request) and recorded before it.
    events = _wait_for_events(control_a, call, 1)
    assert len(events) == 1
    assert sleeps == []


def test_client_retries_429_after_retry_after_and_sends_once(
    mock: MockProcess, control_a: Control
) -> None:
    call = control_a.create_call()
    control_a.inject_fault(call, count=2, status=429)
    sleeps: list[float] = []
    api_id = _send(_client(mock, sleeps), call)
    assert sleeps == [1.0, 1.0], "the mock's Retry-After: 1 was not honoured"
    assert [event["api_id"] for event in control_a.events(call)] == [api_id]
    assert _statuses_seen(mock, call) == [429, 429, 202]


def test_client_gives_up_on_429_after_max_retries(mock: MockProcess, control_a: Control) -> None:
    call = control_a.create_call()
    control_a.inject_fault(call, count=5, status=429)
    sleeps: list[float] = []
    with pytest.raises(errors.RateLimitError):
        _send(_client(mock, sleeps, max_retries=2), call)
    assert len(sleeps) == 2
    assert control_a.events(call) == []
    assert _statuses_seen(mock, call) == [429, 429, 429]


def test_client_does_not_resend_after_a_5xx_by_default(
    mock: MockProcess, control_a: Control
) -> None:
    call = control_a.create_call()
    # One faulted request: a resend would be accepted and recorded.
    control_a.inject_fault(call, count=1, status=503)
    sleeps: list[float] = []
    with pytest.raises(errors.ServerError) as raised:
        _send(_client(mock, sleeps), call)
    assert raised.value.status_code == 503
    assert control_a.events(call) == []
    assert _statuses_seen(mock, call) == [503]
    assert sleeps == []


def test_client_with_server_retries_opted_in_resends_and_logs_it(
    mock: MockProcess, control_a: Control, caplog: pytest.LogCaptureFixture
) -> None:
    call = control_a.create_call()
    control_a.inject_fault(call, count=1, status=503)
    sleeps: list[float] = []
    with caplog.at_level(logging.INFO, logger="plivo_dtmf_client"):
        api_id = _send(_client(mock, sleeps, retry_server_errors=True), call)
    assert [event["api_id"] for event in control_a.events(call)] == [api_id]
    assert _statuses_seen(mock, call) == [503, 202]
    retries = [r.getMessage() for r in caplog.records if r.name == "plivo_dtmf_client"]
    assert len(retries) == 1 and "503" in retries[0], retries
