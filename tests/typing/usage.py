"""Everyday use of the generated client: `mypy --strict` must accept all of it.

Checked by tests/test_client_typing.py; never run.
"""

from __future__ import annotations

from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import (
    DigitsSentCallback,
    Error,
    Leg,
    LiveCalls,
    SendDigitsAccepted,
    SendDigitsRequest,
)
from plivo_dtmf_client.types import Response
from plivo_dtmf_client.webhooks import WebhookError, verify_digits_sent


def send(client: Client, call_uuid: str) -> str:
    sent: SendDigitsAccepted = send_digits.sync(
        call_uuid, client=client, body=SendDigitsRequest(digits="8743#", leg=Leg.BLEG)
    )
    return sent.api_id


def send_detailed(client: Client, call_uuid: str) -> int:
    response: Response[Error | SendDigitsAccepted] = send_digits.sync_detailed(
        call_uuid, client=client, body=SendDigitsRequest(digits="0"), auth_id="SA2025RK4E639VJFZAGV"
    )
    if isinstance(response.parsed, Error):
        return len(response.parsed.error)
    return int(response.status_code)


def send_or_explain(client: Client, call_uuid: str) -> str:
    try:
        return send(client, call_uuid)
    except errors.InvalidParameterError as exc:
        return f"{exc.field} breaks {exc.rule}"
    except errors.RateLimitError as exc:
        return exc.response.headers["Retry-After"]
    except errors.APIStatusError as exc:
        status: int = exc.status_code
        return f"{status} {exc.api_id} {exc.error}"
    except errors.APIConnectionError as exc:
        return str(exc.request.url)


def configured() -> Client:
    return Client(
        "MA2025RK4E639VJFZAGV",
        "token",
        base_url="http://127.0.0.1:4010",
        timeout=2.5,
        max_retries=0,
    ).with_options(retry_server_errors=False)


async def live_calls() -> list[str]:
    async with Client() as client:
        calls: LiveCalls = await list_live_calls.asyncio(client=client)
        for call_uuid in calls.calls:
            await send_digits.asyncio(call_uuid, client=client, body=SendDigitsRequest(digits="1"))
        return calls.calls


def verify_callback(
    url: str, headers: dict[str, str], pairs: list[tuple[str, str]], body: bytes
) -> str:
    try:
        callback: DigitsSentCallback = verify_digits_sent(
            method="POST", url=url, headers=headers, body=body, auth_token="token"
        )
        verify_digits_sent(method="GET", url=url, headers=pairs, body=b"", auth_token="token")
    except WebhookError as exc:
        return str(exc)
    return callback.digits
