"""Safe retries: 429 and failures before sending by default, 5xx only when asked.

A retried DTMF POST can play the digits twice, so only answers and failures that prove the
server did not act are retried by default. Sleep and jitter are injected: no test waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest

from tests.client_support import ACCEPTED, AUTH_ID, CALL, TOKEN

LIMITED = {"api_id": "7e8b4d5e-58c0-11e1-86da-adf28403fe48", "error": "too many requests"}
FAILED = {"api_id": "8f9c4d5e-58c0-11e1-86da-adf28403fe48", "error": "internal server error"}

# One scripted outcome per attempt: an answer (status, headers) or an exception to raise.
Outcome = tuple[int, dict[str, str]] | type[httpx.TransportError]


class Script:
    """A MockTransport handler playing outcomes in order; it counts the attempts."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        self.attempts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        outcome = self.outcomes[min(self.attempts, len(self.outcomes) - 1)]
        self.attempts += 1
        if not isinstance(outcome, tuple):
            raise outcome("scripted failure", request=request)
        status, headers = outcome
        body = ACCEPTED if status == 202 else LIMITED if status == 429 else FAILED
        return httpx.Response(status, json=body, headers=headers)


def scripted(outcomes: Sequence[Outcome], **options: Any) -> tuple[Client, Script, list[float]]:
    script = Script(outcomes)
    delays: list[float] = []
    options.setdefault("random", lambda: 0.0)
    client = Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010",
        httpx_args={"transport": httpx.MockTransport(script)},
        sleep=delays.append,
        **options,
    )
    return client, script, delays


def send(client: Client) -> SendDigitsAccepted:
    return send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))


OK: Outcome = (202, {})
RATE_LIMITED: Outcome = (429, {})


def test_429_is_retried_then_succeeds() -> None:
    client, script, delays = scripted([RATE_LIMITED, OK])
    assert send(client).api_id == ACCEPTED["api_id"]
    assert script.attempts == 2
    assert delays == [0.5]


def test_retry_after_in_seconds_is_honoured() -> None:
    client, _, delays = scripted([(429, {"Retry-After": "3"}), OK])
    send(client)
    assert delays == [3.0]


def test_retry_after_as_an_http_date_in_the_past_means_now() -> None:
    client, _, delays = scripted([(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), OK])
    send(client)
    assert delays == [0.0]


def test_unparsable_retry_after_falls_back_to_backoff() -> None:
    client, _, delays = scripted([(429, {"Retry-After": "soon"}), OK])
    send(client)
    assert delays == [0.5]


def test_retry_after_longer_than_a_minute_raises_at_once() -> None:
    client, script, delays = scripted([(429, {"Retry-After": "3600"}), OK])
    with pytest.raises(errors.RateLimitError) as caught:
        send(client)
    assert caught.value.response.headers["Retry-After"] == "3600"
    assert (script.attempts, delays) == (1, [])


def test_retries_stop_after_max_retries() -> None:
    client, script, delays = scripted([RATE_LIMITED], max_retries=3)
    with pytest.raises(errors.RateLimitError):
        send(client)
    assert script.attempts == 4
    assert len(delays) == 3


def test_max_retries_zero_disables_retries() -> None:
    client, script, delays = scripted([RATE_LIMITED, OK], max_retries=0)
    with pytest.raises(errors.RateLimitError):
        send(client)
    assert (script.attempts, delays) == (1, [])


def test_backoff_doubles_up_to_its_cap() -> None:
    client, _, delays = scripted([RATE_LIMITED], max_retries=6)
    with pytest.raises(errors.RateLimitError):
        send(client)
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_jitter_shortens_each_delay_by_up_to_a_quarter() -> None:
    client, _, delays = scripted([RATE_LIMITED], max_retries=2, random=lambda: 1.0)
    with pytest.raises(errors.RateLimitError):
        send(client)
    assert delays == [0.375, 0.75]


def test_backoff_settings_are_configurable() -> None:
    client, _, delays = scripted(
        [RATE_LIMITED], max_retries=3, initial_retry_delay=0.1, max_retry_delay=0.25
    )
    with pytest.raises(errors.RateLimitError):
        send(client)
    assert delays == [0.1, 0.2, 0.25]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_not_retried_by_default(status: int) -> None:
    client, script, delays = scripted([(status, {}), OK])
    with pytest.raises(errors.ServerError):
        send(client)
    assert (script.attempts, delays) == (1, [])


def test_5xx_is_retried_when_opted_in() -> None:
    client, script, delays = scripted([(500, {}), (503, {"Retry-After": "1"}), OK])
    sent = client.with_options(retry_server_errors=True)
    assert send(sent).api_id == ACCEPTED["api_id"]
    assert script.attempts == 3
    assert delays == [0.5, 1.0]


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_failures_before_sending_are_retried(failure: type[httpx.TransportError]) -> None:
    client, script, delays = scripted([failure, OK])
    assert send(client).api_id == ACCEPTED["api_id"]
    assert (script.attempts, delays) == (2, [0.5])


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError],
)
def test_failures_after_sending_may_have_played_the_digits_so_are_not_retried(
    failure: type[httpx.TransportError],
) -> None:
    client, script, delays = scripted([failure, OK])
    with pytest.raises(errors.APIConnectionError) as caught:
        send(client)
    assert isinstance(caught.value.__cause__, failure)
    assert isinstance(caught.value, errors.APITimeoutError) == issubclass(
        failure, httpx.TimeoutException
    )
    assert (script.attempts, delays) == (1, [])


def test_connection_failures_exhaust_into_api_connection_error() -> None:
    client, script, delays = scripted([httpx.ConnectError], max_retries=2)
    with pytest.raises(errors.APIConnectionError):
        send(client)
    assert (script.attempts, delays) == (3, [0.5, 1.0])


def test_detailed_functions_retry_too() -> None:
    client, script, _ = scripted([RATE_LIMITED, OK])
    response = send_digits.sync_detailed(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert (response.status_code, script.attempts) == (202, 2)


def test_asyncio_retries_with_the_async_sleep() -> None:
    script = Script([RATE_LIMITED, (429, {"Retry-After": "2"}), OK])
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    def forbidden(seconds: float) -> None:
        raise AssertionError("the blocking sleep was used from asyncio")

    async def main() -> SendDigitsAccepted:
        async with Client(
            AUTH_ID,
            TOKEN,
            base_url="http://127.0.0.1:4010",
            httpx_args={"transport": httpx.MockTransport(script)},
            sleep=forbidden,
            async_sleep=fake_sleep,
            random=lambda: 0.0,
        ) as client:
            body = SendDigitsRequest(digits="1")
            return await send_digits.asyncio(CALL, client=client, body=body)

    assert asyncio.run(main()).api_id == ACCEPTED["api_id"]
    assert (script.attempts, slept) == (3, [0.5, 2.0])
