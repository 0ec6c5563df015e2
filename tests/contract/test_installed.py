"""The contract suite as a provider team gets it: the root wheel installed into a fresh venv
outside the repository, no checkout on the path, `plivo-contract` run against a mock started
from that same venv, with the packaged spec and with `--spec FILE`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from plivo_mock.config import EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer, env_without_credentials

from tests.test_packaging import ROOT, Venv

# One venv, two runs: installing is most of the cost.
pytestmark = pytest.mark.timeout(600)


def test_plivo_contract_from_the_wheel_passes_the_mock_with_either_spec(tmp_path: Path) -> None:
    venv = Venv(tmp_path)
    wheels = (
        venv.wheel(ROOT, "plivo_dtmf"),
        venv.wheel(ROOT / "generated" / "python", "plivo_dtmf_client"),
        venv.wheel(ROOT / "generated" / "python-mock-control", "plivo_mock_control_client"),
    )
    venv.install_locked(*wheels)
    command = venv.python.parent / "plivo-contract"
    outside = tmp_path / "team"
    outside.mkdir()
    given_spec = outside / "their-copy.yaml"
    shutil.copyfile(ROOT / "openapi" / "plivo-dtmf.yaml", given_spec)
    env = env_without_credentials() | {"PYTHONPATH": ""}
    run_env = env | {
        "PLIVO_AUTH_ID": EMBEDDED_AUTH_ID,
        "PLIVO_AUTH_TOKEN": EMBEDDED_AUTH_TOKEN,
        "CONTRACT_RATE_LIMIT": "100000/s",
        "CONTRACT_MAX_EXAMPLES": "5",
    }
    with MockServer(
        "--no-rate-limit", python=venv.python, env=env, log_path=tmp_path / "mock.log", cwd=outside
    ) as server:
        runs = {}
        for label, args in (("packaged", []), ("given", ["--spec", str(given_spec)])):
            runs[label] = subprocess.run(
                [str(command), *args],
                env=run_env | {"BASE_URL": server.base_url},
                cwd=outside,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
    for label, done in runs.items():
        output = done.stdout + done.stderr
        assert done.returncode == 0, (label, output[-3000:])
        assert "result     PASS (exit 0)" in output, label
        # Nothing was read from the checkout: the suite, its hooks and the spec are the venv's.
        assert str(ROOT) not in output, (label, output[-3000:])
    assert f"run {given_spec} " in runs["given"].stdout
    assert (outside / "reports" / "contract" / "summary.json").is_file()
