"""`make dist`: what a user would install from a registry, built once, then installed outside
the repository and used there.

Each Python artifact goes into a fresh venv (its dependencies at the versions uv.lock pins, as
constraints), each npm one into a fresh node project, both with an empty package cache as on a
new machine: the registry serves the dependencies, dist/ the packages themselves. The mock the
installed clients talk to is `python -m plivo_mock` from the toolkit's own wheel.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_dist import TS_SDK, PythonProject, check, python_project
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN
from plivo_mock.testing import MockServer, env_without_credentials

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
# uv.lock has the generated clients as path sources, which a constraints file cannot hold:
# they come from their own wheels in dist/.
GENERATED = ("plivo-dtmf-client", "plivo-mock-control-client")
CLIENT, CONTROL, TOOLKIT = (python_project(ROOT / "generated" / "python"),
                            python_project(ROOT / "generated" / "python-mock-control"),
                            python_project(ROOT))  # fmt: skip
TS_MANIFEST = json.loads((TS_SDK / "package.json").read_text("utf-8"))
TARBALL = f"{TS_MANIFEST['name']}-{TS_MANIFEST['version']}.tgz"
AUTH = {"auth_id": EMBEDDED_AUTH_ID, "auth_token": EMBEDDED_AUTH_TOKEN}


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, f"{argv}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make dist` once, into a folder of its own (the check is part of the target)."""
    out = tmp_path_factory.mktemp("dist")
    _run(["make", "--no-print-directory", "dist", f"DIST={out}"], cwd=ROOT)
    return out


def wheel(dist: Path, project: PythonProject) -> Path:
    return dist / f"{project.stem}-py3-none-any.whl"


class Venv:
    """A fresh venv under `where`, filled by uv with an empty cache of its own."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
        } | {"UV_CACHE_DIR": str(where / "empty-cache")}
        self.python = where / "venv" / "bin" / "python"
        self.uv("venv", "-q", str(where / "venv"), "--python", sys.executable)

    def uv(self, *args: str) -> str:
        return _run([str(UV), *args], cwd=self.where, env=self.env)

    def install_locked(self, *wheels: Path, extra: tuple[str, ...] = ()) -> set[str]:
        """Install `wheels` (and `extra` requirements) with uv.lock's versions, its dev group's
        included, as constraints; answer the installed packages the lock does not pin."""
        locked = self.where / "locked.txt"
        excluded = [arg for name in GENERATED for arg in ("--no-emit-package", name)]
        self.uv(
            "export", "--frozen", "--project", str(ROOT), "--no-hashes",
            "--no-emit-project", *excluded, "-o", str(locked),
        )  # fmt: skip
        # Constraints pin versions only: what gets installed is still what the wheels declare.
        self.uv(
            "pip", "install", "-q", "--python", str(self.python), "-c", str(locked),
            *map(str, wheels), *extra,
        )  # fmt: skip
        pins = {line.split(" ;")[0] for line in locked.read_text().splitlines() if "==" in line}
        return set(self.uv("pip", "freeze", "--python", str(self.python)).splitlines()) - pins

    def python_c(self, code: str, cwd: Path) -> str:
        return _run([str(self.python), "-c", code], cwd=cwd, env=self.env)


# The artifacts and their check


def test_make_dist_builds_each_package_once_and_its_check_passes(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir() if p.name != ".gitignore")
    expected = [
        name
        for project in (CLIENT, CONTROL, TOOLKIT)
        for name in (f"{project.stem}-py3-none-any.whl", f"{project.stem}.tar.gz")
    ]
    assert names == sorted([*expected, TARBALL])
    assert check(dist) == []


def test_make_dist_is_reproducible(dist: Path, tmp_path: Path) -> None:
    """Built again, every artifact is the same bytes (what a registry is sent can be rebuilt)."""
    _run(["make", "--no-print-directory", "dist", f"DIST={tmp_path}"], cwd=ROOT)
    for artifact in sorted(dist.iterdir()):
        assert (tmp_path / artifact.name).read_bytes() == artifact.read_bytes(), artifact.name


def _rewrite_zip(path: Path, drop: str | None = None, add: str | None = None) -> None:
    with zipfile.ZipFile(path) as old:
        items = [(i, old.read(i)) for i in old.infolist() if i.filename != drop]
    with zipfile.ZipFile(path, "w") as new:
        for info, data in items:
            new.writestr(info, data)
        if add:
            new.writestr(add, b"")


def _rewrite_tar(path: Path, drop: str | None = None, add: str | None = None) -> None:
    with tarfile.open(path) as old:
        items = [(m, old.extractfile(m)) for m in old.getmembers() if m.name != drop]
        members = [(m, f.read() if f else None) for m, f in items]
    with tarfile.open(path, "w:gz") as new:
        for member, data in members:
            new.addfile(member, io.BytesIO(data) if data is not None else None)
        if add:
            info = tarfile.TarInfo(add)
            new.addfile(info, io.BytesIO(b""))


@pytest.mark.parametrize(
    ("artifact", "edit", "problem"),
    [
        ("toolkit.whl", {"add": "tests/test_mock.py"}, "stray file tests/test_mock.py"),
        ("client.whl", {"add": "plivo_dtmf_client/__pycache__/x.pyc"}, "not for users"),
        (
            "toolkit.whl",
            {"drop": "plivo_mock/openapi/plivo-dtmf.yaml"},
            "plivo_mock/openapi/plivo-dtmf.yaml missing",
        ),
        ("control.whl", {"drop": "plivo_mock_control_client/client.py"}, "client.py missing"),
        ("toolkit.tar.gz", {"drop": "/scripts/plivo_mock/app.py"}, "scripts/plivo_mock/app.py"),
        ("npm.tgz", {"add": "package/node_modules/x/index.js"}, "stray file node_modules"),
        ("npm.tgz", {"add": "package/tests/client.test.mjs"}, "not for users"),
        ("npm.tgz", {"drop": "package/dist/index.js"}, "dist/index.js missing"),
        ("stale.whl", {}, "not an artifact of this checkout"),
    ],
)
def test_dist_check_names_what_is_wrong(
    dist: Path, tmp_path: Path, artifact: str, edit: dict[str, str], problem: str
) -> None:
    """The check fails on each kind of bad artifact, naming it (so its passing means something)."""
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    kind, suffix = artifact.split(".", 1)
    if kind == "stale":
        (copy / f"{CLIENT.name.replace('-', '_')}-0.0.1-py3-none-any.whl").write_bytes(b"")
    elif kind == "npm":
        _rewrite_tar(copy / TARBALL, **edit)
    else:
        project = {"toolkit": TOOLKIT, "client": CLIENT, "control": CONTROL}[kind]
        if suffix == "whl":
            _rewrite_zip(wheel(copy, project), **edit)
        else:
            drop = edit["drop"]
            _rewrite_tar(copy / f"{project.stem}.tar.gz", drop=project.stem + drop)
    problems = check(copy)
    assert any(problem in line for line in problems), problems


# Python: each wheel installed into a fresh venv outside the repository


def test_client_wheel_installs_alone_with_only_its_declared_dependencies(
    dist: Path, tmp_path: Path
) -> None:
    venv = Venv(tmp_path)
    client = wheel(dist, CLIENT)
    assert venv.install_locked(client) == {f"plivo-dtmf-client @ {client.as_uri()}"}
    probe = "import plivo_dtmf_client.api.calls.send_digits, importlib.util as u; " + (
        "print(u.find_spec('plivo_mock') is None, u.find_spec('yaml') is None)"
    )
    assert venv.python_c(probe, tmp_path).split() == ["True", "True"]


@pytest.fixture(scope="module")
def toolkit(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """The toolkit, both clients and pytest, from dist/, in one fresh venv."""
    venv = Venv(tmp_path_factory.mktemp("toolkit"))
    unpinned = venv.install_locked(
        wheel(dist, TOOLKIT), wheel(dist, CLIENT), wheel(dist, CONTROL), extra=("pytest",)
    )
    assert {line.split(" @ ")[0] for line in unpinned} == {
        "plivo-dtmf",
        *GENERATED,
    }
    return venv


@pytest.fixture(scope="module")
def installed_mock(toolkit: Venv) -> Iterator[MockServer]:
    """`python -m plivo_mock` of the toolkit venv, run from a folder outside the repo."""
    env = env_without_credentials() | {"PYTHONPATH": ""}
    with MockServer(
        python=toolkit.python, env=env, log_path=toolkit.where / "mock.log", cwd=toolkit.where
    ) as server:
        yield server


def test_toolkit_wheel_carries_the_spec_and_the_mock_serves_it(
    toolkit: Venv, installed_mock: MockServer
) -> None:
    where = "import plivo_mock.config as c; print(c.MockConfig.spec_path.parent)"
    packaged = Path(toolkit.python_c(where, toolkit.where).strip())
    assert packaged.is_relative_to(toolkit.where / "venv"), packaged
    for name in ("plivo-dtmf.yaml", "mock-control.yaml"):
        assert (packaged / name).read_bytes() == (ROOT / "openapi" / name).read_bytes(), name
    assert f"(spec {packaged / 'plivo-dtmf.yaml'})" in installed_mock.log()


def test_plivo_contract_from_the_wheel_passes_the_mock_with_either_spec(toolkit: Venv) -> None:
    """A provider team's run: `plivo-contract` of the toolkit venv against a mock of that same
    venv, with the packaged spec and with `--spec FILE`, from a folder with no checkout."""
    command = toolkit.python.parent / "plivo-contract"
    outside = toolkit.where / "team"
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
        "--no-rate-limit",
        python=toolkit.python,
        env=env,
        log_path=outside / "mock.log",
        cwd=outside,
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


SEND_AND_CONTROL = """
import json, sys, httpx
from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.errors import InvalidParameterError
from plivo_dtmf_client.models import SendDigitsRequest
from plivo_mock_control_client import Client as Control
from plivo_mock_control_client.api.mock import list_events, reset

base, auth_id, token, call = sys.argv[1:]
control = Control(base_url=base).set_httpx_client(
    httpx.Client(base_url=base, auth=(auth_id, token))
)
reset.sync_detailed(client=control)
with Client(auth_id, token, base_url=base) as client:
    sent = send_digits.sync(call, body=SendDigitsRequest(digits="12#"), client=client)
    try:
        send_digits.sync(call, body=SendDigitsRequest(digits="x"), client=client)
        refused = None
    except InvalidParameterError as exc:
        refused = exc.field
before = [e.digits for e in list_events.sync(call, client=control).events]
assert reset.sync_detailed(client=control).status_code == 204
after = [e.digits for e in list_events.sync(call, client=control).events]
print(json.dumps({"message": sent.message, "refused": refused, "before": before, "after": after}))
"""


def test_installed_clients_send_digits_to_the_installed_mock_and_control_it(
    toolkit: Venv, installed_mock: MockServer
) -> None:
    """The client sends digits (and refuses bad ones before sending); the control client reads
    what the mock recorded and resets it."""
    script = toolkit.where / "send.py"
    script.write_text(SEND_AND_CONTROL, encoding="utf-8")
    out = _run(
        [str(toolkit.python), str(script), installed_mock.base_url, *AUTH.values(),
         BRIDGED_CALL_UUID],
        cwd=toolkit.where, env=toolkit.env,
    )  # fmt: skip
    answer = json.loads(out)
    assert answer["message"]
    assert answer["refused"] == "digits"
    assert (answer["before"], answer["after"]) == (["12#"], [])


PLUGIN_TEST = """
from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest
from plivo_mock_control_client.api.mock import list_events


def test_sends_digits(plivo_mock):
    with Client(plivo_mock.auth_id, plivo_mock.auth_token, base_url=plivo_mock.base_url) as c:
        send_digits.sync(plivo_mock.bridged_call_uuid, body=SendDigitsRequest(digits="9"), client=c)
    events = list_events.sync(plivo_mock.bridged_call_uuid, client=plivo_mock.control).events
    assert [e.digits for e in events] == ["9"]


def test_each_test_starts_from_a_reset_mock(plivo_mock):
    events = list_events.sync(plivo_mock.bridged_call_uuid, client=plivo_mock.control).events
    assert events == []
"""


def test_installed_pytest_plugin_gives_the_plivo_mock_fixture(toolkit: Venv) -> None:
    """No conftest: installing the wheel registers the fixture (entry point pytest11)."""
    app = toolkit.where / "app"
    app.mkdir()
    (app / "test_app.py").write_text(PLUGIN_TEST, encoding="utf-8")
    out = _run(
        [str(toolkit.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=app, env=env_without_credentials() | {"PYTHONPATH": ""},
    )  # fmt: skip
    assert "2 passed" in out, out


# TypeScript: the tarball in a fresh node project


@pytest.fixture(scope="module")
def node_project(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """The README's sequence: `npm install <tarball>`, then another package into the same
    project (a path install used to be turned into a symlink by that second install)."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    app = tmp_path_factory.mktemp("node-app")
    (app / "package.json").write_text('{"name": "app", "private": true, "type": "module"}\n')
    env = os.environ | {"npm_config_cache": str(app.parent / "npm-empty-cache")}
    quiet = ["--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    _run(["npm", "install", *quiet, str(dist / TARBALL)], cwd=app, env=env)
    _run(["npm", "install", *quiet, "ms@2.1.3"], cwd=app, env=env)
    return app, env


SEND_TS = """
import { Client, VERSION } from "plivo-dtmf-client";
const [base, authId, authToken, call] = process.argv.slice(2);
const client = new Client({ authId, authToken, baseUrl: base, env: {} });
const sent = await client.sendDigits(call, { digits: "4#" });
console.log(JSON.stringify({ message: sent.message, version: VERSION }));
"""


def test_npm_tarball_installs_then_survives_a_second_install_and_sends_digits(
    node_project: tuple[Path, dict[str, str]], installed_mock: MockServer, toolkit: Venv
) -> None:
    app, env = node_project
    installed = app / "node_modules" / "plivo-dtmf-client"
    assert installed.is_dir() and not installed.is_symlink()
    assert (app / "node_modules" / "openapi-fetch" / "package.json").is_file()
    (app / "send.mjs").write_text(SEND_TS, encoding="utf-8")
    out = _run(
        ["node", "send.mjs", installed_mock.base_url, *AUTH.values(), BRIDGED_CALL_UUID],
        cwd=app, env=env,
    )  # fmt: skip
    answer = json.loads(out)
    assert answer["version"] == TS_MANIFEST["version"]
    assert answer["message"]
    assert _last_digits(toolkit, installed_mock) == "4#"


def _last_digits(toolkit: Venv, mock: MockServer) -> str:
    url = f"{mock.base_url}/__mock__/calls/{BRIDGED_CALL_UUID}/events"
    code = (
        "import httpx, sys; "
        "print(httpx.get(sys.argv[1], auth=tuple(sys.argv[2:]), trust_env=False)"
        ".json()['events'][-1]['digits'])"
    )
    return _run(
        [str(toolkit.python), "-c", code, url, *AUTH.values()], cwd=toolkit.where, env=toolkit.env
    ).strip()
