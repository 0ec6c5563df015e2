"""Every `x-codeSamples` entry of sendDigits calls a method its SDK has.

Those that can run here are run against the mock over a real socket, and the mock must have
played their digits on the leg they name. This project's Python and TypeScript clients and
curl run exactly as written, with only environment variables set (PLIVO_AUTH_ID,
PLIVO_AUTH_TOKEN, PLIVO_BASE_URL), as scripts/plivo_mock/README.md tells users to run them;
plivo-python (a dev dependency) and plivo-node (installed from npm on first use, as
tests/test_mock_clients.py does) read no base URL from the environment, so a prelude before
their unmodified text points them at the mock. The others
(Ruby, PHP, Java, C#, Go) are checked against OFFICIAL: each SDK's method and argument order,
read from its source. A sample in neither table fails, so a new one cannot go unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from plivo_mock.config import BRIDGED_CALL_UUID
from plivo_mock.testing import MockServer, dtmf_path

from tests.test_mock_clients import (
    Conforms,
    _node_sdk,
    check_curl,
    client_env,
    events,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "openapi" / "plivo-dtmf.yaml").read_text("utf-8"))
SAMPLES: dict[tuple[str, str], str] = {
    (sample["lang"], sample["label"]): sample["source"]
    for sample in SPEC["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"][
        "x-codeSamples"
    ]
}
TS_PACKAGE = ROOT / "generated" / "typescript"
PLAYED = [("8743#", "bleg")]
"""What every sample sends: the digits and leg the mock must record, once."""


@dataclass(frozen=True)
class Official:
    """An SDK's send-digits call as its source defines it, and what the sample must call."""

    sdk: str
    source: str
    """The file of github.com/plivo/<sdk> (default branch, 2026-12-04) defining the method."""
    definition: str
    calls: tuple[str, ...]
    """Calls the sample must contain; a space in them matches any whitespace, or none."""


# Read from the official SDKs' sources; the same calls as the table "The send-digits call in
# each official SDK" of /work/shared/reference/plivo-dtmf-facts.md.
OFFICIAL = {
    ("Ruby", "plivo-ruby"): Official(
        "plivo-ruby 4.63.4",
        "lib/plivo/resources/calls.rb",
        "def send_digits(call_uuid, digits, leg = nil)",
        (
            "Plivo::RestClient.new(ENV['PLIVO_AUTH_ID'], ENV['PLIVO_AUTH_TOKEN'])",
            "client.calls.send_digits('CALL', '8743#', 'bleg')",
        ),
    ),
    ("PHP", "plivo-php"): Official(
        "plivo-php 4.70.0",
        "src/Plivo/Resources/Call/CallInterface.php",
        "public function dtmf($liveCallUuid, $digits, $leg = null)",
        (
            "new RestClient(getenv('PLIVO_AUTH_ID'), getenv('PLIVO_AUTH_TOKEN'))",
            "$client->calls->dtmf('CALL', '8743#', 'bleg')",
        ),
    ),
    ("Java", "plivo-java"): Official(
        "plivo-java 5.49.0",
        "src/main/java/com/plivo/api/models/call/Call.java, actions/CallDtmfCreator.java",
        "public static CallDtmfCreator digitSender(String callUuid, String digits);"
        " CallDtmfCreator leg(LegSpecifier); CallDtmfCreateResponse sendDigits()",
        (
            'Plivo.init(System.getenv("PLIVO_AUTH_ID"), System.getenv("PLIVO_AUTH_TOKEN"))',
            'Call.digitSender("CALL", "8743#") .leg(LegSpecifier.BLEG) .sendDigits()',
        ),
    ),
    ("C#", "plivo-dotnet"): Official(
        "plivo-dotnet 5.53.0",
        "src/Plivo/Resource/Call/CallInterface.cs",
        "public UpdateResponse<Call> SendDigits(string callUuid = null, string digits = null,"
        " string leg = null)",
        (
            'new PlivoApi( Environment.GetEnvironmentVariable("PLIVO_AUTH_ID"),'
            ' Environment.GetEnvironmentVariable("PLIVO_AUTH_TOKEN"))',
            'api.Call.SendDigits( callUuid: "CALL", digits: "8743#", leg: "bleg")',
        ),
    ),
    ("Go", "plivo-go"): Official(
        "plivo-go 7.60.2",
        "calls.go",
        "func (service *CallService) SendDigits(callId string, params CallDTMFParams);"
        ' CallDTMFParams{Digits string; Legs string `json:"legs"`}',
        (
            'plivo.NewClient(os.Getenv("PLIVO_AUTH_ID"), os.Getenv("PLIVO_AUTH_TOKEN"),'
            " &plivo.ClientOptions{})",
            'client.Calls.SendDigits("CALL", plivo.CallDTMFParams{Digits: "8743#", Legs: "bleg"})',
        ),
    ),
}


def loose(call: str) -> re.Pattern[str]:
    """`call` with CALL the spec's example UUID, any whitespace (or none) where it has a space."""
    tokens = call.replace("CALL", BRIDGED_CALL_UUID).split(" ")
    return re.compile(r"\s*".join(re.escape(token) for token in tokens))


def played(live: httpx.Client) -> list[tuple[str, str]]:
    return [(e["digits"], e["leg"]) for e in events(live, BRIDGED_CALL_UUID)]


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# Run against the mock -------------------------------------------------------------------

PLIVO_PYTHON_PRELUDE = """\
import os as _os
import plivo.rest.client as _client
# plivo-python's base URLs are module constants: point them at the mock.
for _name in ("API_VOICE_BASE_URI", "API_VOICE_BASE_URI_FALLBACK_1",
              "API_VOICE_BASE_URI_FALLBACK_2", "PLIVO_API_BASE_URI"):
    setattr(_client, _name, _os.environ["PLIVO_BASE_URL"] + "/v1/Account")
"""

PLIVO_NODE_PRELUDE = r"""
const axios = require(require.resolve("axios", { paths: [require.resolve("plivo")] }));
// plivo-node ignores its `url` option for voice calls: point its axios instances at the mock.
const create = axios.create.bind(axios);
axios.create = (...args) => {
  const instance = create(...args);
  instance.interceptors.request.use((config) => {
    config.url = config.url.replace(/^https:\/\/[^/]+/, process.env.PLIVO_BASE_URL);
    config.proxy = false;
    return config;
  });
  return instance;
};
"""


def run_python_ours(source: str, server: MockServer, tmp_path: Path) -> str:
    return run([sys.executable, "-c", source], client_env(server))


def run_plivo_python(source: str, server: MockServer, tmp_path: Path) -> str:
    return run([sys.executable, "-c", PLIVO_PYTHON_PRELUDE + source], client_env(server))


def run_curl(source: str, server: MockServer, tmp_path: Path) -> str:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    return run(["bash", "-c", source], client_env(server))


def run_plivo_node(source: str, server: MockServer, tmp_path: Path) -> str:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for plivo-node")
    sdk = _node_sdk()
    assert sdk is not None
    env = client_env(server) | {"NODE_PATH": str(sdk / "node_modules")}
    return run(["node", "-e", PLIVO_NODE_PRELUDE + source], env)


def run_typescript_ours(source: str, server: MockServer, tmp_path: Path) -> str:
    """tsc --strict compiles the sample, an ES module of a project that installed us; node runs
    it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the TypeScript client")
    if not (TS_PACKAGE / "node_modules" / ".installed").is_file():
        run(["make", "generated/typescript/node_modules/.installed"], dict(os.environ), ROOT)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "plivo-dtmf-client").symlink_to(TS_PACKAGE)
    (tmp_path / "package.json").write_text('{"private": true, "type": "module"}', "utf-8")
    (tmp_path / "sample.ts").write_text(source, "utf-8")
    options = {
        "target": "ES2022",
        "module": "nodenext",
        "strict": True,
        "outDir": "out",
        "typeRoots": [str(TS_PACKAGE / "node_modules" / "@types")],
        "types": ["node"],
    }
    tsconfig = {"compilerOptions": options, "files": ["sample.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(tsconfig), "utf-8")
    tsc = TS_PACKAGE / "node_modules" / "typescript" / "bin" / "tsc"
    run(["node", str(tsc), "-p", str(tmp_path)], dict(os.environ))
    return run(["node", str(tmp_path / "out" / "sample.js")], client_env(server), tmp_path)


Runner = Callable[[str, MockServer, Path], str]
RUN: dict[tuple[str, str], Runner] = {
    ("Python", "plivo-dtmf-client"): run_python_ours,
    ("Python", "plivo-python"): run_plivo_python,
    ("TypeScript", "plivo-dtmf-client"): run_typescript_ours,
    ("JavaScript", "plivo-node"): run_plivo_node,
    ("Shell", "curl"): run_curl,
}


def test_every_sample_is_run_or_checked_against_its_sdk() -> None:
    assert RUN.keys() & OFFICIAL.keys() == set()
    assert set(SAMPLES) == RUN.keys() | OFFICIAL.keys()


def test_the_spec_says_which_samples_are_run() -> None:
    said = " ".join(SPEC["info"]["description"].split())
    ran = (
        "Python and TypeScript clients, plivo-python, plivo-node and curl are run against the mock"
    )
    assert ran in said
    assert {label for _, label in RUN} == {
        "plivo-dtmf-client",
        "plivo-python",
        "plivo-node",
        "curl",
    }


@pytest.mark.parametrize("key", list(RUN), ids=[f"{lang}-{label}" for lang, label in RUN])
def test_sample_runs_against_the_mock_and_plays_its_digits(
    key: tuple[str, str], live: httpx.Client, server: MockServer, tmp_path: Path
) -> None:
    out = RUN[key](SAMPLES[key], server, tmp_path)
    assert played(live) == PLAYED
    [event] = events(live, BRIDGED_CALL_UUID)
    if key[0] != "Shell":  # curl prints the answer; the check below reads it
        assert event["api_id"] in out, out


def test_curl_sample_answer_conforms_to_the_spec(
    live: httpx.Client, server: MockServer, conforms: Conforms, tmp_path: Path
) -> None:
    key = ("Shell", "curl")
    out = run_curl(SAMPLES[key], server, tmp_path)
    status, body = check_curl(conforms, out.encode(), "POST", dtmf_path(BRIDGED_CALL_UUID))
    assert (status, body["message"]) == (202, "digits sent")
    assert played(live) == PLAYED


# Checked against the official SDKs' sources -----------------------------------------------


@pytest.mark.parametrize("key", list(OFFICIAL), ids=[f"{lang}-{label}" for lang, label in OFFICIAL])
def test_sample_calls_the_official_sdks_method_in_its_argument_order(key: tuple[str, str]) -> None:
    official = OFFICIAL[key]
    for call in official.calls:
        assert loose(call).search(SAMPLES[key]), f"{official.sdk} ({official.definition}): {call}"


def test_the_official_table_rejects_the_methods_those_sdks_do_not_have() -> None:
    """The samples the issue found wrong would fail the check above."""
    wrong = {
        ("PHP", "plivo-php"): "$client->calls->startDigits('CALL', '8743#', 'bleg');",
        ("C#", "plivo-dotnet"): 'api.Call.StartPlayingDigits(callUuid: "CALL", digits: "8743#");',
        ("Ruby", "plivo-ruby"): "client.calls.send_digits('8743#', 'CALL', 'bleg')",
        ("Go", "plivo-go"): 'client.Calls.SendDigits("CALL", plivo.CallDTMFParams{Leg: "bleg"})',
    }
    for key, source in wrong.items():
        source = source.replace("CALL", BRIDGED_CALL_UUID)
        assert not all(loose(call).search(source) for call in OFFICIAL[key].calls), key
