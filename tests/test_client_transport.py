"""How requests leave the client: every one through the one httpx.Client (or AsyncClient) it
owns, or one handed to it, with the client's credentials, headers, base URL and timeout.
Timeouts and keep-alive are checked on real loopback sockets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest

from tests.client_support import (
    ACCEPTED,
    AUTH_ID,
    CALL,
    CALL_DTMF_PATH,
    TOKEN,
    AcceptingHandler,
    basic,
    clear_plivo_environment,
    recorder,
    serving,
)

BASIC = basic(AUTH_ID, TOKEN)
SENDS = 40


@pytest.fixture(autouse=True)
def no_plivo_or_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_plivo_environment(monkeypatch)
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def send(client: Client) -> SendDigitsAccepted:
    return send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))


async def asend(client: Client) -> SendDigitsAccepted:
    return await send_digits.asyncio(CALL, client=client, body=SendDigitsRequest(digits="1"))


# One httpx client per Client ---------------------------------------------------------------


def hooked_client(**options: Any) -> tuple[Client, list[httpx.Request], list[str]]:
    """A client whose httpx clients note each request in an event hook, as httpx runs them."""
    seen, transport = recorder()
    hooked: list[str] = []

    def hook(request: httpx.Request) -> None:
        hooked.append(request.method)

    async def ahook(request: httpx.Request) -> None:
        hooked.append(request.method)

    client = Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010",
        httpx_args={"transport": transport, "event_hooks": {"request": [hook]}},
        **options,
    )
    client.get_async_httpx_client().event_hooks = {"request": [ahook]}
    return client, seen, hooked


def test_every_sync_send_goes_through_the_one_httpx_client() -> None:
    client, seen, hooked = hooked_client()
    http = client.get_httpx_client()
    for _ in range(3):
        send(client)
    send(client.with_options(timeout=1.0, max_retries=0))
    assert hooked == ["POST"] * 4
    assert len(seen) == 4
    assert client.get_httpx_client() is http
    assert client.with_options(max_retries=1).get_httpx_client() is http


def test_every_async_send_goes_through_the_one_httpx_async_client() -> None:
    client, seen, hooked = hooked_client()

    async def main() -> None:
        async with client:
            for _ in range(3):
                await asend(client)
            await asend(client.with_options(max_retries=0))

    asyncio.run(main())
    assert hooked == ["POST"] * 4
    assert str(seen[0].url) == f"http://127.0.0.1:4010{CALL_DTMF_PATH}"


def test_a_request_carries_basic_auth_json_and_the_default_headers() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport}, headers={"X-Trace": "t1"})
    send(client)
    headers = seen[0].headers
    assert headers["Authorization"] == BASIC
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("plivo-dtmf-client/")
    assert headers["X-Trace"] == "t1"
    assert headers["Accept-Encoding"] == "gzip, deflate"  # httpx's own defaults stay
    assert headers.get_list("Content-Type") == ["application/json"]
    body = json.loads(seen[0].content)
    assert body == {"digits": "1"}  # only what was set: the server applies leg's default


def test_base_url_with_a_path_prefix_is_joined_as_httpx_does() -> None:
    seen, transport = recorder()
    client = Client(
        AUTH_ID, TOKEN, base_url="http://127.0.0.1:4010/proxy/", httpx_args={"transport": transport}
    )
    send(client)
    assert seen[0].url.path == "/proxy" + CALL_DTMF_PATH


def test_a_request_header_cannot_replace_the_credentials() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    client.request(
        "POST", CALL_DTMF_PATH, json={"digits": "1"}, headers={"Authorization": "Bearer x"}
    )
    assert seen[0].headers["Authorization"] == BASIC


def test_the_token_is_in_no_repr_of_the_clients_state() -> None:
    _, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send(client)
    copy = client.with_options(timeout=1.0)
    encoded = BASIC.removeprefix("Basic ")
    for shown in [repr(client), repr(copy), *(repr(value) for value in vars(client).values())]:
        assert TOKEN not in shown
        assert encoded not in shown


def test_timeout_of_with_options_reaches_the_request() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send(client.with_options(timeout=httpx.Timeout(1.5, connect=0.5)))
    assert seen[0].extensions["timeout"] == {"connect": 0.5, "read": 1.5, "write": 1.5, "pool": 1.5}


def test_httpx_logs_each_request(caplog: pytest.LogCaptureFixture) -> None:
    _, transport = recorder()
    client = Client(
        AUTH_ID, TOKEN, base_url="http://127.0.0.1:4010", httpx_args={"transport": transport}
    )
    with caplog.at_level(logging.INFO, logger="httpx"):
        send(client)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert (
        line == f'HTTP Request: POST http://127.0.0.1:4010{CALL_DTMF_PATH} "HTTP/1.1 202 Accepted"'
    )


def test_get_httpx_client_sends_with_the_same_auth_base_url_and_timeout() -> None:
    seen, transport = recorder()
    client = Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010",
        timeout=3.0,
        httpx_args={"transport": transport},
    )
    answer = client.get_httpx_client().post(CALL_DTMF_PATH, json={"digits": "1"})
    assert answer.status_code == 202
    assert str(seen[0].url) == f"http://127.0.0.1:4010{CALL_DTMF_PATH}"
    assert seen[0].headers["Authorization"] == BASIC
    assert seen[0].extensions["timeout"] == httpx.Timeout(3.0).as_dict()


def test_sending_after_close_is_an_error() -> None:
    _, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    with client:
        send(client)
    with pytest.raises(RuntimeError, match="closed"):
        send(client)


# httpx features, as httpx documents them ----------------------------------------------------


def test_cookies_are_sent() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport, "cookies": {"lb": "a1"}})
    send(client)
    assert seen[0].headers["Cookie"] == "lb=a1"


def test_follow_redirects_is_honoured() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/old" + CALL_DTMF_PATH:
            return httpx.Response(307, headers={"Location": CALL_DTMF_PATH})
        return httpx.Response(202, json=ACCEPTED)

    client = Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010/old",
        follow_redirects=True,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    assert send(client).api_id == ACCEPTED["api_id"]
    assert [r.url.path for r in seen] == ["/old" + CALL_DTMF_PATH, CALL_DTMF_PATH]


def test_without_follow_redirects_a_redirect_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"Location": "/elsewhere"})

    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": httpx.MockTransport(handler)})
    with pytest.raises(errors.UnexpectedStatusError) as caught:
        send(client)
    assert caught.value.status_code == 307


def test_set_httpx_client_sends_through_that_client_with_this_clients_settings() -> None:
    seen, transport = recorder()
    hooked: list[str] = []
    theirs = httpx.Client(
        base_url="http://127.0.0.9:9",  # not used: requests go to the Client's base URL
        transport=transport,
        headers={"X-Theirs": "1"},
        event_hooks={"request": [lambda request: hooked.append(request.method)]},
    )
    client = Client(
        AUTH_ID, TOKEN, base_url="http://127.0.0.1:4010", timeout=3.0, headers={"X-Ours": "2"}
    ).set_httpx_client(theirs)
    send(client)
    assert hooked == ["POST"]
    request = seen[0]
    assert str(request.url) == f"http://127.0.0.1:4010{CALL_DTMF_PATH}"
    assert request.headers["Authorization"] == BASIC
    assert request.headers["User-Agent"].startswith("plivo-dtmf-client/")
    assert (request.headers["X-Theirs"], request.headers["X-Ours"]) == ("1", "2")
    assert request.extensions["timeout"] == httpx.Timeout(3.0).as_dict()
    client.close()
    assert theirs.is_closed


def test_set_async_httpx_client_sends_through_that_client() -> None:
    seen, transport = recorder()
    theirs = httpx.AsyncClient(transport=transport)
    client = Client(AUTH_ID, TOKEN, base_url="http://127.0.0.1:4010")
    client.set_async_httpx_client(theirs)

    async def main() -> None:
        async with client:
            await asend(client)

    asyncio.run(main())
    assert seen[0].headers["Authorization"] == BASIC
    assert str(seen[0].url) == f"http://127.0.0.1:4010{CALL_DTMF_PATH}"
    assert theirs.is_closed


# Real sockets on loopback ----------------------------------------------------------------


class Accepting(AcceptingHandler):
    """Notes the path and credentials of each request."""

    requests: ClassVar[list[tuple[str, str | None]]] = []

    def respond(self, body: bytes) -> tuple[int, object]:
        self.requests.append((self.path, self.headers["Authorization"]))
        return super().respond(body)


class CountingServer(ThreadingHTTPServer):
    """Counts the TCP connections it accepts."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Accepting)
        self.connections = 0
        self._lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self.connections += 1
        super().process_request(request, client_address)


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    Accepting.requests = []
    with serving(CountingServer()) as server:
        yield server


def on(server: CountingServer | socket.socket, **options: Any) -> Client:
    address = server.server_address if isinstance(server, CountingServer) else server.getsockname()
    return Client(
        AUTH_ID,
        TOKEN,
        base_url=f"http://127.0.0.1:{address[1]}",
        httpx_args={"trust_env": False},
        **options,
    )


def test_sequential_sends_reuse_one_connection(counting: CountingServer) -> None:
    with on(counting) as client:
        for _ in range(SENDS):
            send(client)
        send(client.with_options(max_retries=0))
    assert len(Accepting.requests) == SENDS + 1
    assert {authorization for _, authorization in Accepting.requests} == {BASIC}
    assert counting.connections == 1


def test_asyncio_sequential_sends_reuse_one_connection(counting: CountingServer) -> None:
    async def main() -> None:
        async with on(counting) as client:
            for _ in range(SENDS):
                await asend(client)

    asyncio.run(main())
    assert len(Accepting.requests) == SENDS
    assert counting.connections == 1


def test_proxy_from_the_environment_is_used(
    counting: CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The counting server plays the proxy: a forwarding proxy gets the absolute URL. Nothing
    # listens at the base URL (loopback, so a regression cannot reach the network).
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{counting.server_address[1]}")
    with Client(AUTH_ID, TOKEN, base_url="http://127.0.0.2:9", max_retries=0) as client:
        send(client)
    assert Accepting.requests == [(f"http://127.0.0.2:9{CALL_DTMF_PATH}", BASIC)]


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A loopback listener that completes TCP handshakes and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as sock:
        yield sock


def test_read_timeout_fires(silent_server: socket.socket) -> None:
    client = on(silent_server, timeout=httpx.Timeout(0.2, connect=2.0), max_retries=0)
    with pytest.raises(errors.APITimeoutError) as caught:
        send(client)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert caught.value.request.url.path == CALL_DTMF_PATH


def test_asyncio_read_timeout_fires(silent_server: socket.socket) -> None:
    client = on(silent_server, timeout=httpx.Timeout(0.2, connect=2.0), max_retries=0)
    with pytest.raises(errors.APITimeoutError) as caught:
        asyncio.run(asend(client))
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_with_options_timeout_fires(silent_server: socket.socket) -> None:
    client = on(silent_server, max_retries=0)  # 5 s by default
    with pytest.raises(errors.APITimeoutError):
        send(client.with_options(timeout=0.2))


def test_requests_to_many_calls_each_go_to_their_own_url() -> None:
    """Parsed URLs are kept for reuse, a bounded number of them: none is ever mixed up."""
    seen, transport = recorder()
    client = Client(
        AUTH_ID, TOKEN, base_url="http://127.0.0.1:4010", httpx_args={"transport": transport}
    )
    calls = [f"{CALL[:-4]}{n:04x}" for n in range(300)]
    for call in [*calls, calls[0], calls[-1]]:
        send_digits.sync(call, client=client, body=SendDigitsRequest(digits="1"))
    assert [r.url.path.split("/")[5] for r in seen] == [*calls, calls[0], calls[-1]]
    assert len(client._connections.urls) <= 256
