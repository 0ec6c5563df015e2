"""Every decision the spec writes down is probed, or declared not observable with a reason."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from plivo_contract.decisions import DECISIONS, LIMITS, Coverage, missing, outcomes
from plivo_contract.probes import PROBES, ProbeResult
from plivo_contract.spec import load

SPEC = load()


def _check_names() -> set[str]:
    """schemathesis' built-in checks and the suite's own (read from hooks.py, not imported:
    importing it would register its hooks for every schema in this process)."""
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers the OpenAPI checks
    from schemathesis.checks import CHECKS

    hooks_spec = importlib.util.find_spec("plivo_contract.hooks")
    assert hooks_spec is not None

    tree = ast.parse((Path(hooks_spec.origin or "hooks.py")).read_text("utf-8"))
    own = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d) == "schemathesis.check" for d in node.decorator_list)
    }
    return {check.__name__ for check in CHECKS.get_all()} | own


def test_every_decision_key_is_probed_or_declared_unobservable() -> None:
    assert missing(list(SPEC.decisions), DECISIONS) == []
    assert missing(list(SPEC.limits), LIMITS) == []


def test_a_new_decision_key_without_a_probe_fails_the_check() -> None:
    keys = [*SPEC.decisions, "a-new-decision"]
    assert missing(keys, DECISIONS) == ["a-new-decision"]
    assert missing(["x"], {"x": Coverage()}) == ["x"]


def test_the_table_names_no_key_the_spec_lacks() -> None:
    assert set(DECISIONS) <= set(SPEC.decisions)
    assert set(LIMITS) <= set(SPEC.limits)


@pytest.mark.parametrize("coverage", [*DECISIONS.values(), *LIMITS.values()])
def test_named_probes_and_checks_exist(coverage: Coverage) -> None:
    assert set(coverage.probes) <= set(PROBES)
    assert set(coverage.checks) <= _check_names(), _check_names()
    if coverage.not_observable:
        assert not coverage.probes and len(coverage.not_observable) > 20


def test_outcomes_say_which_probes_covered_each_decision() -> None:
    results = [
        ProbeResult("json_nan", "", "failed"),
        ProbeResult("json_bom", "", "passed"),
        ProbeResult("async_answer", "", "passed"),
    ]
    found: dict[str, Any] = {
        d.key: d for d in outcomes(list(SPEC.decisions), list(SPEC.limits), results, set(), False)
    }
    assert found["json-body"].verdict == "violated"
    assert found["json-body"].probes["json_nan"] == "failed"
    assert found["json-body"].probes["malformed_json"] == "not run"
    assert found["async-status"].verdict == "kept"
    assert found["other-account-call"].verdict == "not run"
    assert found["body-timeout-seconds"].verdict == "not run"  # opt-in
    assert found["head-timeout-seconds"].verdict == "not run"  # opt-in, as observable
    assert found["head-timeout-seconds"].probes == {"head_timeout": "not run"}


def test_a_key_declared_not_observable_is_reported_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plivo_contract import decisions

    monkeypatch.setitem(decisions.LIMITS, "body-bytes", Coverage(not_observable="a reason"))
    found = {d.key: d for d in outcomes([], list(SPEC.limits), [], set(), False)}
    assert (found["body-bytes"].verdict, found["body-bytes"].reason) == (
        "not observable",
        "a reason",
    )


def test_a_failed_check_violates_its_decisions() -> None:
    found = {
        d.key: d.verdict
        for d in outcomes(
            list(SPEC.decisions), [], [], {"answer_matches_request_case"}, checks_ran=True
        )
    }
    assert found["async-status"] == "violated"
    assert found["leg-values"] == "not run"


def test_schemathesis_sees_the_async_message_per_case() -> None:
    """The 202's message is an enum the generated client and schemathesis see, and x-cases
    says which request gets which."""
    schema = SPEC.schema_at("components/schemas/SendDigitsAccepted")["properties"]["message"]
    cases = SPEC.response_cases(SPEC.send, SPEC.send.success)
    messages = [case["response"]["properties"]["message"]["const"] for case in cases]
    assert sorted(messages) == sorted(schema["enum"])
    with_callback = {"digits": "1", "callback_url": "https://example.com/cb"}
    assert SPEC.case_violation(
        SPEC.send, 202, with_callback, {"message": "digits sent", "api_id": "x"}
    )
    assert (
        SPEC.case_violation(
            SPEC.send, 202, with_callback, {"message": "async api spawned", "api_id": "x"}
        )
        is None
    )
    assert SPEC.case_violation(
        SPEC.send, 202, {"digits": "1"}, {"message": "async api spawned", "api_id": "x"}
    )
    assert "answer_matches_request_case" in _check_names()
