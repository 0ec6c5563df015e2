"""`make lint-spec`: validate the spec and the mock's control document, as `make release` does.

    python scripts/lint_spec.py

openapi-spec-validator (the OpenAPI 3.1 schema), then Redocly's rules of openapi/redocly.yaml
(the enforced ones: among them, every example must validate against its schema). `make release`
calls `failures()` and records nothing when there is one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (Path("openapi/plivo-dtmf.yaml"), Path("openapi/mock-control.yaml"))
REDOCLY = ("npx", "--yes", "@redocly/cli@2.77.0")
"""Pinned; the Makefile's `docs` target uses the same (tests/test_release.py compares)."""


def commands() -> list[list[str]]:
    validator = Path(sys.executable).parent / "openapi-spec-validator"
    documents = [str(d) for d in DOCUMENTS]
    return [
        [str(validator), *documents],
        [*REDOCLY, "lint", "--config", "openapi/redocly.yaml", "--format", "stylish", *documents],
    ]


def failures(root: Path = ROOT) -> list[str]:
    """The output of each validator that failed on the tree at `root` ([] when all pass)."""
    env = {**os.environ, "NO_UPDATE_NOTIFIER": "1"}
    found = []
    for command in commands():
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            name = Path(command[0]).name if command[0] != "npx" else "redocly lint"
            found.append(f"{name} (exit {done.returncode}):\n{done.stdout}{done.stderr}".strip())
    return found


def main() -> int:
    for command in commands():
        print("+", " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)))
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
