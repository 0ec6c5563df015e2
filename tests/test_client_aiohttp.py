"""The `aiohttp` extra: DefaultAioHttpClient, an httpx.AsyncClient on httpx-aiohttp's
transport, handed to a Client with set_async_httpx_client(). Real sockets on loopback: the
mock, and raw servers that misbehave on purpose.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from plivo_dtmf_client import Client, DefaultAioHttpClient, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import Leg, SendDigitsAccepted, SendDigitsRequest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer

from tests.client_support import AUTH_ID, CALL, TOKEN


def on_aiohttp(base_url: str, auth_id: str = AUTH_ID, token: str = TOKEN, **options: Any) -> Client:
    client = Client(auth_id, token, base_url=base_url, **options)
    return client.set_async_httpx_client(DefaultAioHttpClient(trust_env=False))


async def asend(client: Client, call_uuid: str = CALL, **body: Any) -> SendDigitsAccepted:
    body.setdefault("digits", "1")
    return await send_digits.asyncio(call_uuid, client=client, body=SendDigitsRequest(**body))


def test_digits_reach_the_mock_through_aiohttp(server: MockServer, live: httpx.Client) -> None:
    async def main() -> list[SendDigitsAccepted]:
        client = on_aiohttp(server.base_url, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)
        async with client:
            return [
                await asend(client, BRIDGED_CALL_UUID, digits="8743#", leg=Leg.BLEG),
                await asend(client, BRIDGED_CALL_UUID, digits="0"),
            ]

    sent = asyncio.run(main())
    answer = live.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
    recorded = [(e["digits"], e["leg"], e["api_id"]) for e in answer.json()["events"]]
    assert recorded == [("8743#", "bleg", sent[0].api_id), ("0", "aleg", sent[1].api_id)]


def test_error_answers_keep_their_typed_errors(server: MockServer) -> None:
    async def main() -> None:
        async with on_aiohttp(server.base_url, EMBEDDED_AUTH_ID, "wrong-token") as client:
            await asend(client, BRIDGED_CALL_UUID)

    with pytest.raises(errors.AuthenticationError) as caught:
        asyncio.run(main())
    assert caught.value.status_code == 401
    assert "wrong-token" not in str(caught.value)


class OneShotServer:
    """Accepts connections on loopback; on each, reads one request's head and body, then
    acts as told: "drop" closes without answering, "hang" never answers."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(5.0)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            self.requests += 1
            if self.behaviour == "drop":
                conn.close()
            else:
                self._held.append(conn)

    def __enter__(self) -> OneShotServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for conn in self._held:
            conn.close()
        self.sock.close()


def no_wait() -> dict[str, Any]:
    async def async_sleep(seconds: float) -> None:
        pass

    return {"async_sleep": async_sleep, "max_retries": 2}


def test_a_connection_dropped_after_sending_is_not_retried() -> None:
    # httpx-aiohttp reports this as httpx.ConnectTimeout; retried, it would play the digits
    # up to three times.
    with OneShotServer("drop") as dropping:

        async def main() -> None:
            async with on_aiohttp(f"http://127.0.0.1:{dropping.port}", **no_wait()) as client:
                await asend(client)

        with pytest.raises(errors.APIConnectionError) as caught:
            asyncio.run(main())
        assert not isinstance(caught.value, errors.APITimeoutError)
        assert dropping.requests == 1


def test_a_read_timeout_is_an_api_timeout_error_and_is_not_retried() -> None:
    with OneShotServer("hang") as silent:
        timeout = httpx.Timeout(0.3, connect=2.0)
        client = on_aiohttp(f"http://127.0.0.1:{silent.port}", timeout=timeout, **no_wait())

        async def main() -> None:
            async with client:
                await asend(client)

        with pytest.raises(errors.APITimeoutError, match="may have acted"):
            asyncio.run(main())
        assert silent.requests == 1


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listening, so no one else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_refused_connection_is_retried_as_never_sent(refused_port: int) -> None:
    delays: list[float] = []

    async def async_sleep(seconds: float) -> None:
        delays.append(seconds)

    client = on_aiohttp(f"http://127.0.0.1:{refused_port}", async_sleep=async_sleep, max_retries=2)

    async def main() -> None:
        async with client:
            await asend(client)

    with pytest.raises(errors.APIConnectionError) as caught:
        asyncio.run(main())
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(delays) == 2


def test_without_the_extra_it_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)
    with pytest.raises(RuntimeError, match=r"plivo-dtmf-client\[aiohttp\]"):
        DefaultAioHttpClient()


def test_importing_the_client_does_not_import_aiohttp() -> None:
    # Installed with the extra, aiohttp still costs only those who make a DefaultAioHttpClient.
    code = (
        "import sys, plivo_dtmf_client\n"
        "print(sorted(m for m in ('aiohttp', 'httpx_aiohttp') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
