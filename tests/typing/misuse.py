"""Misuses that `mypy --strict` must reject, each on the line marked `# mypy: error`.

Checked by tests/test_client_typing.py (which asserts that exactly those lines fail); never run.
"""

from __future__ import annotations

from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import (
    Error,
    Leg,
    SendDigitsAccepted,
    SendDigitsAcceptedMessage,
    SendDigitsRequest,
)

CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"

SendDigitsRequest(digits="1", leg="both")  # mypy: error
SendDigitsRequest(digits="1", leg=Leg.BOTH)  # mypy: error
SendDigitsRequest(digits="1", leg="bleg")  # mypy: error
SendDigitsRequest(digits=123)  # mypy: error


def misuse(client: Client) -> None:
    body = SendDigitsRequest(digits="1")
    send_digits.sync(CALL, client=client, body=body, auth_id=42)  # mypy: error
    parsed: Error = send_digits.sync(CALL, client=client, body=body)  # mypy: error
    print(parsed)
    send_digits.sync(CALL, client=client, body={"digits": "1"})  # mypy: error


def forgets_unlisted_values(sent: SendDigitsAccepted) -> SendDigitsAcceptedMessage:
    return sent.message  # mypy: error
