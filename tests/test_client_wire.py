"""The generated client on the wire (httpx.MockTransport): what it sends, what it parses.

Statuses and example bodies are read from the spec, so a status the spec documents without
an exception class, or an example the client cannot parse, fails here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import Error, Leg, SendDigitsAccepted, SendDigitsRequest

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "openapi" / "plivo-dtmf.yaml").read_text("utf-8")
)
DTMF_PATH = "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"
AUTH_ID = "MA2025RK4E639VJFZAGV"
TOKEN = "wire-test-token"
CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"
ACCEPTED = {"message": "digits sent", "api_id": "07abfd94-58c0-11e1-86da-adf28403fe48"}

Handler = Callable[[httpx.Request], httpx.Response]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def documented_errors(path: str, method: str) -> list[tuple[int, dict[str, Any]]]:
    """(status, example body) of every error response the spec documents for an operation."""
    found = []
    for code, response in SPEC["paths"][path][method]["responses"].items():
        if int(code) >= 400:
            examples = resolve(response)["content"]["application/json"]["examples"]
            found.append((int(code), next(iter(examples.values()))["value"]))
    return found


def client_for(handler: Handler) -> Client:
    return Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010",
        httpx_args={"transport": httpx.MockTransport(handler)},
        max_retries=0,
    )


def recording(status: int, body: object) -> tuple[list[httpx.Request], Handler]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return seen, handler


def send(client: Client, **body: Any) -> SendDigitsAccepted:
    return send_digits.sync(CALL, client=client, body=SendDigitsRequest(**body))


def test_send_digits_posts_to_the_dtmf_path_with_its_trailing_slash() -> None:
    seen, handler = recording(202, ACCEPTED)
    send(client_for(handler), digits="8743#")
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == DTMF_PATH.format(auth_id=AUTH_ID, call_uuid=CALL)
    assert request.url.path.endswith("/DTMF/")


def test_send_digits_authenticates_with_http_basic() -> None:
    seen, handler = recording(202, ACCEPTED)
    send(client_for(handler), digits="8743#")
    expected = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    assert seen[0].headers["Authorization"] == f"Basic {expected}"


def test_send_digits_sends_json_with_the_default_leg() -> None:
    seen, handler = recording(202, ACCEPTED)
    send(client_for(handler), digits="8743#")
    assert seen[0].headers["Content-Type"] == "application/json"
    body = json.loads(seen[0].content)
    assert body["digits"] == "8743#"
    assert body["leg"] == "aleg"


def test_send_digits_sends_bleg_when_asked() -> None:
    seen, handler = recording(202, ACCEPTED)
    send(client_for(handler), digits="1w2W3", leg=Leg.BLEG)
    assert json.loads(seen[0].content)["leg"] == "bleg"


def test_send_digits_parses_the_202_into_its_model() -> None:
    _, handler = recording(202, ACCEPTED)
    sent = send(client_for(handler), digits="0")
    assert isinstance(sent, SendDigitsAccepted)
    assert (sent.message, sent.api_id) == (ACCEPTED["message"], ACCEPTED["api_id"])


@pytest.mark.parametrize(("status", "example"), documented_errors(DTMF_PATH, "post"))
def test_each_documented_error_status_raises_its_own_exception(
    status: int, example: dict[str, str]
) -> None:
    _, handler = recording(status, example)
    with pytest.raises(errors.APIStatusError) as caught:
        send(client_for(handler), digits="1")
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
    _, handler = recording(status, example)
    response = send_digits.sync_detailed(
        CALL, client=client_for(handler), body=SendDigitsRequest(digits="1")
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
    seen, handler = recording(200, calls)
    live = list_live_calls.sync(client=client_for(handler))
    assert live.calls == [CALL]
    assert seen[0].method == "GET"
    assert seen[0].url.path == f"/v1/Account/{AUTH_ID}/Call/"
    assert seen[0].url.params["status"] == "live"


@pytest.mark.parametrize(
    ("status", "example"), documented_errors("/v1/Account/{auth_id}/Call/", "get")
)
def test_list_live_calls_raises_each_documented_error(status: int, example: dict[str, str]) -> None:
    _, handler = recording(status, example)
    with pytest.raises(errors.STATUS_ERRORS[status]):
        list_live_calls.sync(client=client_for(handler))
