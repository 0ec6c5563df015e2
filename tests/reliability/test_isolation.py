"""Accounts are isolated; the control API needs credentials; callbacks go to allowed hosts."""

from __future__ import annotations

import hmac
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from plivo_mock.app import create_app
from plivo_mock.config import MockConfig

from .answers import CONTROL_SPEC, HTTP_METHODS, error_problems
from .mockproc import ACCOUNT_A, ACCOUNT_B, ACCOUNT_B_CALL, Control, Credentials, MockProcess
from .rawhttp import RawResponse

UNKNOWN_CALL = "00000000-0000-4000-8000-000000000000"
CALLBACK_DEADLINE_S = 5.0


def _dtmf(account: Credentials, call_uuid: str) -> str:
    return f"/v1/Account/{account.auth_id}/Call/{call_uuid}/DTMF/"


def _raw(answer: httpx.Response) -> RawResponse:
    return RawResponse(answer.status_code, tuple(answer.headers.items()), answer.content)


def _same_answer_but_api_id(first: httpx.Response, second: httpx.Response) -> None:
    assert first.status_code == second.status_code == 404
    assert error_problems(_raw(first)) == error_problems(_raw(second)) == []
    assert {**first.json(), "api_id": None} == {**second.json(), "api_id": None}
    skip = {"date"}
    assert {k: v for k, v in first.headers.items() if k not in skip} == {
        k: v for k, v in second.headers.items() if k not in skip
    }


@pytest.fixture(scope="module")
def http_a(mock: MockProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=mock.base_url, auth=ACCOUNT_A.httpx_auth, timeout=5.0, trust_env=False
    ) as client:
        yield client


@pytest.fixture(scope="module")
def http_b(mock: MockProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=mock.base_url, auth=ACCOUNT_B.httpx_auth, timeout=5.0, trust_env=False
    ) as client:
        yield client


# -- one account, another account's calls ------------------------------------------------


def test_sending_to_another_accounts_call_is_404_like_an_unknown_call(
    http_a: httpx.Client, control_b: Control
) -> None:
    before = control_b.events(ACCOUNT_B_CALL)
    theirs = http_a.post(_dtmf(ACCOUNT_A, ACCOUNT_B_CALL), json={"digits": "1"})
    unknown = http_a.post(_dtmf(ACCOUNT_A, UNKNOWN_CALL), json={"digits": "1"})
    _same_answer_but_api_id(theirs, unknown)
    assert control_b.events(ACCOUNT_B_CALL) == before


def test_reading_another_accounts_events_is_404_like_an_unknown_call(
    http_a: httpx.Client,
) -> None:
    theirs = http_a.get(f"/__mock__/calls/{ACCOUNT_B_CALL}/events")
    unknown = http_a.get(f"/__mock__/calls/{UNKNOWN_CALL}/events")
    _same_answer_but_api_id(theirs, unknown)


def test_hanging_up_another_accounts_call_is_404_and_leaves_it_live(
    http_a: httpx.Client, http_b: httpx.Client, control_b: Control
) -> None:
    call = control_b.create_call()
    _same_answer_but_api_id(
        http_a.delete(f"/__mock__/calls/{call}"), http_a.delete(f"/__mock__/calls/{UNKNOWN_CALL}")
    )
    assert http_b.post(_dtmf(ACCOUNT_B, call), json={"digits": "1"}).status_code == 202


def test_bridging_another_accounts_call_is_404_and_adds_no_b_leg(
    http_a: httpx.Client, http_b: httpx.Client, control_b: Control
) -> None:
    call = control_b.create_call(bleg=False)
    _same_answer_but_api_id(
        http_a.post(f"/__mock__/calls/{call}/bridge"),
        http_a.post(f"/__mock__/calls/{UNKNOWN_CALL}/bridge"),
    )
    still = http_b.post(_dtmf(ACCOUNT_B, call), json={"digits": "1", "leg": "bleg"})
    assert still.status_code == 404, "the b-leg was added by another account"


def test_faulting_another_accounts_call_is_404_and_arms_nothing(
    http_a: httpx.Client, http_b: httpx.Client, control_b: Control
) -> None:
    call = control_b.create_call()
    theirs = http_a.post("/__mock__/faults", json={"call_uuid": call, "count": 1, "status": 503})
    unknown = http_a.post(
        "/__mock__/faults", json={"call_uuid": UNKNOWN_CALL, "count": 1, "status": 503}
    )
    _same_answer_but_api_id(theirs, unknown)
    assert http_b.post(_dtmf(ACCOUNT_B, call), json={"digits": "1"}).status_code == 202


def test_another_accounts_calls_are_never_listed(
    http_a: httpx.Client, control_a: Control, control_b: Control
) -> None:
    theirs = {call["call_uuid"] for call in control_b.calls()}
    assert ACCOUNT_B_CALL in theirs
    mine_in_control = {call["call_uuid"] for call in control_a.calls()}
    live = http_a.get(f"/v1/Account/{ACCOUNT_A.auth_id}/Call/", params={"status": "live"})
    assert live.status_code == 200
    assert not theirs & mine_in_control
    assert not theirs & set(live.json()["calls"])


# -- the control API's credentials -------------------------------------------------------


def _secured_control_operations() -> list[tuple[str, str]]:
    document: dict[str, Any] = yaml.safe_load(CONTROL_SPEC.read_text(encoding="utf-8"))
    default_security = document.get("security", [])
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS and operation.get("security", default_security):
                operations.append((method.upper(), path))
    return operations


@pytest.mark.parametrize(("method", "template"), _secured_control_operations())
@pytest.mark.parametrize(
    "credentials",
    [None, Credentials(ACCOUNT_A.auth_id, "wrong"), Credentials("MAUNKNOWN00000000000", "x")],
    ids=["none", "wrong-token", "unknown-id"],
)
def test_control_operation_needs_valid_credentials(
    mock: MockProcess, method: str, template: str, credentials: Credentials | None
) -> None:
    path = template.replace("{call_uuid}", ACCOUNT_B_CALL)
    answer = httpx.request(
        method,
        mock.base_url + path,
        json={"call_uuid": ACCOUNT_B_CALL, "count": 1, "status": 503} if method == "POST" else None,
        auth=credentials.httpx_auth if credentials else None,
        trust_env=False,
    )
    assert answer.status_code == 401
    assert error_problems(_raw(answer)) == []


@pytest.mark.anyio
async def test_control_api_refuses_peers_that_are_not_loopback() -> None:
    config = MockConfig.from_env(
        environ={"PLIVO_AUTH_ID": ACCOUNT_A.auth_id, "PLIVO_AUTH_TOKEN": ACCOUNT_A.auth_token},
        rate_limit=None,
    )
    app = create_app(config)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock", auth=ACCOUNT_A.httpx_auth
    ) as remote:
        plivo = await remote.get(f"/v1/Account/{ACCOUNT_A.auth_id}/Call/?status=live")
        assert plivo.status_code == 200, "the Plivo API itself stays open to any peer"
        control = await remote.post("/__mock__/reset")
        assert control.status_code in (403, 404), control.status_code


# -- constant-time comparison ------------------------------------------------------------


@pytest.mark.anyio
async def test_every_credential_check_goes_through_compare_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unknown Auth IDs, wrong tokens and right ones all cost one constant-time compare."""
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    app = create_app(
        MockConfig.from_env(
            environ={"PLIVO_AUTH_ID": ACCOUNT_A.auth_id, "PLIVO_AUTH_TOKEN": ACCOUNT_A.auth_token}
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        for user, token, status in [
            (ACCOUNT_A.auth_id, ACCOUNT_A.auth_token, 200),
            (ACCOUNT_A.auth_id, "x" * len(ACCOUNT_A.auth_token), 401),
            ("MAUNKNOWN00000000000", ACCOUNT_A.auth_token, 401),
        ]:
            answer = await client.get("/__mock__/calls", auth=(user, token))
            assert answer.status_code == status
    assert len(compared) == 3


# -- callbacks -----------------------------------------------------------------------------


class _Receiver:
    """A loopback HTTP server counting the requests it gets; optionally redirects them."""

    def __init__(self, host: str, redirect_to: str | None = None) -> None:
        receiver = self
        self.hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                receiver.hits.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if redirect_to:
                    self.send_response(307)
                    self.send_header("Location", redirect_to)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def forbidden_receiver() -> Iterator[_Receiver]:
    """On 127.0.0.2: loopback, but not a host the mock allows by default."""
    receiver = _Receiver("127.0.0.2")
    yield receiver
    receiver.close()


def _callback_outcome(control: Control, call_uuid: str, api_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + CALLBACK_DEADLINE_S
    while True:
        event = next(e for e in control.events(call_uuid) if e["api_id"] == api_id)
        outcome: dict[str, Any] = event["callback"]
        if outcome["status"] != "pending" or time.monotonic() > deadline:
            return outcome
        time.sleep(0.02)


def _send_with_callback(http_a: httpx.Client, call: str, url: str) -> httpx.Response:
    return http_a.post(_dtmf(ACCOUNT_A, call), json={"digits": "1", "callback_url": url})


def test_callback_to_an_allowed_host_is_delivered(http_a: httpx.Client, control_a: Control) -> None:
    receiver = _Receiver("127.0.0.1")
    try:
        call = control_a.create_call()
        answer = _send_with_callback(http_a, call, receiver.url + "/cb")
        assert answer.status_code == 202
        outcome = _callback_outcome(control_a, call, answer.json()["api_id"])
        assert outcome["status"] == "delivered"
        assert receiver.hits == ["POST /cb"]
    finally:
        receiver.close()


@pytest.mark.parametrize(
    "url",
    [
        "{forbidden}/cb",
        "http://127.0.0.1@{forbidden_hostport}/cb",
        "http://{forbidden_hostport}#@127.0.0.1/cb",
        "http://{forbidden_hostport}\\@127.0.0.1/cb",
        "http://0x7f000002:{forbidden_port}/cb",
        "http://2130706434:{forbidden_port}/cb",
        "http://[::ffff:127.0.0.2]:{forbidden_port}/cb",
        "http://127.1:{forbidden_port}/cb",
    ],
    ids=[
        "plain",
        "userinfo",
        "fragment-at",
        "backslash-at",
        "hex-ip",
        "decimal-ip",
        "ipv4-mapped",
        "short-ip",
    ],
)
def test_callback_to_a_host_not_allowed_is_refused_or_blocked(
    url: str, http_a: httpx.Client, control_a: Control, forbidden_receiver: _Receiver
) -> None:
    hostport = forbidden_receiver.url.removeprefix("http://")
    url = url.format(
        forbidden=forbidden_receiver.url,
        forbidden_hostport=hostport,
        forbidden_port=hostport.rsplit(":", 1)[1],
    )
    call = control_a.create_call()
    answer = _send_with_callback(http_a, call, url)
    if answer.status_code == 202:
        outcome = _callback_outcome(control_a, call, answer.json()["api_id"])
        assert outcome["status"] == "blocked", outcome
    else:
        assert answer.status_code == 400
    assert forbidden_receiver.hits == []


def test_callback_redirect_to_a_host_not_allowed_is_not_followed(
    http_a: httpx.Client, control_a: Control, forbidden_receiver: _Receiver
) -> None:
    redirector = _Receiver("127.0.0.1", redirect_to=forbidden_receiver.url + "/cb")
    try:
        call = control_a.create_call()
        answer = _send_with_callback(http_a, call, redirector.url + "/cb")
        assert answer.status_code == 202
        outcome = _callback_outcome(control_a, call, answer.json()["api_id"])
        assert outcome["status"] != "delivered", outcome
        assert redirector.hits == ["POST /cb"]
        assert forbidden_receiver.hits == []
    finally:
        redirector.close()
