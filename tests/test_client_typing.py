"""Typing of the generated client, and the spec's Python sample, checked by real tools.

mypy --strict runs once (in a subprocess) on tests/typing/usage.py, which must pass, on
tests/typing/misuse.py, whose lines marked `# mypy: error` (a wrong `leg` first) must each
fail and no other, and on the spec's Python x-codeSample, which must also run as written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.client_support import (
    API_ID,
    AUTH_ID,
    CALL_DTMF_PATH,
    DTMF_PATH,
    ROOT,
    SPEC,
    TOKEN,
    AcceptingHandler,
    basic,
    serving,
)

TYPING = ROOT / "tests" / "typing"
MARK = "# mypy: error"


def python_sample() -> str:
    samples = SPEC["paths"][DTMF_PATH]["post"]["x-codeSamples"]
    (source,) = [
        s["source"] for s in samples if (s["lang"], s["label"]) == ("Python", "plivo-dtmf-client")
    ]
    return str(source)


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "x_code_sample.py"
    path.write_text(python_sample(), encoding="utf-8")
    return path


@dataclass(frozen=True)
class MypyRun:
    output: str
    errors: dict[str, set[int]]
    """Line numbers of errors, by file name."""


@pytest.fixture(scope="module")
def mypy(pytestconfig: pytest.Config, sample_file: Path) -> MypyRun:
    files = [TYPING / "usage.py", TYPING / "misuse.py", sample_file]
    # No pytest cache under `-p no:cacheprovider`: mypy then uses its default cache.
    pytest_cache = getattr(pytestconfig, "cache", None)
    cache = pytest_cache.mkdir("client-typing-mypy") if pytest_cache else None
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]
        + (["--cache-dir", str(cache)] if cache else [])
        + [str(f) for f in files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    errors: dict[str, set[int]] = {f.name: set() for f in files}
    for match in re.finditer(r"^(?P<file>[^\n:]+):(?P<line>\d+): error:", done.stdout, re.M):
        errors.setdefault(Path(match["file"]).name, set()).add(int(match["line"]))
    return MypyRun(done.stdout, errors)


def test_everyday_usage_passes_mypy_strict(mypy: MypyRun) -> None:
    assert mypy.errors["usage.py"] == set(), mypy.output


def test_mypy_rejects_a_wrong_leg_and_each_other_misuse(mypy: MypyRun) -> None:
    lines = (TYPING / "misuse.py").read_text("utf-8").splitlines()
    marked = {number for number, line in enumerate(lines, 1) if line.endswith(MARK)}
    assert 'leg="both"' in lines[min(marked) - 1]
    assert mypy.errors["misuse.py"] == marked, mypy.output


def test_the_specs_python_sample_passes_mypy_strict(mypy: MypyRun, sample_file: Path) -> None:
    assert mypy.errors[sample_file.name] == set(), mypy.output


class StandIn(AcceptingHandler):
    """Notes each request the sample sends, and accepts it."""

    seen: ClassVar[list[tuple[str, str, str, dict[str, object]]]] = []

    def respond(self, body: bytes) -> tuple[int, object]:
        self.seen.append((self.command, self.path, self.headers["Authorization"], json.loads(body)))
        return super().respond(body)


@pytest.fixture
def stand_in() -> Iterator[ThreadingHTTPServer]:
    StandIn.seen = []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), StandIn)) as server:
        yield server


def test_the_specs_python_sample_runs_as_written(
    stand_in: ThreadingHTTPServer, sample_file: Path
) -> None:
    # No Plivo settings but the test's, and no proxy: the sample must talk to loopback only.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLIVO_") and not k.lower().endswith("_proxy")
    }
    env |= {
        "PLIVO_AUTH_ID": AUTH_ID,
        "PLIVO_AUTH_TOKEN": TOKEN,
        "PLIVO_BASE_URL": f"http://127.0.0.1:{stand_in.server_address[1]}",
    }
    done = subprocess.run(
        [sys.executable, str(sample_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["digits", "sent", API_ID]
    ((method, path, authorization, body),) = StandIn.seen
    assert method == "POST"
    assert path == CALL_DTMF_PATH
    assert authorization == basic(AUTH_ID, TOKEN)
    assert body["digits"] == "8743#"
    assert body["leg"] == "bleg"
