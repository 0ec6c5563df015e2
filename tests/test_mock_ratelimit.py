"""Per-account rate limit: 300 requests per 5 s by default, then 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from plivo_mock.app import MockApp
from plivo_mock.config import BRIDGED_CALL_UUID, Account, MockConfig
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

OTHER = Account("SAOTHERACCOUNT000001", "other-token")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def send(client: httpx.AsyncClient, auth_id: str = "MAMOCKDTMF0000000001") -> int:
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID, auth_id), json={"digits": "1"})
    return answer.status_code


async def test_default_limit_is_300_per_5_seconds(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    clock = FakeClock()
    client = client_for(make_app(clock=clock))
    statuses = [await send(client) for _ in range(301)]
    assert statuses[:300] == [202] * 300
    assert statuses[300] == 429


async def test_over_the_limit_is_429_with_retry_after_in_whole_seconds(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    clock = FakeClock()
    client = client_for(make_app(rate_limit=2, clock=clock))
    assert [await send(client), await send(client)] == [202, 202]
    clock.now += 1.5
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "4"  # ceil(5 - 1.5)
    assert "too many requests" in answer.json()["error"]


async def test_window_slides_and_refused_requests_do_not_count(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    clock = FakeClock()
    client = client_for(make_app(rate_limit=2, clock=clock))
    assert [await send(client) for _ in range(4)] == [202, 202, 429, 429]
    clock.now += 5.0
    assert [await send(client) for _ in range(3)] == [202, 202, 429]


async def test_limit_is_per_account(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    app = make_app(rate_limit=1, clock=FakeClock(), accounts=(MockConfig().default_account, OTHER))
    mine, theirs = client_for(app), client_for(app, auth=(OTHER.auth_id, OTHER.auth_token))
    assert [await send(mine), await send(mine)] == [202, 429]
    # 404: the call is not theirs, but the request passed the limiter.
    assert await send(theirs, OTHER.auth_id) == 404


async def test_control_api_is_not_rate_limited(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(rate_limit=1, clock=FakeClock()))
    assert await send(client) == 202
    for _ in range(5):
        assert (await client.get("/__mock__/calls")).status_code == 200


async def test_reset_clears_the_accounts_window(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(rate_limit=1, clock=FakeClock()))
    assert [await send(client), await send(client)] == [202, 429]
    await client.post("/__mock__/reset")
    assert await send(client) == 202


async def test_rate_limit_none_switches_it_off(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(rate_limit=None, clock=FakeClock()))
    assert {await send(client) for _ in range(400)} == {202}
