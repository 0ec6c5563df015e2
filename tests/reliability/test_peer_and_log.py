"""Who the peer is and what the access log says about it: the TCP peer, escaped."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from .mockproc import ACCOUNT_A, HOST, MockProcess, start_mock
from .rawhttp import RawResponse, exchange


def _get(mock: MockProcess, target: str, *headers: str) -> RawResponse:
    extra = "".join(f"{header}\r\n" for header in headers)
    answer = exchange(
        HOST,
        mock.port,
        f"GET {target} HTTP/1.1\r\nHost: {HOST}\r\n{extra}Connection: close\r\n\r\n".encode(),
        timeout=5,
    )
    assert isinstance(answer, RawResponse), answer
    return answer


def test_forwarding_headers_neither_lock_out_nor_let_in_and_the_log_names_the_tcp_peer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn trusts X-Forwarded-For from the peers this names; `*` would let any peer
    # claim to be loopback, and a loopback peer naming another host was locked out.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    mock = start_mock(tmp_path, ("--no-rate-limit",))
    try:
        marker = f"/__mock__/calls/{uuid.uuid4()}/events"
        answers = [
            _get(mock, "/__mock__/health", "X-Forwarded-For: 10.1.2.3"),
            _get(mock, "/__mock__/health", "Forwarded: for=10.1.2.3", "X-Real-IP: 10.1.2.3"),
            _get(mock, marker, "X-Forwarded-For: 10.1.2.3", "X-Forwarded-Proto: https"),
        ]
    finally:
        mock.terminate()
    assert [answer.status for answer in answers[:2]] == [200, 200]
    assert answers[2].status == 401  # the control API exists for this peer; no credentials
    [line] = [line for line in mock.log().splitlines() if marker in line]
    assert f" {HOST}:" in line and "10.1.2.3" not in line


def test_a_path_cannot_forge_a_line_of_the_access_log(mock: MockProcess) -> None:
    forged = f"forged-{uuid.uuid4()}"
    targets = [
        f"/v1/Account/{ACCOUNT_A.auth_id}/%0A{forged}%20%22GET%20/%22%20202",
        f"/x%0D{forged}%1B[2J%22%5C",
        f"/%E2%80%A8{forged}%00",
    ]
    for target in targets:
        assert _get(mock, target).status == 404
    lines = [line for line in mock.log().splitlines() if forged in line]
    assert len(lines) == len(targets), lines
    for line in lines:
        assert "plivo_mock.access" in line and '"GET /' in line, line
        assert line.isprintable() and line.isascii(), line
        assert " 404 " in line
