"""pytest plugin (entry point `pytest11`): the `plivo_mock` fixture, with no conftest.

    def test_sends_digits(plivo_mock):
        client = Client(plivo_mock.auth_id, plivo_mock.auth_token, base_url=plivo_mock.base_url)
        ...
        events = list_events.sync(plivo_mock.bridged_call_uuid, client=plivo_mock.control)

One real mock (`python -m plivo_mock`) serves the whole session on a free loopback port
(plivo_mock.testing.MockServer: health polled with a deadline, its log in the error if it
does not start). Before each test every account is reset: its start-up calls, no events, no
faults, an empty rate-limit window. `plivo_mock_asgi` is the same mock in-process, a fresh
app per test, reached through an httpx transport (no socket; async clients only).

Options (command line, or ini keys without the dashes and with `_`):
  --plivo-mock-strict          400 to body fields the spec does not name
  --plivo-mock-seed FILE       more accounts and calls (ini: relative to the ini file)
  --plivo-mock-rate-limit N    requests per account per window, or `off` (default: the mock's)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import yaml
from plivo_mock_control_client import Client as ControlClient
from plivo_mock_control_client.api.mock import reset

if TYPE_CHECKING:
    # Imported when a fixture is used, not when pytest loads the plugin in every project.
    from .app import MockApp
    from .config import Account, MockConfig
    from .testing import MockServer

_TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@dataclass(frozen=True)
class Settings:
    strict: bool = False
    seed: Path | None = None
    # None: the mock's default; 0: off.
    rate_limit: int | None = None

    def server_args(self) -> list[str]:
        args = ["--strict"] if self.strict else []
        if self.seed is not None:
            args += ["--seed", str(self.seed)]
        if self.rate_limit == 0:
            args.append("--no-rate-limit")
        elif self.rate_limit is not None:
            args += ["--rate-limit", str(self.rate_limit)]
        return args

    def mock_config(self) -> MockConfig:
        from .config import MockConfig

        overrides: dict[str, Any] = {"strict": self.strict, "seed_file": self.seed}
        if self.rate_limit is not None:
            overrides["rate_limit"] = self.rate_limit or None
        return MockConfig(**overrides)

    def accounts(self) -> tuple[Account, ...]:
        """The embedded account, then the seed file's (the mock checks the file itself)."""
        from .config import EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, Account

        found = [Account(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)]
        if self.seed is not None and self.seed.is_file():
            raw = yaml.safe_load(self.seed.read_text(encoding="utf-8"))
            entries = raw.get("accounts", []) if isinstance(raw, dict) else []
            found += [
                Account(str(e["auth_id"]), str(e["auth_token"]))
                for e in entries
                if isinstance(e, dict) and "auth_id" in e and "auth_token" in e
            ]
        return tuple(found)


@dataclass
class PlivoMock:
    """What a test gets: where the mock is, its default account, a bound control client."""

    base_url: str
    auth_id: str
    auth_token: str = field(repr=False)
    # The generated control client (plivo_mock_control_client), bound to base_url and the
    # default account: pass it as `client=` to plivo_mock_control_client.api.mock.*.
    control: ControlClient = field(repr=False)
    accounts: tuple[Account, ...]
    # The default account's two start-up calls: one with a b-leg, one without.
    bridged_call_uuid: str
    unbridged_call_uuid: str
    server: MockServer | None = field(default=None, repr=False)
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
    app: MockApp | None = field(default=None, repr=False)
    _controls: dict[str, ControlClient] = field(default_factory=dict, repr=False)

    def control_for(self, auth_id: str) -> ControlClient:
        """The control client bound to another account (of the seed file)."""
        if auth_id == self.auth_id:
            return self.control
        if auth_id not in self._controls:
            account = next((a for a in self.accounts if a.auth_id == auth_id), None)
            if account is None:
                raise KeyError(f"no account {auth_id} in the mock")
            self._controls[auth_id] = _control(self.base_url, account, self.transport)
        return self._controls[auth_id]

    def dtmf_url(self, call_uuid: str, auth_id: str | None = None) -> str:
        from .testing import dtmf_path

        return self.base_url + dtmf_path(call_uuid, auth_id or self.auth_id)

    def log(self) -> str:
        """The real server's output so far (start-up banner and access log)."""
        return self.server.log() if self.server is not None else ""

    def close(self) -> None:
        for client in [self.control, *self._controls.values()]:
            client.get_httpx_client().close()


def _control(
    base_url: str, account: Account, transport: httpx.AsyncBaseTransport | None = None
) -> ControlClient:
    auth = httpx.BasicAuth(account.auth_id, account.auth_token)
    client = ControlClient(base_url=base_url, raise_on_unexpected_status=True)
    client.set_httpx_client(
        httpx.Client(base_url=base_url, auth=auth, timeout=_TIMEOUT, trust_env=False)
    )
    client.set_async_httpx_client(
        httpx.AsyncClient(
            base_url=base_url, auth=auth, timeout=_TIMEOUT, trust_env=False, transport=transport
        )
    )
    return client


def _mock(
    base_url: str,
    accounts: tuple[Account, ...],
    *,
    server: MockServer | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    app: MockApp | None = None,
) -> PlivoMock:
    from .config import BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID

    return PlivoMock(
        base_url=base_url,
        auth_id=accounts[0].auth_id,
        auth_token=accounts[0].auth_token,
        control=_control(base_url, accounts[0], transport),
        accounts=accounts,
        bridged_call_uuid=BRIDGED_CALL_UUID,
        unbridged_call_uuid=UNBRIDGED_CALL_UUID,
        server=server,
        transport=transport,
        app=app,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plivo-mock", "the plivo_mock fixture (a local mock Plivo)")
    group.addoption(
        "--plivo-mock-strict",
        action="store_true",
        default=None,
        help="the mock answers 400 to body fields the spec does not name",
    )
    group.addoption("--plivo-mock-seed", metavar="FILE", help="seed file: more accounts, calls")
    group.addoption(
        "--plivo-mock-rate-limit",
        metavar="N",
        help="requests per account per window, or `off` (default: the mock's own)",
    )
    parser.addini("plivo_mock_strict", "as --plivo-mock-strict", type="bool", default=False)
    parser.addini("plivo_mock_seed", "as --plivo-mock-seed, relative to the ini file")
    parser.addini("plivo_mock_rate_limit", "as --plivo-mock-rate-limit")


def pytest_configure(config: pytest.Config) -> None:
    _settings(config)  # a bad value is a usage error at once, not an error in every test


def _settings(config: pytest.Config) -> Settings:
    strict = config.getoption("plivo_mock_strict")
    if strict is None:
        strict = bool(config.getini("plivo_mock_strict"))
    seed: Path | None = None
    if config.getoption("plivo_mock_seed"):
        seed = Path(config.invocation_params.dir, config.getoption("plivo_mock_seed"))
    elif config.getini("plivo_mock_seed"):
        base = config.inipath.parent if config.inipath else config.rootpath
        seed = base / str(config.getini("plivo_mock_seed"))
    text = config.getoption("plivo_mock_rate_limit") or config.getini("plivo_mock_rate_limit")
    rate_limit: int | None = None
    if text:
        text = str(text).strip().lower()
        if text == "off":
            rate_limit = 0
        elif text.isdigit() and int(text) > 0:
            rate_limit = int(text)
        else:
            raise pytest.UsageError(f"plivo_mock rate limit: a positive number or off: {text!r}")
    return Settings(bool(strict), seed.resolve() if seed else None, rate_limit)


@pytest.fixture(scope="session")
def _plivo_mock_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlivoMock]:
    from .testing import MockServer, MockStartError, env_without_credentials

    settings = _settings(pytestconfig)
    log = tmp_path_factory.mktemp("plivo-mock") / "server.log"
    server = MockServer(*settings.server_args(), env=env_without_credentials(), log_path=log)
    try:
        server.start()
    except MockStartError as exc:
        pytest.fail(f"plivo_mock: {exc}", pytrace=False)
    mock = _mock(server.base_url, settings.accounts(), server=server)
    try:
        yield mock
    finally:
        mock.close()
        server.stop()


@pytest.fixture
def plivo_mock(_plivo_mock_session: PlivoMock) -> PlivoMock:
    """The session's mock, every account reset to its start-up state."""
    mock = _plivo_mock_session
    for account in mock.accounts:
        done = reset.sync_detailed(client=mock.control_for(account.auth_id))
        if done.status_code != 204:
            pytest.fail(f"plivo_mock: reset of {account.auth_id} answered {done.status_code}")
    return mock


@pytest.fixture
def plivo_mock_asgi(pytestconfig: pytest.Config) -> PlivoMock:
    """A fresh in-process mock per test (no socket), for async tests: send through
    `transport` (httpx.AsyncClient(transport=...)); `control` works with the api's
    asyncio functions. `app.aclose()` stops callbacks still pending, if a test sends any."""
    from .app import create_app

    settings = _settings(pytestconfig)
    app = create_app(settings.mock_config())
    # A loopback peer: the control API answers only those.
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return _mock("http://plivo-mock.invalid", settings.accounts(), transport=transport, app=app)
