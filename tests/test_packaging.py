"""Wheels as users install them: each in a venv of its own, outside the repo, its
dependencies at the versions uv.lock pins, with an empty package cache as on a fresh machine.

`uv sync` fills uv's wheel cache but not its index cache, so an `--offline` install passed
only where some earlier `uv lock` had left the index warm: these installs use the registry
and a cache of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer, dtmf_path, env_without_credentials

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
# uv.lock has the generated clients as path sources, which a constraints file cannot hold:
# they are installed from their own wheels instead.
GENERATED = ("plivo-dtmf-client", "plivo-mock-control-client")


class Venv:
    """A fresh venv under `where`, filled by uv with a cache of its own."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
        } | {"UV_CACHE_DIR": str(where / "empty-cache")}
        self.python = where / "venv" / "bin" / "python"
        self.uv("venv", "-q", str(where / "venv"), "--python", sys.executable)

    def uv(self, *args: str) -> str:
        return subprocess.run(
            [str(UV), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
            env=self.env,
            cwd=self.where,
        ).stdout

    def wheel(self, project: Path, name: str) -> Path:
        out = self.where / "dist"
        # Without --wheel, uv builds the sdist and the wheel from it, as a registry would.
        self.uv("build", "-q", str(project), "-o", str(out))
        (wheel,) = out.glob(f"{name}-*.whl")
        return wheel

    def install_locked(self, *wheels: Path, exclude: tuple[str, ...] = GENERATED) -> set[str]:
        """Install `wheels` with uv.lock's versions as constraints; the packages not pinned."""
        locked = self.where / "locked.txt"
        excluded = [arg for name in exclude for arg in ("--no-emit-package", name)]
        self.uv(
            "export", "--frozen", "--project", str(ROOT), "--no-dev", "--no-hashes",
            "--no-emit-project", *excluded, "-o", str(locked),
        )  # fmt: skip
        # Constraints pin versions only: what gets installed is still what the wheels declare.
        self.uv(
            "pip",
            "install",
            "-q",
            "--python",
            str(self.python),
            "-c",
            str(locked),
            *map(str, wheels),
        )
        pins = {line.split(" ;")[0] for line in locked.read_text().splitlines() if "==" in line}
        return set(self.uv("pip", "freeze", "--python", str(self.python)).splitlines()) - pins


def test_generated_package_builds_and_imports_in_a_venv_of_its_own(tmp_path: Path) -> None:
    """Installable on its own: a wheel of generated/python alone, in a venv holding only its
    declared dependencies."""
    venv = Venv(tmp_path)
    wheel = venv.wheel(ROOT / "generated" / "python", "plivo_dtmf_client")
    unpinned = venv.install_locked(wheel)
    assert unpinned == {f"plivo-dtmf-client @ {wheel.as_uri()}"}
    probe = "import plivo_dtmf_client.api.calls.send_digits, importlib.util as u; " + (
        "print(u.find_spec('plivo_mock') is None, u.find_spec('yaml') is None)"
    )
    done = subprocess.run(
        [str(venv.python), "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["True", "True"]


def test_mock_installed_from_its_wheel_serves_the_spec_it_carries(tmp_path: Path) -> None:
    """`pip install` of the root package (not editable), then `python -m plivo_mock` from a
    folder outside the repo: the spec and control document travel in the wheel, as copies
    identical to openapi/."""
    venv = Venv(tmp_path)
    client = venv.wheel(ROOT / "generated" / "python", "plivo_dtmf_client")
    control = venv.wheel(ROOT / "generated" / "python-mock-control", "plivo_mock_control_client")
    mock = venv.wheel(ROOT, "plivo_dtmf")
    unpinned = venv.install_locked(mock, client, control)
    assert {line.split(" @ ")[0] for line in unpinned} == {"plivo-dtmf", *GENERATED}

    where = "import plivo_mock.config as c; print(c.MockConfig.spec_path.parent)"
    done = subprocess.run(
        [str(venv.python), "-c", where],
        capture_output=True, text=True, timeout=60, check=True, cwd=tmp_path, env=venv.env,
    )  # fmt: skip
    packaged = Path(done.stdout.strip())
    assert packaged.is_relative_to(tmp_path / "venv"), packaged
    for name in ("plivo-dtmf.yaml", "mock-control.yaml"):
        assert (packaged / name).read_bytes() == (ROOT / "openapi" / name).read_bytes(), name

    env = env_without_credentials() | {"PYTHONPATH": ""}
    with MockServer(
        python=venv.python, env=env, log_path=tmp_path / "mock.log", cwd=tmp_path
    ) as server:
        answer = httpx.post(
            server.base_url + dtmf_path(BRIDGED_CALL_UUID),
            json={"digits": "12#"},
            auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
            trust_env=False,
        )
        assert answer.status_code == 202, answer.text
        bad = httpx.post(
            server.base_url + dtmf_path(BRIDGED_CALL_UUID),
            json={"digits": "x"},
            auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
            trust_env=False,
        )
        assert bad.status_code == 400 and "digits" in bad.json()["error"]
    assert f"(spec {packaged / 'plivo-dtmf.yaml'})" in server.log()
