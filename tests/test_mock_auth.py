"""Authentication: HTTP Basic against the mock's accounts, checked before anything else."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import httpx
import pytest
from plivo_mock.app import MockApp
from plivo_mock.auth import authenticate
from plivo_mock.config import EMBEDDED_AUTH_ID, Account, MockConfig
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

OTHER = Account("SAOTHERACCOUNT000001", "other-token")
CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"


def assert_401(answer: httpx.Response) -> str:
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == 'Basic realm="Plivo"'
    message = answer.json()["error"]
    assert isinstance(message, str)
    return message


async def test_missing_credentials_are_401_with_www_authenticate(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(app, auth=None)
    assert "required" in assert_401(await client.post(dtmf_path(CALL), json={"digits": "1"}))


async def test_wrong_token_is_401(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(app, auth=(EMBEDDED_AUTH_ID, "wrong"))
    assert "failed" in assert_401(await client.post(dtmf_path(CALL), json={"digits": "1"}))


async def test_unknown_auth_id_is_401_like_a_wrong_token(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    wrong_id = client_for(app, auth=("MAUNKNOWN00000000000", "mock-token-0001"))
    wrong_token = client_for(app, auth=(EMBEDDED_AUTH_ID, "wrong"))
    body = {"digits": "1"}
    path = dtmf_path(CALL, "MAUNKNOWN00000000000")
    first = assert_401(await wrong_id.post(path, json=body))
    second = assert_401(await wrong_token.post(dtmf_path(CALL), json=body))
    assert first == second


async def test_path_auth_id_other_than_the_basic_user_is_401(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    app = make_app(accounts=(MockConfig().default_account, OTHER))
    client = client_for(app)
    answer = await client.post(dtmf_path(CALL, OTHER.auth_id), json={"digits": "1"})
    assert "path" in assert_401(answer)


async def test_bad_credentials_with_a_bad_body_are_401_not_400(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(app, auth=(EMBEDDED_AUTH_ID, "wrong"))
    answer = await client.post(
        dtmf_path(CALL), content=b"{not json", headers={"Content-Type": "text/plain"}
    )
    assert_401(answer)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic",
    ],
)
async def test_malformed_authorization_headers_are_401(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient], header: str
) -> None:
    client = client_for(app, auth=None)
    answer = await client.post(
        dtmf_path(CALL), json={"digits": "1"}, headers={"Authorization": header}
    )
    assert_401(answer)


async def test_control_api_needs_credentials_but_health_does_not(
    app: MockApp, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(app, auth=None)
    assert (await client.get("/__mock__/health")).json() == {"status": "ok"}
    assert_401(await client.get("/__mock__/calls"))
    assert_401(await client.post("/__mock__/reset"))


PADDED = Account("SAPADDEDACCOUNT00001", "tok1")  # 25 bytes: base64 ends in "=="
PADDED_B64 = base64.b64encode(b"SAPADDEDACCOUNT00001:tok1").decode()


def test_canonical_base64_credentials_are_accepted() -> None:
    assert PADDED_B64.endswith("==")
    header = f"Basic {PADDED_B64}".encode()
    assert authenticate({PADDED.auth_id: PADDED}, header) == PADDED


@pytest.mark.parametrize(
    "encoded",
    [
        PADDED_B64 + "==",  # excess padding
        PADDED_B64.rstrip("="),  # padding missing
        PADDED_B64 + "QQ==",  # data after the padding
    ],
    ids=["excess-padding", "missing-padding", "data-after-padding"],
)
def test_non_canonical_base64_credentials_are_refused(encoded: str) -> None:
    assert authenticate({PADDED.auth_id: PADDED}, f"Basic {encoded}".encode()) is None


def test_base64_with_unused_bits_set_is_refused_though_it_decodes_to_the_credentials() -> None:
    encoded = PADDED_B64[:-3] + chr(ord(PADDED_B64[-3]) + 1) + "=="
    assert base64.b64decode(encoded, validate=True) == base64.b64decode(PADDED_B64)
    assert authenticate({PADDED.auth_id: PADDED}, f"Basic {encoded}".encode()) is None


def test_authenticate_compares_tokens_with_compare_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Constant-time comparison, also for an unknown Auth ID (a dummy token is compared)."""
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("plivo_mock.auth.hmac.compare_digest", spy)
    accounts = {OTHER.auth_id: OTHER}
    good = "Basic " + base64.b64encode(b"SAOTHERACCOUNT000001:other-token").decode()
    unknown = "Basic " + base64.b64encode(b"SAUNKNOWN00000000000:other-token").decode()
    assert authenticate(accounts, good.encode()) == OTHER
    assert authenticate(accounts, unknown.encode()) is None
    assert len(calls) == 2


def test_repr_of_accounts_and_config_hides_the_token() -> None:
    secret = "s3cr3t-token-value"
    account = Account("MAREPRCHECK000000001", secret)
    config = MockConfig(accounts=(account,))
    assert secret not in repr(account)
    assert secret not in repr(config)
    assert "MAREPRCHECK000000001" in repr(config)


async def test_access_log_has_one_line_per_request_and_no_credentials(
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "log-leak-check-token"
    app = make_app(accounts=(Account("MALOGCHECK0000000001", secret),))
    client = client_for(app, auth=("MALOGCHECK0000000001", secret))
    wrong = client_for(app, auth=("MALOGCHECK0000000001", secret + "x"))
    with caplog.at_level(logging.INFO):
        await client.post(dtmf_path(CALL, "MALOGCHECK0000000001"), json={"digits": "1"})
        await wrong.post(dtmf_path(CALL, "MALOGCHECK0000000001"), json={"digits": "1"})
    lines = [r.getMessage() for r in caplog.records if r.name == "plivo_mock.access"]
    assert len(lines) == 2
    assert '"POST /v1/Account/MALOGCHECK0000000001/Call/' in lines[0] and " 202 " in lines[0]
    assert " 401 " in lines[1]
    everything = caplog.text + "".join(lines)
    assert secret not in everything
    assert base64.b64encode(f"MALOGCHECK0000000001:{secret}".encode()).decode() not in everything
