"""The release half of `make demo`: a spec change flowing through, in a throwaway copy.

Edits the spec of a copy of openapi/, scripts/ and generated/ (the tree itself is untouched),
shows what `make spec-diff` reports, runs `make generate`, `make release DRY_RUN=1` and `make
release` (the scripts those targets run, with this venv), then shows the new version where
each package carries it, the packages' changelog entry, and the drift checks and the release
gate passing. Exits non-zero if any step fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from release import PACKAGES, generators, throwaway_copy
from specdiff.load import ROOT

EDITS = [
    # Leg is shared: sent in the request (closed), parsed from the callback body (open).
    ("enum: [aleg, bleg]", "enum: [aleg, bleg, both]"),
    ("summary: Send digits on a call", "summary: Send DTMF digits on a call"),
]


def show(title: str) -> None:
    print(f"\n--- {title}", flush=True)


def run(tree: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree / "scripts")}
    done = subprocess.run(
        [sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode not in ok:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"demo: `{' '.join(args)}` exited {done.returncode}")
    return done.stdout


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="plivo-dtmf-demo-release-") as tmp:
        tree = throwaway_copy(Path(tmp), ROOT)
        spec = tree / "openapi" / "plivo-dtmf.yaml"
        text = spec.read_text(encoding="utf-8")
        show(f"edit openapi/plivo-dtmf.yaml in a throwaway copy ({tmp})")
        for old, new in EDITS:
            if old not in text:
                raise SystemExit(f"demo: the spec no longer contains {old!r}")
            text = text.replace(old, new, 1)
            print(f"  {old}  ->  {new}")
        spec.write_text(text, encoding="utf-8")

        # Both values added are minor: the request's enum grows, the callback's is open.
        show("make spec-diff   (exit 0: nothing breaking)")
        print(run(tree, "-m", "specdiff"), end="")
        show("make generate   (the pending pre-release version, then every package)")
        print(run(tree, "scripts/release.py", "--set-version"), end="")
        for generator in generators():
            print(run(tree, str(generator)), end="")
        show("make release DRY_RUN=1 DATE=2027-01-02   (writes nothing)")
        print(run(tree, "scripts/release.py", "--dry-run", "--date", "2027-01-02"), end="")
        show("make release DATE=2027-01-02")
        print(run(tree, "scripts/release.py", "--date", "2027-01-02"), end="")

        show("the new version, where each generated package carries it")
        for package in PACKAGES:
            for path in dict.fromkeys(at.path for at in package.generated):
                found = [at.read(tree) for at in package.generated if at.path == path]
                print(f"  {path}: {', '.join(map(str, found))}")
        shown = ""
        for package in PACKAGES:
            if package.generated_changelog is None:
                continue
            changelog = (tree / package.generated_changelog).read_text(encoding="utf-8")
            entries = [m.start() for m in re.finditer(r"(?m)^## ", changelog)]
            entry = changelog[entries[0] : entries[1]]
            if entry == shown:
                show(f"{package.generated_changelog}: the same new entry")
                continue
            show(f"{package.generated_changelog}, the new entry")
            print(entry, end="")
            shown = entry
        show("make check-generated in the copy (drift checks + release gate)")
        for generator in generators():
            print(run(tree, str(generator), "--check"), end="")
        print(run(tree, "scripts/release.py", "--check"), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
