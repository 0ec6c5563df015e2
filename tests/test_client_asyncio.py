"""The asyncio transport (generated/python/plivo_dtmf_client/_asyncio.py) on real loopback sockets.

It replaces httpx.AsyncHTTPTransport on the client's direct path under asyncio, so it has to
do what that one does: keep-alive within httpx.Limits, per-phase timeouts, connections the
server dropped, large bodies both ways, early answers, cancellation, TLS, and httpx's
exception classes. Each test drives it through the client (or the httpx.AsyncClient that
shares its connections) against a small TCP server scripted per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import socket
import socketserver
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest
import trio
import trustme
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client._asyncio import AsyncioTransport
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer

from tests.client_support import (
    ACCEPTED,
    API_ID,
    AUTH_ID,
    CALL,
    CALL_DTMF_PATH,
    TOKEN,
    AcceptingHandler,
    serving,
)

ACCEPTED_BODY = json.dumps(ACCEPTED).encode()
DEADLINE = 10.0  # seconds a test waits for a server-side event before failing


# A loopback server scripted per connection ------------------------------------------------

Script = Callable[[socket.socket, int], None]
"""What the server does on one connection: (socket, 0-based connection index)."""


class ScriptedServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.release = threading.Event()  # set when the test ends: blocked scripts return
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_index(self) -> int:
        with self._lock:
            self.connections += 1
            return self.connections - 1


class _ScriptedHandler(socketserver.BaseRequestHandler):
    server: ScriptedServer

    def handle(self) -> None:
        self.server.script(self.request, self.server.next_index())


@pytest.fixture
def scripted() -> Iterator[Callable[[Script], ScriptedServer]]:
    """start(script) -> a running ScriptedServer; all are released and stopped afterwards."""
    started: list[ScriptedServer] = []
    with contextlib.ExitStack() as stack:

        def start(script: Script) -> ScriptedServer:
            started.append(stack.enter_context(serving(ScriptedServer(script))))
            return started[-1]

        try:
            yield start
        finally:
            for server in started:
                server.release.set()


def read_request(conn: socket.socket) -> bytes | None:
    """One request's body (its head read and dropped), or None if the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(1 << 20)
        if not chunk:
            return None
        body += chunk
    return body


def answer(conn: socket.socket, body: bytes = ACCEPTED_BODY, *, extra: bytes = b"") -> None:
    conn.sendall(
        b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\n" % len(body)
        + extra
        + b"\r\n"
        + body
    )


def keep_answering(conn: socket.socket, index: int) -> None:
    while read_request(conn) is not None:
        answer(conn)


def on(url: str, *, limits: httpx.Limits | None = None, **options: Any) -> Client:
    args: dict[str, Any] = (
        {"trust_env": False} if limits is None else {"trust_env": False, "limits": limits}
    )
    options.setdefault("httpx_args", args)
    return Client(AUTH_ID, TOKEN, base_url=url, **{"max_retries": 0, **options})


ONE_CONNECTION = httpx.Limits(max_connections=1)


def holding(
    scripted: Callable[[Script], ScriptedServer], *, later_ones: Script | None = None
) -> tuple[ScriptedServer, threading.Event]:
    """A server that reads the first request and never answers it (until the test ends),
    setting the event once it has it; later connections go to `later_ones`, else likewise."""
    got_it = threading.Event()

    def hold(conn: socket.socket, index: int) -> None:
        if index > 0 and later_ones is not None:
            later_ones(conn, index)
            return
        read_request(conn)
        got_it.set()
        server.release.wait(DEADLINE)

    server = scripted(hold)
    return server, got_it


async def asend(client: Client) -> SendDigitsAccepted:
    return await send_digits.asyncio(CALL, client=client, body=SendDigitsRequest(digits="1"))


def run_sends(client: Client, count: int = 1) -> list[SendDigitsAccepted]:
    async def main() -> list[SendDigitsAccepted]:
        async with client:
            return [await asend(client) for _ in range(count)]

    return asyncio.run(main())


async def wait_for(event: threading.Event) -> None:
    """Wait for a server thread's event without blocking the loop; fail after DEADLINE."""
    assert await asyncio.to_thread(event.wait, DEADLINE), "the server never got there"


# Which transport sends --------------------------------------------------------------------


def test_asyncio_sends_do_not_use_httpx_async_transport(
    scripted: Callable[[Script], ScriptedServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("httpx.AsyncHTTPTransport was built under asyncio")

    monkeypatch.setattr(httpx, "AsyncHTTPTransport", forbidden)
    server = scripted(keep_answering)
    assert [sent.api_id for sent in run_sends(on(server.url), 3)] == [API_ID] * 3


class RecordingTransport(httpx.AsyncBaseTransport):
    built: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **arguments: Any) -> None:
        self.built.append(arguments)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, json=ACCEPTED)


def test_http2_option_goes_to_httpx_async_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    RecordingTransport.built = []
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", RecordingTransport)
    client = on("http://127.0.0.1:9", httpx_args={"http2": True, "trust_env": False})
    assert run_sends(client)[0].api_id == API_ID
    (arguments,) = RecordingTransport.built
    assert arguments["http2"] is True
    assert arguments["trust_env"] is False


def test_trio_sends_go_through_httpx_async_transport(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server = scripted(keep_answering)
    client = on(server.url)

    async def main() -> list[str]:
        async with client:
            return [(await asend(client)).api_id for _ in range(3)]

    assert trio.run(main) == [API_ID] * 3
    assert server.connections == 1


# Keep-alive and the pool ------------------------------------------------------------------


@pytest.mark.parametrize(
    "loop_looked", [True, False], ids=["loop-saw-the-close", "only-the-socket-knows"]
)
def test_connection_closed_by_the_server_while_idle_is_replaced(
    scripted: Callable[[Script], ScriptedServer], loop_looked: bool
) -> None:
    closed = threading.Event()

    def one_answer_then_close(conn: socket.socket, index: int) -> None:
        read_request(conn)
        answer(conn)  # keep-alive as far as the headers go
        conn.close()
        closed.set()

    server = scripted(one_answer_then_close)
    client = on(server.url)

    async def main() -> None:
        async with client:
            await asend(client)
            if loop_looked:
                await wait_for(closed)
            else:
                # Block the loop: the server's FIN reaches the socket, not the protocol.
                assert closed.wait(DEADLINE)
            await asend(client)

    asyncio.run(main())
    assert server.connections == 2


def test_connection_close_from_the_server_is_honoured(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def answer_with_close(conn: socket.socket, index: int) -> None:
        while read_request(conn) is not None:
            answer(conn, extra=b"Connection: close\r\n")

    server = scripted(answer_with_close)
    run_sends(on(server.url), 3)
    assert server.connections == 3


@pytest.mark.parametrize(
    "limits",
    [httpx.Limits(keepalive_expiry=0.0), httpx.Limits(max_keepalive_connections=0)],
    ids=["keepalive_expiry=0", "max_keepalive_connections=0"],
)
def test_limits_that_keep_nothing_open_a_connection_per_send(
    scripted: Callable[[Script], ScriptedServer], limits: httpx.Limits
) -> None:
    server = scripted(keep_answering)
    run_sends(on(server.url, limits=limits), 3)
    assert server.connections == 3


def test_concurrent_sends_share_at_most_max_connections(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server = scripted(keep_answering)
    client = on(server.url, limits=httpx.Limits(max_connections=3))

    async def main() -> list[SendDigitsAccepted]:
        async with client:
            return await asyncio.gather(*(asend(client) for _ in range(30)))

    assert len(asyncio.run(main())) == 30
    assert 1 <= server.connections <= 3


def test_pool_timeout_when_every_connection_is_busy(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server, held = holding(scripted)
    client = on(server.url, limits=ONE_CONNECTION)

    async def main() -> None:
        async with client:
            first = asyncio.create_task(asend(client))
            await wait_for(held)
            second = client.with_options(timeout=httpx.Timeout(5.0, pool=0.2))
            with pytest.raises(errors.APITimeoutError) as caught:
                await asend(second)
            assert isinstance(caught.value.__cause__, httpx.PoolTimeout)
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first

    asyncio.run(main())
    assert server.connections == 1


def test_cancelled_send_frees_its_connection_slot(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server, held = holding(scripted, later_ones=keep_answering)
    client = on(server.url, limits=ONE_CONNECTION)

    async def main() -> SendDigitsAccepted:
        async with client:
            first = asyncio.create_task(asend(client))
            await wait_for(held)
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            return await asend(client.with_options(timeout=httpx.Timeout(5.0, pool=1.0)))

    assert asyncio.run(main()).api_id == API_ID
    assert server.connections == 2  # the cancelled exchange's connection was not reused


def test_requests_queue_for_a_slot_under_a_second_event_loop(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server = scripted(keep_answering)
    client = on(server.url, limits=ONE_CONNECTION)

    async def two_at_once() -> tuple[SendDigitsAccepted, SendDigitsAccepted]:
        return await asyncio.gather(asend(client), asend(client))

    assert len(asyncio.run(two_at_once())) == 2
    assert len(asyncio.run(two_at_once())) == 2  # the queue is not tied to the first loop
    asyncio.run(client.aclose())


def test_idle_connections_to_one_server_do_not_crowd_out_another(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    first, second = scripted(keep_answering), scripted(keep_answering)
    client = on(first.url, limits=httpx.Limits(max_keepalive_connections=2))

    async def main() -> None:
        async with client:
            http = client.get_async_httpx_client()
            await asyncio.gather(*(http.post("/a") for _ in range(3)))
            for _ in range(5):
                assert (await http.post(f"{second.url}/b")).status_code == 202

    asyncio.run(main())
    assert first.connections == 3
    assert second.connections == 1  # the oldest idle ones made room, not the newest


def test_idle_connections_count_toward_max_connections(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    first_closed = threading.Event()

    def answer_then_note_the_close(conn: socket.socket, index: int) -> None:
        keep_answering(conn, index)
        first_closed.set()

    first, second = scripted(answer_then_note_the_close), scripted(keep_answering)
    client = on(first.url, limits=httpx.Limits(max_connections=1))

    async def main() -> None:
        async with client:
            http = client.get_async_httpx_client()
            assert (await http.post("/a")).status_code == 202
            assert not first_closed.is_set()  # kept alive while it was the only one
            assert (await http.post(f"{second.url}/b")).status_code == 202
            await wait_for(first_closed)  # closed to stay within one connection

    asyncio.run(main())


def test_bytes_past_an_answer_are_never_read_as_the_next_answer(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def two_answers_to_one_request(conn: socket.socket, index: int) -> None:
        while read_request(conn) is not None:
            stale = b"HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nSTALE"
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nfresh" + stale)

    server = scripted(two_answers_to_one_request)
    client = on(server.url)

    async def main() -> list[bytes]:
        async with client:
            http = client.get_async_httpx_client()
            return [(await http.post("/")).content for _ in range(2)]

    assert asyncio.run(main()) == [b"fresh", b"fresh"]
    assert server.connections == 2


def test_aclose_ends_requests_in_flight_and_refuses_the_waiting_ones(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    server, held = holding(scripted)
    client = on(server.url, limits=ONE_CONNECTION)

    async def main() -> tuple[BaseException | SendDigitsAccepted, ...]:
        in_flight = asyncio.create_task(asend(client))
        await wait_for(held)
        waiting = asyncio.create_task(asend(client))
        await asyncio.sleep(0)  # let it queue for the one slot
        await client.aclose()
        return tuple(await asyncio.gather(in_flight, waiting, return_exceptions=True))

    ended, refused = asyncio.run(main())
    assert isinstance(ended, errors.APIConnectionError)
    assert isinstance(refused, RuntimeError)
    assert "closed" in str(refused)
    assert server.connections == 1


def test_a_client_outlives_its_event_loop(scripted: Callable[[Script], ScriptedServer]) -> None:
    """As with pytest-asyncio's loop per test: the next loop opens its own connection."""
    server = scripted(keep_answering)
    client = on(server.url)
    assert asyncio.run(asend(client)).api_id == API_ID
    assert asyncio.run(asend(client)).api_id == API_ID
    assert server.connections == 2
    asyncio.run(client.aclose())


# Failures map to httpx's exceptions, then the client's ------------------------------------


def test_disconnect_without_an_answer_is_a_connection_error_and_not_retried(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def read_then_close(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.close()

    server = scripted(read_then_close)
    with pytest.raises(errors.APIConnectionError) as caught:
        run_sends(on(server.url, max_retries=2, async_sleep=_no_sleep))
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert "without sending a response" in str(caught.value.__cause__)
    assert server.connections == 1  # the digits may have played: no second attempt


async def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"a retry was scheduled ({seconds} s)")


def test_an_answer_that_is_not_http_is_a_protocol_error(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def garbage(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    server = scripted(garbage)
    with pytest.raises(errors.APIConnectionError) as caught:
        run_sends(on(server.url))
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)


def test_refused_connection_is_retried_then_raised() -> None:
    with socket.socket() as bound:  # bound, never listening: every connect is refused
        bound.bind(("127.0.0.1", 0))
        delays: list[float] = []

        async def record(seconds: float) -> None:
            delays.append(seconds)

        client = on(
            f"http://127.0.0.1:{bound.getsockname()[1]}",
            max_retries=2,
            async_sleep=record,
            random=lambda: 0.0,
        )
        with pytest.raises(errors.APIConnectionError) as caught:
            run_sends(client)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert delays == [0.5, 1.0]


def test_read_timeout_between_parts_of_an_answer(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def half_an_answer(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\n{")
        server.release.wait(DEADLINE)

    server = scripted(half_an_answer)
    with pytest.raises(errors.APITimeoutError) as caught:
        run_sends(on(server.url, timeout=httpx.Timeout(0.3, connect=2.0)))
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


# Bodies both ways, through the httpx.AsyncClient sharing the transport ---------------------


def sha256_answer(conn: socket.socket, index: int) -> None:
    while (body := read_request(conn)) is not None:
        answer(
            conn,
            json.dumps({"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}).encode(),
        )


def test_large_upload_arrives_whole(scripted: Callable[[Script], ScriptedServer]) -> None:
    server = scripted(sha256_answer)
    payload = random.Random(6).randbytes(8 << 20)  # far over the socket and transport buffers
    client = on(server.url)

    async def main() -> dict[str, Any]:
        async with client:
            answered = await client.get_async_httpx_client().post("/upload", content=payload)
            found: dict[str, Any] = answered.json()
            return found

    assert asyncio.run(main()) == {
        "bytes": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }


def test_upload_to_a_server_that_stops_reading_hits_the_write_timeout(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def never_read(conn: socket.socket, index: int) -> None:
        server.release.wait(DEADLINE)

    server = scripted(never_read)
    client = on(server.url, timeout=httpx.Timeout(5.0, write=0.3))

    async def main() -> None:
        async with client:
            await client.get_async_httpx_client().post("/upload", content=bytes(64 << 20))

    with pytest.raises(httpx.WriteTimeout):
        asyncio.run(main())


def test_a_failed_upload_drops_its_unsent_body_at_once(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    payload = bytes(64 << 20)
    timed_out, done = threading.Event(), threading.Event()
    received: list[int] = []

    def read_only_after_the_timeout(conn: socket.socket, index: int) -> None:
        timed_out.wait(DEADLINE)
        conn.settimeout(DEADLINE)
        total = 0
        with contextlib.suppress(ConnectionResetError):
            while chunk := conn.recv(1 << 20):
                total += len(chunk)
        received.append(total)
        done.set()

    server = scripted(read_only_after_the_timeout)
    client = on(server.url, timeout=httpx.Timeout(5.0, write=0.3))

    async def main() -> None:
        async with client:
            with pytest.raises(httpx.WriteTimeout):
                await client.get_async_httpx_client().post("/upload", content=payload)
            timed_out.set()

    asyncio.run(main())
    assert done.wait(DEADLINE)
    assert received[0] < len(payload) // 2  # the rest was dropped, never sent


def test_large_download_arrives_whole(scripted: Callable[[Script], ScriptedServer]) -> None:
    payload = random.Random(7).randbytes(6 << 20)

    def big_answer(conn: socket.socket, index: int) -> None:
        while read_request(conn) is not None:
            answer(conn, payload)

    server = scripted(big_answer)
    client = on(server.url)

    async def main() -> list[bytes]:
        async with client:
            http = client.get_async_httpx_client()
            return [(await http.get("/big")).content for _ in range(2)]

    assert asyncio.run(main()) == [payload, payload]
    assert server.connections == 1


def test_a_reader_that_stops_pauses_the_socket_then_gets_everything(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    payload = random.Random(8).randbytes(32 << 20)
    server_blocked = threading.Event()

    def push_until_blocked(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload))
        conn.setblocking(False)
        sent = 0
        while sent < len(payload):
            try:
                sent += conn.send(payload[sent : sent + (64 << 10)])
            except BlockingIOError:
                # The kernel's buffers are full: the client has stopped reading the socket.
                # (A client without that pause would usually keep taking the bytes into
                # memory and this would never happen; the resume after it is what is sure.)
                server_blocked.set()
                conn.setblocking(True)
                conn.sendall(payload[sent:])
                break

    server = scripted(push_until_blocked)
    client = on(server.url, timeout=httpx.Timeout(5.0, read=2.0))

    async def main() -> bytes:
        async with client:
            async with client.get_async_httpx_client().stream("GET", "/big") as streamed:
                parts = streamed.aiter_raw()
                first = await anext(parts)
                await wait_for(server_blocked)  # the loop runs meanwhile; this reader does not
                return first + b"".join([part async for part in parts])

    assert asyncio.run(main()) == payload


def test_chunked_answer_is_read(scripted: Callable[[Script], ScriptedServer]) -> None:
    def chunked(conn: socket.socket, index: int) -> None:
        while read_request(conn) is not None:
            half = len(ACCEPTED_BODY) // 2
            parts = [ACCEPTED_BODY[:half], ACCEPTED_BODY[half:]]
            conn.sendall(
                b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
                + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
                + b"0\r\n\r\n"
            )

    server = scripted(chunked)
    assert [sent.api_id for sent in run_sends(on(server.url), 2)] == [API_ID] * 2
    assert server.connections == 1


def test_stream_left_early_frees_its_connection(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    def big_answer(conn: socket.socket, index: int) -> None:
        while read_request(conn) is not None:
            answer(conn, bytes(4 << 20))

    server = scripted(big_answer)
    client = on(server.url, limits=ONE_CONNECTION)

    async def main() -> int:
        async with client:
            http = client.get_async_httpx_client()
            async with http.stream("GET", "/big") as streamed:
                first = await anext(streamed.aiter_raw())
            assert first
            timeout = httpx.Timeout(5.0, pool=1.0)
            return len((await http.get("/big", timeout=timeout)).content)

    assert asyncio.run(main()) == 4 << 20
    assert server.connections == 2  # an unread body is not left on a reusable connection


def test_answer_sent_before_the_whole_upload_is_read_rather_than_a_write_error(
    scripted: Callable[[Script], ScriptedServer],
) -> None:
    refused = threading.Event()

    def refuse_early(conn: socket.socket, index: int) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        body = b'{"api_id":"early","error":"request body too large"}'
        conn.sendall(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        conn.shutdown(socket.SHUT_WR)
        refused.set()
        while conn.recv(1 << 20):  # a lingering close: read the rest, so no RST
            pass

    async def upload() -> AsyncIterator[bytes]:
        yield bytes(64 << 10)
        await wait_for(refused)
        for _ in range(64):  # the server's FIN reaches the client during these: writing fails
            await asyncio.sleep(0)
            yield bytes(64 << 10)

    server = scripted(refuse_early)
    client = on(server.url)

    async def main() -> httpx.Response:
        async with client:
            return await client.get_async_httpx_client().post("/upload", content=upload())

    answered = asyncio.run(main())
    assert (answered.status_code, answered.json()["api_id"]) == (413, "early")


def test_oversized_upload_to_the_mock_gets_its_413(server: MockServer) -> None:
    client = Client(
        EMBEDDED_AUTH_ID,
        EMBEDDED_AUTH_TOKEN,
        base_url=server.base_url,
        httpx_args={"trust_env": False},
    )
    path = f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/{BRIDGED_CALL_UUID}/DTMF/"
    body = b'{"digits": "1", "pad": "' + b"x" * (4 << 20) + b'"}'

    async def main() -> httpx.Response:
        async with client:
            return await client.get_async_httpx_client().post(
                path, content=body, headers={"Content-Type": "application/json"}
            )

    answered = asyncio.run(main())
    assert answered.status_code == 413
    assert set(answered.json()) == {"api_id", "error"}


# Logging and TLS --------------------------------------------------------------------------


def test_asyncio_sends_are_logged_like_httpx(
    scripted: Callable[[Script], ScriptedServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = scripted(keep_answering)
    with caplog.at_level(logging.INFO, logger="httpx"):
        run_sends(on(server.url))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert line == f'HTTP Request: POST {server.url}{CALL_DTMF_PATH} "HTTP/1.1 202 Accepted"'


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_url(authority: trustme.CA) -> Iterator[str]:
    """An HTTPS server on loopback with a certificate for 127.0.0.1 from `authority`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), AcceptingHandler)
    server.daemon_threads = True
    # Handshakes happen in accept(), on the serving thread; a failed one drops that connection.
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server):
        yield f"https://127.0.0.1:{server.server_address[1]}"


def test_https_with_a_trusted_authority(https_url: str, authority: trustme.CA) -> None:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    assert [sent.api_id for sent in run_sends(on(https_url, verify_ssl=context), 2)] == [API_ID] * 2


def test_https_with_an_unknown_authority_is_refused(https_url: str) -> None:
    with pytest.raises(errors.APIConnectionError) as caught:
        run_sends(on(https_url))
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value.__cause__)


def test_transport_refuses_requests_after_aclose() -> None:
    async def main() -> None:
        transport = AsyncioTransport()
        await transport.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", "http://127.0.0.1:9/"))

    asyncio.run(main())
