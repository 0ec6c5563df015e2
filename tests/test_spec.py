"""The OpenAPI document itself: valid, self-consistent, and saying what we decided."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import lint_spec
import pytest
from openapi_spec_validator import validate

from tests.client_support import CALL, DTMF_PATH, ROOT, SPEC, SPEC_PATH, resolve

COMPONENTS = SPEC["components"]
SEND = SPEC["paths"][DTMF_PATH]["post"]
LIST = SPEC["paths"]["/v1/Account/{auth_id}/Call/"]["get"]


def with_components(schema: dict[str, Any]) -> dict[str, Any]:
    """Make `#/components/...` refs resolvable by carrying the components along."""
    return {**schema, "components": COMPONENTS}


def rust_validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for(with_components(schema))


def examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every example in the document, with the schema it illustrates and where it stands."""

    def media(where: str, content: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
        for media_type, body in content.items():
            for name, example in body.get("examples", {}).items():
                yield f"{where} {media_type} {name}", body["schema"], example["value"]

    for name, schema in COMPONENTS["schemas"].items():
        for i, value in enumerate(schema.get("examples", [])):
            yield f"schema {name} #{i}", schema, value
    for name, param in COMPONENTS["parameters"].items():
        for i, value in enumerate(param["schema"].get("examples", [])):
            yield f"parameter {name} #{i}", param["schema"], value
    for name, header in COMPONENTS["headers"].items():
        for i, value in enumerate(header["schema"].get("examples", [])):
            yield f"header {name} #{i}", header["schema"], value
    for name, response in COMPONENTS["responses"].items():
        yield from media(f"response {name}", response["content"])
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            if "requestBody" in op:
                yield from media(f"{method} {path} body", op["requestBody"]["content"])
            for status, response in op["responses"].items():
                if "content" in response:
                    yield from media(f"{method} {path} {status}", response["content"])
            for callback in op.get("callbacks", {}).values():
                for cb_item in callback.values():
                    for cb_op in cb_item.values():
                        yield from media("callback body", cb_op["requestBody"]["content"])


EXAMPLES = list(examples())


def test_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"] == "3.1.0"
    validate(SPEC)


def test_examples_cover_request_and_every_response() -> None:
    where = " ".join(name for name, _, _ in EXAMPLES)
    assert "body application/json pin" in where
    for name in ("BadRequest", "Unauthorized", "NotFound", "MethodNotAllowed", "ServerError"):
        assert f"response {name} " in where
    assert "post /v1/Account/{auth_id}/Call/{call_uuid}/DTMF/ 202" in where
    assert "get /v1/Account/{auth_id}/Call/ 200" in where
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize(("where", "schema", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_matches_its_schema(where: str, schema: dict[str, Any], value: Any) -> None:
    errors = [e.message for e in rust_validator(schema).iter_errors(value)]
    assert errors == [], f"{where}: {errors}"


def test_example_validation_can_fail() -> None:
    body_schema = SEND["requestBody"]["content"]["application/json"]["schema"]
    assert not rust_validator(body_schema).is_valid({"digits": "1", "leg": "cleg"})


# --- digits: the decided grammar, full-match in every regex engine -------------------------

DIGITS = COMPONENTS["schemas"]["Digits"]
ACCEPTED_DIGITS = ["0", "8743#", "1w2W3", "123@500", "ABCD*#", "9@10", "1" * 128]
REJECTED_DIGITS = [
    "",
    "1\n",  # Python's `$` would match before this newline
    "\n1",
    "١٢٣",  # Arabic-Indic digits: `\d` and str.isdigit() accept them
    "\uff11\uff12\uff13",  # fullwidth digits
    "abcd",  # DTMF letters are upper case only
    "1 2",
    "12@5",  # duration under 10 ms
    "12@0500",  # leading zero in the duration
    "12@",
    "@500",
    "1@500@500",
    "1" * 129,
    "both",
]


def python_engine_accepts(value: str) -> bool:
    """The jsonschema package: Python's re.search, as schemathesis and hypothesis use."""
    return jsonschema.Draft202012Validator(DIGITS).is_valid(value)


@pytest.mark.parametrize("value", ACCEPTED_DIGITS)
def test_digits_accepted_by_rust_and_python_engines(value: str) -> None:
    assert rust_validator(DIGITS).is_valid(value)
    assert python_engine_accepts(value)


@pytest.mark.parametrize("value", REJECTED_DIGITS, ids=repr)
def test_digits_rejected_by_rust_and_python_engines(value: str) -> None:
    assert not rust_validator(DIGITS).is_valid(value)
    assert not python_engine_accepts(value)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_digits_pattern_is_a_full_match_in_ecmascript() -> None:
    script = (
        "const [pattern, accepted, rejected] = JSON.parse(process.argv[1]);"
        "const re = new RegExp(pattern, 'u');"
        "console.log(JSON.stringify([accepted.map(s => re.test(s)),"
        " rejected.filter(s => s.length <= 128).map(s => re.test(s))]));"
    )
    arg = json.dumps([DIGITS["pattern"], ACCEPTED_DIGITS, REJECTED_DIGITS])
    out = subprocess.run(
        ["node", "-e", script, arg], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    accepted, rejected = json.loads(out)
    assert all(accepted)
    assert not any(rejected)


def test_digits_must_be_a_string_not_a_number() -> None:
    body = SEND["requestBody"]["content"]["application/json"]["schema"]
    assert not rust_validator(body).is_valid({"digits": 123})
    assert rust_validator(body).is_valid({"digits": "123"})


def test_every_pattern_is_anchored_for_every_engine() -> None:
    patterns = re.findall(r"pattern: (\S+)", SPEC_PATH.read_text(encoding="utf-8"))
    full = [p for p in patterns if p.endswith("$(?!\\n)")]
    assert len(full) >= 5
    for pattern in full:
        assert pattern.startswith("^")
        assert "\\d" not in pattern


# --- leg, unknown fields, callbacks --------------------------------------------------------


def test_leg_is_aleg_or_bleg_defaulting_to_aleg() -> None:
    leg = resolve(SPEC["components"]["schemas"]["SendDigitsRequest"])["properties"]["leg"]
    assert leg["default"] == "aleg"
    assert resolve(leg["allOf"][0])["enum"] == ["aleg", "bleg"]
    body = with_components(SEND["requestBody"]["content"]["application/json"]["schema"])
    for bad in ("both", "ALEG", "Bleg", "", None):
        assert not jsonschema_rs.validator_for(body).is_valid({"digits": "1", "leg": bad})


def test_unknown_body_fields_are_allowed_as_the_python_and_java_sdks_send_them() -> None:
    body = SEND["requestBody"]["content"]["application/json"]["schema"]
    python_sdk = {"call_uuid": CALL, "digits": "1", "leg": "bleg"}
    java_sdk = {"digits": "1", "id": CALL, "leg": "bleg"}
    assert rust_validator(body).is_valid(python_sdk)
    assert rust_validator(body).is_valid(java_sdk)


def test_callback_url_must_be_http() -> None:
    body = SEND["requestBody"]["content"]["application/json"]["schema"]
    assert rust_validator(body).is_valid({"digits": "1", "callback_url": "http://127.0.0.1:9/x"})
    assert not rust_validator(body).is_valid({"digits": "1", "callback_url": "file:///etc/passwd"})


# --- responses ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", [SEND, LIST], ids=["sendDigits", "listLiveCalls"])
def test_errors_are_shared_responses_with_the_error_schema(op: dict[str, Any]) -> None:
    for status, response in op["responses"].items():
        if status.startswith("2"):
            continue
        assert response["$ref"].startswith("#/components/responses/"), status
        schema = resolve(response)["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, status
    assert COMPONENTS["schemas"]["Error"]["required"] == ["api_id", "error"]


def test_send_digits_documents_plivos_statuses() -> None:
    documented = {"400", "401", "403", "404", "405", "429", "500"}
    assert documented <= SEND["responses"].keys()
    assert set(SEND["responses"]) - documented == {"202", "413", "415"}


def test_401_declares_www_authenticate_and_405_declares_allow() -> None:
    assert resolve(COMPONENTS["responses"]["Unauthorized"])["headers"]["WWW-Authenticate"]
    allow = resolve(COMPONENTS["responses"]["MethodNotAllowed"]["headers"]["Allow"])
    assert allow["required"] is True


def test_202_carries_both_documented_messages() -> None:
    values = SEND["responses"]["202"]["content"]["application/json"]["examples"]
    assert {v["value"]["message"] for v in values.values()} == {"digits sent", "async api spawned"}


def test_live_calls_link_feeds_send_digits() -> None:
    link = LIST["responses"]["200"]["links"]["SendDigitsOnLiveCall"]
    assert link["operationId"] == SEND["operationId"] == "sendDigits"
    assert link["parameters"] == {
        "auth_id": "$request.path.auth_id",
        "call_uuid": "$response.body#/calls/0",
    }


def test_security_is_http_basic_on_every_operation() -> None:
    assert COMPONENTS["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
        "description": COMPONENTS["securitySchemes"]["basicAuth"]["description"],
    }
    assert SPEC["security"] == [{"basicAuth": []}]


def test_code_samples_cover_plivos_languages() -> None:
    langs = {sample["lang"] for sample in SEND["x-codeSamples"]}
    assert langs == {
        "Python",
        "TypeScript",
        "Shell",
        "Ruby",
        "JavaScript",
        "PHP",
        "Java",
        "C#",
        "Go",
    }


def test_every_open_point_of_the_facts_file_is_decided() -> None:
    decided = set(SPEC["info"]["x-decisions"])
    open_points = {
        "digits-characters",
        "digits-length",
        "leg-values",
        "bleg-without-bridge",
        "auth-id-mismatch",
        "async-status",
        "unknown-fields",
    }
    assert open_points <= decided


def test_machine_readable_limits_match_the_decisions_that_state_them() -> None:
    """The mock and the contract suite read `x-limits`; the prose must say the same numbers."""
    limits = SPEC["info"]["x-limits"]
    decisions = SPEC["info"]["x-decisions"]
    assert f"over {limits['body-bytes']} bytes" in decisions["body-limit"]
    assert f"limited to {limits['target-bytes']} bytes" in decisions["request-limits"]
    assert f"within {limits['body-timeout-seconds']} seconds" in decisions["request-limits"]
    assert f"within {limits['head-timeout-seconds']} seconds" in decisions["request-limits"]
    rate = f"{limits['rate-limit-requests']} requests per {limits['rate-limit-seconds']} seconds"
    assert rate in decisions["rate-limit"]
    assert limits["header-bytes"] == limits["target-bytes"]  # "each ... limited to" one figure
    depth = f"its nesting of objects and arrays ({limits['callback-json-depth']} deep"
    assert depth in " ".join(decisions["callback-signature"].split())


# Numbers in prose: the check is the spec lint's (scripts/lint_spec.py), so that
# `make lint-spec` and `make release` refuse a spec whose prose outlived a changed limit.


def _unaccounted(spec: dict[str, Any]) -> list[str]:
    """`location: number` of each finding (the lint's message also quotes the text)."""
    return [line.split(" (in ")[0] for line in lint_spec.unaccounted_prose_numbers(spec)]


def test_a_ref_cycle_fails_the_spec_lint_with_a_message_not_a_hang(tmp_path: Path) -> None:
    """`make release` calls lint_spec.failures(); a `$ref` cycle must end it, named."""
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["Loop"] = {"$ref": "#/components/schemas/Loop"}
    (tmp_path / "openapi").mkdir()
    (tmp_path / "openapi" / "plivo-dtmf.yaml").write_text(json.dumps(spec), encoding="utf-8")
    script = (
        "import sys, lint_spec; from pathlib import Path\n"
        "found = lint_spec.prose_failures(Path(sys.argv[1]))\n"
        "print(*found, sep='\\n'); raise SystemExit(1 if found else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT / "scripts",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "$ref '#/components/schemas/Loop' is a cycle" in done.stdout


def test_every_number_stated_in_prose_is_one_the_spec_enforces() -> None:
    assert lint_spec.unaccounted_prose_numbers(SPEC) == []


def test_a_changed_limit_leaves_its_old_number_in_prose_unaccounted() -> None:
    """The check can fail: `maxLength: 64` on Digits, prose still saying 128."""
    changed = copy.deepcopy(SPEC)
    changed["components"]["schemas"]["Digits"]["maxLength"] = 64
    changed["info"]["x-limits"]["rate-limit-requests"] = 100
    assert _unaccounted(changed) == [
        "info/x-decisions/digits-length: 128",
        "info/x-decisions/rate-limit: 300",
        "components/schemas/Digits: 128",
        "components/responses/TooManyRequests: 300",
    ]


def test_stated_tone_durations_are_the_patterns() -> None:
    """PROSE_FACTS' 10-9999 ms (lint_spec.py): the shortest and longest `@<ms>` of Digits."""
    digits = rust_validator({"$ref": "#/components/schemas/Digits"})
    assert digits.is_valid("1@10") and digits.is_valid("1@9999")
    assert not digits.is_valid("1@9") and not digits.is_valid("1@10000")
