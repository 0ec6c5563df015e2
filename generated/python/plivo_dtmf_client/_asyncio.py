"""The asyncio transport of the direct path: HTTP/1.1 with h11 on asyncio's own transports.

Why not httpx.AsyncHTTPTransport: under asyncio, httpcore reaches the network through AnyIO,
and AnyIO's locks, cancel scopes and stream wrappers cost as much CPU as everything else in a
request together (encode/httpx#3215): a sequential async send cost more than a blocking one.
This transport keeps what matters of httpcore's (h11 for the protocol, a keep-alive pool with
httpx.Limits, per-phase timeouts, stale-connection checks, httpx's exception classes) and
drives h11 straight from an asyncio.Protocol.

It serves HTTP/1.1 under asyncio. For http2=True, or under another async library (trio),
every request goes to an httpx.AsyncHTTPTransport made with the same arguments. Protocol
upgrades (101, CONNECT) are not offered: no Plivo request needs them.

Copied verbatim into the generated package by `make generate` (openapi/generator.yaml).
"""

import asyncio
import collections
import contextlib
import select
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self

import h11
import httpx
import sniffio

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
"""httpx.AsyncHTTPTransport's defaults."""

_READ_SIZE = 64 * 1024
_MAX_HEAD_SIZE = 100 * 1024  # httpcore's limit on a response head
_READ_HIGH_WATER = 256 * 1024
"""Received bytes held before the socket stops being read, until the reader catches up."""

Origin = tuple[bytes, bytes, int]


class AsyncioTransport(httpx.AsyncBaseTransport):
    """An httpx transport taking the arguments the direct path honours (DIRECT_HTTPX_ARGS).

    limits: max_connections bounds the connections in use at once (a request waits up to its
    pool timeout for one); up to max_keepalive_connections idle ones are kept, each for
    keepalive_expiry seconds.
    """

    def __init__(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        self._arguments: dict[str, Any] = {
            "verify": verify,
            "cert": cert,
            "trust_env": trust_env,
            "http1": http1,
            "http2": http2,
            "limits": limits,
        }
        self._only_httpx = http2 or not http1
        self._httpx: httpx.AsyncHTTPTransport | None = None
        self._ssl_context: ssl.SSLContext | None = None  # made on the first https request
        self._max_connections = limits.max_connections
        self._max_idle = limits.max_keepalive_connections
        self._keepalive_expiry = limits.keepalive_expiry
        self._in_use = 0  # slots taken: requests between their start and the end of their answer
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._idle: list[_Connection] = []  # oldest first
        self._active: set[_Connection] = set()
        self._closed = False

    def _fallback(self) -> httpx.AsyncHTTPTransport:
        if self._httpx is None:
            self._httpx = httpx.AsyncHTTPTransport(**self._arguments)
        return self._httpx

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._only_httpx or sniffio.current_async_library() != "asyncio":
            return await self._fallback().handle_async_request(request)
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme}://'.")
        timeouts = request.extensions.get("timeout", {})
        origin = (url.raw_scheme, url.raw_host, url.port or (443 if url.scheme == "https" else 80))
        await self._take_slot(timeouts.get("pool"), request)
        connection = None
        try:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the transport has been closed.")
            connection = self._idle_connection(origin) or await self._connect(origin, timeouts.get("connect"), request)
            self._active.add(connection)
            response = await connection.exchange(request, timeouts.get("write"), timeouts.get("read"))
        except BaseException:
            if connection is not None:
                self._active.discard(connection)
                connection.abort()
            self._give_slot()
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers.raw_items(),
            stream=_ResponseBody(self, connection, request, timeouts.get("read")),
            extensions={
                "http_version": b"HTTP/" + response.http_version,
                "reason_phrase": response.reason,
            },
        )

    # A slot per request rather than an asyncio.Semaphore: a semaphore binds itself to the
    # first event loop that waits on it, and a client may outlive its loop.

    async def _take_slot(self, timeout: float | None, request: httpx.Request) -> None:
        if self._max_connections is None:
            return
        if self._in_use < self._max_connections and not self._waiting:
            self._in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await _wait(waiter, timeout)
        except TimeoutError:
            raise httpx.PoolTimeout(f"no free connection within {timeout} s", request=request) from None
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._give_slot()  # handed a slot, then cancelled: pass it on
            raise
        finally:
            if waiter in self._waiting:
                self._waiting.remove(waiter)

    def _give_slot(self) -> None:
        if self._max_connections is None:
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.set_result(None)  # the slot goes straight to the first in line
                return
        self._in_use -= 1

    def _idle_connection(self, origin: Origin) -> "_Connection | None":
        """The most recently used idle connection to `origin` still fit for use, if any."""
        idle = self._idle
        for index in range(len(idle) - 1, -1, -1):
            connection = idle[index]
            if connection.origin == origin:
                del idle[index]
                if connection.reusable():
                    return connection
                connection.close()
        # A new connection is coming: keep all of them, idle ones included, within the limit.
        if self._max_connections is not None:
            while idle and self._in_use + len(idle) > self._max_connections:
                idle.pop(0).close()
        return None

    async def _connect(self, origin: Origin, timeout: float | None, request: httpx.Request) -> "_Connection":
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        context = None
        if scheme == b"https":
            context = self._ssl_context
            if context is None:
                context = httpx.create_ssl_context(
                    verify=self._arguments["verify"],
                    cert=self._arguments["cert"],
                    trust_env=self._arguments["trust_env"],
                )
                context.set_alpn_protocols(["http/1.1"])
                self._ssl_context = context
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol, host, port, ssl=context, server_hostname=host if context else None
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection to {host}:{port} within {timeout} s", request=request) from None
        except OSError as exc:  # ssl.SSLError included
            raise httpx.ConnectError(str(exc) or repr(exc), request=request) from exc
        assert isinstance(transport, asyncio.Transport) and isinstance(protocol, _Protocol)
        return _Connection(origin, transport, protocol)

    def _release(self, connection: "_Connection") -> None:
        """Take back a connection whose response has ended (read to its end or closed)."""
        self._active.discard(connection)
        self._give_slot()
        if self._closed or not connection.start_next_cycle():
            connection.abort()
            return
        if self._keepalive_expiry is not None:
            connection.expires_at = time.monotonic() + self._keepalive_expiry
        idle = self._idle
        idle.append(connection)
        stale = [c for c in idle if not c.reusable()]
        for dropped in stale:
            idle.remove(dropped)
            dropped.close()
        if self._max_idle is not None:
            while len(idle) > self._max_idle:
                idle.pop(0).close()  # the oldest first, whatever its server

    async def aclose(self) -> None:
        """Close every connection, those of requests in flight too (they fail), as httpx does."""
        self._closed = True
        for connection in [*self._idle, *self._active]:
            connection.abort()
        self._idle.clear()
        self._active.clear()
        if self._httpx is not None:
            await self._httpx.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


class _ResponseBody(httpx.AsyncByteStream):
    """A response's body, read from its connection on demand; the end frees the connection."""

    def __init__(
        self,
        pool: AsyncioTransport,
        connection: "_Connection",
        request: httpx.Request,
        timeout: float | None,
    ) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self._request = request
        self._timeout = timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            raise httpx.StreamClosed()
        try:
            while True:
                event = await connection.next_event(self._timeout, self._request)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:  # h11 gives nothing else between a response's head and its end
                    raise httpx.RemoteProtocolError(f"unexpected {event!r}", request=self._request)
        finally:
            # Read to its end, the connection goes back to the pool; otherwise it is closed.
            await self.aclose()

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool._release(connection)


class _Connection:
    """One HTTP/1.1 connection: an h11 state machine over an asyncio transport."""

    def __init__(self, origin: Origin, transport: asyncio.Transport, protocol: "_Protocol") -> None:
        self.origin = origin
        self.transport = transport
        self.protocol = protocol
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD_SIZE)
        self.expires_at: float | None = None

    def reusable(self) -> bool:
        """Whether this idle connection can carry another request."""
        protocol = self.protocol
        if self.expires_at is not None and time.monotonic() >= self.expires_at:
            return False
        if protocol.loop is not asyncio.get_running_loop() or self.transport.is_closing():
            return False
        # Anything to read on an idle connection means the server closed it (or broke
        # HTTP). The socket is asked too, for what arrived since the event loop last looked.
        return not (protocol.received or protocol.eof or _socket_readable(self.transport))

    async def exchange(
        self, request: httpx.Request, write_timeout: float | None, read_timeout: float | None
    ) -> h11.Response:
        """Send the request; the response's head once it arrives (1xx skipped)."""
        try:
            head = self.h11.send(
                h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
            )
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        try:
            # The head and the first part of the body go in one write: one packet for a
            # small request, rather than two the server would have to wait for.
            pending = head or b""
            assert isinstance(request.stream, httpx.AsyncByteStream)
            async for chunk in request.stream:
                pending += self.h11.send(h11.Data(data=chunk)) or b""
                await self.write(pending, write_timeout, request)
                pending = b""
            pending += self.h11.send(h11.EndOfMessage()) or b""
            await self.write(pending, write_timeout, request)
        except httpx.WriteError:
            # As httpcore does: a server may answer (413, say) and close before reading the
            # whole body. Read what it said; only when it said nothing does this fail.
            pass
        while True:
            event = await self.next_event(read_timeout, request)
            if isinstance(event, h11.Response):
                return event

    async def write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        if not data:
            return
        protocol = self.protocol
        if self.transport.is_closing():
            raise httpx.WriteError(_lost(protocol, "the server closed the connection"), request=request)
        self.transport.write(data)
        if protocol.writable is not None:  # over the transport's high-water mark: wait
            try:
                await _wait(protocol.writable, timeout)
            except TimeoutError:
                raise httpx.WriteTimeout(f"could not send within {timeout} s", request=request) from None
            if protocol.lost is not None:
                raise httpx.WriteError(_lost(protocol, "connection lost"), request=request)

    async def next_event(self, timeout: float | None, request: httpx.Request) -> h11.Event:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:  # only after the end of a response, which ends reading
                raise httpx.RemoteProtocolError("read past the end of the response", request=request)
            data = await self.read(timeout, request)
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            self.h11.receive_data(data)

    async def read(self, timeout: float | None, request: httpx.Request) -> bytes:
        protocol = self.protocol
        if not protocol.received and not protocol.eof:
            protocol.reader = protocol.loop.create_future()
            try:
                await _wait(protocol.reader, timeout)
            except TimeoutError:
                raise httpx.ReadTimeout(f"nothing received within {timeout} s", request=request) from None
            finally:
                protocol.reader = None
        received = protocol.received
        if received:
            if len(received) <= _READ_SIZE:
                data = bytes(received)
                received.clear()
            else:
                data = bytes(received[:_READ_SIZE])
                del received[:_READ_SIZE]
            if protocol.reading_paused and len(received) <= _READ_HIGH_WATER // 2:
                protocol.reading_paused = False
                self.transport.resume_reading()
            return data
        if protocol.lost is not None:
            raise httpx.ReadError(_lost(protocol, "connection lost"), request=request)
        return b""

    def start_next_cycle(self) -> bool:
        """Make the connection ready for another request; False if it cannot carry one."""
        if (
            self.h11.our_state is h11.DONE
            and self.h11.their_state is h11.DONE
            and not self.h11.trailing_data[0]  # bytes past the answer: not HTTP we can trust
            and not self.transport.is_closing()
        ):
            self.h11.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        """Close an idle connection: nothing is left to send, so this is immediate."""
        self._end(self.transport.close)

    def abort(self) -> None:
        """Close at once, dropping anything not yet sent (a failed upload's body included)."""
        self._end(self.transport.abort)

    def _end(self, how: Callable[[], None]) -> None:
        try:
            how()
        except RuntimeError:
            # Its event loop is closed (a client used under several asyncio.run calls): the
            # transport can no longer close itself, and its socket is freed with it when
            # collected. At least tell the server the connection is over.
            sock = self.transport.get_extra_info("socket")
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Protocol(asyncio.Protocol):
    """Collects what a connection receives; wakes the one reader or writer waiting on it."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.reading_paused = False
        self.eof = False
        self.lost: Exception | None = None
        self.reader: asyncio.Future[None] | None = None
        self.writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _READ_HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.reader)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.reader)
        return False  # the transport closes itself: HTTP sends nothing after the peer's EOF

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.lost = exc
        _wake(self.reader)
        _wake(self.writable)

    def pause_writing(self) -> None:
        self.writable = self.loop.create_future()

    def resume_writing(self) -> None:
        _wake(self.writable)
        self.writable = None


def _lost(protocol: _Protocol, default: str) -> str:
    if protocol.lost is None:
        return default
    return str(protocol.lost) or repr(protocol.lost)


def _wake(waiter: "asyncio.Future[None] | None") -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(waiter: "asyncio.Future[None]", timeout: float | None) -> None:
    """Await the waiter; TimeoutError after `timeout` seconds (a timer: cheaper than a scope)."""
    timer = None if timeout is None else waiter.get_loop().call_later(timeout, _expire, waiter)
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()


def _socket_readable(transport: asyncio.Transport) -> bool:
    sock = transport.get_extra_info("socket")
    if sock is None or sock.fileno() == -1:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))
