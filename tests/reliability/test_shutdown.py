"""SIGTERM while requests are in flight and others keep coming: answers complete, exit 0."""

from __future__ import annotations

import asyncio
import base64
import http.client
import os
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from .answers import error_problems
from .mockproc import ACCOUNT_A, HOST, Control, MockProcess, start_mock
from .rawhttp import RawResponse

SLOW_REQUESTS = 10
SLOW_DELAY_MS = 1500
LOAD_CLIENTS = 10
ANSWERS_BEFORE_SIGTERM = 50
MAX_REQUESTS_PER_LOAD_CLIENT = 2000
DEADLINE_S = 15.0
# A prompt stop, yet longer than any graceful-shutdown timeout the fix would choose.
STALLED_EXIT_DEADLINE_S = 4.0


@dataclass
class Outcomes:
    slow: list[httpx.Response | BaseException] = field(default_factory=list)
    load_answers: Counter[int] = field(default_factory=Counter)
    load_errors: Counter[str] = field(default_factory=Counter)
    exit_status: int | None = None
    # Per call, how many 202s the mock's access log says it sent.
    logged_202: Counter[str] = field(default_factory=Counter)


def _path(call_uuid: str) -> str:
    return f"/v1/Account/{ACCOUNT_A.auth_id}/Call/{call_uuid}/DTMF/"


def _client(mock: MockProcess) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=mock.base_url,
        auth=ACCOUNT_A.httpx_auth,
        timeout=DEADLINE_S,
        limits=httpx.Limits(max_connections=1),
        trust_env=False,
    )


def _unread_server_sockets(port: int) -> tuple[int, int]:
    """(established connections to `port`, how many hold bytes the server has not read)."""
    established = unread = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":
                established += 1
                unread += int(fields[4].split(":")[1], 16) > 0
    return established, unread


async def _wait_until_read(port: int, connections: int) -> None:
    """Until `connections` requests sit in the server: their bytes all read from the sockets.

    httptools parses a request as soon as its bytes are read and uvicorn starts the app at
    once, so an empty receive queue on every connection means every request is in the app.
    """
    deadline = time.monotonic() + DEADLINE_S
    while _unread_server_sockets(port) != (connections, 0):
        if time.monotonic() > deadline:
            raise AssertionError(f"requests not read by the server: {_unread_server_sockets(port)}")
        await asyncio.sleep(0.01)


async def _slow(mock: MockProcess, call_uuid: str, outcomes: Outcomes) -> None:
    async with _client(mock) as client:
        try:
            outcomes.slow.append(await client.post(_path(call_uuid), json={"digits": "1"}))
        except httpx.HTTPError as exc:
            outcomes.slow.append(exc)


async def _load(
    mock: MockProcess, call_uuid: str, outcomes: Outcomes, answered: asyncio.Event
) -> None:
    async with _client(mock) as client:
        for _ in range(MAX_REQUESTS_PER_LOAD_CLIENT):
            try:
                answer = await client.post(_path(call_uuid), json={"digits": "2"})
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                # Refused once the server stopped listening, or a keep-alive connection
                # closed (or reset, bytes unread) before the server read the request; the
                # access-log check below shows none of these was accepted.
                outcomes.load_errors[type(exc).__name__] += 1
                return
            answer.json()  # a complete, parseable body
            outcomes.load_answers[answer.status_code] += 1
            if outcomes.load_answers.total() >= ANSWERS_BEFORE_SIGTERM:
                answered.set()


async def _scenario(mock: MockProcess, slow_call: str, load_call: str) -> Outcomes:
    outcomes = Outcomes()
    slow = [asyncio.create_task(_slow(mock, slow_call, outcomes)) for _ in range(SLOW_REQUESTS)]
    await _wait_until_read(mock.port, SLOW_REQUESTS)
    answered = asyncio.Event()
    load = [
        asyncio.create_task(_load(mock, load_call, outcomes, answered)) for _ in range(LOAD_CLIENTS)
    ]
    await asyncio.wait_for(answered.wait(), DEADLINE_S)
    mock.process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*slow, *load), DEADLINE_S)
    outcomes.exit_status = await asyncio.to_thread(mock.process.wait, DEADLINE_S)
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    mock = start_mock(tmp_path_factory.mktemp("shutdown-mock"), ("--no-rate-limit",))
    try:
        control = Control(mock.base_url, ACCOUNT_A)
        slow_call, load_call = control.create_call(), control.create_call()
        control.inject_fault(slow_call, count=SLOW_REQUESTS, delay_ms=SLOW_DELAY_MS)
        control.close()  # its idle keep-alive connection would count as a server socket
        outcomes = asyncio.run(_scenario(mock, slow_call, load_call))
        log = mock.log()
        for call_uuid in (slow_call, load_call):
            outcomes.logged_202[call_uuid] = log.count(f'"POST {_path(call_uuid)}" 202 ')
        outcomes.logged_202["slow"] = outcomes.logged_202.pop(slow_call)
        outcomes.logged_202["load"] = outcomes.logged_202.pop(load_call)
        return outcomes
    finally:
        if mock.process.poll() is None:
            mock.terminate()


def test_in_flight_requests_get_complete_answers_after_sigterm(outcomes: Outcomes) -> None:
    assert len(outcomes.slow) == SLOW_REQUESTS
    for answer in outcomes.slow:
        assert isinstance(answer, httpx.Response), f"in-flight request lost: {answer!r}"
        assert answer.status_code == 202
        assert answer.json()["message"] == "digits sent"


def test_requests_during_shutdown_are_answered_202_or_never_accepted(outcomes: Outcomes) -> None:
    assert set(outcomes.load_answers) == {202}, dict(outcomes.load_answers)
    assert outcomes.load_answers.total() >= ANSWERS_BEFORE_SIGTERM
    # Every load client ran until the server went away.
    assert outcomes.load_errors.total() == LOAD_CLIENTS, dict(outcomes.load_errors)


def test_mock_exits_0_after_sigterm(outcomes: Outcomes) -> None:
    assert outcomes.exit_status == 0


def test_every_request_accepted_during_shutdown_got_its_answer(outcomes: Outcomes) -> None:
    assert outcomes.logged_202["slow"] == SLOW_REQUESTS
    assert outcomes.logged_202["load"] == outcomes.load_answers[202]


def test_sigterm_exits_0_promptly_even_with_a_stalled_request_body(tmp_path: Path) -> None:
    """A client that never finishes its body cannot hold the process up (finding F11)."""
    mock = start_mock(tmp_path, ("--no-rate-limit",))
    call = Control(mock.base_url, ACCOUNT_A).create_call()
    basic = base64.b64encode(f"{ACCOUNT_A.auth_id}:{ACCOUNT_A.auth_token}".encode()).decode()
    stalled = (
        f"POST {_path(call)} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Basic {basic}\r\n"
        'Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{"dig'
    ).encode()
    with socket.create_connection((HOST, mock.port), timeout=5) as sock:
        sock.sendall(stalled)
        asyncio.run(_wait_until_read(mock.port, 1 + 1))  # ours and Control's keep-alive
        mock.process.send_signal(signal.SIGTERM)
        try:
            status = mock.process.wait(STALLED_EXIT_DEADLINE_S)
        finally:
            if mock.process.poll() is None:
                mock.process.kill()
                mock.process.wait(5)
    assert status == 0


def _read_answer(sock: socket.socket) -> RawResponse:
    answer = http.client.HTTPResponse(sock, method="POST")
    answer.begin()
    return RawResponse(answer.status, tuple(answer.getheaders()), answer.read())


def test_requests_still_in_flight_at_the_shutdown_bound_get_a_json_503(tmp_path: Path) -> None:
    """One request held by a delay fault, one whose body never ends: when the graceful
    shutdown bound expires, each is answered as Plivo answers, never with uvicorn's text."""
    mock = start_mock(tmp_path, ("--no-rate-limit",))
    control = Control(mock.base_url, ACCOUNT_A)
    delayed_call, stalled_call = control.create_call(), control.create_call()
    control.inject_fault(delayed_call, count=1, delay_ms=30_000)
    basic = base64.b64encode(f"{ACCOUNT_A.auth_id}:{ACCOUNT_A.auth_token}".encode()).decode()
    head = (
        f"HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Basic {basic}\r\n"
        "Content-Type: application/json\r\n"
    )
    delayed = f"POST {_path(delayed_call)} {head}Content-Length: 14\r\n\r\n" + '{"digits":"1"}'
    stalled = f"POST {_path(stalled_call)} {head}Content-Length: 15\r\n\r\n" + '{"dig'
    with (
        socket.create_connection((HOST, mock.port), timeout=10) as first,
        socket.create_connection((HOST, mock.port), timeout=10) as second,
    ):
        first.sendall(delayed.encode())
        second.sendall(stalled.encode())
        asyncio.run(_wait_until_read(mock.port, 2 + 1))  # ours and Control's keep-alive
        mock.process.send_signal(signal.SIGTERM)
        try:
            answers = [_read_answer(first), _read_answer(second)]
            status = mock.process.wait(STALLED_EXIT_DEADLINE_S)
        finally:
            control.close()
            if mock.process.poll() is None:
                mock.process.kill()
                mock.process.wait(5)
    for answer in answers:
        assert answer.status == 503, answer
        assert error_problems(answer) == []
    assert status == 0
