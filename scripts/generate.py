"""Regenerate the client in generated/python/ from openapi/, or check that it is up to date.

`python scripts/generate.py` rewrites generated/ from the spec, the generator config and the
templates. `python scripts/generate.py --check` generates into a temporary folder and exits
1 with a unified diff (missing and extra files included) when generated/ differs from it
byte for byte: the golden-record test of openapi-python-client, applied to our output.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "plivo-dtmf.yaml"
CONFIG = ROOT / "openapi" / "generator.yaml"
TEMPLATES = ROOT / "openapi" / "templates"
TARGET = ROOT / "generated" / "python"


def generate_into(out: Path) -> None:
    """Run the pinned generator; its ruff post-hooks must come from this venv."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Hooks `import generate` for ROOT: this tree's copy, not the one the venv was built for.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "scripts"), env.get("PYTHONPATH")])
    )
    cmd = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(SPEC),
        "--config",
        str(CONFIG),
        "--meta",
        "uv",
        "--output-path",
        str(out),
        "--fail-on-warning",
    ]
    if TEMPLATES.is_dir():
        cmd += ["--custom-template-path", str(TEMPLATES)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"openapi-python-client failed (exit {done.returncode})")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and "__pycache__" not in p.parts
        and ".ruff_cache" not in p.parts
        and ".mypy_cache" not in p.parts
        and not any(part.endswith(".egg-info") for part in p.parts)
    }


def diff(
    expected: dict[str, bytes], actual: dict[str, bytes], label: str = "generated/python/"
) -> list[str]:
    lines: list[str] = []
    for name in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(name), actual.get(name)
        if want == have:
            continue
        if have is None:
            lines.append(f"missing from {label}: {name}\n")
        elif want is None:
            lines.append(f"not produced by the generator (stale?): {label}{name}\n")
        else:
            lines += difflib.unified_diff(
                have.decode(errors="replace").splitlines(keepends=True),
                want.decode(errors="replace").splitlines(keepends=True),
                f"{label}{name} (committed)",
                f"{label}{name} (from openapi/)",
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale")
    parser.add_argument("--target", type=Path, default=TARGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    target: Path = args.target
    with tempfile.TemporaryDirectory(prefix="plivo-dtmf-gen-") as tmp:
        out = Path(tmp) / "out"
        generate_into(out)
        fresh = tree(out)
        if args.check:
            problems = diff(fresh, tree(target))
            if problems:
                sys.stdout.writelines(problems)
                print(
                    "\ngenerated/python/ is stale or was edited by hand: run `make generate` "
                    "and commit the result."
                )
                return 1
            print(f"generated/python/ is up to date ({len(fresh)} files).")
            return 0
        for name in tree(target):
            (target / name).unlink()
        for name, content in fresh.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for folder in sorted(target.rglob("*"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        print(f"generated/python/ rewritten ({len(fresh)} files).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
