"""Schemathesis fuzzes the spec against the mock in-process (ASGI), with the suite's own config.

The configuration is `tests/contract/schemathesis.toml` itself (its `${VAR}`s filled in
here, its hooks file left out so that nothing is registered process-wide), so this is the
suite `make contract` runs, minus the network. The live call is discovered through the
spec's list operation, as on any provider. The suite's extras are attached to this schema
only: the live-call check and the filter for "negative" cases that were sent valid.
"""

from __future__ import annotations

import asyncio
import re
import tomllib
from collections import Counter
from typing import Any

import httpx
import hypothesis
import schemathesis
from plivo_contract import semantics
from plivo_contract.runner import CONFIG_PATH
from plivo_contract.spec import load
from plivo_mock.config import EMBEDDED_ACCOUNT
from schemathesis.config import SchemathesisConfig

from .conftest import mock_config
from .mutants import build_app

SPEC = load()
APP = build_app(None, mock_config())
CASES: Counter[str] = Counter()
# Hypothesis' per-operation example count for the fuzzing phase (coverage and examples
# phases are enumerated from the schema and come on top).
MAX_EXAMPLES = 150


def _discover_bridged_call() -> semantics.LiveCall:
    """The first live call the list operation names, then its b-leg from the control API."""
    auth = (EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token)
    listing = SPEC.list_calls.url("", auth_id=EMBEDDED_ACCOUNT.auth_id) + "?status=live"

    async def ask() -> tuple[list[str], list[dict[str, Any]]]:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", auth=auth) as c:
            calls = (await c.get(listing)).json()["calls"]
            control = (await c.get("/__mock__/calls")).json()["calls"]
            return calls, control

    listed, control = asyncio.run(ask())
    bridged = {c["call_uuid"] for c in control if c["live"] and c["bleg"]}
    call_uuid = next(c for c in listed if c in bridged)
    return semantics.LiveCall(
        EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token, call_uuid, "bridged"
    )


CALL = _discover_bridged_call()


def _suite_config() -> SchemathesisConfig:
    text = CONFIG_PATH.read_text("utf-8")
    values = {
        "BASE_URL": "http://mock",
        "PLIVO_AUTH_ID": CALL.auth_id,
        "PLIVO_AUTH_TOKEN": CALL.auth_token,
        "CALL_UUID": CALL.call_uuid,
    }
    data = tomllib.loads(text)
    for key in ("hooks", "reports", "rate-limit"):
        data.pop(key)

    def fill(node: Any) -> Any:
        if isinstance(node, str):
            return re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], node)
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    data = fill(data)
    data["generation"]["max-examples"] = MAX_EXAMPLES
    return SchemathesisConfig.from_dict(data)


schema = schemathesis.openapi.from_path(SPEC.path, config=_suite_config())
schema.app = APP


@schema.hook
def filter_failure(
    context: schemathesis.HookContext, failure: Any, case: Any, response: Any
) -> bool:
    return not semantics.is_false_rejection_failure(SPEC, CALL, failure, response)


def live_call_accepts_valid_digits(ctx: Any, response: Any, case: Any) -> None:
    problem = semantics.live_call_violation(SPEC, CALL, response)
    if problem is not None:
        raise AssertionError(problem)


@schema.parametrize()
def test_mock_keeps_the_contract(case: Any) -> None:
    CASES[f"{case.method} {case.path}"] += 1
    case.call_and_validate(additional_checks=[live_call_accepts_valid_digits])


class _LinkedCalls(schema.as_state_machine()):  # type: ignore[misc]
    """Lists live calls, then sends digits to the one the link names."""

    def before_call(self, case: Any) -> None:
        # The CLI applies [parameters] in every phase; pytest's state machine does not.
        case.path_parameters["auth_id"] = CALL.auth_id
        super().before_call(case)

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        CASES[f"stateful {case.method} {response.status_code}"] += 1
        super().validate_response(
            response, case, additional_checks=[live_call_accepts_valid_digits], **kwargs
        )


TestLinkedCallsStateful = _LinkedCalls.TestCase
TestLinkedCallsStateful.settings = hypothesis.settings(
    max_examples=60,
    stateful_step_count=4,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def test_in_process_fuzzing_ran_enough_cases() -> None:
    """Runs after the two above (file order): they sent this many cases between them."""
    total = sum(CASES.values())
    print(f"in-process fuzzing: {total} cases {dict(CASES)}")
    assert total >= 500, CASES
    accepted_through_link = CASES[f"stateful {SPEC.send.method} {SPEC.send.success}"]
    assert accepted_through_link > 0, "the stateful phase never reached a live call"
