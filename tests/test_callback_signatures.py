"""Signed callbacks: the mock signs them as Plivo does, `plivo_dtmf_client.webhooks` verifies.

The mock runs as a real process on loopback and calls a real loopback receiver. The official
plivo-python SDK (4.63.0) is the oracle both ways: its `validate_v3_signature` (and V2
`validate_signature`) must accept the mock's callbacks and reject tampered copies, and our
verifier must accept signatures made by its own signing functions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from plivo.utils import validate_signature
from plivo.utils.signature_v3 import (
    construct_get_url,
    construct_post_url,
    get_signature_v3,
    validate_v3_signature,
)
from plivo_contract.callback_probe import CallbackReceiver, Received
from plivo_dtmf_client.models import DigitsSentCallbackStatus, Leg
from plivo_dtmf_client.webhooks import (
    NONCE_V2,
    NONCE_V3,
    SIGNATURE_V2,
    SIGNATURE_V3,
    SignatureMismatchError,
    SignatureMissingError,
    WebhookPayloadError,
    signature_v2,
    signature_v3,
    verify_digits_sent,
)
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer, dtmf_path, env_without_credentials

from tests.client_support import SPEC, resolve

OTHER_ID = "MASIGNEDACCOUNT00002"
OTHER_TOKEN = "token-of-B-\u00fc"  # not ASCII: both sides must sign its UTF-8 bytes
OTHER_CALL = "0b3c0f2e-1111-4222-8333-444455556666"
API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48"


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    folder = tmp_path_factory.mktemp("signed")
    seed = folder / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "auth_id": OTHER_ID,
                        "auth_token": OTHER_TOKEN,
                        "calls": [{"call_uuid": OTHER_CALL}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    args = ("--no-rate-limit", "--seed", str(seed))
    with MockServer(*args, env=env_without_credentials(), log_path=folder / "mock.log") as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as rx:
        yield rx


def callback(
    mock: MockServer,
    receiver: CallbackReceiver,
    body: dict[str, Any],
    *,
    account: tuple[str, str] = (EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
    call_uuid: str = BRIDGED_CALL_UUID,
) -> tuple[str, Received]:
    """Send an async DTMF request to the mock; (the URL the callback arrived at, the callback)."""
    body = {"callback_url": receiver.url, **body}
    answer = httpx.post(
        mock.base_url + dtmf_path(call_uuid, account[0]), json=body, auth=account, trust_env=False
    )
    assert answer.status_code == 202, answer.text
    got = receiver.next(10)
    return f"http://127.0.0.1:{receiver.port}{got.target}", got


def official_v3(method: str, url: str, got: Received, token: str, **changes: Any) -> bool:
    """plivo-python's verdict; `changes`: body fields (POST) to tamper with first."""
    params = {**json.loads(got.body), **changes} if method == "POST" else None
    return bool(
        validate_v3_signature(
            method,
            url,
            got.headers[NONCE_V3.lower()],
            token,
            got.headers[SIGNATURE_V3.lower()],
            params,
        )
    )


def ours(method: str, url: str, got: Received, token: str, **override: Any) -> Any:
    return verify_digits_sent(
        method=method,
        url=url,
        headers=override.get("headers", got.headers),
        body=override.get("body", got.body),
        auth_token=token,
    )


# --- the mock signs; the official SDK agrees ----------------------------------------------


def test_post_callback_verifies_with_plivo_python_and_tampering_does_not(
    mock: MockServer, receiver: CallbackReceiver
) -> None:
    url, got = callback(mock, receiver, {"digits": "12#", "leg": "bleg"})
    token = EMBEDDED_AUTH_TOKEN
    assert got.method == "POST" and got.headers["content-type"] == "application/json"
    assert official_v3("POST", url, got, token)
    assert validate_signature(
        url, got.headers[NONCE_V2.lower()], got.headers[SIGNATURE_V2.lower()], token
    )
    assert not official_v3("POST", url, got, token, digits="99")  # body
    assert not official_v3("POST", url.replace("/callback", "/other"), got, token)  # URL
    assert not official_v3("POST", url, got, token + "x")  # token
    forged = {**got.headers, NONCE_V3.lower(): "1" + got.headers[NONCE_V3.lower()]}
    assert not official_v3("POST", url, Received("POST", got.target, forged, got.body), token)


def test_get_callback_keeps_the_receivers_query_and_verifies_with_plivo_python(
    mock: MockServer, receiver: CallbackReceiver
) -> None:
    # Issue 17 item 2: a receiver's own parameters in its callback_url survive, merged.
    own = receiver.url + "?token=abc%20d&x=1&status=mine"
    url, got = callback(
        mock, receiver, {"digits": "7", "callback_url": own, "callback_method": "GET"}
    )
    query = got.query
    assert got.method == "GET" and got.body == b""
    assert query["token"] == "abc d" and query["x"] == "1"
    assert query["digits"] == "7" and query["status"] == "sent"  # the callback's own wins
    assert got.target.count("status=") == 1
    assert official_v3("GET", url, got, EMBEDDED_AUTH_TOKEN)
    assert not official_v3("GET", url.replace("digits=7", "digits=8"), got, EMBEDDED_AUTH_TOKEN)
    assert not official_v3("GET", url.replace("x=1", "x=2"), got, EMBEDDED_AUTH_TOKEN)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_signature_covers_the_url_as_it_arrives_not_as_it_was_written(
    mock: MockServer, receiver: CallbackReceiver, method: str
) -> None:
    # The request line carries the normalised URL (no dot segments), which the receiver sees.
    written = receiver.url.replace("/callback", "/x/../callback") + "?sp=a%20b"
    body = {"digits": "4", "callback_url": written, "callback_method": method}
    url, got = callback(mock, receiver, body)
    assert got.path == "/callback" and got.query["sp"] == "a b"
    assert official_v3(method, url, got, EMBEDDED_AUTH_TOKEN)
    assert ours(method, url, got, EMBEDDED_AUTH_TOKEN).digits == "4"


def test_each_callback_has_fresh_nonces_and_the_owning_accounts_signature(
    mock: MockServer, receiver: CallbackReceiver
) -> None:
    url, first = callback(mock, receiver, {"digits": "1"})
    _, second = callback(mock, receiver, {"digits": "1"})
    nonces = [r.headers[h.lower()] for r in (first, second) for h in (NONCE_V3, NONCE_V2)]
    assert len(set(nonces)) == 4 and all(n.isdigit() and len(n) == 20 for n in nonces)

    url, theirs = callback(
        mock, receiver, {"digits": "1"}, account=(OTHER_ID, OTHER_TOKEN), call_uuid=OTHER_CALL
    )
    assert official_v3("POST", url, theirs, OTHER_TOKEN)
    assert not official_v3("POST", url, theirs, EMBEDDED_AUTH_TOKEN)
    assert ours("POST", url, theirs, OTHER_TOKEN).call_uuid == OTHER_CALL
    with pytest.raises(SignatureMismatchError):
        ours("POST", url, theirs, EMBEDDED_AUTH_TOKEN)


def test_the_event_records_signed_but_neither_signature_nor_token(
    mock: MockServer, receiver: CallbackReceiver
) -> None:
    _, got = callback(
        mock, receiver, {"digits": "5"}, account=(OTHER_ID, OTHER_TOKEN), call_uuid=OTHER_CALL
    )
    events = httpx.get(
        f"{mock.base_url}/__mock__/calls/{OTHER_CALL}/events",
        auth=(OTHER_ID, OTHER_TOKEN),
        trust_env=False,
    ).text
    assert '"signed":true' in events.replace(" ", "")
    log = Path(mock.log_path).read_text(encoding="utf-8")
    for secret in (OTHER_TOKEN, *(got.headers[h.lower()] for h in (SIGNATURE_V3, SIGNATURE_V2))):
        assert secret not in events and secret not in log


# --- our verifier on the mock's callbacks -----------------------------------------------------


def test_verifier_returns_the_typed_callback_for_post_and_get(
    mock: MockServer, receiver: CallbackReceiver
) -> None:
    url, got = callback(mock, receiver, {"digits": "12#", "leg": "bleg"})
    parsed = ours("POST", url, got, EMBEDDED_AUTH_TOKEN)
    assert (parsed.digits, parsed.leg, parsed.status) == (
        "12#",
        Leg.BLEG,
        DigitsSentCallbackStatus.SENT,
    )
    assert parsed.call_uuid == BRIDGED_CALL_UUID

    pairs = list(got.headers.items())  # WSGI-style (name, value) pairs work too
    assert ours("POST", url, got, EMBEDDED_AUTH_TOKEN, headers=pairs) == parsed

    own = receiver.url + "?token=abc"
    url, got = callback(
        mock, receiver, {"digits": "3", "callback_url": own, "callback_method": "GET"}
    )
    parsed = ours("get", url, got, EMBEDDED_AUTH_TOKEN)
    assert (parsed.digits, parsed.leg) == ("3", Leg.ALEG)
    assert parsed.additional_properties == {"token": "abc"}  # the receiver's own parameter


def test_verifier_rejects_tampered_callbacks(mock: MockServer, receiver: CallbackReceiver) -> None:
    url, got = callback(mock, receiver, {"digits": "1"})
    token = EMBEDDED_AUTH_TOKEN
    body = json.loads(got.body)
    tampered_body = json.dumps({**body, "digits": "9"}).encode()
    other_nonce = {**got.headers, NONCE_V3.lower(): "0" * 20}
    cases: list[tuple[str, dict[str, Any]]] = [
        (url, {"body": tampered_body}),
        (url.replace("127.0.0.1", "localhost"), {}),
        (url + "?extra=1", {}),
        (url, {"headers": other_nonce}),
    ]
    for where, override in cases:
        with pytest.raises(SignatureMismatchError, match="does not match"):
            ours("POST", where, got, token, **override)
    with pytest.raises(SignatureMismatchError):
        ours("POST", url, got, token + "x")
    for header in (SIGNATURE_V3, NONCE_V3):
        without = {k: v for k, v in got.headers.items() if k != header.lower()}
        with pytest.raises(SignatureMissingError, match=header):
            ours("POST", url, got, token, headers=without)
    with pytest.raises(WebhookPayloadError, match="not JSON"):
        ours("POST", url, got, token, body=b"digits=1")
    with pytest.raises(WebhookPayloadError, match="PUT"):
        ours("PUT", url, got, token)


# --- our verifier on plivo-python's own signatures ---------------------------------------------


def _plivo_signed(method: str, url: str, params: dict[str, Any], token: str, nonce: str) -> str:
    base = (
        construct_get_url(url, dict(params)) if method == "GET" else construct_post_url(url, params)
    )
    return str(get_signature_v3(token.encode(), base.decode(), nonce.encode()).decode())


GOOD = {
    "api_id": API_ID,
    "call_uuid": BRIDGED_CALL_UUID,
    "digits": "8743#",
    "leg": "aleg",
    "status": "sent",
}
URLS = [
    "https://example.com/dtmf",
    "https://example.com/dtmf?b=2&a=1&a=0",
    "http://127.0.0.1:8080/a/b/?token=x%20y&empty=",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("token", [EMBEDDED_AUTH_TOKEN, OTHER_TOKEN])
def test_verifier_accepts_what_plivo_python_signs(url: str, token: str) -> None:
    nonce = "12345678901234567890"
    signed = _plivo_signed("POST", url, GOOD, token, nonce)
    assert signature_v3(token, "POST", url, GOOD, nonce) == signed
    headers = {SIGNATURE_V3: signed, NONCE_V3: nonce}
    parsed = verify_digits_sent(
        method="POST", url=url, headers=headers, body=json.dumps(GOOD).encode(), auth_token=token
    )
    assert parsed.to_dict() == GOOD

    get_url = httpx.URL(url).copy_merge_params(GOOD)
    signed = _plivo_signed("GET", str(get_url), {}, token, nonce)
    assert signature_v3(token, "GET", str(get_url), {}, nonce) == signed
    headers = {SIGNATURE_V3.lower(): f"other,{signed}", NONCE_V3.upper(): nonce}
    parsed = verify_digits_sent(
        method="GET", url=str(get_url), headers=headers, body=b"", auth_token=token
    )
    assert (parsed.digits, parsed.api_id) == ("8743#", API_ID)
    assert signature_v2(token, url, nonce) == _plivo_v2(url, nonce, token)


def _plivo_v2(url: str, nonce: str, token: str) -> str:
    # validate_signature only answers yes or no: find the signature it accepts among one.
    candidate = signature_v2(token, url, nonce)
    assert validate_signature(url, nonce, candidate, token)
    assert not validate_signature(url, nonce, candidate, token + "x")
    return candidate


@pytest.mark.parametrize(
    "params",
    [
        {"a": "1", "b": ["y", "x"], "n": 2, "f": 1.5, "t": True, "z": None},
        {"nested": {"b": "2", "a": "1"}, "u": "\u00e9\u2603"},
    ],
)
def test_signed_text_of_other_json_values_is_plivo_pythons(params: dict[str, Any]) -> None:
    for url in URLS:
        signed = _plivo_signed("POST", url, params, "tok", "1")
        assert signature_v3("tok", "POST", url, params, "1") == signed


def test_a_signed_body_that_is_not_the_documented_callback_is_a_payload_error() -> None:
    url, nonce, token = "https://example.com/cb", "42", EMBEDDED_AUTH_TOKEN
    bad: list[tuple[dict[str, Any], str]] = [
        ({**GOOD, "leg": 5}, "leg"),  # an unlisted leg is kept (open enum), not a number
        ({**GOOD, "api_id": "not-an-id"}, "api_id"),
        ({**GOOD, "digits": 1}, "digits"),
        ({k: v for k, v in GOOD.items() if k != "status"}, "status"),
    ]
    for body, field in bad:
        headers = {SIGNATURE_V3: _plivo_signed("POST", url, body, token, nonce), NONCE_V3: nonce}
        with pytest.raises(WebhookPayloadError, match=field):
            verify_digits_sent(
                method="POST",
                url=url,
                headers=headers,
                body=json.dumps(body).encode(),
                auth_token=token,
            )
    headers = {SIGNATURE_V3: _plivo_signed("POST", url, {}, token, nonce), NONCE_V3: nonce}
    with pytest.raises(WebhookPayloadError, match="list"):
        verify_digits_sent(method="POST", url=url, headers=headers, body=b"[]", auth_token=token)


def test_the_header_names_are_the_specs() -> None:
    callback = SPEC["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]["callbacks"]
    operation = next(iter(callback["digitsSent"].values()))["post"]
    headers = {resolve(p)["name"] for p in operation["parameters"] if resolve(p)["in"] == "header"}
    assert headers == {SIGNATURE_V3, NONCE_V3, SIGNATURE_V2, NONCE_V2}


def test_the_readme_example_compiles_and_uses_this_api() -> None:
    readme = (Path(__file__).parent.parent / "generated/python/README.md").read_text("utf-8")
    blocks = [b.split("\n", 1)[1] for b in readme.split("```")[1::2] if b.startswith("python")]
    (example,) = [b for b in blocks if "verify_digits_sent" in b]
    compile(example, "README.md", "exec")
    assert (
        "from plivo_dtmf_client.webhooks import NonceStore, WebhookError, verify_digits_sent"
        in example
    )
    assert "NONCES = NonceStore()" in example and "nonces=NONCES" in example  # refuses replays
    # Copied as it is, every name it uses must be defined or imported (ruff's F821).
    lint = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "F821",
            "--stdin-filename",
            "README_example.py",
            "-",
        ],
        input=example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
