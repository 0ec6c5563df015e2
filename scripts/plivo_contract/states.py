"""Provider states: the calls a run needs, made by the provider team's own setup.

Several probes need a call in a given state: a bridged one (leg=bleg must work), an
unbridged one (leg=bleg is a 404), one that has hung up, one of another account. The mock
makes them through its control API; a real provider cannot be asked to. Instead of pinning
UUIDs by hand (BRIDGED_CALL_UUID...), a team names a setup hook, as Pact's provider states
and Dredd's hooks do (`plivo-contract --states HOOK` or `CONTRACT_STATES=HOOK`):

- `module:function`, imported in the runner's process and called as
  `function(state, action, params)`;
- or an `http(s)://` URL, sent `POST {"state": ..., "action": ..., "params": {...}}` as JSON.

`state` is one of `STATES`; `action` is "setup" (params: `base_url`, `auth_id`) or
"teardown" after the run (params: the same and what setup returned). Setup answers
`{"call_uuid": "<lower-case UUID>"}` (a URL: 200 with that JSON object), or nothing (None; a
URL: 204 or 404) for a state it cannot make: the probes that need it are then skipped, saying
why. The run's token is never sent to a URL; a Python hook reads it where the run does, from
the environment. `plivo_contract.example_states:mock_states` is a hook for the mock.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

import httpx

STATES = ("bridged_call", "unbridged_call", "hung_up_call", "other_account_call")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# A hook's answer is small; a runaway one is an error, not something to keep reading.
_MAX_ANSWER = 64 * 1024

StateHook = Callable[[str, str, Mapping[str, str]], Mapping[str, str] | None]


class StateError(Exception):
    """The states hook cannot be loaded, failed, or answered something unusable."""


def load(spec: str) -> StateHook:
    """The hook `spec` names: `module:function` or an http(s) URL."""
    if spec.startswith(("http://", "https://")):
        return _url_hook(spec)
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise StateError(f"CONTRACT_STATES={spec!r}: want module:function or an http(s) URL")
    # A team's hook lives in its own project: importable from where the run starts, as
    # schemathesis' own hooks are; scripts/contract and make contract start it in the checkout
    # and say where they were started.
    for where in (os.environ.get("CONTRACT_CALLER_DIR"), os.getcwd()):
        if where and where not in sys.path:
            sys.path.append(where)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StateError(f"CONTRACT_STATES={spec!r}: cannot import {module_name}: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise StateError(f"CONTRACT_STATES={spec!r}: {module_name} has no function {function_name}")
    hook: StateHook = function
    return hook


def _url_hook(url: str) -> StateHook:
    def call(state: str, action: str, params: Mapping[str, str]) -> Mapping[str, str] | None:
        payload = {"state": state, "action": action, "params": dict(params)}
        try:
            with httpx.Client(timeout=30, trust_env=False, follow_redirects=False) as client:
                answer = client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise StateError(f"states URL {url}: {type(exc).__name__}: {exc}") from None
        if answer.status_code in (204, 404):
            return None
        if answer.status_code != 200 or len(answer.content) > _MAX_ANSWER:
            raise StateError(f"states URL {url}: {state} {action} answered {answer.status_code}")
        if action == "teardown":
            return None
        try:
            document: Any = json.loads(answer.content)
        except ValueError:
            raise StateError(f"states URL {url}: {state} setup answered no JSON") from None
        return document if isinstance(document, dict) else {}

    return call


def set_up(
    hook: StateHook, wanted: tuple[str, ...], base_url: str, auth_id: str
) -> dict[str, dict[str, str]]:
    """State -> what setup returned, for each state the hook could make."""
    made: dict[str, dict[str, str]] = {}
    for state in wanted:
        try:
            found = hook(state, "setup", {"base_url": base_url, "auth_id": auth_id})
        except StateError:
            raise
        except Exception as exc:
            raise StateError(f"states hook, {state} setup: {type(exc).__name__}: {exc}") from None
        if found is None:
            continue
        call_uuid = found.get("call_uuid") if isinstance(found, Mapping) else None
        if not isinstance(call_uuid, str) or not _UUID.match(call_uuid):
            raise StateError(
                f"states hook, {state} setup: want {{'call_uuid': '<lower-case UUID>'}}, "
                f"got {found!r}"
            )
        made[state] = {str(k): str(v) for k, v in found.items()}
    return made


def tear_down(
    hook: StateHook, made: Mapping[str, Mapping[str, str]], base_url: str, auth_id: str
) -> list[str]:
    """Undo each state set up; the problems, as notes for the report (never fatal)."""
    notes = []
    for state, returned in made.items():
        try:
            hook(state, "teardown", {"base_url": base_url, "auth_id": auth_id, **returned})
        except Exception as exc:
            notes.append(f"states hook, {state} teardown: {type(exc).__name__}: {exc}")
    return notes
