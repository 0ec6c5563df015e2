"""One send per response: the writes of one loop iteration leave the mock together.

uvicorn writes a response's head and body separately; on loopback each send can wake the
client for half an answer. `OneSendPerIteration` holds the writes until the end of the
loop iteration (or a close) and sends them as one, with the bytes and their order intact.
These tests drive it, and the mock's protocol over it, with a transport that records
every send, so what leaves in one piece is seen exactly rather than guessed from timing.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import plivo_mock.protocol as protocol_module
import pytest
from plivo_mock.app import MockApp
from plivo_mock.config import EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, UNBRIDGED_CALL_UUID
from plivo_mock.protocol import OneSendPerIteration, PlivoHttpProtocol
from plivo_mock.testing import dtmf_path
from uvicorn.config import Config
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.server import ServerState

pytestmark = pytest.mark.anyio

BASIC = base64.b64encode(f"{EMBEDDED_AUTH_ID}:{EMBEDDED_AUTH_TOKEN}".encode()).decode()
MAX_ITERATIONS = 200


class RecordingTransport(asyncio.Transport):
    """A connection that keeps every send() and close() instead of using a socket."""

    def __init__(self, *, half_close: bool = False) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False
        self.aborted = False
        # Without half-close, a close closes at once (no lingering: see the tests below).
        self.half_close = half_close
        self.eof_written = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.sent.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def can_write_eof(self) -> bool:
        return self.half_close

    def write_eof(self) -> None:
        assert self.half_close and not self.closed
        self.eof_written = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 4010)}.get(
            name, default
        )

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def next_iteration() -> None:
    """Return once callbacks already scheduled with call_soon (the flush) have run."""
    loop = asyncio.get_running_loop()
    turned = loop.create_future()
    loop.call_soon(turned.set_result, None)
    await turned


def post(body: bytes, *, close: bool = False) -> bytes:
    connection = "Connection: close\r\n" if close else ""
    return (
        f"POST {dtmf_path(UNBRIDGED_CALL_UUID)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {BASIC}\r\nContent-Type: application/json\r\n"
        f"{connection}Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def answers_in(sent: bytes) -> list[tuple[int, bytes]]:
    """(status, body) of each answer in a byte stream, framed by Content-Length."""
    found: list[tuple[int, bytes]] = []
    for _ in range(MAX_ITERATIONS):
        if not sent:
            return found
        head, _, rest = sent.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        found.append((int(head.split(b" ")[1]), rest[:length]))
        sent = rest[length:]
    raise AssertionError("too many answers")


async def serve(app: MockApp, data: bytes, answers: int) -> RecordingTransport:
    """Feed `data` to the mock's protocol in one piece; return once `answers` are sent."""
    config = Config(app, http=PlivoHttpProtocol, lifespan="off", log_config=None)
    protocol = PlivoHttpProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(data)
    for _ in range(MAX_ITERATIONS):
        if len(answers_in(b"".join(transport.sent))) >= answers or transport.closed:
            break
        await next_iteration()
    await next_iteration()  # anything more would have been sent by now
    return transport


async def test_writes_in_one_iteration_leave_in_one_send() -> None:
    real = RecordingTransport()
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"head|")
    joined.write(b"body")
    assert real.sent == []
    await next_iteration()
    assert real.sent == [b"head|body"]


async def test_close_sends_what_is_held_then_closes() -> None:
    real = RecordingTransport()
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"last answer")
    joined.close()
    assert real.sent == [b"last answer"] and real.closed
    await next_iteration()
    assert real.sent == [b"last answer"]


async def test_close_lingers_sending_what_is_held_then_discarding_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nginx's lingering close: the answer and a FIN go out, input is read and dropped (so
    the kernel has nothing unread to reset over), and the socket closes at the deadline."""
    monkeypatch.setattr(protocol_module, "LINGER_SECONDS", 0)
    real = RecordingTransport(half_close=True)
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"413 answer")
    joined.close()
    assert real.sent == [b"413 answer"] and real.eof_written and not real.closed
    assert joined.is_closing() and joined.lingering
    joined.write(b"nothing more")
    joined.drain(b"x" * protocol_module.LINGER_BYTES)
    assert not real.closed
    await asyncio.sleep(0)  # the linger deadline (0 s here) is a call_later
    await next_iteration()
    assert real.closed and not real.aborted
    assert real.sent == [b"413 answer"]


async def test_input_past_the_linger_bytes_resets() -> None:
    real = RecordingTransport(half_close=True)
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.close()
    joined.drain(b"x" * protocol_module.LINGER_BYTES)
    assert not real.aborted
    joined.drain(b"x")
    assert real.aborted


async def test_abort_discards_what_is_held() -> None:
    real = RecordingTransport()
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"never sent")
    joined.abort()
    await next_iteration()
    assert real.sent == [] and real.aborted


async def test_more_than_the_write_high_water_mark_is_sent_at_once() -> None:
    # Flow control watches the real transport's buffer: it must see big writes at once.
    real = RecordingTransport()
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"h")
    joined.write(b"x" * HIGH_WATER_LIMIT)
    assert real.sent == [b"h" + b"x" * HIGH_WATER_LIMIT]
    assert joined.get_write_buffer_size() == 0


async def test_writes_held_when_the_connection_closed_under_them_are_dropped() -> None:
    real = RecordingTransport()
    joined = OneSendPerIteration(real, asyncio.get_running_loop())
    joined.write(b"too late")
    real.close()  # the peer went away: uvloop's transport is closing
    await next_iteration()
    assert real.sent == []


async def test_a_response_head_and_body_leave_the_mock_in_one_send(app: MockApp) -> None:
    transport = await serve(app, post(b'{"digits":"1"}'), answers=1)
    [sent] = transport.sent
    assert sent.startswith(b"HTTP/1.1 202 ")
    head, _, body = sent.partition(b"\r\n\r\n")
    assert b"content-length: %d" % len(body) in head and body.startswith(b'{"message"')


async def test_an_error_answer_leaves_the_mock_in_one_send(app: MockApp) -> None:
    transport = await serve(app, post(b'{"digits":"12x"}'), answers=1)
    [sent] = transport.sent
    assert sent.startswith(b"HTTP/1.1 400 ") and sent.endswith(b"}")


async def test_connection_close_sends_the_whole_answer_before_closing(app: MockApp) -> None:
    transport = await serve(app, post(b'{"digits":"1"}', close=True), answers=1)
    assert transport.closed
    [sent] = transport.sent
    assert sent.startswith(b"HTTP/1.1 202 ") and sent.endswith(b'"}')


async def test_pipelined_requests_then_garbage_are_answered_in_order(app: MockApp) -> None:
    data = post(b'{"digits":"1"}') + post(b'{"digits":"2x"}') + b"GARBAGE\r\n\r\n"
    transport = await serve(app, data, answers=3)
    found = answers_in(b"".join(transport.sent))
    assert [status for status, _ in found] == [202, 400, 400]
    assert b"digits" in found[1][1] and b"malformed HTTP request" in found[2][1]
    assert transport.closed
