"""The generated client on the wire (httpx.MockTransport): what it sends, what it parses.

Statuses and example bodies are read from the spec, so a status the spec documents without
an exception class, or an example the client cannot parse, fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import Error, Leg, SendDigitsAccepted, SendDigitsRequest

from tests.client_support import (
    ACCEPTED,
    AUTH_ID,
    CALL,
    CALL_DTMF_PATH,
    DTMF_PATH,
    SPEC,
    TOKEN,
    basic,
    client_on,
    recorder,
    resolve,
)


def documented_errors(path: str, method: str) -> list[tuple[int, dict[str, Any]]]:
    """(status, example body) of every error response the spec documents for an operation."""
    found = []
    for code, response in SPEC["paths"][path][method]["responses"].items():
        if int(code) >= 400:
            examples = resolve(response)["content"]["application/json"]["examples"]
            found.append((int(code), next(iter(examples.values()))["value"]))
    return found


def send(client: Client, **body: Any) -> SendDigitsAccepted:
    return send_digits.sync(CALL, client=client, body=SendDigitsRequest(**body))


def test_send_digits_posts_to_the_dtmf_path_with_its_trailing_slash() -> None:
    seen, transport = recorder()
    send(client_on(transport), digits="8743#")
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == CALL_DTMF_PATH
    assert request.url.path.endswith("/DTMF/")


def test_send_digits_authenticates_with_http_basic() -> None:
    seen, transport = recorder()
    send(client_on(transport), digits="8743#")
    assert seen[0].headers["Authorization"] == basic(AUTH_ID, TOKEN)


def test_send_digits_sends_json_with_only_the_fields_set() -> None:
    """The server applies the spec's defaults (leg aleg, callback_method POST) itself."""
    seen, transport = recorder()
    send(client_on(transport), digits="8743#")
    assert seen[0].headers["Content-Type"] == "application/json"
    assert json.loads(seen[0].content) == {"digits": "8743#"}


def test_send_digits_sends_bleg_when_asked() -> None:
    seen, transport = recorder()
    send(client_on(transport), digits="1w2W3", leg=Leg.BLEG)
    assert json.loads(seen[0].content)["leg"] == "bleg"


def test_send_digits_parses_the_202_into_its_model() -> None:
    _, transport = recorder()
    sent = send(client_on(transport), digits="0")
    assert isinstance(sent, SendDigitsAccepted)
    assert (sent.message, sent.api_id) == (ACCEPTED["message"], ACCEPTED["api_id"])


@pytest.mark.parametrize(("status", "example"), documented_errors(DTMF_PATH, "post"))
def test_each_documented_error_status_raises_its_own_exception(
    status: int, example: dict[str, str]
) -> None:
    _, transport = recorder(status, example)
    with pytest.raises(errors.APIStatusError) as caught:
        send(client_on(transport), digits="1")
    exc = caught.value
    assert type(exc) is errors.STATUS_ERRORS[status]
    assert type(exc) is not errors.UnexpectedStatusError
    assert (exc.status_code, exc.api_id, exc.error) == (status, example["api_id"], example["error"])
    assert exc.response.status_code == status
    assert example["error"] in str(exc)


@pytest.mark.parametrize(("status", "example"), documented_errors(DTMF_PATH, "post"))
def test_detailed_parses_each_documented_error_status_into_the_error_model(
    status: int, example: dict[str, str]
) -> None:
    _, transport = recorder(status, example)
    response = send_digits.sync_detailed(
        CALL, client=client_on(transport), body=SendDigitsRequest(digits="1")
    )
    assert response.status_code == status
    assert isinstance(response.parsed, Error)
    assert (response.parsed.api_id, response.parsed.error) == (example["api_id"], example["error"])


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (403, "ForbiddenError"),
        (404, "NotFoundError"),
        (405, "MethodNotAllowedError"),
        (429, "RateLimitError"),
        (500, "InternalServerError"),
    ],
)
def test_error_classes_have_the_names_the_issue_promises(status: int, name: str) -> None:
    cls = errors.STATUS_ERRORS[status]
    assert cls.__name__ == name
    assert getattr(errors, name) is cls


def test_500_belongs_to_the_5xx_family() -> None:
    assert issubclass(errors.InternalServerError, errors.ServerError)
    assert not issubclass(errors.RateLimitError, errors.ServerError)


def test_list_live_calls_asks_for_live_calls_of_the_clients_account() -> None:
    calls = {"api_id": ACCEPTED["api_id"], "calls": [CALL]}
    seen, transport = recorder(200, calls)
    live = list_live_calls.sync(client=client_on(transport))
    assert live.calls == [CALL]
    assert seen[0].method == "GET"
    assert seen[0].url.path == f"/v1/Account/{AUTH_ID}/Call/"
    assert seen[0].url.params["status"] == "live"


@pytest.mark.parametrize(
    ("status", "example"), documented_errors("/v1/Account/{auth_id}/Call/", "get")
)
def test_list_live_calls_raises_each_documented_error(status: int, example: dict[str, str]) -> None:
    _, transport = recorder(status, example)
    with pytest.raises(errors.STATUS_ERRORS[status]):
        list_live_calls.sync(client=client_on(transport))
