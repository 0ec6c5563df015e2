"""Requests httptools cannot parse, over a real socket: a JSON 400, answered in its turn.

A complete request already in the app (or queued behind one) is answered before the 400
for what follows it; an error inside a body still being read is answered at once, and
that request is never handed on. The hostile corpus (tests/reliability) covers the many
kinds of malformed framing; these tests pin the ordering.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import time
from dataclasses import dataclass

import httpx
import pytest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.protocol import LINGER_BYTES, LINGER_SECONDS
from plivo_mock.testing import MockServer, dtmf_path

BASIC = base64.b64encode(f"{EMBEDDED_AUTH_ID}:{EMBEDDED_AUTH_TOKEN}".encode()).decode()
READ_DEADLINE_S = 5.0
MAX_ANSWERS = 10


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


def post(call_uuid: str, body: bytes, *, chunked: bool = False) -> bytes:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    return (
        f"POST {dtmf_path(call_uuid)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {BASIC}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode() + body


def everything_answered(server: MockServer, request: bytes) -> list[Answer]:
    """Send `request` in one write and parse every answer until the server closes."""
    received = bytearray()
    with socket.create_connection(("127.0.0.1", server.port), timeout=READ_DEADLINE_S) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):  # the socket timeout bounds each wait
            received += chunk
    stream = _Unclosable(bytes(received))
    answers: list[Answer] = []
    for _ in range(MAX_ANSWERS):
        if stream.tell() == len(received):
            return answers
        response = http.client.HTTPResponse(_Socket(stream), method="POST")  # type: ignore[arg-type]
        response.begin()
        answers.append(Answer(response.status, dict(response.getheaders()), response.read()))
    raise AssertionError(f"more than {MAX_ANSWERS} answers")


class _Unclosable(io.BytesIO):
    def close(self) -> None:
        """http.client closes its reader after each body; the next answer follows in it."""


class _Socket:
    """What http.client needs of a socket: one shared reader, so no bytes are lost."""

    def __init__(self, stream: _Unclosable) -> None:
        self.stream = stream

    def makefile(self, mode: str) -> _Unclosable:
        return self.stream


def assert_json_400(answer: Answer) -> None:
    assert answer.status == 400
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["connection"] == "close"
    assert set(answer.json) == {"api_id", "error"}
    assert str(answer.json["error"]).startswith("malformed HTTP request")


@pytest.fixture
def call_uuid(live: httpx.Client) -> str:
    created = live.post("/__mock__/calls").json()["call_uuid"]
    assert isinstance(created, str)
    return created


def recorded(live: httpx.Client, call_uuid: str) -> list[str]:
    events = live.get(f"/__mock__/calls/{call_uuid}/events").json()["events"]
    return [event["api_id"] for event in events]


def test_unparseable_request_is_a_json_400_and_the_connection_closes(server: MockServer) -> None:
    answers = everything_answered(server, b"hello there\r\n\r\n")
    assert len(answers) == 1
    assert_json_400(answers[0])


def test_two_pipelined_requests_then_garbage_get_202_202_then_400(
    server: MockServer, live: httpx.Client, call_uuid: str
) -> None:
    valid = post(call_uuid, b'{"digits":"1"}')
    answers = everything_answered(server, valid + valid + b"GARBAGE\r\n\r\n")
    assert [answer.status for answer in answers] == [202, 202, 400]
    assert_json_400(answers[2])
    assert [answer.json["api_id"] for answer in answers[:2]] == recorded(live, call_uuid)


def test_garbage_inside_a_body_being_read_is_answered_at_once_and_records_nothing(
    server: MockServer, live: httpx.Client, call_uuid: str
) -> None:
    # The first chunk reaches the app, which waits for the rest; the next chunk size is
    # not hexadecimal. The app must not answer after the 400 (it sees a disconnect).
    request = post(call_uuid, b'5\r\n{"dig\r\nzz\r\n', chunked=True)
    answers = everything_answered(server, request)
    assert len(answers) == 1
    assert_json_400(answers[0])
    assert recorded(live, call_uuid) == []


def test_the_server_serves_on_after_malformed_requests(live: httpx.Client, call_uuid: str) -> None:
    assert live.post(dtmf_path(call_uuid), json={"digits": "1"}).status_code == 202


# Lingering close -------------------------------------------------------------------


def oversized(content_length: int) -> bytes:
    return (
        f"POST {dtmf_path(BRIDGED_CALL_UUID)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {BASIC}\r\nContent-Type: application/json\r\n"
        f"Connection: close\r\nContent-Length: {content_length}\r\n\r\n"
    ).encode()


def test_a_client_that_writes_a_whole_5_mb_body_before_reading_gets_the_json_413(
    server: MockServer,
) -> None:
    """The mock answers at the headers and closes with the body still arriving: the close
    lingers (draining input), so the kernel does not reset the connection over the 413."""
    body = b"x" * (5 * 1024 * 1024)
    answers = everything_answered(server, oversized(len(body)) + body)
    assert [answer.status for answer in answers] == [413]
    assert answers[0].headers["content-type"] == "application/json"
    assert set(answers[0].json) == {"api_id", "error"}


def test_a_sender_past_the_linger_bound_is_cut_off(server: MockServer) -> None:
    """Draining is bounded: more than LINGER_BYTES after the answer ends in a reset."""
    chunk = b"x" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", server.port), timeout=READ_DEADLINE_S) as sock:
        sock.sendall(oversized(4 * LINGER_BYTES))
        with pytest.raises(OSError):  # reset (or a broken pipe) once the bound is passed
            for _ in range(4 * LINGER_BYTES // len(chunk)):
                sock.sendall(chunk)


def test_a_slow_sender_that_never_closes_is_closed_after_the_linger_time(
    server: MockServer,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=READ_DEADLINE_S) as sock:
        sock.sendall(oversized(10**9) + b"some of it")
        received = bytearray()
        started = time.monotonic()
        while chunk := sock.recv(65536):  # the answer, then the end of the mock's writing
            received += chunk
        assert received.startswith(b"HTTP/1.1 413 ")
        # Half-closed: the mock still reads (and discards), until the linger time is up.
        sock.sendall(b"more")
        while True:
            try:
                sock.sendall(b"x" * 65536)
            except OSError:
                break
            assert time.monotonic() - started < LINGER_SECONDS + READ_DEADLINE_S
            time.sleep(0.05)  # pacing a slow sender, not synchronisation
