"""`make demo`'s release half (scripts/demo_release.py) still runs on the spec as it is: a spec
release or a rule change that turns its edit's verdict would otherwise break the README's first
command with nothing in `make test` noticing (it did once: the edit became minor)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(600)
def test_the_demo_releases_its_spec_edit_in_a_copy_and_leaves_the_tree_alone() -> None:
    before = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    done = subprocess.run(
        [sys.executable, "scripts/demo_release.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "response-enum-value-added" in done.stdout
    assert "request-enum-value-added" in done.stdout
    after = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert after == before
