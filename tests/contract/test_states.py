"""Provider states (issue 22, item 4): the team's setup hook makes the calls the probes need,
instead of UUIDs pinned by hand. The README's example runs here as written, against a provider
the runner does not recognise as the mock (so nothing but the hook can make those calls)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from plivo_contract import states
from plivo_mock.config import EMBEDDED_ACCOUNT

from .conftest import CONTRACT, ROOT, ContractRun, contract_env, mock_config, run_command
from .mutants import ASGIApp, Receive, Scope, Send, build_app, serve

EXAMPLE = "plivo_contract.example_states:mock_states"
# What only a made call lets a remote provider's run judge.
NEEDS_STATES = ("bleg_on_unbridged_call", "hung_up_call", "other_account_call")
UUID = "a1b2c3d4-0000-4000-8000-00000000abcd"


def undetected(app: ASGIApp) -> ASGIApp:
    """The mock, but its health check hidden: to the runner a provider like any other, while
    its control API (which the example hook uses, as a team uses its own) still answers."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__mock__/health":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with serve(undetected(build_app(None, mock_config()))) as url:
        yield url


def live_calls(url: str) -> set[str]:
    auth = (EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token)
    calls = httpx.get(f"{url}/__mock__/calls", auth=auth, trust_env=False).json()["calls"]
    return {c["call_uuid"] for c in calls if c["live"]}


def probes_only(url: str, report_dir: Path, *args: str) -> ContractRun:
    return run_command([str(CONTRACT), *args], url, report_dir, CONTRACT_PHASES="none")


def test_without_states_the_probes_needing_calls_are_skipped(
    provider_url: str, tmp_path: Path
) -> None:
    run = probes_only(provider_url, tmp_path)
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None
    assert {name: run.summary["probes"][name] for name in NEEDS_STATES} == dict.fromkeys(
        NEEDS_STATES, "skipped"
    )


def test_the_example_hook_makes_every_call_and_hangs_them_up(
    provider_url: str, tmp_path: Path
) -> None:
    before = live_calls(provider_url)
    run = probes_only(provider_url, tmp_path, "--states", EXAMPLE)
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary is not None
    assert {name: run.summary["probes"][name] for name in NEEDS_STATES} == dict.fromkeys(
        NEEDS_STATES, "passed"
    )
    assert "the bridged call the states hook made" in run.output
    # Teardown: the calls it made are hung up again.
    assert live_calls(provider_url) == before, run.output[-2000:]


def test_a_hook_answer_without_a_uuid_is_a_configuration_error(
    provider_url: str, tmp_path: Path
) -> None:
    run = probes_only(provider_url, tmp_path, "--states", "tests.contract.test_states:bad_hook")
    assert run.exit_code == 2
    assert "want {'call_uuid': '<lower-case UUID>'}" in run.output


def bad_hook(state: str, action: str, params: Mapping[str, str]) -> dict[str, str] | None:
    return {"call": "x"}


def test_unloadable_hooks_are_named() -> None:
    for spec, says in (
        ("nonsense", "want module:function"),
        ("no_such_module_here:f", "cannot import"),
        ("json:no_such_function", "has no function"),
    ):
        with pytest.raises(states.StateError, match=says):
            states.load(spec)


def test_set_up_keeps_what_was_made_and_leaves_out_what_was_not() -> None:
    seen: list[tuple[str, str, dict[str, str]]] = []

    def hook(state: str, action: str, params: Mapping[str, str]) -> dict[str, str] | None:
        seen.append((state, action, dict(params)))
        return {"call_uuid": UUID} if state == "bridged_call" else None

    made = states.set_up(hook, states.STATES, "http://x", "MA1")
    assert made == {"bridged_call": {"call_uuid": UUID}}
    assert seen[0] == ("bridged_call", "setup", {"base_url": "http://x", "auth_id": "MA1"})
    assert states.tear_down(hook, made, "http://x", "MA1") == []
    teardown = {"base_url": "http://x", "auth_id": "MA1", "call_uuid": UUID}
    assert seen[-1] == ("bridged_call", "teardown", teardown)


def test_a_url_hook_gets_the_state_and_never_the_token() -> None:
    received: list[dict[str, object]] = []

    async def team_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(body)
        received.append(request)
        status, answer = (
            (200, {"call_uuid": UUID}) if request["state"] == "hung_up_call" else (404, {})
        )
        payload = json.dumps(answer).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    with serve(team_endpoint) as url:
        hook = states.load(url + "/states")
        made = states.set_up(hook, states.STATES, "http://provider", "MA1")
        assert states.tear_down(hook, made, "http://provider", "MA1") == []
    assert made == {"hung_up_call": {"call_uuid": UUID}}
    assert [r["action"] for r in received] == ["setup"] * 4 + ["teardown"]
    assert all(set(r) == {"state", "action", "params"} for r in received)
    assert EMBEDDED_ACCOUNT.auth_token not in json.dumps(received)


def test_the_readme_shows_the_example_this_module_runs() -> None:
    readme = Path(states.__file__).with_name("README.md").read_text("utf-8")
    assert f"plivo-contract --states {EXAMPLE}" in readme


def test_a_hook_call_that_is_not_live_is_a_configuration_error(
    provider_url: str, tmp_path: Path
) -> None:
    run = probes_only(provider_url, tmp_path, "--states", "tests.contract.test_states:dead_hook")
    assert run.exit_code == 2, run.output[-2000:]
    assert f"the states hook's bridged_call={UUID} is not a live call" in run.output


def dead_hook(state: str, action: str, params: Mapping[str, str]) -> dict[str, str] | None:
    """Answers a call that no listing names (a team's hook pointing at the wrong account)."""
    return {"call_uuid": UUID} if state == "bridged_call" and action == "setup" else None


def test_make_contract_imports_a_states_module_from_where_make_was_started(
    provider_url: str, tmp_path: Path
) -> None:
    """make -C runs the recipe in the checkout; the team's module is in its own directory."""
    project = tmp_path / "team"
    project.mkdir()
    (project / "team_states_hook.py").write_text(
        "def setup(state, action, params):\n    return None\n", encoding="utf-8"
    )
    env = contract_env(
        provider_url,
        tmp_path / "reports",
        CONTRACT_PHASES="none",
        CONTRACT_PROBES="near_miss_body_digits",
        CONTRACT_STATES="team_states_hook:setup",
        PWD=str(project),
    )
    make = ["make", "-s", "-C", str(ROOT), "-o", ".venv/bin/.installed", "contract"]
    completed = subprocess.run(
        make, env=env, cwd=project, capture_output=True, text=True, timeout=240, check=False
    )
    output = completed.stdout + completed.stderr
    assert "cannot import" not in output, output[-2000:]
    assert "contract: runner exit 0 " in output, output[-2000:]
