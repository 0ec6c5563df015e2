"""Asynchronous mode: 202 "async api spawned" at once, the callback delivered in the background."""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.to_thread
import httpx
import jsonschema_rs
import pytest
from plivo_mock.app import MockApp
from plivo_mock.callbacks import ANSWER_BYTES, CallbackSender, with_query
from plivo_mock.config import BRIDGED_CALL_UUID
from plivo_mock.state import CallbackOutcome
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

DTMF = dtmf_path(BRIDGED_CALL_UUID)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes


@dataclass
class Receiver:
    """A real loopback HTTP server that records callbacks and answers `status`."""

    url: str
    requests: queue.Queue[Received] = field(default_factory=queue.Queue)
    release: threading.Event = field(default_factory=threading.Event)
    status: int = 200

    async def next(self, timeout: float = 5.0) -> Received:
        return await anyio.to_thread.run_sync(lambda: self.requests.get(timeout=timeout))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            rx = box[0]
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            rx.requests.put(
                Received(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    self.headers.get("Content-Type", ""),
                    self.rfile.read(length),
                )
            )
            rx.release.wait(10)
            self.send_response(rx.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = _record
        do_POST = _record

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/dtmf-sent"))
    box[0].release.set()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield box[0]
    box[0].release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


async def callback_of(client: httpx.AsyncClient, want: Callable[[str], bool]) -> dict[str, Any]:
    """Poll the latest event until its callback status satisfies `want` (5 s deadline)."""
    with anyio.fail_after(5):
        while True:
            answer = await client.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
            outcome: dict[str, Any] = answer.json()["events"][-1]["callback"]
            if want(outcome["status"]):
                return outcome
            await anyio.sleep(0.01)


async def test_callback_is_posted_as_json_matching_the_spec(
    client: httpx.AsyncClient,
    receiver: Receiver,
    plivo_schema: Callable[[str], jsonschema_rs.Validator],
) -> None:
    body = {"digits": "0", "leg": "bleg", "callback_url": receiver.url}
    answer = await client.post(DTMF, json=body)
    assert answer.status_code == 202
    assert answer.json()["message"] == "async api spawned"
    got = await receiver.next()
    assert got.method == "POST" and got.path == "/dtmf-sent"
    assert got.content_type == "application/json"
    payload = json.loads(got.body)
    assert plivo_schema("DigitsSentCallback").is_valid(payload), payload
    assert payload == {
        "api_id": answer.json()["api_id"],
        "call_uuid": BRIDGED_CALL_UUID,
        "digits": "0",
        "leg": "bleg",
        "status": "sent",
    }
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome == {
        "url": receiver.url,
        "method": "POST",
        "status": "delivered",
        "http_status": 200,
        "error": None,
        "signed": True,
    }


async def test_callback_method_get_sends_query_parameters(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    body = {"digits": "12", "callback_url": receiver.url, "callback_method": "GET"}
    assert (await client.post(DTMF, json=body)).status_code == 202
    got = await receiver.next()
    assert got.method == "GET" and got.body == b""
    assert got.query["digits"] == "12" and got.query["status"] == "sent"
    assert got.query["leg"] == "aleg"


async def test_answer_does_not_wait_for_the_callback(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.release.clear()  # the receiver holds every callback until released
    answer = await client.post(DTMF, json={"digits": "1", "callback_url": receiver.url})
    assert answer.status_code == 202
    await receiver.next()  # received, still unanswered
    assert (await callback_of(client, lambda s: True))["status"] == "pending"
    receiver.release.set()
    assert (await callback_of(client, lambda s: s != "pending"))["status"] == "delivered"


async def test_callback_to_a_non_loopback_host_is_blocked_and_never_sent(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[str] = []

    async def spy(self: CallbackSender, outcome: CallbackOutcome, *args: Any) -> None:
        attempts.append(outcome.url)

    monkeypatch.setattr(CallbackSender, "deliver", spy)
    body = {"digits": "1", "callback_url": "https://example.com/dtmf-sent"}
    answer = await client.post(DTMF, json=body)
    assert answer.status_code == 202  # valid data is never refused
    outcome = await callback_of(client, lambda s: True)
    assert outcome["status"] == "blocked" and "allowed" in outcome["error"]
    assert attempts == []


async def test_callback_timeout_is_recorded_as_failed(
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
    receiver: Receiver,
) -> None:
    client = client_for(make_app(callback_timeout_s=0.2))
    receiver.release.clear()
    await client.post(DTMF, json={"digits": "1", "callback_url": receiver.url})
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome["status"] == "failed" and "Timeout" in outcome["error"]


async def test_receiver_error_status_is_recorded_as_failed(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status = 500
    await client.post(DTMF, json={"digits": "1", "callback_url": receiver.url})
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome["status"] == "failed" and outcome["http_status"] == 500


async def test_call_ending_before_a_delayed_callback_reports_failed(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await client.post("/__mock__/faults", json={"call_uuid": BRIDGED_CALL_UUID, "delay_ms": 300})
    answer = await client.post(DTMF, json={"digits": "1", "callback_url": receiver.url})
    assert answer.status_code == 202
    await client.delete(f"/__mock__/calls/{BRIDGED_CALL_UUID}")
    got = await receiver.next()
    assert json.loads(got.body)["status"] == "failed"


class Dripper:
    """A loopback server that answers every connection with `head`, then a byte at a time."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.stop = threading.Event()
        self.sent = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/slow"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(self.head)
                    self.sent += len(self.head)
                    while not self.stop.wait(0.1):
                        conn.sendall(b"a")
                        self.sent += 1
                except OSError:
                    pass  # the mock hung up

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def drip() -> Iterator[Callable[[bytes], Dripper]]:
    servers: list[Dripper] = []

    def start(head: bytes) -> Dripper:
        servers.append(Dripper(head))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


async def test_callback_timeout_bounds_the_whole_delivery(
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
    drip: Callable[[bytes], Dripper],
) -> None:
    # Issue 17 item 3: a header dripped a byte at a time never trips a per-read timeout.
    server = drip(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    client = client_for(make_app(callback_timeout_s=0.5))
    await client.post(DTMF, json={"digits": "1", "callback_url": server.url})
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome["status"] == "failed" and "within 0.5 s" in outcome["error"]


async def test_callback_reads_a_bounded_part_of_the_answer(
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
    drip: Callable[[bytes], Dripper],
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"
    server = drip(head + b"x" * ANSWER_BYTES)
    client = client_for(make_app(callback_timeout_s=60))
    await client.post(DTMF, json={"digits": "1", "callback_url": server.url})
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome["status"] == "delivered" and outcome["http_status"] == 200


def test_with_query_merges_the_callback_parameters_into_the_receivers_own() -> None:
    url = "http://127.0.0.1:9/cb?token=a%2Bb&x=1&digits=old&flag#frag"
    merged = with_query(url, {"digits": "12", "leg": "aleg"})
    assert merged == "http://127.0.0.1:9/cb?token=a%2Bb&x=1&flag&digits=12&leg=aleg"
    assert with_query("http://h/cb", {"a": "b c"}) == "http://h/cb?a=b+c"


async def test_a_callback_url_no_socket_can_reach_is_failed_not_pending(
    client: httpx.AsyncClient,
) -> None:
    # A valid URI (RFC 3986 ports are any digits) that no socket can reach.
    answer = await client.post(
        DTMF, json={"digits": "1", "callback_url": "http://127.0.0.1:99999/"}
    )
    assert answer.status_code == 202
    outcome = await callback_of(client, lambda s: s != "pending")
    assert outcome["status"] == "failed" and outcome["error"]
