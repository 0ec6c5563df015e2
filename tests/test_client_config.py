"""Client settings: credentials, base URL, auth_id default, timeout, repr, sync and async use."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsRequest

from tests.client_support import (
    ACCEPTED,
    AUTH_ID,
    CALL,
    SPEC,
    basic,
    clear_plivo_environment,
    recorder,
)

OTHER_ID = "SA0000000000000000AB"
# Unlike any other text the client holds, so that the repr test cannot pass by accident.
TOKEN = "s3cret-Token-never-shown"


@pytest.fixture(autouse=True)
def no_plivo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_plivo_environment(monkeypatch)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", AUTH_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", TOKEN)
    seen, transport = recorder()
    client = Client(httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert client.auth_id == AUTH_ID
    assert seen[0].headers["Authorization"] == basic(AUTH_ID, TOKEN)


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_AUTH_ID", OTHER_ID)
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "env-token")
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert seen[0].headers["Authorization"] == basic(AUTH_ID, TOKEN)


@pytest.mark.parametrize(
    ("auth_id", "auth_token", "missing"),
    [(None, None, "PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN"), (AUTH_ID, None, "PLIVO_AUTH_TOKEN")],
)
def test_missing_credentials_error_names_both_variables(
    auth_id: str | None, auth_token: str | None, missing: str
) -> None:
    with pytest.raises(errors.CredentialsError) as caught:
        Client(auth_id, auth_token)
    message = str(caught.value)
    assert "PLIVO_AUTH_ID" in message
    assert "PLIVO_AUTH_TOKEN" in message
    assert f"(missing: {missing})" in message
    assert isinstance(caught.value, errors.PlivoError)


def test_base_url_defaults_to_the_specs_first_server() -> None:
    assert Client(AUTH_ID, TOKEN).base_url == SPEC["servers"][0]["url"]


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_BASE_URL", "http://127.0.0.1:4010")
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert str(seen[0].url).startswith("http://127.0.0.1:4010/v1/Account/")


def test_auth_id_path_parameter_defaults_to_the_clients() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert seen[0].url.path == f"/v1/Account/{AUTH_ID}/Call/{CALL}/DTMF/"


def test_explicit_auth_id_goes_into_the_path_only() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"), auth_id=OTHER_ID)
    assert seen[0].url.path == f"/v1/Account/{OTHER_ID}/Call/{CALL}/DTMF/"
    assert seen[0].headers["Authorization"] == basic(AUTH_ID, TOKEN)


def test_default_timeout_is_finite_and_sent_with_each_request() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    timeouts = seen[0].extensions["timeout"]
    assert timeouts == {"connect": 2.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def test_timeout_can_be_given_in_seconds() -> None:
    assert Client(AUTH_ID, TOKEN, timeout=1.5).timeout == httpx.Timeout(1.5)


def test_repr_shows_the_auth_id_but_never_the_token() -> None:
    seen, transport = recorder()
    client = Client(AUTH_ID, TOKEN, httpx_args={"transport": transport})
    send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    encoded = basic(AUTH_ID, TOKEN).removeprefix("Basic ")
    shown = [
        repr(client),
        str(client),
        repr(vars(client)),
        repr(client.get_httpx_client().headers),
        repr(seen[0].headers),
    ]
    assert AUTH_ID in repr(client)
    for text in shown:
        assert TOKEN not in text
        assert encoded not in text


def test_the_token_is_not_in_the_httpx_clients_default_headers() -> None:
    client = Client(AUTH_ID, TOKEN)
    assert "authorization" not in client.get_httpx_client().headers
    client.close()


def test_sync_context_manager_closes_the_connection_pool() -> None:
    _, transport = recorder()
    with Client(AUTH_ID, TOKEN, httpx_args={"transport": transport}) as client:
        send_digits.sync(CALL, client=client, body=SendDigitsRequest(digits="1"))
    assert client.get_httpx_client().is_closed


def test_async_context_manager_sends_and_closes() -> None:
    seen, transport = recorder()

    async def main() -> tuple[SendDigitsAccepted, httpx.AsyncClient]:
        async with Client(AUTH_ID, TOKEN, httpx_args={"transport": transport}) as client:
            body = SendDigitsRequest(digits="1")
            # The running loop's pool (tests/test_client_event_loops.py: one per loop).
            pool = client.get_async_httpx_client()
            return await send_digits.asyncio(CALL, client=client, body=body), pool

    sent, pool = asyncio.run(main())
    assert sent.api_id == ACCEPTED["api_id"]
    assert json.loads(seen[0].content) == {"digits": "1"}
    assert pool.is_closed


def test_with_options_changes_a_copy_only() -> None:
    client = Client(AUTH_ID, TOKEN)
    other = client.with_options(max_retries=0, retry_server_errors=True, timeout=1.0)
    assert (other.max_retries, other.retry_server_errors, other.timeout) == (
        0,
        True,
        httpx.Timeout(1.0),
    )
    assert (client.max_retries, client.retry_server_errors) == (2, False)


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Client(AUTH_ID, TOKEN, max_retries=-1)
