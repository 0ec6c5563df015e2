"""`make generate` and its drift check: the golden record of generated/ is exact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "scripts" / "generate.py"


def run_check(target: Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, str(GENERATE), "--check", "--target", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def committed_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(
        ROOT / "generated" / "python",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    return copy


@pytest.mark.parametrize("hash_seed", ["1", "4242"])
def test_generation_matches_generated_folder_under_any_hash_seed(
    committed_copy: Path, hash_seed: str
) -> None:
    done = run_check(committed_copy, hash_seed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_drift_check_names_edited_missing_and_extra_files(committed_copy: Path) -> None:
    client = committed_copy / "plivo_dtmf_client" / "client.py"
    client.write_text(client.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    (committed_copy / "plivo_dtmf_client" / "py.typed").unlink()
    (committed_copy / "plivo_dtmf_client" / "stale.py").write_text("x = 1\n", encoding="utf-8")

    done = run_check(committed_copy)

    assert done.returncode == 1
    assert "-# hand edit" in done.stdout
    assert "missing from generated/python/: plivo_dtmf_client/py.typed" in done.stdout
    assert "stale?): generated/python/plivo_dtmf_client/stale.py" in done.stdout
    assert "run `make generate`" in done.stdout
