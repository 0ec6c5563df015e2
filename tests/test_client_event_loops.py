"""One Client used from several asyncio event loops in turn, as scripts (asyncio.run per
job), Celery tasks and per-test loops (pytest-asyncio) do.

httpx and aiohttp bind a connection pool to the loop that opened it: the client keeps one per
running loop, closes each as its loop shuts down, and within one loop every task shares it.
Against the session's mock (a real server on loopback) and a counting loopback server.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from plivo_dtmf_client import Client, DefaultAioHttpClient
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer

from tests.client_support import AUTH_ID, CALL, TOKEN, serving
from tests.test_client_transport import Accepting, CountingServer

Runner = Callable[[Callable[[], Any]], Any]


def ours(server: MockServer) -> Client:
    return Client(
        EMBEDDED_AUTH_ID,
        EMBEDDED_AUTH_TOKEN,
        base_url=server.base_url,
        httpx_args={"trust_env": False},
    )


async def asend(client: Client, digits: str) -> SendDigitsAccepted:
    body = SendDigitsRequest(digits=digits)
    return await send_digits.asyncio(BRIDGED_CALL_UUID, client=client, body=body)


def recorded(live: httpx.Client) -> list[tuple[str, str]]:
    answer = live.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
    assert answer.status_code == 200
    return [(event["digits"], event["api_id"]) for event in answer.json()["events"]]


def with_asyncio_run(main: Callable[[], Any]) -> Any:
    return asyncio.run(main())


def with_runner(main: Callable[[], Any]) -> Any:
    with asyncio.Runner() as runner:
        return runner.run(main())


def with_loop_per_test(main: Callable[[], Any]) -> Any:
    """pytest-asyncio's function-scoped loop: a new loop, shut down and closed after."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def with_bare_loop(main: Callable[[], Any]) -> Any:
    """A loop closed without shutting its async generators down: the pool it leaves behind
    must not be touched again (its loop is gone)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


RUNNERS = [with_asyncio_run, with_runner, with_loop_per_test, with_bare_loop]


@pytest.mark.parametrize("run", RUNNERS, ids=lambda run: run.__name__)
def test_one_client_sends_from_loops_in_turn(
    run: Runner, server: MockServer, live: httpx.Client
) -> None:
    client = ours(server)
    sent = [run(functools.partial(asend, client, digits)) for digits in ("1", "2", "3")]
    assert recorded(live) == [(digits, s.api_id) for digits, s in zip("123", sent, strict=True)]


def test_async_with_in_each_loop_opens_and_closes_that_loops_pool(
    server: MockServer, live: httpx.Client
) -> None:
    client = ours(server)
    pools: list[httpx.AsyncClient] = []

    async def main(digits: str) -> SendDigitsAccepted:
        async with client:
            pools.append(client.get_async_httpx_client())
            return await asend(client, digits)

    sent = [asyncio.run(main(digits)) for digits in ("4", "5")]
    assert recorded(live) == [("4", sent[0].api_id), ("5", sent[1].api_id)]
    assert pools[0] is not pools[1]
    assert all(pool.is_closed for pool in pools)


def test_a_loops_pool_is_closed_as_the_loop_shuts_down(server: MockServer) -> None:
    client = ours(server)

    async def main() -> httpx.AsyncClient:
        await asend(client, "6")
        return client.get_async_httpx_client()

    pool = asyncio.run(main())
    assert pool.is_closed


def test_a_pool_made_before_any_loop_is_the_first_loops(server: MockServer) -> None:
    """Configured at set-up (outside a loop), as tests/test_client_transport.py's hooks are."""
    client = ours(server)
    made_first = client.get_async_httpx_client()

    async def main() -> httpx.AsyncClient:
        return client.get_async_httpx_client()

    assert asyncio.run(main()) is made_first
    assert asyncio.run(main()) is not made_first


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(lambda: DefaultAioHttpClient(trust_env=False), id="instance"),
        pytest.param(lambda: lambda: DefaultAioHttpClient(trust_env=False), id="factory"),
    ],
)
def test_aiohttp_sends_from_loops_in_turn(
    given: Callable[[], Any], server: MockServer, live: httpx.Client
) -> None:
    client = ours(server).set_async_httpx_client(given())
    sent = [asyncio.run(asend(client, digits)) for digits in ("7", "8")]
    assert recorded(live) == [("7", sent[0].api_id), ("8", sent[1].api_id)]


def test_a_factory_makes_one_async_client_per_loop_each_closed_with_it(
    server: MockServer, live: httpx.Client
) -> None:
    made: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        made.append(httpx.AsyncClient(trust_env=False))
        return made[-1]

    client = ours(server).set_async_httpx_client(make)

    async def main(digits: str) -> None:
        await asyncio.gather(asend(client, digits), asend(client, digits))

    for digits in ("1", "2"):
        asyncio.run(main(digits))
    assert [digits for digits, _ in recorded(live)] == ["1", "1", "2", "2"]
    assert len(made) == 2 and all(pool.is_closed for pool in made)


# Within one loop, one pool ------------------------------------------------------------------


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    Accepting.requests = []
    with serving(CountingServer()) as counted:
        yield counted


def test_concurrent_sends_in_one_loop_share_its_pool(counting: CountingServer) -> None:
    """Two waves of concurrent sends: the second reuses the connections the first opened."""
    port = counting.server_address[1]
    client = Client(
        AUTH_ID, TOKEN, base_url=f"http://127.0.0.1:{port}", httpx_args={"trust_env": False}
    )
    wave = 4

    async def main() -> set[int]:
        body = SendDigitsRequest(digits="1")
        pools: set[int] = set()

        async def one() -> None:
            pools.add(id(client.get_async_httpx_client()))
            await send_digits.asyncio(CALL, client=client, body=body)

        for _ in range(2):
            await asyncio.gather(*(one() for _ in range(wave)))
        return pools

    assert len(asyncio.run(main())) == 1
    assert len(Accepting.requests) == 2 * wave
    assert 1 <= counting.connections <= wave
