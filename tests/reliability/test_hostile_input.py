"""Every request of the hostile corpus, byte for byte over a real socket to the mock process.

Each must get a documented 4xx with a Plivo-shaped JSON body, record no DTMF event on any
call of either account, and leave the server serving.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from plivo_mock.config import BODY_LIMIT_BYTES

from . import corpus
from .answers import documented_client_errors, error_problems
from .mockproc import ACCOUNT_A, ACCOUNT_B, ACCOUNT_B_CALL, HOST, Control, MockProcess
from .rawhttp import Closed, exchange

CASES = corpus.load()
ANSWER_TIMEOUT_S = 5.0


def _basic(user: str, token: str) -> str:
    return base64.b64encode(f"{user}:{token}".encode()).decode()


@pytest.fixture(scope="module")
def context(mock: MockProcess, control_a: Control) -> dict[str, str]:
    """The corpus placeholders, with calls of its own on the shared mock."""
    call = control_a.create_call(bleg=False)
    hung_up = control_a.create_call(bleg=False)
    control_a.hang_up(hung_up)
    token = ACCOUNT_A.auth_token
    return {
        "host": f"{HOST}:{mock.port}",
        "auth_id": ACCOUNT_A.auth_id,
        "auth_id_lower": ACCOUNT_A.auth_id.lower(),
        "token": token,
        "token_truncated": token[:-1],
        "token_upper": token.upper(),
        "basic_b64": _basic(ACCOUNT_A.auth_id, token),
        "basic": "Basic " + _basic(ACCOUNT_A.auth_id, token),
        "basic_16k": "Basic " + "QUFB" * 4096,
        "call_uuid": call,
        "call_uuid_upper": call.upper(),
        "call_uuid_nodash": call.replace("-", ""),
        "bridged_call_uuid": control_a.create_call(bleg=True),
        "hungup_call_uuid": hung_up,
        "other_auth_id": ACCOUNT_B.auth_id,
        "other_token": ACCOUNT_B.auth_token,
        "other_basic": "Basic " + _basic(ACCOUNT_B.auth_id, ACCOUNT_B.auth_token),
        "other_call_uuid": ACCOUNT_B_CALL,
        "long_segment": "a" * 65536,
        "segment_32k": "a" * 32768,
        "long_method": "P" * 1000,
    }


@pytest.fixture(scope="module")
def canary(mock: MockProcess, control_a: Control) -> Iterator[tuple[httpx.Client, str]]:
    """A client and a call of its own, to show the server still accepts valid requests."""
    call = control_a.create_call(bleg=False)
    with httpx.Client(
        base_url=mock.base_url, auth=ACCOUNT_A.httpx_auth, timeout=5.0, trust_env=False
    ) as client:
        yield client, call


def _event_counts(*controls: Control) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    for control in controls:
        counts.update(control.event_counts())
    return counts


def _params() -> list[object]:
    params: list[object] = []
    for case in CASES:
        marks = (
            [pytest.mark.xfail(strict=True, reason=f"finding: {case.finding}")]
            if case.finding
            else []
        )
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_hostile_request_gets_documented_json_4xx_and_records_nothing(
    case: corpus.Case,
    mock: MockProcess,
    context: dict[str, str],
    control_a: Control,
    control_b: Control,
    canary: tuple[httpx.Client, str],
) -> None:
    before = _event_counts(control_a, control_b)

    answer = exchange(
        HOST,
        mock.port,
        case.render(context),
        timeout=ANSWER_TIMEOUT_S,
        half_close=case.half_close,
        response_to_head=case.is_head,
    )

    if case.expect.closed:
        assert isinstance(answer, Closed), f"expected no answer, got {answer}"
    else:
        assert not isinstance(answer, Closed), f"no answer ({answer.reason})"
        assert case.expect.allows(answer.status), (
            f"status {answer.status}, expected {case.expect}: {answer.body[:300]!r}"
        )
        assert answer.status in documented_client_errors(), f"{answer.status} is undocumented"
        assert error_problems(answer, head=case.is_head) == []
    assert _event_counts(control_a, control_b) == before, "an event was recorded"
    client, call = canary
    still = client.post(f"/v1/Account/{ACCOUNT_A.auth_id}/Call/{call}/DTMF/", json={"digits": "1"})
    assert still.status_code == 202, still.text


def test_body_of_exactly_the_limit_is_accepted(
    mock: MockProcess, context: dict[str, str], control_a: Control
) -> None:
    """The boundary below body_of_8193_bytes: the limit is inclusive."""
    call = control_a.create_call()
    body = b'{"digits":"1"}'.ljust(BODY_LIMIT_BYTES, b" ")
    basic = context["basic"]
    request = (
        f"POST /v1/Account/{ACCOUNT_A.auth_id}/Call/{call}/DTMF/ HTTP/1.1\r\n"
        f"Host: {context['host']}\r\nAuthorization: {basic}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    answer = exchange(HOST, mock.port, request, timeout=ANSWER_TIMEOUT_S)
    assert not isinstance(answer, Closed) and answer.status == 202
    assert len(control_a.events(call)) == 1
