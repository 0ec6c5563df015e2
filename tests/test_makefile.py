"""The Makefile as users meet it: `make help` against the README, `make check-generated`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from release import throwaway_copy

ROOT = Path(__file__).resolve().parent.parent


def test_readme_target_table_is_make_help() -> None:
    helped = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    want = dict(re.findall(r"^  make (\S+)\s+(.+)$", helped, re.M))
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("## Make targets") :]
    rows = re.findall(r"^\| `make (\S+)` \| (.+) \|$", table, re.M)
    # Markdown only: code spans and escaped pipes; the words must be make help's.
    got = {name: text.replace("`", "").replace("\\|", "|") for name, text in rows}
    assert got == want


def test_check_generated_reports_every_stale_package_before_failing(tmp_path: Path) -> None:
    tree = throwaway_copy(tmp_path)
    shutil.copy2(ROOT / "Makefile", tree / "Makefile")
    (tree / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    for readme in ("generated/python/README.md", "generated/typescript/README.md"):
        with (tree / readme).open("a", encoding="utf-8") as file:
            file.write("A hand edit.\n")
    done = subprocess.run(
        ["make", "--no-print-directory", "-o", "venv", "check-generated"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    said = done.stdout + done.stderr
    for package in ("generated/python/", "generated/typescript/"):
        assert f"{package} is stale or was edited by hand" in said, said
        assert f"--- {package}README.md (in the working tree)" in said, said
    assert "releases agree" in said  # the gate ran too
