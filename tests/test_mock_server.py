"""`python -m plivo_mock` and `scripts/mock` as real processes on loopback."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import plivo_mock.cli as mock_cli
import pytest
import yaml
from plivo_mock.__main__ import main as mock_main
from plivo_mock.app import create_app
from plivo_mock.config import (
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    UNBRIDGED_CALL_UUID,
    MockConfig,
)
from plivo_mock.testing import (
    MockServer,
    MockStartError,
    dtmf_path,
    free_port,
    wait_healthy,
)
from plivo_mock.testing import env_without_credentials as clean_env

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ("SASEEDEDACCOUNT00001", "seeded-token")
SEEDED_CALL = "5eed0000-0000-4000-8000-000000000001"
LIMITED = ("SARATELIMITED0000001", "limited-token")  # used by the rate-limit test only
ENV_ACCOUNT = ("MAFROMENVIRONMENT001", "token-from-the-environment")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plivo_mock", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env or clean_env(),
        check=False,
    )


def test_banner_prints_the_account_token_and_live_calls(server: MockServer) -> None:
    log = server.log()
    assert f"account {EMBEDDED_AUTH_ID}  Auth Token {EMBEDDED_AUTH_TOKEN} (embedded" in log
    assert f"live call {BRIDGED_CALL_UUID} (bridged b-leg)" in log
    assert f"live call {UNBRIDGED_CALL_UUID} (no b-leg)" in log


def test_uvicorn_access_log_is_off_and_ours_has_one_line_per_request(
    live: httpx.Client, server: MockServer
) -> None:
    created = live.post("/__mock__/calls").json()["call_uuid"]  # a path no other test uses
    marker = f"/__mock__/calls/{created}/events"
    live.get(marker)
    lines = [line for line in server.log().splitlines() if marker in line]
    assert len(lines) == 1 and "plivo_mock.access" in lines[0] and " 200 " in lines[0]
    assert EMBEDDED_AUTH_TOKEN not in "".join(lines)


def test_oversized_body_over_a_real_socket_is_413_and_the_server_keeps_serving(
    live: httpx.Client,
) -> None:
    big = b'{"digits":"1","pad":"' + b"x" * 200_000 + b'"}'
    answer = live.post(
        dtmf_path(BRIDGED_CALL_UUID), content=big, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    ok = live.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})
    assert ok.status_code == 202


def test_oversized_chunked_body_is_413_without_reading_it_all(live: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"digits":"1","pad":"'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    answer = live.post(
        dtmf_path(BRIDGED_CALL_UUID), content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert live.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"}).status_code == 202


def test_raw_http_garbage_does_not_stop_the_server(live: httpx.Client, server: MockServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"\x00\xffNOT HTTP\r\n\r\n")
        sock.recv(1024)
    assert live.get("/__mock__/health").status_code == 200


@pytest.fixture(scope="module")
def env_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    env = clean_env(PLIVO_AUTH_ID=ENV_ACCOUNT[0], PLIVO_AUTH_TOKEN=ENV_ACCOUNT[1])
    log = tmp_path_factory.mktemp("env") / "server.log"
    with MockServer(env=env, log_path=log) as mock:
        yield mock


def test_default_account_from_environment_works_and_its_token_is_never_printed(
    env_server: MockServer,
) -> None:
    answer = httpx.post(
        env_server.base_url + dtmf_path(BRIDGED_CALL_UUID, ENV_ACCOUNT[0]),
        json={"digits": "1"},
        auth=ENV_ACCOUNT,
        trust_env=False,
    )
    assert answer.status_code == 202
    log = env_server.log()
    assert f"account {ENV_ACCOUNT[0]}  Auth Token from PLIVO_AUTH_TOKEN" in log
    assert ENV_ACCOUNT[1] not in log
    assert EMBEDDED_AUTH_ID not in log


@pytest.fixture(scope="module")
def flagged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    folder = tmp_path_factory.mktemp("flagged")
    seed = folder / "seed.yaml"
    seed.write_text(
        "accounts:\n"
        f"  - auth_id: {SEEDED[0]}\n"
        f"    auth_token: {SEEDED[1]}\n"
        "    calls:\n"
        f"      - call_uuid: {SEEDED_CALL}\n"
        "        bleg: true\n"
        f"  - auth_id: {LIMITED[0]}\n"
        f"    auth_token: {LIMITED[1]}\n"
    )
    args = ("--strict", "--rate-limit", "3", "--seed", str(seed), "--control-from-any-host")
    with MockServer(*args, env=clean_env(), log_path=folder / "server.log") as mock:
        yield mock


def test_strict_flag_rejects_plivo_go_legs_field(flagged_server: MockServer) -> None:
    answer = httpx.post(
        flagged_server.base_url + dtmf_path(BRIDGED_CALL_UUID),
        json={"digits": "8743#", "legs": "bleg"},
        auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
        trust_env=False,
    )
    assert answer.status_code == 400 and "legs" in answer.json()["error"]


def test_seed_file_adds_accounts_and_calls(flagged_server: MockServer) -> None:
    answer = httpx.post(
        flagged_server.base_url + dtmf_path(SEEDED_CALL, SEEDED[0]),
        json={"digits": "1", "leg": "bleg"},
        auth=SEEDED,
        trust_env=False,
    )
    assert answer.status_code == 202
    log = flagged_server.log()
    assert f"account {SEEDED[0]}  Auth Token from the seed file" in log
    assert SEEDED[1] not in log


def test_rate_limit_flag_sets_the_limit(flagged_server: MockServer) -> None:
    with httpx.Client(base_url=flagged_server.base_url, auth=LIMITED, trust_env=False) as client:
        path = f"/v1/Account/{LIMITED[0]}/Call/"
        statuses = [client.get(path, params={"status": "live"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_control_api_is_for_loopback_peers_unless_the_flag_opens_it(
    server: MockServer, flagged_server: MockServer
) -> None:
    assert "control API" in server.log() and ", loopback peers only" in server.log()
    assert ", any peer" in flagged_server.log()


@pytest.mark.parametrize("value", ["0", "-1", "inf", "soon"])
def test_body_timeout_must_be_a_positive_number_of_seconds(value: str) -> None:
    done = run_cli("--body-timeout", value)
    assert done.returncode == 2
    assert "--body-timeout" in done.stderr


def test_invalid_seed_file_stops_start_up_with_the_reason(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("accounts:\n  - auth_id: XX123\n    auth_token: t\n")
    done = run_cli("--seed", str(seed))
    assert done.returncode != 0
    assert "seed.accounts.0.auth_id" in done.stderr and "pattern" in done.stderr


def test_invalid_plivo_auth_id_in_environment_stops_start_up(tmp_path: Path) -> None:
    done = run_cli(env=clean_env(PLIVO_AUTH_ID="not-an-id", PLIVO_AUTH_TOKEN="hidden-token-x"))
    assert done.returncode != 0 and "Auth ID" in done.stderr
    assert "hidden-token-x" not in done.stdout + done.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_cleanly_with_exit_0(sig: signal.Signals, tmp_path: Path) -> None:
    mock = MockServer(env=clean_env(), log_path=tmp_path / "server.log").start()
    assert mock.stop(sig) == 0
    assert "Finished server process" in mock.log()


def test_sigterm_exits_0_even_while_a_request_body_is_stalled(tmp_path: Path) -> None:
    mock = MockServer(env=clean_env(), log_path=tmp_path / "server.log").start()
    basic = base64.b64encode(f"{EMBEDDED_AUTH_ID}:{EMBEDDED_AUTH_TOKEN}".encode()).decode()
    stalled = (
        f"POST {dtmf_path(BRIDGED_CALL_UUID)} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {basic}\r\nContent-Type: application/json\r\n"
        'Content-Length: 15\r\n\r\n{"dig'
    ).encode()
    with socket.create_connection(("127.0.0.1", mock.port), timeout=5) as sock:
        sock.sendall(stalled)
        # Answered after ours was read (one event loop, data handled as it arrives).
        assert httpx.get(mock.base_url + "/__mock__/health", trust_env=False).is_success
        assert mock.stop(signal.SIGTERM, timeout_s=10) == 0


def test_mock_start_error_carries_the_log(tmp_path: Path) -> None:
    with pytest.raises(MockStartError, match="seed file"):
        MockServer("--seed", str(tmp_path / "missing.yaml"), env=clean_env()).start()


# scripts/mock -------------------------------------------------------------------------


def scripts_mock(*args: str, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "mock"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(MOCK_PORT=str(port), MOCK_START_DEADLINE_S="10"),
        check=False,
    )


def test_scripts_mock_daemon_serves_until_stop(tmp_path: Path) -> None:
    port = free_port()
    pid_file = ROOT / "build" / f"mock-{port}.pid"
    started = scripts_mock("--daemon", port=port)
    try:
        assert started.returncode == 0, started.stderr
        assert f"live call {BRIDGED_CALL_UUID}" in started.stdout
        pid = int(pid_file.read_text())
        health = httpx.get(f"http://127.0.0.1:{port}/__mock__/health", trust_env=False)
        assert health.status_code == 200
    finally:
        stopped = scripts_mock("--stop", port=port)
    assert stopped.returncode == 0 and f"stopped (pid {pid})" in stopped.stdout
    assert not pid_file.exists()
    assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)  # orphans await PID 1
    (ROOT / "build" / f"mock-{port}.log").unlink(missing_ok=True)


def _is_zombie(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    return re.search(r"^State:\s+Z", status, re.MULTILINE) is not None


def test_scripts_mock_daemon_fails_with_the_log_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = scripts_mock("--daemon", port=port)
    assert started.returncode == 1
    assert "did not become healthy" in started.stderr
    assert "address already in use" in started.stderr  # the server's log
    assert not (ROOT / "build" / f"mock-{port}.pid").exists()
    (ROOT / "build" / f"mock-{port}.log").unlink(missing_ok=True)


def test_scripts_mock_foreground_exits_0_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "mock")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_env(MOCK_PORT=str(port)),
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", 15.0, process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_scripts_are_executable() -> None:
    for name in ("mock", "demo"):
        assert os.access(ROOT / "scripts" / name, os.X_OK), name


# Start-up errors: one line naming the file or option, exit 2 -------------------------


def test_spec_kept_elsewhere_under_another_name_is_served_with_the_control_api(
    tmp_path: Path,
) -> None:
    """The control document's refs (`plivo-dtmf.yaml#/...`) mean the spec served: a seed
    Auth ID valid only under the copy's pattern is accepted."""
    spec = yaml.safe_load((ROOT / "openapi" / "plivo-dtmf.yaml").read_text("utf-8"))
    auth_id = spec["components"]["parameters"]["AuthId"]["schema"]
    auth_id["pattern"] = auth_id["pattern"].replace("(MA|SA)", "(MA|SA|XA)")
    elsewhere = tmp_path / "elsewhere" / "my-spec.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(yaml.safe_dump(spec), "utf-8")
    seed = tmp_path / "seed.yaml"
    seed.write_text("accounts:\n  - auth_id: XA000000000000000001\n    auth_token: t\n")

    app = create_app(MockConfig(spec_path=elsewhere, seed_file=seed))

    assert "XA000000000000000001" in app.state.accounts
    assert app.plivo.path == elsewhere


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (a file, the words its one-line error must hold)."""
    spec_text = (ROOT / "openapi" / "plivo-dtmf.yaml").read_text("utf-8")
    old = spec_text.replace("openapi: 3.1.", "openapi: 3.0.", 1)
    empty = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
    files = {
        "missing": ("missing.yaml", None, "no such file"),
        "directory": ("folder.yaml", None, "a directory"),
        "yaml": ("broken.yaml", "a: [1,\n", "not valid YAML at line 2"),
        "binary": ("binary.yaml", b"\xff\xfe\x00", "not UTF-8"),
        "openapi-3.0": ("old.yaml", old, "not an OpenAPI 3.1 document"),
        "no-operations": ("empty.yaml", empty, "no operation"),
    }
    found: dict[str, tuple[Path, str]] = {}
    for name, (file_name, content, words) in files.items():
        path = tmp_path / file_name
        if name == "directory":
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, "utf-8")
        found[name] = (path, words)
    return found


@pytest.mark.parametrize(
    ("option", "case"),
    [
        *(("--spec", case) for case in ("missing", "directory", "yaml", "binary")),
        ("--spec", "openapi-3.0"),
        ("--spec", "no-operations"),
        *(("--control-spec", case) for case in ("missing", "yaml", "no-operations")),
        *(("--seed", case) for case in ("missing", "directory", "yaml", "binary")),
    ],
)
def test_a_file_that_cannot_be_used_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, case: str
) -> None:
    path, words = _bad_files(tmp_path)[case]
    line = start_up_error(capsys, option, str(path))
    assert line.startswith(f"plivo-mock: {'seed file ' if option == '--seed' else ''}{path}: ")
    assert words in line


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rate-limit", "0"),
        ("--rate-limit", "-1"),
        ("--rate-limit", "1.5"),
        ("--max-events", "0"),
        ("--max-events", str(10**30)),
        ("--port", "0"),
        ("--port", "65536"),
        ("--body-timeout", "1e12"),
    ],
)
def test_every_numeric_option_is_checked_at_start_up(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    line = start_up_error(capsys, option, value)
    assert line.startswith("plivo-mock: ") and option in line and repr(value) in line


def start_up_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`python -m plivo_mock ARGS` run here: it must exit 2 printing one line; that line."""

    def serve(self: object) -> None:
        raise AssertionError(f"the mock started with {args}")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(SystemExit) as stopped:
        patch.setattr(mock_cli.Server, "run", serve)
        mock_main(["--port", str(free_port()), *args])
    assert stopped.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    return line


def test_a_start_up_error_of_the_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for args in (("--rate-limit", "0"), ("--spec", str(tmp_path / "missing.yaml"))):
        done = run_cli(*args)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert len(done.stderr.splitlines()) == 1 and args[1] in done.stderr


@pytest.mark.parametrize(
    "field", ["rate_limit", "max_events_per_call", "max_calls_per_account", "body_limit"]
)
def test_a_config_with_a_count_below_1_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be a whole number from 1"):
        replace(MockConfig(), **{field: 0})  # type: ignore[arg-type]
