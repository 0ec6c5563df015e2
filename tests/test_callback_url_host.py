"""A callback URL names a host (spec `x-decisions.callback-url-host`, the `pattern` of
`callback_url`), and everything derived from the spec follows it: the Python client, the
TypeScript client, the mock and the contract suite's verdict.

The class: URLs that URI syntax allows with an empty host (no authority, an empty authority,
an empty host before a port, user information alone), from `http://` and from the spec's own
examples (the contract suite's near-misses of them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import httpx
import pytest
from plivo_contract import nearmiss
from plivo_contract.spec import load
from plivo_dtmf_client import errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID

from tests.client_support import CALL, ROOT, client_on

CONTRACT_SPEC = load()
TARGET = next(t for t in CONTRACT_SPEC.pattern_targets() if t.name == "callback_url")
HOSTLESS = sorted(
    {
        "http://",
        "https://",
        "http://:80/",
        "http://u@/",
        "https://u:p@/",
        "http://u@:8080/cb",
        "http:///cb",
        "http://?token=1",
        "http://#f",
    }
    | {url for example in TARGET.examples for _, url in nearmiss.hostless_urls(example)}
)
WITH_HOST = [
    *TARGET.examples,
    "http://h",
    "http://127.0.0.1:4010/cb?token=a",
    "http://[::1]:8080/cb",
    "https://u:p@example.com:1/x?y#z",
    "http://example.com:/",
]
DTMF = f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/{BRIDGED_CALL_UUID}/DTMF/"


def test_the_contract_suite_knows_callback_url_is_a_uri() -> None:
    assert TARGET.uri and TARGET.examples


@pytest.mark.parametrize("url", HOSTLESS)
def test_the_spec_rejects_a_callback_url_without_host(url: str) -> None:
    assert not CONTRACT_SPEC.valid_body({"digits": "1", "callback_url": url})


@pytest.mark.parametrize("url", WITH_HOST)
def test_the_spec_accepts_a_callback_url_with_a_host(url: str) -> None:
    assert CONTRACT_SPEC.valid_body({"digits": "1", "callback_url": url})


@pytest.mark.parametrize("url", HOSTLESS)
def test_the_python_client_refuses_it_before_sending(url: str) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.content!r}")

    body = SendDigitsRequest(digits="1", callback_url=url)
    with pytest.raises(errors.InvalidParameterError) as raised:
        send_digits.sync(CALL, client=client_on(never), body=body)
    assert (raised.value.field, raised.value.rule) == ("callback_url", "pattern")


def test_the_python_client_sends_one_with_a_host() -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"message": "async api spawned", "api_id": "a"})

    for url in WITH_HOST:
        body = SendDigitsRequest(digits="1", callback_url=url)
        send_digits.sync(CALL, client=client_on(accept), body=body)
    assert [json.loads(r.content)["callback_url"] for r in seen] == WITH_HOST


def test_the_mock_answers_400_naming_the_field(live: httpx.Client) -> None:
    for url in HOSTLESS:
        answer = live.post(DTMF, json={"digits": "1", "callback_url": url})
        assert answer.status_code == 400, (url, answer.text)
        error = answer.json()
        assert set(error) == {"api_id", "error"} and "callback_url" in error["error"], error
    events = live.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events").json()["events"]
    assert events == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_typescript_client_refuses_it_before_sending() -> None:
    script = """
    const { Client, InvalidParameterError } = await import(process.argv[1]);
    const urls = JSON.parse(process.argv[2]);
    const client = new Client({
      authId: "MA2025RK4E639VJFZAGV", authToken: "t", baseUrl: "http://127.0.0.1:9",
      env: {}, fetch: () => { throw new Error("sent"); },
    });
    const verdicts = {};
    for (const url of urls) {
      try {
        await client.sendDigits("eba53b9e-8fbd-45c1-9444-696d2172fbc8",
                                { digits: "1", callback_url: url });
        verdicts[url] = "sent";
      } catch (error) {
        const named = error instanceof InvalidParameterError;
        verdicts[url] = named ? `${error.field} ${error.rule}` : String(error);
      }
    }
    console.log(JSON.stringify(verdicts));
    """
    entry = ROOT / "generated" / "typescript" / "dist" / "index.js"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, entry.as_uri(), json.dumps(HOSTLESS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    verdicts: dict[str, Any] = json.loads(done.stdout)
    assert verdicts == dict.fromkeys(HOSTLESS, "callback_url pattern")
