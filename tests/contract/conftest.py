"""Fixtures of the contract tests: mock configurations, and running the runner for real.

`run_contract` runs `scripts/contract` (what `make contract` runs: `plivo-contract`) in its
own process against a provider on a loopback socket, and returns its exit code, output and
`summary.json`. Mutant outcomes are collected here and printed as a table at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from plivo_mock.config import EMBEDDED_ACCOUNT, Account, MockConfig

from .mutants import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[2]

CONTRACT = ROOT / "scripts" / "contract"
# A second account, so that cross-account access can be probed.
OTHER_ACCOUNT = Account("MAOTHERACCOUNT000002", "other-token-0002")
# Loopback only: no client-side throttling needed, keep the tests fast.
FAST = "100000/s"
# The runs below start ~60 Python processes. Where PYTHONDONTWRITEBYTECODE is set (and uv
# installs without bytecode), each would compile schemathesis & co. from source again (~1 s
# of CPU); their bytecode goes to a cache outside the repository and the venv instead.
PYCACHE = Path(tempfile.gettempdir()) / "plivo-dtmf-contract-pycache"


def mock_config(**overrides: Any) -> MockConfig:
    """The mock the suite runs against: two accounts, rate limit off (fuzzing would hit it)."""
    base = MockConfig(accounts=(EMBEDDED_ACCOUNT, OTHER_ACCOUNT), rate_limit=None, access_log=False)
    return replace(base, **overrides)


@dataclass
class ContractRun:
    exit_code: int
    output: str
    summary: dict[str, Any] | None
    report_dir: Path
    seconds: float = 0.0
    knobs: dict[str, str] = field(default_factory=dict)

    @property
    def caught_by(self) -> set[str]:
        return set(self.summary["caught_by"]) if self.summary else set()

    @property
    def cases(self) -> int:
        return int(self.summary["cases"]) if self.summary else 0

    @property
    def requests(self) -> int:
        return int(self.summary["requests"]) if self.summary else 0


def contract_env(base_url: str | None, report_dir: Path, **knobs: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONTRACT_", "PLIVO_", "CALL_", "OTHER_"))
        and k not in ("BASE_URL", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        PYTHONPYCACHEPREFIX=str(PYCACHE),
        PLIVO_AUTH_ID=EMBEDDED_ACCOUNT.auth_id,
        PLIVO_AUTH_TOKEN=EMBEDDED_ACCOUNT.auth_token,
        OTHER_AUTH_ID=OTHER_ACCOUNT.auth_id,
        OTHER_AUTH_TOKEN=OTHER_ACCOUNT.auth_token,
        CONTRACT_RATE_LIMIT=FAST,
        CONTRACT_REPORT_DIR=str(report_dir),
    )
    if base_url is not None:
        env["BASE_URL"] = base_url
    env.update(knobs)
    return env


def run_contract(base_url: str | None, report_dir: Path, **knobs: str) -> ContractRun:
    """`scripts/contract` with these knobs as environment variables."""
    return run_command([str(CONTRACT)], base_url, report_dir, **knobs)


def run_command(
    command: list[str], base_url: str | None, report_dir: Path, **knobs: str
) -> ContractRun:
    env = contract_env(base_url, report_dir, **knobs)
    completed = subprocess.run(
        command,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text("utf-8")) if summary_path.exists() else None
    return ContractRun(
        exit_code=completed.returncode,
        output=completed.stdout + completed.stderr,
        summary=summary,
        report_dir=report_dir,
        seconds=float(summary["seconds"]) if summary else 0.0,
        knobs=knobs,
    )


class Recording:
    """Keeps the method, path and body of every request that reaches the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str, bytes]] = []

    @property
    def bodies(self) -> list[bytes]:
        return [body for _, _, body in self.requests]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read the whole body first: the app may answer before reading it (401, 413...).
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(chunks)
        self.requests.append((scope["method"], scope["path"], body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


MUTANT_TABLE: list[tuple[str, str, str, int, int, float]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MUTANT_TABLE:
        return
    lines = [
        "mutant | bug | caught by | schemathesis cases | requests | seconds",
        "---|---|---|---|---|---",
    ]
    lines += [
        f"{m} | {bug} | {caught} | {cases} | {requests} | {s:.1f}"
        for m, bug, caught, cases, requests, s in MUTANT_TABLE
    ]
    text = "\n".join(lines)
    terminalreporter.write_sep("=", "contract mutants")
    terminalreporter.write_line(text)
    out = ROOT / "reports" / "contract-mutants.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")


@pytest.fixture
def report_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "reports"
    path.mkdir()
    yield path
