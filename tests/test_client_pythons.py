"""The client on every Python it claims (3.11, 3.12, 3.13): its wheel, built from
generated/python/, installs into a fresh environment of each and sends digits to the mock,
blocking and asyncio (on httpx and on the aiohttp extra).

The interpreters are pyenv's where present ($PYENV_ROOT/versions/3.X.*), else whatever uv
finds for "3.X". Packages come from the registry through uv (its cache when warm).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer

from tests.client_support import ROOT

PYTHONS = ["3.11", "3.12", "3.13"]
UV = Path(sys.executable).with_name("uv")
SMOKE = Path(__file__).parent / "wheel" / "send_digits_smoke.py"


def run(*argv: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=240, env=env, check=False
    )
    assert done.returncode == 0, f"{argv[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def interpreter(version: str) -> str:
    """pyenv's newest 3.X when there is one, else the version request for uv to resolve."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(
        versions.glob(f"{version}.*/bin/python{version}"),
        key=lambda p: [int(n) for n in p.parts[-3].split(".") if n.isdigit()],
    )
    return str(found[-1]) if found else version


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(UV, "build", "--wheel", "--quiet", "--out-dir", out, ROOT / "generated" / "python")
    (built,) = out.glob("plivo_dtmf_client-*.whl")
    return built


@pytest.mark.parametrize("version", PYTHONS)
def test_the_wheel_sends_digits_on_python(
    version: str, wheel: Path, tmp_path: Path, server: MockServer, live: httpx.Client
) -> None:
    venv = tmp_path / "venv"
    run(UV, "venv", "--quiet", "--no-project", "--python", interpreter(version), venv)
    python = venv / "bin" / "python"
    run(UV, "pip", "install", "--quiet", "--python", python, f"{wheel}[aiohttp]")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PLIVO_AUTH_ID": EMBEDDED_AUTH_ID,
        "PLIVO_AUTH_TOKEN": EMBEDDED_AUTH_TOKEN,
    }
    # -I: isolated, so nothing of this repository (cwd, PYTHONPATH) is importable there.
    printed = run(python, "-I", SMOKE, server.base_url, BRIDGED_CALL_UUID, env=env)
    result = json.loads(printed.strip().splitlines()[-1])
    assert result["python"].startswith(version + ".")
    recorded = live.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events").json()["events"]
    assert [(e["digits"], e["leg"], e["api_id"]) for e in recorded] == [
        ("1", "bleg", result["api_ids"][0]),
        ("2", "aleg", result["api_ids"][1]),
        ("3", "aleg", result["api_ids"][2]),
    ]
