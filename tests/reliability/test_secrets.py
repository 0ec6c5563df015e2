"""Auth tokens never show up in logs, process output or reprs, whatever the requests do."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest
from plivo_mock.app import create_app
from plivo_mock.config import MockConfig

from .mockproc import ACCOUNT_A, ACCOUNT_B, ACCOUNT_B_CALL, Control, Credentials, MockProcess
from .mockproc import start_mock as start_mock_process
from .rawhttp import exchange

ACCOUNTS = (ACCOUNT_A, ACCOUNT_B)


def _secrets(account: Credentials) -> list[str]:
    """The token, and the Basic value that carries it."""
    pair = f"{account.auth_id}:{account.auth_token}".encode()
    return [account.auth_token, base64.b64encode(pair).decode()]


def _leaks(text: str, accounts: tuple[Credentials, ...] = ACCOUNTS) -> list[str]:
    return [secret for account in accounts for secret in _secrets(account) if secret in text]


def _dtmf(account: Credentials, call_uuid: str) -> str:
    return f"/v1/Account/{account.auth_id}/Call/{call_uuid}/DTMF/"


def _hostile_session(http: httpx.Client, call_uuid: str) -> None:
    """Requests that carry the token where a careless server would log it."""
    token = ACCOUNT_A.auth_token
    path = _dtmf(ACCOUNT_A, call_uuid)
    http.post(path, json={"digits": "1"})
    http.post(path, json={"digits": token})  # echoed in a 400 message?
    http.post(path, json={"digits": "1", "auth_token": token})  # kept as an unknown field
    http.post(path + f"?auth_token={token}", json={"digits": "1"})
    http.get(f"/v1/Account/{ACCOUNT_A.auth_id}/Call/", params={"status": token})
    for wrong in (token + "x", "x" + token, token.upper()):
        http.post(path, json={"digits": "1"}, auth=(ACCOUNT_A.auth_id, wrong))
    http.post(path, json={"digits": "1"}, auth=(ACCOUNT_B.auth_id, ACCOUNT_B.auth_token))
    http.post(path, json={"digits": "1"}, headers={"Authorization": f"Basic {token}"})
    http.post(path, json={"digits": "1"}, headers={"Authorization": f"Bearer {token}"})
    # A 500 today (json_integer_of_5000_digits), so its traceback is logged too.
    http.post(path, content=b'{"digits":"1","x":1' + b"0" * 5000 + b"}", headers=_json())
    http.post(_dtmf(ACCOUNT_B, ACCOUNT_B_CALL), json={"digits": "1"}, auth=ACCOUNT_B.httpx_auth)


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def process_output(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Everything a mock process printed during a hostile session, up to its exit."""
    mock = start_mock_process(tmp_path_factory.mktemp("secrets-mock"))
    try:
        control = Control(mock.base_url, ACCOUNT_A)
        call = control.create_call()
        control.inject_fault(call, count=1, status=503)
        control.close()
        with httpx.Client(
            base_url=mock.base_url, auth=ACCOUNT_A.httpx_auth, timeout=5.0, trust_env=False
        ) as http:
            _hostile_session(http, call)
        # Framing errors are logged by uvicorn, before the app: a header with a NUL byte.
        framing = (
            f"POST {_dtmf(ACCOUNT_A, call)} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Basic {_secrets(ACCOUNT_A)[1]}\r\nX-Bad: {ACCOUNT_A.auth_token}\0\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()
        exchange("127.0.0.1", mock.port, framing, timeout=5.0)
    finally:
        assert mock.terminate() == 0
    yield mock.log()


def test_mock_process_output_never_shows_a_token(process_output: str) -> None:
    assert ACCOUNT_A.auth_id in process_output, "the start-up banner is missing"
    assert "202" in process_output and "401" in process_output, "the access log is missing"
    assert _leaks(process_output) == []


@pytest.mark.anyio
async def test_mock_python_logging_never_shows_a_token(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(
        MockConfig.from_env(
            environ={"PLIVO_AUTH_ID": ACCOUNT_A.auth_id, "PLIVO_AUTH_TOKEN": ACCOUNT_A.auth_token}
        )
    )
    transport = httpx.ASGITransport(app=app)
    token = ACCOUNT_A.auth_token
    path = _dtmf(ACCOUNT_A, app.state.of_account(ACCOUNT_A.auth_id)[0].call_uuid)
    with caplog.at_level(logging.DEBUG):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://mock", auth=ACCOUNT_A.httpx_auth
        ) as http:
            await http.post(path, json={"digits": "1"})
            await http.post(path, json={"digits": token, "auth_token": token})
            await http.post(path, json={"digits": "1"}, auth=(ACCOUNT_A.auth_id, token + "x"))
            await http.post(path, content=b'{"x":1' + b"0" * 5000 + b"}", headers=_json())
    assert caplog.records, "nothing was logged at all"
    formatter = logging.Formatter()
    for record in caplog.records:
        line = formatter.format(record)
        assert _leaks(line, (ACCOUNT_A,)) == [], f"token in the log: {record.name}"


def test_mock_objects_never_show_a_token_in_repr() -> None:
    config = MockConfig.from_env(
        environ={"PLIVO_AUTH_ID": ACCOUNT_A.auth_id, "PLIVO_AUTH_TOKEN": ACCOUNT_A.auth_token}
    )
    app = create_app(config)
    for thing in (config, config.accounts, app.state, app.state.accounts, app.config):
        assert _leaks(repr(thing), (ACCOUNT_A,)) == [], type(thing).__name__
        assert _leaks(str(thing), (ACCOUNT_A,)) == [], type(thing).__name__


def _client(mock: MockProcess, token: str = ACCOUNT_A.auth_token) -> Client:
    return Client(
        auth_id=ACCOUNT_A.auth_id,
        auth_token=token,
        base_url=mock.base_url,
        sleep=lambda _: None,
    )


def test_client_repr_never_shows_the_token_before_or_after_use(
    mock: MockProcess, control_a: Control
) -> None:
    client = _client(mock)
    assert _leaks(repr(client), (ACCOUNT_A,)) == []
    with client:
        send_digits.sync(
            call_uuid=control_a.create_call(), body=SendDigitsRequest(digits="1"), client=client
        )
        assert _leaks(repr(client), (ACCOUNT_A,)) == []
        assert _leaks(repr(client.get_httpx_client()), (ACCOUNT_A,)) == []


def test_client_errors_never_show_the_token(mock: MockProcess, control_a: Control) -> None:
    wrong = Credentials(ACCOUNT_A.auth_id, ACCOUNT_A.auth_token + "-wrong")
    client = _client(mock, wrong.auth_token)
    with client, pytest.raises(errors.AuthenticationError) as raised:
        send_digits.sync(
            call_uuid=control_a.create_call(), body=SendDigitsRequest(digits="1"), client=client
        )
    for text in (str(raised.value), repr(raised.value), repr(raised.value.response)):
        assert _leaks(text, (wrong,)) == []


def test_client_logging_never_shows_the_token(
    mock: MockProcess, control_a: Control, caplog: pytest.LogCaptureFixture
) -> None:
    call = control_a.create_call()
    control_a.inject_fault(call, count=1, status=429)
    with caplog.at_level(logging.DEBUG), _client(mock) as client:
        send_digits.sync(call_uuid=call, body=SendDigitsRequest(digits="1"), client=client)
    names = {record.name for record in caplog.records}
    assert "plivo_dtmf_client" in names and "httpx" in names, names
    formatter = logging.Formatter()
    for record in caplog.records:
        assert _leaks(formatter.format(record), (ACCOUNT_A,)) == [], record.name
