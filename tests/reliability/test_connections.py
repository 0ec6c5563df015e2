"""Connection-level edges: pipelined garbage after a valid request, bodies that never end."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

from .answers import error_problems
from .mockproc import ACCOUNT_A, HOST, Control, MockProcess, start_mock
from .rawhttp import Closed, RawResponse, exchange, exchange_many

STALL_ANSWER_DEADLINE_S = 3.0


def _request(call_uuid: str, body: bytes, *, declared: int | None = None) -> bytes:
    basic = base64.b64encode(f"{ACCOUNT_A.auth_id}:{ACCOUNT_A.auth_token}".encode()).decode()
    return (
        f"POST /v1/Account/{ACCOUNT_A.auth_id}/Call/{call_uuid}/DTMF/ HTTP/1.1\r\n"
        f"Host: {HOST}\r\nAuthorization: Basic {basic}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) if declared is None else declared}\r\n\r\n"
    ).encode() + body


def test_valid_request_then_garbage_on_one_connection_answers_what_it_records(
    mock: MockProcess, control_a: Control
) -> None:
    call = control_a.create_call()
    answers = exchange_many(
        HOST, mock.port, _request(call, b'{"digits":"1"}') + b"GARBAGE\r\n\r\n", count=2, timeout=5
    )
    accepted = [a for a in answers if isinstance(a, RawResponse) and a.status == 202]
    recorded = control_a.events(call)
    assert [json.loads(a.body)["api_id"] for a in accepted] == [e["api_id"] for e in recorded]
    assert isinstance(answers[0], RawResponse) and answers[0].status == 202
    # Then the garbage, answered in its turn as JSON like every other error.
    assert isinstance(answers[1], RawResponse) and answers[1].status == 400
    assert error_problems(answers[1]) == []


def test_valid_request_then_malformed_chunked_body_answers_the_first_before_the_400(
    mock: MockProcess, control_a: Control
) -> None:
    """A framing error inside the body of a pipelined request waits its turn, like one in
    its headers: the complete request before it is answered first."""
    call = control_a.create_call()
    chunked = _request(call, b"").replace(
        b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n"
    )
    answers = exchange_many(
        HOST,
        mock.port,
        _request(call, b'{"digits":"1"}') + chunked + b"ZZ\r\nxx\r\n",
        count=2,
        timeout=5,
    )
    recorded = control_a.events(call)
    assert [e["digits"] for e in recorded] == ["1"]
    assert isinstance(answers[0], RawResponse) and answers[0].status == 202, answers
    assert json.loads(answers[0].body)["api_id"] == recorded[0]["api_id"]
    assert isinstance(answers[1], RawResponse) and answers[1].status == 400, answers
    assert error_problems(answers[1]) == []


def test_body_that_stops_arriving_is_answered_4xx_after_the_body_timeout(
    tmp_path: Path,
) -> None:
    mock = start_mock(tmp_path, ("--no-rate-limit", "--body-timeout", "0.5"))
    control = Control(mock.base_url, ACCOUNT_A)
    try:
        call = control.create_call()
        answer = exchange(
            HOST,
            mock.port,
            _request(call, b'{"dig', declared=15),
            timeout=STALL_ANSWER_DEADLINE_S,
        )
        assert not isinstance(answer, Closed), answer.reason
        # x-decisions.request-limits: a 400 (HTTP's 408 is not among Plivo's statuses).
        assert answer.status == 400
        assert error_problems(answer) == []
        assert answer.header("Connection") == "close"
        assert control.events(call) == []
    finally:
        control.close()
        mock.terminate()


def test_body_abandoned_halfway_records_nothing_and_the_server_serves_on(
    mock: MockProcess, control_a: Control
) -> None:
    call = control_a.create_call()
    with socket.create_connection((HOST, mock.port), timeout=5) as sock:
        sock.sendall(_request(call, b'{"digits":', declared=15))
    answer = exchange(HOST, mock.port, _request(call, b'{"digits":"2"}'), timeout=5)
    assert isinstance(answer, RawResponse) and answer.status == 202
    assert [event["digits"] for event in control_a.events(call)] == ["2"]
