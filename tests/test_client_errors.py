"""Answers and failures outside the documented ones: always an exception of one family.

Undocumented statuses, non-IANA codes (upstream openapi-python-client #1442) and non-JSON
bodies raise errors.* from sync(); *_detailed() returns them without raising. Connection
failures and timeouts are checked on real loopback sockets.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest

from tests.client_support import API_ID, AUTH_ID, CALL, TOKEN, client_on

HTML = b"<html><body>502 Bad Gateway</body></html>"


def answering(status: int, content: bytes, content_type: str = "application/json") -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": content_type})

    return client_on(handler)


def send(client: Client) -> SendDigitsAccepted:
    return send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))


def test_undocumented_status_raises_unexpected_status_error() -> None:
    client = answering(418, b'{"api_id": "%s", "error": "teapot"}' % API_ID.encode())
    with pytest.raises(errors.UnexpectedStatusError) as caught:
        send(client)
    assert (caught.value.status_code, caught.value.api_id, caught.value.error) == (
        418,
        API_ID,
        "teapot",
    )
    assert "not documented" in str(caught.value)


def test_non_iana_5xx_raises_server_error_not_value_error() -> None:
    with pytest.raises(errors.ServerError) as caught:
        send(answering(520, b""))
    assert caught.value.status_code == 520
    assert str(caught.value).startswith("HTTP 520:")


def test_non_iana_4xx_raises_unexpected_status_error() -> None:
    with pytest.raises(errors.UnexpectedStatusError) as caught:
        send(answering(499, b"{}"))
    assert caught.value.status_code == 499


def test_undocumented_5xx_raises_server_error() -> None:
    with pytest.raises(errors.ServerError) as caught:
        send(answering(503, b'{"error": "maintenance"}'))
    assert type(caught.value) is errors.ServerError
    assert (caught.value.error, caught.value.api_id) == ("maintenance", None)


def test_non_json_error_body_keeps_the_status_exception() -> None:
    with pytest.raises(errors.InternalServerError) as caught:
        send(answering(500, HTML, "text/html"))
    assert (caught.value.api_id, caught.value.error) == (None, None)
    assert "not Plivo's JSON error" in str(caught.value)
    assert caught.value.response.content == HTML


def test_non_json_202_raises_api_response_validation_error() -> None:
    with pytest.raises(errors.APIResponseValidationError) as caught:
        send(answering(202, b"digits sent", "text/plain"))
    assert caught.value.status_code == 202
    assert "SendDigitsAccepted" in str(caught.value)


def test_202_without_the_documented_fields_raises_api_response_validation_error() -> None:
    with pytest.raises(errors.APIResponseValidationError):
        send(answering(202, b'{"message": "digits sent"}'))


def test_undocumented_2xx_is_not_taken_for_success() -> None:
    with pytest.raises(errors.UnexpectedStatusError) as caught:
        send(answering(200, b'{"message": "digits sent", "api_id": "%s"}' % API_ID.encode()))
    assert caught.value.status_code == 200


@pytest.mark.parametrize(("status", "content"), [(520, b"<html/>"), (500, HTML), (202, b"nope")])
def test_detailed_returns_odd_answers_without_raising(status: int, content: bytes) -> None:
    response = send_digits.sync_detailed(
        CALL, client=answering(status, content), body=SendDigitsRequest(digits="1")
    )
    assert response.status_code == status
    assert response.parsed is None
    assert response.content == content


def test_every_exception_of_the_client_is_a_plivo_error() -> None:
    family = [
        errors.CredentialsError,
        errors.InvalidParameterError,
        errors.APIConnectionError,
        errors.APITimeoutError,
        errors.APIResponseValidationError,
        errors.ServerError,
        errors.UnexpectedStatusError,
        *errors.STATUS_ERRORS.values(),
    ]
    assert all(issubclass(cls, errors.PlivoError) for cls in family)
    assert all(issubclass(cls, errors.APIError) for cls in errors.STATUS_ERRORS.values())


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: every connect is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A loopback listener that completes TCP handshakes and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as sock:
        yield sock


def test_refused_connection_raises_api_connection_error_after_retries(refusing_port: int) -> None:
    delays: list[float] = []
    client = Client(
        AUTH_ID,
        TOKEN,
        base_url=f"http://127.0.0.1:{refusing_port}",
        max_retries=2,
        sleep=delays.append,
        random=lambda: 0.0,
    )
    with pytest.raises(errors.APIConnectionError) as caught:
        send(client)
    assert not isinstance(caught.value, errors.APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert delays == [0.5, 1.0]


def test_read_timeout_raises_api_timeout_error_and_is_not_retried(
    silent_server: socket.socket,
) -> None:
    port = silent_server.getsockname()[1]
    delays: list[float] = []
    client = Client(
        AUTH_ID,
        TOKEN,
        base_url=f"http://127.0.0.1:{port}",
        timeout=httpx.Timeout(0.2, connect=2.0),
        sleep=delays.append,
    )
    with pytest.raises(errors.APITimeoutError) as caught:
        send(client)
    assert "may have acted" in str(caught.value)
    assert delays == []
    # Every connection the client opened is in the backlog by now: exactly one.
    silent_server.setblocking(False)
    first, _ = silent_server.accept()
    first.close()
    with pytest.raises(BlockingIOError):
        silent_server.accept()
