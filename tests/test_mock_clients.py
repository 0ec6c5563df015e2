"""Real clients, unmodified, against the mock over a real socket.

The official Python SDK (only its base-URL module constants redirected), curl as Plivo's
docs show it and the official Node SDK when node and npm are present (the spec's
x-codeSamples are run by tests/test_code_samples.py). Answers are checked against the spec
where the client lets us see them (a `requests` hook on the SDK's session, curl's `-i`
output).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import plivo
import plivo.exceptions
import plivo.rest.client
import pytest
import requests
from plivo_mock.config import (
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    UNBRIDGED_CALL_UUID,
)
from plivo_mock.testing import MockServer, dtmf_path

ROOT = Path(__file__).resolve().parent.parent
NODE_SDK = ROOT / "build" / "node-sdk"
NODE_SDK_VERSION = "4.79.0"
Conforms = Callable[[str, str, int, Mapping[str, str], bytes], None]


def events(live: httpx.Client, call_uuid: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = live.get(f"/__mock__/calls/{call_uuid}/events").json()["events"]
    return found


def client_env(server: MockServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(
        PLIVO_AUTH_ID=EMBEDDED_AUTH_ID,
        PLIVO_AUTH_TOKEN=EMBEDDED_AUTH_TOKEN,
        PLIVO_BASE_URL=server.base_url,
        NO_PROXY="*",
    )
    return env


def parse_curl_i(output: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = output.replace(b"\r\n", b"\n").partition(b"\n\n")
    status_line, *lines = head.decode("latin-1").split("\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def check_curl(
    conforms: Conforms, output: bytes, method: str, path: str
) -> tuple[int, dict[str, Any]]:
    status, headers, body = parse_curl_i(output)
    conforms(method, path, status, headers, body)
    parsed: dict[str, Any] = json.loads(body)
    return status, parsed


# The official Python SDK ------------------------------------------------------------


@pytest.fixture
def sdk(
    live: httpx.Client, server: MockServer, conforms: Conforms, monkeypatch: pytest.MonkeyPatch
) -> Iterator[plivo.RestClient]:
    base = f"{server.base_url}/v1/Account"
    for name in (
        "API_VOICE_BASE_URI",
        "API_VOICE_BASE_URI_FALLBACK_1",
        "API_VOICE_BASE_URI_FALLBACK_2",
        "PLIVO_API_BASE_URI",
    ):
        monkeypatch.setattr(plivo.rest.client, name, base)
    client = plivo.RestClient(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)
    client.session.trust_env = False

    def check(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        path = unquote(urlsplit(response.url).path)
        method = response.request.method or ""
        conforms(method, path, response.status_code, response.headers, response.content)

    client.session.hooks["response"].append(check)
    with client:
        yield client


def test_python_sdk_send_digits_with_leg(sdk: plivo.RestClient, live: httpx.Client) -> None:
    answer = sdk.calls.send_digits(BRIDGED_CALL_UUID, "8743#", leg="bleg")
    assert answer.message == "digits sent"
    [event] = events(live, BRIDGED_CALL_UUID)
    assert (event["digits"], event["leg"], event["api_id"]) == ("8743#", "bleg", answer.api_id)
    # The SDK repeats the call UUID in the body: recorded, not refused.
    assert event["unknown_fields"] == {"call_uuid": BRIDGED_CALL_UUID}


def test_python_sdk_send_digits_without_leg_uses_aleg(
    sdk: plivo.RestClient, live: httpx.Client
) -> None:
    answer = sdk.calls.send_digits(UNBRIDGED_CALL_UUID, "0")
    assert answer.message == "digits sent"
    [event] = events(live, UNBRIDGED_CALL_UUID)
    assert (event["digits"], event["leg"]) == ("0", "aleg")


def test_python_sdk_live_calls_list_ids(sdk: plivo.RestClient) -> None:
    answer = sdk.live_calls.list_ids()
    assert answer.calls == [BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID]


def test_python_sdk_raises_validation_error_with_the_mocks_message(
    sdk: plivo.RestClient, live: httpx.Client
) -> None:
    with pytest.raises(plivo.exceptions.ValidationError, match=r"digits: .*pattern"):
        sdk.calls.send_digits(BRIDGED_CALL_UUID, "1\n")
    assert events(live, BRIDGED_CALL_UUID) == []


def test_python_sdk_sends_a_number_for_integer_digits_which_is_400(
    sdk: plivo.RestClient,
) -> None:
    with pytest.raises(plivo.exceptions.ValidationError, match="string"):
        sdk.calls.send_digits(BRIDGED_CALL_UUID, 123)


def test_python_sdk_bleg_on_unbridged_call_is_resource_not_found(sdk: plivo.RestClient) -> None:
    with pytest.raises(plivo.exceptions.ResourceNotFoundError, match="b-leg not found"):
        sdk.calls.send_digits(UNBRIDGED_CALL_UUID, "1", leg="bleg")


def test_python_sdk_retries_an_injected_500_and_the_retry_is_recorded(
    sdk: plivo.RestClient, live: httpx.Client
) -> None:
    armed = live.post("/__mock__/faults", json={"call_uuid": BRIDGED_CALL_UUID, "status": 500})
    assert armed.status_code == 201
    answer = sdk.calls.send_digits(BRIDGED_CALL_UUID, "5")
    assert answer.message == "digits sent"
    assert [e["digits"] for e in events(live, BRIDGED_CALL_UUID)] == ["5"]


# curl ---------------------------------------------------------------------------------

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@needs_curl
def test_curl_as_plivo_docs_show_it(
    live: httpx.Client, server: MockServer, conforms: Conforms
) -> None:
    path = dtmf_path(BRIDGED_CALL_UUID)
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-i",
            "--noproxy",
            "*",
            "--user",
            f"{EMBEDDED_AUTH_ID}:{EMBEDDED_AUTH_TOKEN}",
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"digits":"8743#"}',
            f"{server.base_url}{path}",
        ],
        capture_output=True,
        timeout=30,
        check=True,
    )
    status, body = check_curl(conforms, done.stdout, "POST", path)
    assert (status, body["message"]) == (202, "digits sent")
    assert [e["digits"] for e in events(live, BRIDGED_CALL_UUID)] == ["8743#"]


# The official Node SDK ----------------------------------------------------------------

NODE_SCRIPT = r"""
const sdk = process.env.NODE_SDK_DIR + "/node_modules/";
const axios = require(require.resolve("axios", { paths: [require.resolve(sdk + "plivo")] }));
// plivo-node ignores its `url` option for voice calls: point its axios instances at the mock.
const create = axios.create.bind(axios);
axios.create = (...args) => {
  const instance = create(...args);
  instance.interceptors.request.use((config) => {
    config.url = config.url.replace(/^https:\/\/[^/]+/, process.env.MOCK_BASE_URL);
    config.proxy = false;
    return config;
  });
  return instance;
};
const plivo = require(sdk + "plivo");
const client = new plivo.Client(process.env.PLIVO_AUTH_ID, process.env.PLIVO_AUTH_TOKEN);
(async () => {
  const out = {};
  out.withLeg = await client.calls.sendDigits(process.argv[1], "8743#", { leg: "bleg" });
  out.withoutLeg = await client.calls.sendDigits(process.argv[1], "0");
  try {
    await client.calls.sendDigits(process.argv[1], "1\n");
  } catch (error) {
    out.error = String(error.message);
  }
  console.log(JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


def _node_sdk() -> Path | None:
    """build/node-sdk with plivo@NODE_SDK_VERSION, installed on first use."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    installed = NODE_SDK / "node_modules" / "plivo" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == NODE_SDK_VERSION:
        return NODE_SDK
    NODE_SDK.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(NODE_SDK),
            "--save-exact",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
            f"plivo@{NODE_SDK_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm install plivo@{NODE_SDK_VERSION} failed:\n{done.stderr}")
    return NODE_SDK


def test_node_sdk_send_digits_with_and_without_leg(live: httpx.Client, server: MockServer) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the official Node SDK (plivo@4.79.0)")
    sdk_dir = _node_sdk()
    assert sdk_dir is not None
    env = client_env(server)
    env.update(NODE_SDK_DIR=str(sdk_dir), MOCK_BASE_URL=server.base_url)
    done = subprocess.run(
        ["node", "-e", NODE_SCRIPT, BRIDGED_CALL_UUID],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["withLeg"]["message"] == out["withoutLeg"]["message"] == "digits sent"
    # plivo-node rejects with the body's `error` as the message.
    assert out["error"].startswith("digits: ")
    recorded = [
        (e["digits"], e["leg"], e["unknown_fields"]) for e in events(live, BRIDGED_CALL_UUID)
    ]
    assert recorded == [("8743#", "bleg", {}), ("0", "aleg", {})]
