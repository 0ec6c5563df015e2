"""What the channel families (plivo_contract/families.py, variants.py) derive from the spec.

The probes themselves run against the mock in test_probe_families.py (both modes) and
against their mutants in test_mutants.py; here, without a server: that each family covers
the whole class the spec defines and that its candidates are what their labels say.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from plivo_contract import families, variants
from plivo_contract.probes import JUDGES, OPT_IN, PROBES, selected
from plivo_contract.provider import Budget, Provider
from plivo_contract.spec import load
from plivo_mock.asgi import is_json_media_type

SPEC = load()
TOKEN = "secret-token-0001"
AUTH_ID = "MAMOCKDTMF0000000001"


def _enums_in(node: object) -> int:
    """How many `enum` keywords a part of the document holds (an independent count)."""
    if isinstance(node, dict):
        return ("enum" in node) + sum(_enums_in(v) for v in node.values())
    if isinstance(node, list):
        return sum(_enums_in(v) for v in node)
    return 0


def test_enum_targets_are_every_enum_a_request_can_carry() -> None:
    found = {(t.location, t.name) for t in families.enum_targets(SPEC)}
    assert found == {("body", "leg"), ("body", "callback_method"), ("query", "status")}
    request_side = (
        _enums_in(SPEC.schema_at("components/schemas/Leg"))
        + _enums_in(SPEC.schema_at("components/schemas/CallbackMethod"))
        + _enums_in(SPEC.document["paths"][SPEC.list_calls.path]["get"]["parameters"])
    )
    assert len(found) == request_side


@pytest.mark.parametrize("target", families.enum_targets(SPEC), ids=lambda t: t.name)
def test_every_enum_variant_is_one_the_spec_rejects(target: families.EnumTarget) -> None:
    made = variants.enum_variants(list(target.values), in_json=target.location == "body")
    labels = " ".join(label for label, _ in made)
    for kind in (" case", "leading space", "trailing space", "inner space", "look-alike"):
        assert kind in labels, (target.name, kind)
    assert ("null", None) in made and ("empty", "") in made
    for label, value in made:
        if target.location == "body":
            assert not SPEC.valid_body({"digits": "1", target.name: value}), label
        else:
            query = "" if value is None else str(value)
            assert not SPEC.valid_query(target.operation, {target.name: [query]}), label


def test_media_type_verdicts_agree_with_the_mock_decoder() -> None:
    """The content-type decision as the family reads it is the one the mock implements."""
    made = variants.media_type_variants(SPEC.request_media_type)
    accepted = {label for label, value in made if families.media_type_accepted(SPEC, value)}
    for label, value in made:
        mock = is_json_media_type(None if value is None else value.encode())
        assert families.media_type_accepted(SPEC, value) == mock, label
    assert accepted == {"upper case", "charset=utf-8", "charset, no space", "another parameter"}
    values = {value for _, value in made}
    assert {"text/json", "application/problem+json", "application/jsonx", None} <= values


def test_digits_boundaries_reach_maxlength_with_the_duration_at_its_maximum() -> None:
    schema = SPEC.schema_at("components/schemas/Digits")
    made = {b.label: b.value for b in variants.pattern_boundaries(schema["pattern"], 128)}
    longest = made["longest allowed, every optional part at its maximum"]
    assert len(longest) == schema["maxLength"] and longest.endswith("@9999")
    assert SPEC.valid_digits(longest)
    past = made["one past the length, every optional part at its maximum"]
    assert len(past) == schema["maxLength"] + 1 and not SPEC.valid_digits(past)
    assert SPEC.valid_digits(made["shortest with every optional part at its maximum"])
    assert not SPEC.valid_digits(made["repeat 1 one past its maximum"])


@pytest.mark.parametrize(
    "target",
    [t for t in families.boundary_targets(SPEC) if not t.is_uri],
    ids=lambda t: t.name,
)
def test_every_pattern_gets_an_accepted_longest_value_and_a_rejected_one_past(
    target: families.BoundaryTarget,
) -> None:
    made = variants.pattern_boundaries(target.pattern, target.max_length)
    if target.location == "body":
        verdicts = [SPEC.valid_body({"digits": "1", target.name: b.value}) for b in made]
    else:
        verdicts = [SPEC.valid_path_param(target.name, b.value) for b in made]
    assert True in verdicts and False in verdicts, made


def test_boundary_targets_are_every_pattern_of_the_request() -> None:
    names = {(t.location, t.name) for t in families.boundary_targets(SPEC)}
    assert names == {(t.location, t.name) for t in SPEC.pattern_targets()}


def test_field_names_are_every_body_property_and_query_parameter() -> None:
    required, optional, query = families.field_names(SPEC)
    properties = SPEC.schema_at("components/schemas/SendDigitsRequest")["properties"]
    assert required == ["digits"]
    assert sorted(required + optional) == sorted(properties)
    assert [(op.operation_id, name) for op, name in query] == [("listLiveCalls", "status")]


def test_the_method_matrix_is_every_path_times_every_unlisted_method() -> None:
    unlisted = sum(
        len(set(families.PROBED_METHODS) - listed) for listed in SPEC.methods_by_path.values()
    )
    assert unlisted == 2 * (len(families.PROBED_METHODS) - 1)


def test_chunked_framing_decodes_to_the_body() -> None:
    body = b"x" * 10_000
    wire = variants.chunked(body)
    decoded, rest = b"", wire
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        decoded, rest = decoded + rest[:size], rest[size + 2 :]
    assert decoded == body and rest == b"\r\n"


def _witnessed(
    body: str | bytes,
    authorization: str,
    status: int = 401,
    headers: dict[str, str] | None = None,
) -> families.Seen:
    provider = Provider(
        SPEC, "http://127.0.0.1:9", AUTH_ID, TOKEN, budget=Budget(1), rate_per_second=0
    )
    witness = families.Witness(provider)
    request = httpx.Request(
        "GET", "http://127.0.0.1:9/v1/x", headers={"Authorization": authorization}
    )
    content = body.encode() if isinstance(body, str) else body
    witness.observe(httpx.Response(status, content=content, headers=headers, request=request))
    provider.close()
    return witness.seen[0]


_BASIC = "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
_API_ID = "c5b3a2f0-1d2e-4f00-8a00-000000000001"


def test_the_witness_survives_an_answer_nested_past_the_recursion_limit() -> None:
    seen = _witnessed(b"[" * 64 * 1024, _BASIC, headers={"Content-Type": "application/json"})
    assert seen.api_id is None and not seen.shaped


def test_the_witness_reads_no_api_id_from_an_answer_over_its_bound() -> None:
    pad = "x" * families.MAX_JUDGED_BODY
    seen = _witnessed(json.dumps({"api_id": _API_ID, "error": pad}), _BASIC)
    assert seen.api_id is None


def test_the_witness_reads_the_api_id_of_an_answer_within_its_bound() -> None:
    seen = _witnessed(json.dumps({"api_id": _API_ID, "error": "no"}), _BASIC)
    assert seen.api_id == _API_ID


def test_the_witness_keeps_no_answer() -> None:
    seen = _witnessed(json.dumps({"api_id": _API_ID, "error": "no"}), _BASIC)
    assert not any(isinstance(v, httpx.Response) for v in vars(seen).values())


def test_the_witness_judges_a_success_answer_echo_as_the_proxy_does() -> None:
    seen = _witnessed(json.dumps({"api_id": _API_ID, "message": TOKEN}), _BASIC, status=202)
    assert seen.echoed is not None and "body" in seen.echoed and TOKEN not in seen.echoed


def test_the_witness_names_the_header_that_echoes_a_credential() -> None:
    seen = _witnessed("{}", _BASIC, headers={"X-Debug": f"token={TOKEN}"})
    assert seen.echoed is not None and "x-debug" in seen.echoed.lower()


@pytest.mark.parametrize(
    "echo",
    [TOKEN, base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode(), f"{AUTH_ID}:{TOKEN}"],
    ids=["token", "base64", "user:password"],
)
def test_the_witness_sees_each_form_of_an_echoed_credential(echo: str) -> None:
    authorization = "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    body = json.dumps({"api_id": "x", "error": f"refused {echo}"})
    seen = _witnessed(body, authorization)
    assert seen.echoed is not None
    assert TOKEN not in seen.echoed


def test_the_witness_lets_the_auth_id_be_echoed() -> None:
    authorization = "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
    seen = _witnessed(json.dumps({"error": f"no account {AUTH_ID}"}), authorization)
    assert seen.echoed is None


def test_judges_run_after_every_other_probe_opt_in_ones_included() -> None:
    order = [p.name for p in selected(tuple(PROBES))]
    assert order[-len(JUDGES) :] == list(JUDGES)
    assert "rate_limit_spread" in OPT_IN
