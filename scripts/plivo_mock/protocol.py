"""uvicorn's httptools protocol, answering requests it cannot parse as Plivo does: JSON,
and sending each response in one piece.

httptools rejects malformed framing (a bad Content-Length, NUL in a header, raw non-ASCII
bytes in the target, an unknown method, a TLS or HTTP/2 preface...) before the app sees
it, and uvicorn answers `400 text/plain "Invalid HTTP request received."`. Here the answer
is `{"api_id", "error"}` JSON like every other error of the mock, and it keeps its place in
line: a complete request already handed to the app (or queued behind one) is answered
first, because its effect (a DTMF event) is already happening and a client that got only
the 400 would resend it. An error inside a body still being read belongs to that request,
which the app never accepts: it is answered in that request's turn.

uvicorn writes a response's head and its body in two `transport.write` calls. On loopback
each is a send() that can wake the client, which then reads a head without its body and
sleeps again: two wake-ups and two system calls per response, which cost the server more
CPU than all of the mock's validation (py-spy: about two thirds of its busy time was in
write()). The protocol's transport therefore joins the writes of one event-loop iteration
into one send (see OneSendPerIteration).

Closing lingers, as nginx's lingering close does. A client that writes a whole oversized
body before it reads (Connection: close, 5 MB) is answered 413 while its body is still
arriving; closing the socket with input unread makes the kernel answer with a reset, which
can destroy the 413 before the client reads it. So a close first ends the writing side
(FIN after the answer), then reads and discards input until the client closes, for at most
LINGER_SECONDS and LINGER_BYTES, so that a slow or endless sender is cut off all the same.

A request head is bounded here, in size and in time, for the mock and the proxy alike
(x-decisions.request-limits): httptools holds a header until it is complete and uvicorn
keeps a connection that drips a byte a second, so no app-level check can. Bytes fed to the
parser are counted from the end of the chunk in which a head began (so a pipelined chunk
is never over-counted); past HEAD_LIMIT_BYTES the head is answered 400 and nothing more is
parsed, so at most one chunk (256 KiB) beyond the limit is ever held. A timer armed when
the connection opens and after each answer cuts a head that does not arrive in full within
`head_timeout_s`: a 400 if part of one came, else a plain close (an idle connection, or the
rest of a body already answered).

Built against uvicorn 0.54.0 (pinned in uv.lock): it overrides `connection_made`,
`data_received`, `on_message_begin`, `on_headers_complete`, `on_response_complete` and
`send_400_response`, reads `cycle` (the last request parsed) and `transport`, and chains
onto the cycle's `on_response` callback, so that a request that meets no error costs
nothing more than a counter and a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .asgi import error_body, new_api_id
from .config import HEAD_LIMIT_BYTES, HEAD_TIMEOUT_S

MALFORMED = "malformed HTTP request: it cannot be parsed as HTTP/1.1"

Bytes = bytes | bytearray | memoryview

# Bounds of a lingering close: long enough for a loopback client to finish writing a body
# many times the 8 KiB limit, short enough that a sender that never stops cannot hold on.
LINGER_SECONDS = 2.0
LINGER_BYTES = 16 * 1024 * 1024


class OneSendPerIteration(asyncio.Transport):
    """A transport whose writes within one event-loop iteration leave in a single send().

    Writes are held until the end of the iteration (one `call_soon` for all of them), or
    until the transport is closed or its EOF written, so the bytes and their order are
    exactly those written. Holding more than uvicorn's write high-water mark sends at
    once: the real transport's buffer, and so flow control (`pause_writing`), sees every
    byte within one write of when it was written. Everything else is the real transport's.
    """

    __slots__ = ("_drained", "_held", "_loop", "_pending", "_transport", "lingering")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[Bytes] = []
        self._held = 0
        # Set by close(): the answer is sent, and input is read only to be discarded.
        self.lingering = False
        self._drained = 0

    def write(self, data: Bytes) -> None:
        if not data or self.lingering:
            return
        if type(data) is not bytes:  # held past this call: the caller may reuse its buffer
            data = bytes(data)
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._held += len(data)
        if self._held > HIGH_WATER_LIMIT:
            self.flush()

    def writelines(self, list_of_data: Iterable[Bytes]) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held now (a no-op when nothing is)."""
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._held = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Send what is held and end the writing side; the socket closes when the client
        closes its side, or at the latest after LINGER_SECONDS or LINGER_BYTES more input."""
        if self.lingering:
            return
        self.flush()
        transport = self._transport
        if transport.is_closing() or not transport.can_write_eof():
            transport.close()
            return
        self.lingering = True
        transport.write_eof()
        # Input paused by flow control (a body the app stopped reading) must flow to drain.
        transport.resume_reading()
        self._loop.call_later(LINGER_SECONDS, transport.close)

    def drain(self, data: Bytes) -> None:
        """Discard input that arrives while lingering; past LINGER_BYTES, reset."""
        self._drained += len(data)
        if self._drained > LINGER_BYTES:
            self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._held = 0
        self._transport.abort()

    def is_closing(self) -> bool:
        return self.lingering or self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()


class PlivoHttpProtocol(HttpToolsProtocol):
    """Pass as `uvicorn.Config(http=PlivoHttpProtocol.with_limits(...))`."""

    # x-decisions.request-limits, enforced before the app sees a request: httptools keeps a
    # head (and each header) in memory until it is complete, so a bound on it must be kept
    # here, on the bytes fed to the parser, not on the headers it hands over.
    head_limit = HEAD_LIMIT_BYTES
    head_timeout_s = HEAD_TIMEOUT_S

    _deferred_400 = False
    _sender: OneSendPerIteration
    # Bytes fed to the parser; `_head_from`: where the head being read ended at the latest
    # (the end of the chunk in which it began), None when no head is being read.
    _fed = 0
    _chunk_end = 0
    _head_from: int | None = None
    _head_timer: asyncio.TimerHandle | None = None
    _refused = False
    _error = MALFORMED
    on_refused: Callable[[str], None] | None = None

    @classmethod
    def with_limits(
        cls,
        *,
        head_timeout_s: float = HEAD_TIMEOUT_S,
        head_limit: int = HEAD_LIMIT_BYTES,
        on_refused: Callable[[str], None] | None = None,
    ) -> type[PlivoHttpProtocol]:
        """This protocol with other bounds (tests shorten the timeout); `on_refused` hears
        of each head refused here, which no app sees (the proxy records it)."""
        settings = {
            "head_timeout_s": head_timeout_s,
            "head_limit": head_limit,
            "on_refused": staticmethod(on_refused) if on_refused else None,
        }
        return type(cls.__name__, (cls,), settings)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Flow control (self.flow), made by super(), keeps the real transport: pausing is
        # about its buffer. Every request's cycle gets this one, so writes are joined.
        self._sender = self.transport = OneSendPerIteration(transport, self.loop)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._sender.lingering:
            self._sender.drain(data)
            return
        if self._refused:  # the head was refused: nothing after it is a request
            return
        self._chunk_end = self._fed + len(data)
        super().data_received(data)
        self._fed = self._chunk_end
        # The head began at or before the end of the chunk it began in: what came after that
        # is head for certain. Past the limit, stop reading (at most one chunk more is held).
        if (
            self._head_from is not None
            and self._fed - self._head_from > self.head_limit
            and not self.transport.is_closing()
        ):
            self._refuse(f"request line and headers larger than {self.head_limit} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_from = self._chunk_end

    def on_headers_complete(self) -> None:
        self._head_from = None
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next head is waited for from now on (unless it is already in, pipelined).
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_from is None:
            # Nothing of a new request arrived (an idle connection, or the rest of a body
            # already answered): there is no request to answer.
            self.transport.close()
            return
        self._refuse(f"request line and headers not received within {self.head_timeout_s:g} s")

    def _refuse(self, message: str) -> None:
        """Answer the head being read with a 400 and read no more of it."""
        self._refused = True
        self._head_from = None
        self._cancel_head_timer()
        if self.on_refused is not None:
            self.on_refused(message)
        self.send_400_response(message, own=message)

    def send_400_response(self, msg: str, own: str | None = None) -> None:
        # uvicorn's own `msg` is plain text for its log; ours says what the limit was.
        self._error = own or MALFORMED
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or not cycle.more_body:
                # A request the app holds in full, or is already answering: answer it first.
                # It is the last one parsed, so pipelined ones before it are answered too.
                if not self._deferred_400:  # more bytes after the error come here again
                    self._deferred_400 = True
                    answered = cycle.on_response

                    def then_400() -> None:
                        answered()
                        self._write_400()

                    cycle.on_response = then_400
                return
            # The error is inside this request's body, so it can never be accepted: the app
            # sees a disconnect, whatever the transport does with writes after close().
            cycle.disconnected = True
            cycle.message_event.set()
            if self.pipeline and self.pipeline[0][0] is cycle:
                # It waits behind complete requests not yet answered: the 400 takes its
                # place in line instead of the app.
                if not self._deferred_400:
                    self._deferred_400 = True
                    self.pipeline[0] = (cycle, self._answer_400)
                return
        self._write_400()

    async def _answer_400(self, scope: Any, receive: Any, send: Any) -> None:
        self._write_400()

    def _write_400(self) -> None:
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        body = error_body(new_api_id(), self._error)
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:  # date (and server if set)
            head.append(name + b": " + value + b"\r\n")
        head.append(
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)
        )
        self.transport.write(b"".join(head) + body)
        self.transport.close()
