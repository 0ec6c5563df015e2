"""One reading of JSON pointers and `$ref`s (`plivo_mock.pointer`) for the mock, the contract
suite and spec-diff: each rule once on the module, then each reader on a document that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from plivo_contract.spec import Spec, SpecError
from plivo_mock.pointer import MAX_HOPS, RefError, Resolver, lookup, resolve, tokens
from plivo_mock.spec import SchemaSet
from plivo_mock.spec import SpecError as MockSpecError
from specdiff.load import SpecInputError, parse

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "plivo-dtmf.yaml"
CONTROL_PATH = ROOT / "openapi" / "mock-control.yaml"

# A key holding both characters RFC 6901 escapes.
ODD_KEY = "a/b~c"
ODD_REF = "#/components/schemas/a~1b~0c"


def chain(length: int) -> dict[str, Any]:
    """Schemas Hop0 -> Hop1 -> ... -> Hop<length> (a string): `length` refs in a row."""
    schemas: dict[str, Any] = {
        f"Hop{i}": {"$ref": f"#/components/schemas/Hop{i + 1}"} for i in range(length)
    }
    schemas[f"Hop{length}"] = {"type": "string"}
    return schemas


def test_tokens_unescape_tilde_one_then_tilde_zero() -> None:
    assert tokens("/a~1b~0c") == [ODD_KEY]
    # ~01 is "~1" (escaped tilde, then a 1), never "/": ~1 is undone first.
    assert tokens("/~01") == ["~1"]


def test_tokens_keep_empty_tokens() -> None:
    assert tokens("/a//b") == ["a", "", "b"]
    assert tokens("") == []


@pytest.mark.parametrize("pointer", ["a/b", "/a~2b", "/a~"])
def test_malformed_pointers_are_refused(pointer: str) -> None:
    with pytest.raises(RefError, match="JSON pointer"):
        tokens(pointer)


def test_lookup_reads_escaped_keys_and_array_indexes() -> None:
    document = {ODD_KEY: [10, 11, 12]}
    assert lookup(document, "/a~1b~0c/2") == 12
    for bad in ("/a~1b~0c/02", "/a~1b~0c/3", "/a~1b~0c/-", "/nope"):
        with pytest.raises(RefError, match="nothing at"):
            lookup(document, bad)


def test_percent_encoded_fragments_are_decoded() -> None:
    document = {"paths": {"/v1/{id}/": {"get": 1}}}
    assert resolve(document, {"$ref": "#/paths/~1v1~1%7Bid%7D~1/get"}) == 1


def test_a_chain_of_max_hops_resolves_one_more_is_refused() -> None:
    document = {"components": {"schemas": chain(MAX_HOPS)}}
    start = {"$ref": "#/components/schemas/Hop0"}
    # `start` is one ref; Hop0..Hop(MAX_HOPS-1) are the others.
    with pytest.raises(RefError, match="chain too long"):
        resolve(document, start)
    assert resolve(document, {"$ref": "#/components/schemas/Hop1"}) == {"type": "string"}


def test_a_cycle_is_named_a_cycle() -> None:
    document = {"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}}}}
    document["components"]["schemas"]["B"] = {"$ref": "#/components/schemas/A"}
    with pytest.raises(RefError, match=r"'#/components/schemas/A' is a cycle"):
        resolve(document, {"$ref": "#/components/schemas/A"}, where="x.yaml")


def test_a_dangling_ref_is_named_with_where_it_was_found() -> None:
    with pytest.raises(RefError, match=r"^x.yaml: unresolvable \$ref '#/nope'"):
        resolve({}, {"$ref": "#/nope"}, where="x.yaml")


def test_a_ref_to_another_document_is_refused_by_the_one_document_reader() -> None:
    with pytest.raises(RefError, match="not local"):
        resolve({}, {"$ref": "other.yaml#/a"})


def test_refs_into_the_other_document_resolve_through_an_alias() -> None:
    """As the control document names the spec by file name, wherever it is kept."""
    spec_uri, control_uri = "file:///srv/served.yaml", "file:///srv/control.yaml"
    documents = {
        spec_uri: {"components": {"schemas": {ODD_KEY: {"type": "integer"}}}},
        control_uri: {"x": {"$ref": "plivo-dtmf.yaml" + ODD_REF}},
    }
    resolver = Resolver(documents, aliases={"file:///srv/plivo-dtmf.yaml": spec_uri})
    assert resolver.deref(control_uri, "/x") == (
        spec_uri,
        ODD_REF[1:],
        {"type": "integer"},
    )
    alone = Resolver({control_uri: {"y": {"$ref": "elsewhere.yaml#/a"}}})
    with pytest.raises(RefError, match=r"a document not loaded: file:///srv/elsewhere\.yaml"):
        alone.deref(control_uri, "/y")


def test_cross_document_cycles_are_found() -> None:
    one, two = "file:///one.yaml", "file:///two.yaml"
    documents = {one: {"a": {"$ref": "two.yaml#/b"}}, two: {"b": {"$ref": "one.yaml#/a"}}}
    with pytest.raises(RefError, match="is a cycle"):
        Resolver(documents).deref(one, "/a")


# Each reader, on a copy of the spec that needs the rules.


def spec_with(tmp_path: Path, schemas: dict[str, Any]) -> Path:
    document = yaml.safe_load(SPEC_PATH.read_text("utf-8"))
    document["components"]["schemas"].update(schemas)
    path = tmp_path / "plivo-dtmf.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return path


def test_contract_spec_unescapes_pointers(tmp_path: Path) -> None:
    spec = Spec(spec_with(tmp_path, {ODD_KEY: {"type": "integer"}}))
    assert spec.resolve({"$ref": ODD_REF}) == {"type": "integer"}


@pytest.mark.timeout(20)
def test_contract_spec_refuses_a_cycle(tmp_path: Path) -> None:
    loop = {"LoopA": {"$ref": "#/components/schemas/LoopB"}}
    loop["LoopB"] = {"$ref": "#/components/schemas/LoopA"}
    spec = Spec(spec_with(tmp_path, loop))
    with pytest.raises(SpecError, match="is a cycle"):
        spec.resolve({"$ref": "#/components/schemas/LoopA"})


def test_contract_spec_bounds_a_chain(tmp_path: Path) -> None:
    spec = Spec(spec_with(tmp_path, chain(MAX_HOPS + 1)))
    with pytest.raises(SpecError, match="chain too long"):
        spec.resolve({"$ref": "#/components/schemas/Hop0"})


def test_mock_refuses_a_cycle_as_a_cycle(tmp_path: Path) -> None:
    loop = {"LoopA": {"$ref": "#/components/schemas/LoopB"}}
    loop["LoopB"] = {"$ref": "#/components/schemas/LoopA"}
    path = spec_with(tmp_path, loop)
    schemas = SchemaSet([path])
    cycle = r"LoopA: \$ref '#/components/schemas/LoopB' is a cycle"
    with pytest.raises(MockSpecError, match=cycle):
        schemas.deref(path.resolve().as_uri(), "/components/schemas/LoopB")


def test_mock_reads_escaped_refs_and_refs_into_the_served_spec(tmp_path: Path) -> None:
    path = spec_with(tmp_path, {ODD_KEY: {"type": "integer"}, "Odd": {"$ref": ODD_REF}})
    schemas = SchemaSet([path, CONTROL_PATH])
    uri = path.resolve().as_uri()
    assert schemas.deref(uri, "/components/schemas/Odd")[2] == {"type": "integer"}
    # The control document names the spec "plivo-dtmf.yaml"; it means the one served.
    control_uri = CONTROL_PATH.resolve().as_uri()
    control = yaml.safe_load(CONTROL_PATH.read_text("utf-8"))
    at = next(
        f"/components/schemas/{name}/properties/{prop}"
        for name, schema in control["components"]["schemas"].items()
        for prop, value in schema.get("properties", {}).items()
        if str(value.get("$ref", "")).startswith("plivo-dtmf.yaml#")
    )
    found_uri, _, _ = schemas.deref(control_uri, at)
    assert found_uri != control_uri


def spec_diff_input(refs: dict[str, Any]) -> str:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": {},
        "components": {"schemas": refs},
    }
    return yaml.safe_dump(document)


def test_spec_diff_refuses_a_cycle_where_one_hop_resolves() -> None:
    """Each ref of the cycle points at something that exists: only following it finds it."""
    loop = {"LoopA": {"$ref": "#/components/schemas/LoopB"}}
    loop["LoopB"] = {"$ref": "#/components/schemas/LoopA"}
    with pytest.raises(SpecInputError, match="is a cycle"):
        parse(spec_diff_input(loop), "new.yaml")


def test_spec_diff_bounds_a_chain() -> None:
    with pytest.raises(SpecInputError, match="chain too long"):
        parse(spec_diff_input(chain(MAX_HOPS + 1)), "new.yaml")


def test_spec_diff_reads_escaped_refs() -> None:
    parse(spec_diff_input({ODD_KEY: {"type": "string"}, "Odd": {"$ref": ODD_REF}}), "new.yaml")
    with pytest.raises(SpecInputError, match=r"unresolvable \$ref '#/components/schemas/a~1x'"):
        parse(spec_diff_input({"Odd": {"$ref": "#/components/schemas/a~1x"}}), "new.yaml")
