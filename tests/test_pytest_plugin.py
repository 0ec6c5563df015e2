"""The pytest plugin, used from a project outside this repository.

A venv of its own gets this package (editable: the mock reads the specs from openapi/), the
two generated clients and pytest, at the versions uv.lock pins, and nothing else. Each test
writes a small project into a temporary folder (test files and maybe a pytest.ini, no
conftest) and runs that venv's pytest there: the fixture comes from the `pytest11` entry
point alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from plivo_mock.config import EMBEDDED_AUTH_TOKEN

ROOT = Path(__file__).resolve().parent.parent

# What every outside test file starts with.
HEADER = """\
import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import Leg, SendDigitsRequest
from plivo_mock_control_client.api.mock import (
    bridge, create_call, hang_up, inject_fault, list_calls, list_events,
)
from plivo_mock_control_client.models import CreateCall, FaultRequest


def client_of(mock):
    return Client(mock.auth_id, mock.auth_token, base_url=mock.base_url, max_retries=0,
                  httpx_args={"trust_env": False})


def send(mock, call_uuid, **body):
    body.setdefault("digits", "1234")
    with client_of(mock) as client:
        return send_digits.sync(call_uuid, client=client, body=SendDigitsRequest(**body))
"""


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv holding this package, its clients and pytest, pinned by uv.lock."""
    uv = Path(sys.executable).parent / "uv"
    folder = tmp_path_factory.mktemp("outside")
    locked = folder / "locked.txt"

    def uv_run(*args: str) -> None:
        subprocess.run([str(uv), "-q", *args], check=True, capture_output=True, timeout=300)

    uv_run(
        "export", "--frozen", "--project", str(ROOT), "--no-dev", "--no-hashes",
        "--no-emit-project", "--no-emit-package", "plivo-dtmf-client",
        "--no-emit-package", "plivo-mock-control-client", "-o", str(locked),
    )  # fmt: skip
    uv_run("venv", str(folder / "venv"), "--python", sys.executable)
    python = folder / "venv" / "bin" / "python"
    uv_run(
        "pip", "install", "--python", str(python), "-c", str(locked), "pytest==9.2.0",
        "-e", str(ROOT), "-e", str(ROOT / "generated" / "python"),
        "-e", str(ROOT / "generated" / "python-mock-control"),
    )  # fmt: skip
    return python


def run_project(
    python: Path, tmp_path: Path, files: dict[str, str], *args: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    for name, text in files.items():
        (project / name).write_text(textwrap.dedent(text), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PLIVO_"))}
    env.update(extra_env)
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


USE_AND_RESET = (
    HEADER
    + """
seen = []


def test_control_client_drives_the_mock(plivo_mock):
    seen.append(plivo_mock.base_url)
    assert plivo_mock.base_url.startswith("http://127.0.0.1:")
    created = create_call.sync(client=plivo_mock.control, body=CreateCall(bleg=False))
    assert created.live and not created.bleg
    assert bridge.sync(created.call_uuid, client=plivo_mock.control).bleg
    sent = send(plivo_mock, created.call_uuid, leg=Leg.BLEG)
    events = list_events.sync(created.call_uuid, client=plivo_mock.control)
    assert [(e.digits, e.leg.value, e.api_id) for e in events.events] == [
        ("1234", "bleg", sent.api_id)
    ]
    armed = inject_fault.sync(
        client=plivo_mock.control, body=FaultRequest(call_uuid=created.call_uuid, status=503)
    )
    assert armed.status == 503
    with pytest.raises(errors.ServerError):
        send(plivo_mock, created.call_uuid)
    hang_up.sync_detailed(created.call_uuid, client=plivo_mock.control)
    with pytest.raises(errors.NotFoundError):
        send(plivo_mock, created.call_uuid)
    # A fault left armed on a start-up call, for the next test to find cleared.
    inject_fault.sync(
        client=plivo_mock.control,
        body=FaultRequest(call_uuid=plivo_mock.bridged_call_uuid, status=500),
    )
    send(plivo_mock, plivo_mock.unbridged_call_uuid)


def test_state_is_reset_before_each_test_on_the_same_server(plivo_mock):
    assert seen == [plivo_mock.base_url]
    calls = list_calls.sync(client=plivo_mock.control).calls
    assert [(c.call_uuid, c.bleg, c.events) for c in calls] == [
        (plivo_mock.bridged_call_uuid, True, 0),
        (plivo_mock.unbridged_call_uuid, False, 0),
    ]
    send(plivo_mock, plivo_mock.bridged_call_uuid, leg=Leg.BLEG)


def test_token_not_in_repr(plivo_mock):
    assert plivo_mock.auth_token not in repr(plivo_mock)
    assert plivo_mock.auth_token not in repr(plivo_mock.control)


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the mock is asyncio code


@pytest.mark.anyio
async def test_in_process_variant(plivo_mock_asgi):
    mock = plivo_mock_asgi
    async with httpx.AsyncClient(
        transport=mock.transport, base_url=mock.base_url, auth=(mock.auth_id, mock.auth_token)
    ) as http:
        answer = await http.post(
            f"/v1/Account/{mock.auth_id}/Call/{mock.bridged_call_uuid}/DTMF/",
            json={"digits": "9", "unknown": 1},
        )
    assert answer.status_code == 202, answer.text
    events = await list_events.asyncio(mock.bridged_call_uuid, client=mock.control)
    assert [e.digits for e in events.events] == ["9"]
"""
)


README = Path(__file__).resolve().parent.parent / "scripts" / "plivo_mock" / "README.md"


def readme_example(fixture: str = "plivo_mock") -> str:
    """The mock README's example using `fixture`, as it is written there."""
    blocks = README.read_text(encoding="utf-8").split("```python\n")[1:]
    (block,) = [b for b in blocks if f"({fixture}):" in b]
    return block.split("```", 1)[0]


def test_fixture_from_an_outside_project_without_conftest(outside: Path, tmp_path: Path) -> None:
    files = {
        "test_app.py": USE_AND_RESET,
        "test_readme.py": readme_example(),
        # Only what the README names: anyio's plugin, which httpx's dependency brings.
        "test_readme_asgi.py": readme_example("plivo_mock_asgi"),
    }
    done = run_project(outside, tmp_path, files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout
    assert "test_readme.py::test_pin_is_sent" in done.stdout
    assert "test_readme_asgi.py::test_pin_is_sent_in_process" in done.stdout
    assert EMBEDDED_AUTH_TOKEN not in done.stdout


OPTIONS = (
    HEADER
    + """
import os


def test_unknown_field(plivo_mock):
    expected = int(os.environ["EXPECTED_STATUS"])
    with httpx.Client(auth=(plivo_mock.auth_id, plivo_mock.auth_token), trust_env=False) as http:
        answer = http.post(
            plivo_mock.dtmf_url(plivo_mock.bridged_call_uuid),
            json={"digits": "1", "surprise": True},
        )
    assert answer.status_code == expected, answer.text


def test_seed_account_is_known_and_reset(plivo_mock):
    (seeded,) = [a.auth_id for a in plivo_mock.accounts[1:]]
    control = plivo_mock.control_for(seeded)
    assert [c.call_uuid for c in list_calls.sync(client=control).calls] == [
        "00000000-0000-4000-8000-00000000beef"
    ]
    create_call.sync(client=control, body=CreateCall())


def test_seed_account_again(plivo_mock):
    test_seed_account_is_known_and_reset(plivo_mock)


def test_rate_limit(plivo_mock):
    limit = int(os.environ["LIMIT"])
    for _ in range(limit):
        send(plivo_mock, plivo_mock.unbridged_call_uuid)
    with pytest.raises(errors.RateLimitError):
        send(plivo_mock, plivo_mock.unbridged_call_uuid)


def test_rate_window_cleared(plivo_mock):
    send(plivo_mock, plivo_mock.unbridged_call_uuid)
"""
)

INI = """\
[pytest]
plivo_mock_seed = data/seed.yaml
plivo_mock_rate_limit = 3
"""

SEED = """\
accounts:
  - auth_id: MAOUTSIDE00000000001
    auth_token: outside-token
    calls:
      - call_uuid: 00000000-0000-4000-8000-00000000beef
"""


def test_ini_and_command_line_options(outside: Path, tmp_path: Path) -> None:
    (tmp_path / "project" / "data").mkdir(parents=True)
    (tmp_path / "project" / "data" / "seed.yaml").write_text(SEED, encoding="utf-8")
    files = {"test_options.py": OPTIONS, "pytest.ini": INI}

    lax = run_project(outside, tmp_path, files, EXPECTED_STATUS="202", LIMIT="3")
    strict = run_project(
        outside,
        tmp_path,
        files,
        "--plivo-mock-strict",
        "--plivo-mock-rate-limit=5",
        EXPECTED_STATUS="400",
        LIMIT="5",
    )

    assert lax.returncode == 0, lax.stdout + lax.stderr
    assert "5 passed" in lax.stdout
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "5 passed" in strict.stdout


def test_start_up_failure_shows_the_mock_log(outside: Path, tmp_path: Path) -> None:
    files = {
        "test_app.py": "def test_one(plivo_mock):\n    pass\n\n\n"
        "def test_two(plivo_mock):\n    pass\n"
    }
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "seed.yaml").write_text("accounts: [{auth_id: nope}]\n", "utf-8")
    done = run_project(outside, tmp_path, files, "--plivo-mock-seed", "seed.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 errors" in done.stdout
    assert "plivo_mock: the mock exited with status 2; its log:" in done.stdout
    # The mock's own words, from its log.
    assert "seed file" in done.stdout and "auth_token" in done.stdout


def test_bad_rate_limit_is_a_usage_error(outside: Path, tmp_path: Path) -> None:
    done = run_project(
        outside,
        tmp_path,
        {"test_x.py": "def test_x(plivo_mock): pass\n"},
        "--plivo-mock-rate-limit=0",
    )
    assert done.returncode == 4
    assert "a positive number or off" in done.stderr
