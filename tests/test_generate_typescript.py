"""The drift check of generated/typescript/: edits, missing and extra files are named, and
an install's node_modules/ is not part of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "scripts" / "generate_typescript.py"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm generate the TypeScript client",
)


def test_drift_check_names_edited_missing_and_extra_files(tmp_path: Path) -> None:
    copy = tmp_path / "typescript"
    shutil.copytree(
        ROOT / "generated" / "typescript", copy, ignore=shutil.ignore_patterns("node_modules")
    )
    client = copy / "dist" / "client.js"
    client.write_text(client.read_text(encoding="utf-8") + "// hand edit\n", encoding="utf-8")
    (copy / "src" / "spec.ts").unlink()
    (copy / "src" / "stale.ts").write_text("export {};\n", encoding="utf-8")
    (copy / "node_modules" / "x").mkdir(parents=True)
    (copy / "node_modules" / "x" / "index.js").write_text("", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(GENERATE), "--check", "--target", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "-// hand edit" in done.stdout
    assert "missing from generated/typescript/: src/spec.ts" in done.stdout
    assert "stale?): generated/typescript/src/stale.ts" in done.stdout
    assert "node_modules" not in done.stdout
    assert "run `make generate`" in done.stdout
