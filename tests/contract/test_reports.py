"""Reports that point at the bug (issue 22, item 5): a failing check marks only the decisions
its cases concern, the answer-case check judges only valid requests, every reproduction line
runs as printed, and the summary counts "not run" and "not observable" apart."""

from __future__ import annotations

import base64
import html
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from plivo_contract import semantics
from plivo_contract.callback_probe import CallbackReceiver
from plivo_contract.decisions import DecisionOutcome, Exchange, concerned_keys
from plivo_contract.probes import ProbeResult, reproduction
from plivo_contract.provider import Budget, Provider
from plivo_contract.report import SUMMARY_WIDTH, RunSummary, render_text
from plivo_contract.spec import load
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_ACCOUNT

from .conftest import ContractRun, mock_config, run_contract
from .mutants import build_app, serve

SPEC = load()
AUTH_ID, TOKEN = EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token
DTMF = f"http://127.0.0.1:9/v1/Account/{AUTH_ID}/Call/{BRIDGED_CALL_UUID}/DTMF/"
JSON = {"Content-Type": "application/json"}
# The decisions negative_data_rejection helps judge that a null callback_url has nothing to do
# with (the trial's report listed every one of them as violated).
UNRELATED = ("digits-characters", "digits-length", "digits-type", "leg-values", "body-limit")


def exchange(
    body: bytes, status: int = 202, url: str = DTMF, headers: dict[str, str] | None = None
) -> Exchange:
    return Exchange("POST", url, {**JSON, **(headers or {})}, body, status)


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        (b'{"digits": 7}', {"digits-type"}),
        (b'{"digits": "' + b"1" * 129 + b'"}', {"digits-length"}),
        (b'{"digits": ""}', {"digits-characters", "patterns"}),
        (b'{"digits": "1x"}', {"digits-characters", "patterns"}),
        (b'{"digits": "1", "leg": "BLEG"}', {"leg-values"}),
        (b'{"digits": "1", "callback_url": "ftp://x"}', {"patterns"}),
        (b'{"digits": "1", "callback_url": null}', set()),
        (b'{"digits": NaN}', {"json-body"}),
        (b'{"digits": "1", "pad": "' + b"x" * 9000 + b'"}', {"body-limit", "body-bytes"}),
    ],
    ids=["type", "length", "empty", "pattern", "leg", "url-pattern", "null-url", "json", "size"],
)
def test_a_rejected_body_concerns_the_decisions_of_its_field_and_rule(
    body: bytes, keys: set[str]
) -> None:
    found = concerned_keys(SPEC, exchange(body), AUTH_ID)
    # An accepted valid case concerns the answer per case too; these are not valid.
    assert found == keys


def test_other_aspects_of_an_exchange_concern_their_decisions() -> None:
    assert concerned_keys(SPEC, exchange(b'{"digits": "1"}', status=429), AUTH_ID) >= {
        "rate-limit",
        "rate-limit-requests",
    }
    assert "content-type" in concerned_keys(
        SPEC, exchange(b'{"digits": "1"}', headers={"Content-Type": "text/plain"}), AUTH_ID
    )
    other = DTMF.replace(AUTH_ID, AUTH_ID[:-1] + "9")
    assert "auth-id-mismatch" in concerned_keys(SPEC, exchange(b"{}", url=other), AUTH_ID)
    valid = concerned_keys(SPEC, exchange(b'{"digits": "1", "leg": "bleg", "x": 1}'), AUTH_ID)
    assert valid == {"bleg-without-bridge", "unknown-fields", "async-status"}


def response_to(body: bytes, status: int, answer: bytes) -> Any:
    """What a schemathesis check gets: the request as sent and the answer."""
    request = SimpleNamespace(
        method="POST",
        url=DTMF,
        headers={**JSON, "Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
        body=body,
    )
    return SimpleNamespace(request=request, status_code=status, content=answer)


def test_the_answer_case_check_judges_only_valid_requests() -> None:
    """A 202 "digits sent" to `"callback_url": null` is a missing 400, not a wrong message."""
    sync = b'{"message": "digits sent", "api_id": "x"}'
    invalid = response_to(b'{"digits": "1", "callback_url": null}', 202, sync)
    assert semantics.answer_case_violation(SPEC, invalid) is None
    valid = response_to(b'{"digits": "1", "callback_url": "https://example.com/cb"}', 202, sync)
    assert "async api spawned" in (semantics.answer_case_violation(SPEC, valid) or "")


def test_the_summary_counts_not_run_and_not_observable_apart() -> None:
    decisions = [
        DecisionOutcome("a", "x-decisions", "not run"),
        DecisionOutcome("b", "x-decisions", "not observable", reason="why"),
        DecisionOutcome("c", "x-decisions", "kept"),
    ]
    summary = RunSummary(
        "http://127.0.0.1:1", AUTH_ID, "full", "provider", "u", "s", "bridged", 1, [], None, [],
        0, 10, 1.0, decisions=decisions,
    )  # fmt: skip
    line = next(x for x in render_text(summary, Path("r")).splitlines() if "decisions" in x)
    assert "1 kept, 0 violated, 1 not run (a), 1 not observable (b)" in line


@pytest.fixture(scope="module")
def null_url_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ContractRun, str]]:
    """The runner against a provider that reads `"callback_url": null` as absent; the
    provider keeps serving so that the printed reproduction lines can be run against it."""
    app = build_app("callback-url-null-sync", mock_config())
    with serve(app) as url:
        run = run_contract(
            url,
            tmp_path_factory.mktemp("null-url"),
            CONTRACT_PHASES="coverage",
            CONTRACT_PROBES="none",
        )
        yield run, url


def test_one_failing_check_marks_only_the_decisions_its_cases_concern(
    null_url_run: tuple[ContractRun, str],
) -> None:
    run, _ = null_url_run
    assert run.exit_code == 1, run.output[-3000:]
    assert run.summary is not None
    assert "negative_data_rejection" in run.caught_by
    assert "answer_matches_request_case" not in run.caught_by
    verdicts = {key.split(".", 1)[1]: d["verdict"] for key, d in run.summary["decisions"].items()}
    assert [key for key in UNRELATED if verdicts[key] == "violated"] == []
    failures = run.summary["schemathesis_failures"]
    assert any('"callback_url": null' in f["reproduce"] for f in failures), failures
    page = (run.report_dir / "index.html").read_text("utf-8")
    assert html.escape('-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"') in page


def test_every_reproduction_line_runs_as_printed(null_url_run: tuple[ContractRun, str]) -> None:
    run, url = null_url_run
    lines = [
        line.split("reproduce: ", 1)[1]
        for line in run.output.splitlines()
        if "reproduce: " in line and "curl " in line
    ]
    assert lines, run.output[-3000:]
    env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
    for line in lines:
        assert "[Filtered]" not in line and TOKEN not in line, line
        assert '-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"' in line
        # The provider answered the case 202 in the run: the line gets the same answer.
        done = subprocess.run(
            ["bash", "-c", line + " -s -o /dev/null -w '%{http_code}'"],
            env=env, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert done.stdout == "202", (line, done.stdout, done.stderr)
    assert url in lines[0]


def test_credential_near_miss_lines_send_the_same_authorization() -> None:
    """Each Authorization a probe derives from the token is written as shell arithmetic on
    $PLIVO_AUTH_TOKEN (never [Filtered], never the token): the line sends the same bytes."""
    with CallbackReceiver() as receiver:
        provider = Provider(
            SPEC, "http://127.0.0.1:9", AUTH_ID, TOKEN, budget=Budget(1), rate_per_second=0
        )
        values = [
            provider.authorization,
            provider.wrong_password_authorization(),
            provider.bearer_authorization(),
            *provider.near_miss_authorizations().values(),
        ]
        env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
        for value in values:
            request = httpx.Request("GET", receiver.url, headers={"Authorization": value})
            line = reproduction(provider, request)
            assert "[Filtered]" not in line and TOKEN not in line, line
            subprocess.run(
                ["bash", "-c", line + " -s -o /dev/null"], env=env, timeout=30, check=True
            )
            got = receiver.next(timeout=10)
            assert got.headers["authorization"] == value, (line, got.headers["authorization"])
        provider.close()


def test_a_value_not_derived_from_the_run_is_filtered() -> None:
    provider = Provider(
        SPEC, "http://127.0.0.1:9", AUTH_ID, TOKEN, budget=Budget(1), rate_per_second=0
    )
    request = httpx.Request("GET", DTMF, headers={"Authorization": "Basic c29tZW9uZTplbHNl"})
    assert re.search(r"-H 'authorization: \[Filtered\]'", reproduction(provider, request), re.I)
    provider.close()


def test_long_urls_and_headers_go_to_files_and_the_line_still_sends_them(tmp_path: Path) -> None:
    """An 8 KB target or header (the limit probes') would fill the screen: the line names
    files instead, and sends the same bytes."""
    with CallbackReceiver() as receiver:
        provider = Provider(
            SPEC, "http://127.0.0.1:9", AUTH_ID, TOKEN, budget=Budget(1), rate_per_second=0
        )
        target = f"{receiver.url}?pad={'a' * 8000}"
        request = httpx.Request("GET", target, headers={"X-Pad": "b" * 8000})
        line = reproduction(provider, request, tmp_path / "requests" / "long.body")
        provider.close()
        assert len(line) < 300, line
        env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
        subprocess.run(["bash", "-c", line + " -s -o /dev/null"], env=env, timeout=30, check=True)
        got = receiver.next(timeout=10)
    assert got.target.endswith(f"?pad={'a' * 8000}")
    assert got.headers["x-pad"] == "b" * 8000


@pytest.fixture(scope="module")
def long_target_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ContractRun, str]]:
    """A provider answering a target of exactly the limit 400: its reproduction is 8 KB."""
    with serve(build_app("target-limit-off-by-one", mock_config())) as url:
        run = run_contract(
            url,
            tmp_path_factory.mktemp("long-target"),
            CONTRACT_PHASES="none",
            CONTRACT_PROBES="request_limits_at_boundary,target_too_long,header_too_long",
        )
        yield run, url


def test_the_summary_of_long_reproductions_has_only_short_lines(
    long_target_run: tuple[ContractRun, str],
) -> None:
    run, _ = long_target_run
    assert run.exit_code == 1, run.output[-3000:]
    summary = run.output.rsplit("contract summary", 1)[1].splitlines()
    assert [line for line in summary if len(line) > SUMMARY_WIDTH] == []


def test_long_reproduction_lines_run_as_printed(long_target_run: tuple[ContractRun, str]) -> None:
    """The mutant answers the target at the limit 400 (one byte less would be 200): the line
    sends all of it."""
    run, _ = long_target_run
    lines = [
        line.split("reproduce: ", 1)[1] for line in run.output.splitlines() if "reproduce: " in line
    ]
    assert lines and all(" -K " in line for line in lines), run.output[-3000:]
    env = {**os.environ, "PLIVO_AUTH_ID": AUTH_ID, "PLIVO_AUTH_TOKEN": TOKEN}
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line + " -s -o /dev/null -w '%{http_code}'"],
            env=env, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert done.stdout == "400", (line, done.stdout, done.stderr)


def test_reproduction_lines_of_a_states_run_say_the_hook_hung_their_calls_up() -> None:
    failed = ProbeResult("hung_up_call", "d", "failed", "x", reproduce="curl -X POST u")
    summary = RunSummary(
        "http://127.0.0.1:1", AUTH_ID, "full", "provider", "u", "s", "bridged", 1, [], None,
        [failed], 0, 10, 1.0, hook_states=["bridged_call", "hung_up_call"],
    )  # fmt: skip
    lines = render_text(summary, Path("r")).splitlines()
    at = next(i for i, line in enumerate(lines) if "reproduce: curl" in line)
    assert "states hook (bridged_call, hung_up_call)" in lines[at + 1]
    assert "teardown hung them up" in lines[at + 1]
