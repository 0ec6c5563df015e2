"""Proof: `make contract` fails on every deliberately broken provider and passes on the mock.

Every mutant (see mutants.py) is the real mock behind one injected bug, served on its own
loopback socket; the runner (`scripts/contract`, what `make contract` runs) is run against
it with a small per-mutant budget, two at a time. Each test then asserts one outcome: the
mutant made the run exit 1 through one of the checks or probes expected to catch its bug;
the correct mock, run with the same budget, exits 0. The table is printed at the end of the
session and written to reports/contract-mutants.md.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from plivo_contract.spec import load
from plivo_mock.config import EMBEDDED_ACCOUNT

from .conftest import MUTANT_TABLE, ContractRun, mock_config, run_contract
from .mutants import MUTANTS, Mutant, build_app, serve, twin_config

SPEC = load()

# Per-mutant budget, the smallest that still catches each (the tests below say it does): a
# mutant that a schemathesis check is expected to catch gets every phase with 5 fuzzing
# examples per operation; one that only a probe can see (schemathesis never generates
# "1\n", a Bearer header or another account's call) gets the probes alone.
FUZZ_BUDGET = {"CONTRACT_MAX_EXAMPLES": "5"}
# The module's fixture runs the runner ~40 times (two at a time): one budget for all of them
# on a loaded 2-core machine, instead of the per-test default.
pytestmark = pytest.mark.timeout(900)
PROBES_ONLY = {"CONTRACT_PHASES": "none"}


def budget(mutant: Mutant | None) -> dict[str, str]:
    if mutant is None:
        return dict(FUZZ_BUDGET)
    fuzzed = any(not catcher.startswith("probe:") for catcher in mutant.caught_by)
    return {**(FUZZ_BUDGET if fuzzed else PROBES_ONLY), **mutant.knobs}


CORRECT = "correct mock"
RATE_TWIN = "correct mock, low rate limit"
SPREAD_TWIN = "correct mock, low rate limit, spread over connections"
TWINS = {RATE_TWIN: "no-rate-limit", SPREAD_TWIN: "rate-limit-per-connection"}


def _run(label: str, mutant: Mutant | None, report_dir: Path) -> ContractRun:
    knobs = budget(mutant)
    protocol = None
    if label in TWINS:
        assert mutant is not None
        app = build_app(None, mock_config(**twin_config(mutant)))
    else:
        app = build_app(mutant.name if mutant else None, mock_config())
        protocol = mutant.protocol if mutant else None
    with serve(app, protocol=protocol) as url:
        return run_contract(url, report_dir, **knobs)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ContractRun]:
    jobs: list[tuple[str, Mutant | None]] = [(CORRECT, None)]
    jobs += [(name, MUTANTS[name]) for name in MUTANTS]
    jobs += [(twin, MUTANTS[name]) for twin, name in TWINS.items()]
    root = tmp_path_factory.mktemp("mutants")
    # Two at a time: the machine has two cores and each run is one CPU-bound process.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            label: pool.submit(_run, label, mutant, root / f"run-{index}")
            for index, (label, mutant) in enumerate(jobs)
        }
        results = {label: future.result() for label, future in futures.items()}
    for name, item in MUTANTS.items():
        run = results[name]
        caught = sorted(run.caught_by & item.caught_by) or sorted(run.caught_by) or ["-"]
        MUTANT_TABLE.append(
            (name, item.bug, ", ".join(caught), run.cases, run.requests, run.seconds)
        )
    return results


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught_by_the_expected_check(
    name: str, outcomes: dict[str, ContractRun]
) -> None:
    run = outcomes[name]
    expected = MUTANTS[name].caught_by
    assert run.exit_code == 1, run.output[-3000:]
    assert "result     CONTRACT VIOLATED (exit 1)" in run.output
    assert run.caught_by & expected, (
        f"caught by {sorted(run.caught_by)}, expected one of {sorted(expected)}"
    )


def test_correct_mock_passes_with_the_mutant_budget(outcomes: dict[str, ContractRun]) -> None:
    run = outcomes[CORRECT]
    assert run.exit_code == 0, run.output[-3000:]


def test_rate_limited_mock_passes_the_rate_probe(outcomes: dict[str, ContractRun]) -> None:
    run = outcomes[RATE_TWIN]
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None and run.summary["probes"] == {"rate_limit": "passed"}


def test_mock_rate_limited_per_account_passes_the_spread_probe(
    outcomes: dict[str, ContractRun],
) -> None:
    run = outcomes[SPREAD_TWIN]
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None and run.summary["probes"] == {"rate_limit_spread": "passed"}


def test_at_least_fifteen_bug_classes() -> None:
    assert len({item.bug for item in MUTANTS.values()}) >= 15


def test_each_failing_probe_prints_a_curl_line_without_credentials(
    outcomes: dict[str, ContractRun],
) -> None:
    token = EMBEDDED_ACCOUNT.auth_token
    for name, run in outcomes.items():
        assert token not in run.output, name
        failed = [
            p for p, outcome in (run.summary or {}).get("probes", {}).items() if outcome == "failed"
        ]
        reproduce = (run.summary or {}).get("reproduce", {})
        for probe_name in failed:
            assert reproduce.get(probe_name, "").startswith("curl -"), (name, probe_name)
            assert f"           reproduce: {reproduce[probe_name]}" in run.output


def test_summary_counts_agree_with_schemathesis(outcomes: dict[str, ContractRun]) -> None:
    pattern = re.compile(r"(\d+) found (\d+) unique failures?\b")
    compared = 0
    for name, run in outcomes.items():
        theirs = [
            m.groups()
            for line in run.output.splitlines()
            if "generated," in line
            for m in [pattern.search(line)]
            if m
        ]
        ours = [
            m.groups()
            for line in run.output.splitlines()
            if line.startswith("  FAILED   ")
            for m in [pattern.search(line)]
            if m
        ]
        assert theirs == ours, (name, theirs, ours)
        compared += bool(theirs)
    assert compared >= 5


def test_a_probes_curl_line_reproduces_its_failure(tmp_path: Path) -> None:
    """Run the printed line with the credentials in the environment: the same wrong answer."""
    with serve(build_app("digits-case-folded", mock_config())) as url:
        run = run_contract(
            url, tmp_path, CONTRACT_PHASES="none", CONTRACT_PROBES="near_miss_body_digits"
        )
        assert run.summary is not None
        line = run.summary["reproduce"]["near_miss_body_digits"]
        failed = next(x for x in run.output.splitlines() if "FAILED   near_miss_body_digits" in x)
        # The answer in full, not cut mid-response.
        assert re.search(r'"api_id":\s*"[0-9a-f-]{36}"\}', failed), failed
        env = {
            **os.environ,
            "PLIVO_AUTH_ID": EMBEDDED_ACCOUNT.auth_id,
            "PLIVO_AUTH_TOKEN": EMBEDDED_ACCOUNT.auth_token,
        }
        replay = subprocess.run(
            ["bash", "-c", f"{line} -s -o /dev/null -w '%{{http_code}}'"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    assert replay.stdout == str(SPEC.send.success), (line, replay.stdout)
    assert EMBEDDED_ACCOUNT.auth_token not in line
