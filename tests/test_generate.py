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


def test_generated_package_builds_and_imports_in_a_venv_of_its_own(tmp_path: Path) -> None:
    """Installable on its own: a wheel of generated/python alone, in a venv holding only its
    declared dependencies, at the versions uv.lock pins.

    The install runs with a cache of its own, empty, as on a fresh machine: `uv sync` fills
    uv's wheel cache but not its index cache, so an offline install passed only where some
    earlier `uv lock` had left the index warm.
    """
    uv = Path(sys.executable).parent / "uv"
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "empty-cache")}

    def uv_run(*args: str) -> str:
        return subprocess.run(
            [str(uv), *args], check=True, capture_output=True, text=True, timeout=180, env=env
        ).stdout

    uv_run("build", "--wheel", str(ROOT / "generated" / "python"), "-o", str(tmp_path / "dist"))
    (wheel,) = (tmp_path / "dist").glob("plivo_dtmf_client-*.whl")
    # Constraints pin versions only: what gets installed is still what the wheel declares.
    locked = tmp_path / "locked.txt"
    uv_run(
        "export", "--frozen", "--project", str(ROOT), "--no-dev", "--no-hashes",
        "--no-emit-project", "--no-emit-package", "plivo-dtmf-client", "-o", str(locked),
    )  # fmt: skip
    uv_run("venv", "-q", str(venv), "--python", sys.executable)
    uv_run("pip", "install", "-q", "--python", str(python), "-c", str(locked), str(wheel))
    probe = "import plivo_dtmf_client.api.calls.send_digits, importlib.util as u; " + (
        "print(u.find_spec('plivo_mock') is None, u.find_spec('yaml') is None)"
    )
    done = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["True", "True"]
    pins = {line.split(" ;")[0] for line in locked.read_text().splitlines() if "==" in line}
    installed = set(uv_run("pip", "freeze", "--python", str(python)).splitlines())
    assert installed - pins == {f"plivo-dtmf-client @ {wheel.as_uri()}"}
