"""Section `tooling`: `make generate` and `make spec-diff` wall times, and schemathesis'
fuzzing rate on the mock."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import servers
from benchmarks.accounts import BenchAccount
from benchmarks.report import Table, Target, targets_table
from benchmarks.stats import median, number, with_spread

GENERATE = servers.ROOT / "scripts" / "generate.py"
GENERATED = servers.ROOT / "generated" / "python"
SEED = 20261126
# Credentials reach schemathesis through the environment only (`${VAR}` in its config).
ST_CONFIG = """\
[auth.basic]
username = "${PLIVO_AUTH_ID}"
password = "${PLIVO_AUTH_TOKEN}"

[parameters]
"path.auth_id" = "${PLIVO_AUTH_ID}"
"path.call_uuid" = "${BENCH_CALL_UUID}"

[generation]
database = "none"
"""


def generate_times(repetitions: int) -> list[float]:
    """What `make generate` runs, aimed at a scratch copy of generated/ (the tree is shared)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        target = Path(tmp) / "generated"
        shutil.copytree(GENERATED, target)
        for _ in range(repetitions):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(GENERATE), "--target", str(target)],
                cwd=servers.ROOT,
                capture_output=True,
                check=True,
                timeout=120,
            )
            times.append(time.perf_counter() - started)
    return times


def spec_diff_times(repetitions: int) -> list[float]:
    """What `make spec-diff` runs (the last release against the spec), as a fresh process."""
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "specdiff", "--format", "json"],
            cwd=servers.ROOT,
            env=servers.python_env(),
            capture_output=True,
            check=False,
            timeout=60,
        )
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"spec-diff exited {done.returncode}: {done.stderr!r}")
    return times


def fuzz(max_examples: int) -> tuple[int, float, list[str]]:
    """(test cases, seconds schemathesis reports, failures it names) for one `st run`."""
    account = BenchAccount()
    with servers.mock_server(account.env) as mock:
        call_uuid = account.new_call(mock.url)
        with tempfile.TemporaryDirectory(prefix="bench-st-") as tmp:
            config = Path(tmp) / "schemathesis.toml"
            config.write_text(ST_CONFIG, encoding="utf-8")
            st = Path(sys.executable).parent / "st"
            argv = [str(st), "--config-file", str(config), "run", str(servers.SPEC)]
            argv += ["--url", mock.url, "--seed", str(SEED), "-n", str(max_examples)]
            argv += ["--workers", "1", "--no-color"]
            env = servers.python_env({**account.env, "BENCH_CALL_UUID": call_uuid})
            done = subprocess.run(
                argv, cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False
            )
    cases = re.search(r"^\s*(\d+) generated", done.stdout, re.MULTILINE)
    seconds = re.search(r" in ([\d.]+)s ", done.stdout)
    if done.returncode not in (0, 1) or cases is None or seconds is None:
        tail = " / ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise RuntimeError(f"st run exited {done.returncode}: {tail}")
    failures = re.findall(r"^\s*❌ (ST\d+ .+)$", done.stdout, re.MULTILINE)
    return int(cases.group(1)), float(seconds.group(1)), failures


def run(quick: bool) -> list[Table]:
    repetitions, max_examples = (1, 10) if quick else (3, 50)
    table = Table("Tooling", ["task", "figure"])
    times = generate_times(repetitions)
    table.add(f"`make generate` wall time, s ({repetitions} runs)", with_spread(times, 2))
    diff_times = spec_diff_times(repetitions * 3)
    table.add(
        f"`make spec-diff` wall time, s ({len(diff_times)} runs, last release vs the spec)",
        with_spread(diff_times, 2),
    )
    try:
        cases, seconds, failures = fuzz(max_examples)
        verdict = "failures: " + "; ".join(failures) if failures else "no failures"
        table.add(
            f"schemathesis `st run` on the mock: cases/s ({cases:,} cases in {seconds:.1f} s, "
            f"-n {max_examples}, seed {SEED}, {verdict})",
            number(cases / seconds, 0),
        )
    except (RuntimeError, subprocess.TimeoutExpired) as failure:
        table.add("schemathesis `st run` on the mock: cases/s", f"failed: {failure}")
    table.notes.append(
        "`make generate` is timed as `scripts/generate.py --target <scratch copy>`: the same "
        "generation, formatting and rewrite, without touching the shared generated/."
    )
    target = Target(
        "`make generate` wall time", median(times), 2.0, at_least=False, runs=times, unit="s"
    )
    diff_target = Target(
        "`make spec-diff` wall time",
        median(diff_times),
        1.0,
        at_least=False,
        runs=diff_times,
        unit="s",
    )
    return [table, targets_table("Tooling targets", [target, diff_target])]
