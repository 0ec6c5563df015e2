"""`make contract` against the real mock process, and its safety rails.

The mock runs as `python -m plivo_mock` on a loopback port (rate limit off, a second account
from a seed file); the runner runs as the user runs it. These tests are the fuzzing "over a
real socket" of the suite, and pin down its exit codes, reports and limits.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from plivo_contract import settings as settings_module
from plivo_contract.callback_probe import MARKER
from plivo_contract.probes import OPT_IN, PROBES
from plivo_contract.spec import load
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_ACCOUNT, UNBRIDGED_CALL_UUID
from plivo_mock.testing import MockServer, free_port

from .conftest import (
    OTHER_ACCOUNT,
    PYCACHE,
    ROOT,
    ContractRun,
    Recording,
    mock_config,
    run_command,
    run_contract,
)
from .mutants import ASGIApp, Message, Receive, Scope, Send, build_app, foreign, serve

SPEC = load()
AUTH = (EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token)


@pytest.fixture(scope="module")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    seed = tmp_path_factory.mktemp("seed") / "seed.yaml"
    seed.write_text(
        f"accounts:\n  - auth_id: {OTHER_ACCOUNT.auth_id}\n"
        f"    auth_token: {OTHER_ACCOUNT.auth_token}\n",
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLIVO_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    server = MockServer("--no-rate-limit", "--no-access-log", "--seed", str(seed), env=env)
    with server:
        yield server


@pytest.fixture(scope="module")
def full_run(mock_server: MockServer, tmp_path_factory: pytest.TempPathFactory) -> ContractRun:
    """`make contract` itself (`-o` so that make never refreshes the venv under the tests)."""
    report_dir = tmp_path_factory.mktemp("full-run")
    make = ["make", "-s", "-o", ".venv/bin/.installed", "contract"]
    return run_command(make, mock_server.base_url, report_dir)


def test_make_contract_passes_on_the_mock(full_run: ContractRun) -> None:
    assert full_run.exit_code == 0, full_run.output[-3000:]
    assert full_run.summary is not None
    assert full_run.summary["caught_by"] == []
    assert full_run.output.rstrip().splitlines()[-1].startswith("contract: runner exit 0 ")


def test_make_contract_states_the_runners_own_exit_code(report_dir: Path) -> None:
    """make can only exit 2 for a failed recipe; its last line says the runner's 1."""
    with serve(build_app("digits-case-folded", mock_config())) as url:
        make = ["make", "-s", "-o", ".venv/bin/.installed", "contract"]
        run = run_command(
            make, url, report_dir, CONTRACT_PHASES="none", CONTRACT_PROBES="near_miss_body_digits"
        )
        direct = run_contract(
            url, report_dir, CONTRACT_PHASES="none", CONTRACT_PROBES="near_miss_body_digits"
        )
    assert run.exit_code == 2
    # The recipe's last line; make's own "*** [contract] Error 1" follows it on stderr.
    ours = [line for line in run.output.splitlines() if not line.startswith("make")]
    assert ours[-1].startswith("contract: runner exit 1 "), run.output[-2000:]
    assert direct.exit_code == 1


def test_every_decision_of_the_spec_is_reported_with_its_probes(full_run: ContractRun) -> None:
    assert full_run.summary is not None
    reported = full_run.summary["decisions"]
    keys = {f"x-decisions.{k}" for k in SPEC.decisions} | {f"x-limits.{k}" for k in SPEC.limits}
    assert set(reported) == keys
    assert reported["x-decisions.async-status"]["probes"] == {
        "async_answer": "passed",
        "sync_answer": "passed",
    }
    assert reported["x-decisions.json-body"]["verdict"] == "kept"
    assert "decisions  " in full_run.output
    page = (full_run.report_dir / "index.html").read_text("utf-8")
    assert "Decisions of the spec" in page and "x-decisions.json-body" in page
    assert "json_lone_surrogate (passed)" in page


def test_every_probe_runs_on_the_mock(full_run: ContractRun) -> None:
    assert full_run.summary is not None
    outcomes = full_run.summary["probes"]
    expected = {name for name in PROBES if name not in OPT_IN}
    assert set(outcomes) == expected
    assert {name for name, outcome in outcomes.items() if outcome != "passed"} == set()


def test_contract_run_fuzzes_hundreds_of_cases_over_the_socket(full_run: ContractRun) -> None:
    assert full_run.cases >= 250, full_run.summary


def test_contract_writes_junit_and_html_reports(full_run: ContractRun) -> None:
    for junit in ("schemathesis-junit.xml", "probes-junit.xml"):
        root = ElementTree.parse(full_run.report_dir / junit).getroot()  # noqa: S314 - our own file
        assert root.iter("testcase"), junit
    assert (full_run.report_dir / "schemathesis-html" / "index.html").is_file()
    assert "Contract run: PASS" in (full_run.report_dir / "index.html").read_text("utf-8")


def test_reports_and_output_never_contain_the_token(full_run: ContractRun) -> None:
    secrets = [
        EMBEDDED_ACCOUNT.auth_token,
        base64.b64encode(
            f"{EMBEDDED_ACCOUNT.auth_id}:{EMBEDDED_ACCOUNT.auth_token}".encode()
        ).decode(),
        OTHER_ACCOUNT.auth_token,
    ]
    texts = [full_run.output] + [
        path.read_text("utf-8", errors="replace")
        for path in full_run.report_dir.rglob("*")
        if path.is_file()
    ]
    for secret in secrets:
        assert not any(secret in text for text in texts), "a token leaked into the output"


def test_summary_fits_one_screen(full_run: ContractRun) -> None:
    summary = full_run.output.rsplit("contract summary", 1)[1].splitlines()
    assert len(summary) <= 20
    # Then make's line with the runner's code.
    assert summary[-2].strip().startswith("result     PASS (exit 0)")
    assert summary[-1].startswith("contract: runner exit 0 ")


def test_negative_only_sends_no_valid_digits(mock_server: MockServer, report_dir: Path) -> None:
    """Afterwards no call of the account has a single recorded DTMF event."""
    with httpx.Client(base_url=mock_server.base_url, auth=AUTH, trust_env=False) as client:
        assert client.post("/__mock__/reset").status_code == 204
        run = run_contract(
            mock_server.base_url,
            report_dir,
            CONTRACT_MODE="negative-only",
            CONTRACT_MAX_EXAMPLES="20",
        )
        assert run.exit_code == 0, run.output[-3000:]
        assert run.cases > 50
        calls = client.get("/__mock__/calls").json()["calls"]
    assert [c["events"] for c in calls] == [0] * len(calls)


def test_missing_credentials_is_a_configuration_error(report_dir: Path) -> None:
    run = run_contract("http://127.0.0.1:9", report_dir, PLIVO_AUTH_ID="")
    assert run.exit_code == 2
    assert "set PLIVO_AUTH_ID" in run.output


def test_unreachable_provider_is_a_configuration_error(report_dir: Path) -> None:
    run = run_contract(f"http://127.0.0.1:{free_port()}", report_dir)
    assert run.exit_code == 2
    assert "unreachable" in run.output


def test_refused_credentials_are_a_configuration_error(
    mock_server: MockServer, report_dir: Path
) -> None:
    run = run_contract(mock_server.base_url, report_dir, PLIVO_AUTH_TOKEN="not-the-token")
    assert run.exit_code == 2
    assert "refused the credentials" in run.output


@pytest.fixture(scope="module")
def foreign_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ContractRun, list[bytes]]:
    """The mock without its control API, as the runner sees a real provider; bodies kept."""
    recording = Recording(foreign(build_app(None, mock_config())))
    with serve(recording) as url:
        run = run_contract(url, tmp_path_factory.mktemp("foreign"), CONTRACT_MAX_EXAMPLES="5")
    return run, recording.bodies


def test_a_provider_without_control_api_passes_with_the_spec_alone(
    foreign_run: tuple[ContractRun, list[bytes]],
) -> None:
    """First listed call, b-leg unknown, the probes that need more knowledge skipped."""
    run, _ = foreign_run
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None
    assert (run.summary["provider_kind"], run.summary["call_bleg"]) == ("provider", "unknown")
    skipped = {name for name, outcome in run.summary["probes"].items() if outcome == "skipped"}
    mock_only = {"hung_up_call", "bleg_on_bridged_call", "bleg_on_unbridged_call", "default_leg"}
    assert skipped == mock_only | {"other_account_call"}


def test_without_callback_url_the_callback_probes_run_on_a_loopback_provider(
    foreign_run: tuple[ContractRun, list[bytes]],
) -> None:
    """async_answer uses async_callback's own receiver; the callback_url near-misses need
    none (only values the spec rejects are sent): callback-url-host is judged by default."""
    run, _ = foreign_run
    assert run.summary is not None
    probes = run.summary["probes"]
    for name in ("async_answer", "near_miss_body_callback_url", "async_callback"):
        assert probes[name] == "passed", (name, run.output[-2000:])
    assert run.summary["decisions"]["x-decisions.callback-url-host"]["verdict"] == "kept"


def test_a_provider_without_control_api_gets_every_call_probe_from_given_calls(
    report_dir: Path,
) -> None:
    """A hung-up, a bridged and an unbridged call, all named by the user, in one run."""
    with serve(foreign(build_app(None, mock_config()))) as url:
        run = run_contract(
            url,
            report_dir,
            CONTRACT_PHASES="none",
            BRIDGED_CALL_UUID=BRIDGED_CALL_UUID,
            UNBRIDGED_CALL_UUID=UNBRIDGED_CALL_UUID,
            HUNG_UP_CALL_UUID="d6a1c1a0-0000-4000-8000-00000000dead",
        )
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None
    probes = run.summary["probes"]
    for name in ("hung_up_call", "bleg_on_bridged_call", "bleg_on_unbridged_call", "default_leg"):
        assert probes[name] == "passed", (name, run.output[-2000:])
    assert run.summary["call_bleg"] == "bridged"


def test_a_rate_limited_provider_gets_no_violation_from_429s(report_dir: Path) -> None:
    """A client faster than the provider's limit: 429s are waited out, never violations."""
    app = _Statuses(build_app(None, mock_config(rate_limit=20, rate_window_s=1.0)))
    with serve(app) as url:
        run = run_contract(url, report_dir, CONTRACT_PHASES="none")
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None
    assert "failed" not in run.summary["probes"].values()
    assert app.statuses[429] > 0  # the provider did throttle the run


class _Statuses:
    """Counts the statuses the wrapped app answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses[int(message["status"])] += 1
            await send(message)

        await self.app(scope, receive, counted)


def test_a_real_provider_is_never_sent_a_generated_callback_url(
    foreign_run: tuple[ContractRun, list[bytes]],
) -> None:
    run, bodies = foreign_run
    assert run.summary is not None and run.summary["fuzz"]["hook_stats"]["callbacks_rewritten"] > 0
    sent = [_json_or_none(body) for body in bodies]
    urls = [b["callback_url"] for b in sent if isinstance(b, dict) and "callback_url" in b]
    # The async_callback probe's own receiver is the one valid URL a provider is given.
    generated = [u for u in urls if not (isinstance(u, str) and f"{MARKER}=" in u)]
    assert not [u for u in generated if SPEC.valid_callback_url(u)]


def test_no_live_call_in_full_mode_is_a_configuration_error(report_dir: Path) -> None:
    with serve(foreign(build_app(None, mock_config()))) as url:
        run = run_contract(
            url,
            report_dir,
            PLIVO_AUTH_ID=OTHER_ACCOUNT.auth_id,
            PLIVO_AUTH_TOKEN=OTHER_ACCOUNT.auth_token,
        )
    assert run.exit_code == 2
    assert "lists no live call" in run.output


class _Counting:
    """Counts the requests the runner sends to the wrapped app.

    Not the mock's own callbacks: on the mock the suite points `callback_url` at the mock.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].lower().startswith("/__contract__/"):
            self.requests += 1
        await self.app(scope, receive, send)


def _json_or_none(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def test_request_budget_caps_what_reaches_the_provider(report_dir: Path) -> None:
    counting = _Counting(build_app(None, mock_config()))
    with serve(counting) as url:
        run = run_contract(url, report_dir, CONTRACT_BUDGET="100", CONTRACT_PHASES="examples")
    assert counting.requests <= 100
    assert run.exit_code == 2, run.output[-2000:]
    assert "request budget ran out" in run.output


def _load(**env: str) -> settings_module.Settings:
    base = {"PLIVO_AUTH_ID": AUTH[0], "PLIVO_AUTH_TOKEN": AUTH[1], **env}
    return settings_module.load(base, probe_names=tuple(PROBES), spec_rate=SPEC.rate_limit)


def test_a_remote_provider_defaults_to_negative_only() -> None:
    assert _load(BASE_URL="https://api.plivo.com").mode == "negative-only"
    assert _load(BASE_URL="http://127.0.0.1:4010").mode == "full"


def test_default_rate_stays_under_the_spec_limit() -> None:
    settings = _load(BASE_URL="https://api.plivo.com")
    limit, window = SPEC.rate_limit
    assert settings.rate_per_second * window < limit


def test_a_rate_at_the_provider_limit_is_refused_for_a_remote_provider() -> None:
    limit, window = SPEC.rate_limit
    with pytest.raises(settings_module.ConfigError, match="under the provider"):
        _load(BASE_URL="https://api.plivo.com", CONTRACT_RATE_LIMIT=f"{limit // window}/s")


def test_negative_only_refuses_phases_that_send_valid_digits() -> None:
    with pytest.raises(settings_module.ConfigError, match="negative-only"):
        _load(BASE_URL="https://api.plivo.com", CONTRACT_PHASES="examples,coverage")


def test_scripts_contract_is_executable() -> None:
    assert os.access(ROOT / "scripts" / "contract", os.X_OK)


def test_a_pinned_call_that_is_not_live_is_a_configuration_error(report_dir: Path) -> None:
    """A wrong CALL_UUID would make every probe on it a 404: exit 2 naming the knob, not 1."""
    wrong = "11111111-1111-1111-1111-111111111111"
    with serve(foreign(build_app(None, mock_config()))) as url:
        run = run_contract(url, report_dir, CONTRACT_PHASES="none", CALL_UUID=wrong)
    assert run.exit_code == 2, run.output[-2000:]
    assert f"CALL_UUID={wrong} is not a live call" in run.output
    assert run.summary is None


def test_a_pinned_hung_up_call_that_is_live_is_a_configuration_error(report_dir: Path) -> None:
    with serve(foreign(build_app(None, mock_config()))) as url:
        run = run_contract(
            url, report_dir, CONTRACT_PHASES="none", HUNG_UP_CALL_UUID=BRIDGED_CALL_UUID
        )
    assert run.exit_code == 2, run.output[-2000:]
    assert f"HUNG_UP_CALL_UUID={BRIDGED_CALL_UUID} is still live" in run.output


def test_a_run_with_nothing_to_run_is_a_configuration_error() -> None:
    with pytest.raises(settings_module.ConfigError, match="nothing would be tested"):
        _load(BASE_URL="http://127.0.0.1:4010", CONTRACT_PHASES="none", CONTRACT_PROBES="none")


def test_a_run_whose_every_probe_is_skipped_is_an_error_not_a_pass(report_dir: Path) -> None:
    """rate_limit skips without CONTRACT_RATE_LIMIT_PROBE: nothing was tested, so no PASS."""
    with serve(build_app(None, mock_config())) as url:
        run = run_contract(url, report_dir, CONTRACT_PHASES="none", CONTRACT_PROBES="rate_limit")
    assert run.exit_code == 2, run.output[-2000:]
    assert "nothing was tested" in run.output
