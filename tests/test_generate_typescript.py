"""The drift check of generated/typescript/: edits, missing and extra files are named, and
an install's node_modules/ is not part of the package; the spec openapi-typescript reads has
every request body closed."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import generate_typescript
import pytest
import release
import yaml
from plivo_mock.spec import SpecError
from specdiff.compare import Change

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "scripts" / "generate_typescript.py"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm generate the TypeScript client",
)


def test_drift_check_names_edited_missing_and_extra_files(tmp_path: Path) -> None:
    copy = tmp_path / "typescript"
    shutil.copytree(
        ROOT / "generated" / "typescript", copy, ignore=shutil.ignore_patterns("node_modules")
    )
    client = copy / "dist" / "client.js"
    client.write_text(client.read_text(encoding="utf-8") + "// hand edit\n", encoding="utf-8")
    (copy / "src" / "spec.ts").unlink()
    (copy / "src" / "stale.ts").write_text("export {};\n", encoding="utf-8")
    (copy / "node_modules" / "x").mkdir(parents=True)
    (copy / "node_modules" / "x" / "index.js").write_text("", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, str(GENERATE), "--check", "--target", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "-// hand edit" in done.stdout
    assert "missing from generated/typescript/: src/spec.ts" in done.stdout
    assert "stale?): generated/typescript/src/stale.ts" in done.stdout
    assert "node_modules" not in done.stdout
    assert "run `make generate`" in done.stdout


def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(generate_typescript.SPEC.read_text(encoding="utf-8"))
    return loaded


def test_every_operations_request_body_is_closed_for_openapi_typescript() -> None:
    spec = _spec()
    spec["paths"]["/v1/Account/{auth_id}/Call/"]["put"] = {
        "operationId": "inlineBody",
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"x": {"type": "string"}}}
                }
            }
        },
        "responses": {"204": {"description": "done"}},
    }
    before = copy.deepcopy(spec)

    closed = generate_typescript.closed_requests(spec)

    assert spec == before  # the spec itself is left alone
    put = closed["paths"]["/v1/Account/{auth_id}/Call/"]["put"]
    assert (
        put["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"] is False
    )
    schemas = closed["components"]["schemas"]
    assert schemas["SendDigitsRequest"]["additionalProperties"] is False
    # Answers and callbacks keep what the spec says: a field Plivo adds is read, not refused.
    for name in ("SendDigitsAccepted", "LiveCalls", "DigitsSentCallback", "Error"):
        assert schemas[name] == before["components"]["schemas"][name]


def test_a_schema_both_request_body_and_answer_fails_generation() -> None:
    spec = _spec()
    accepted = spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]["responses"]
    accepted["202"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/SendDigitsRequest"
    }
    with pytest.raises(SystemExit, match="SendDigitsRequest is a request body and part of an"):
        generate_typescript.closed_requests(spec)


def test_a_callbacks_answer_is_sent_so_sharing_it_with_a_request_body_is_not_refused() -> None:
    """The client sends a callback's response (open_enums.sides): closing it closes nothing
    the client parses, so generation goes on."""
    spec = _spec()
    post = spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]
    callback = post["callbacks"]["digitsSent"]["{$request.body#/callback_url}"]["post"]
    callback["responses"]["299"] = {
        "description": "answer",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SendDigitsRequest"}}
        },
    }

    closed = generate_typescript.closed_requests(spec)

    assert closed["components"]["schemas"]["SendDigitsRequest"]["additionalProperties"] is False


def test_a_request_body_of_any_media_type_is_closed() -> None:
    spec = _spec()
    spec["paths"]["/v1/Account/{auth_id}/Call/"]["put"] = {
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"x": {"type": "string"}}}
                }
            }
        },
        "responses": {"204": {"description": "done"}},
    }

    closed = generate_typescript.closed_requests(spec)

    body = closed["paths"]["/v1/Account/{auth_id}/Call/"]["put"]["requestBody"]
    assert (
        body["content"]["application/x-www-form-urlencoded"]["schema"]["additionalProperties"]
        is False
    )


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_request_body_no_longer_json_fails_generation_naming_it(media: str) -> None:
    """Read under the spec's own media type key: a changed one cannot drop the body's rules."""
    spec = _spec()
    post = spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]
    body = generate_typescript.emitter().resolve(spec, post["requestBody"])
    body["content"] = {media: body["content"]["application/json"]}
    with pytest.raises(
        SpecError, match=f"content must be one JSON media type, not \\['{media}'\\]"
    ):
        generate_typescript.spec_module(spec, "1.0.0")


def test_a_json_suffixed_request_body_keeps_its_rules() -> None:
    spec = _spec()
    post = spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]
    body = generate_typescript.emitter().resolve(spec, post["requestBody"])
    before = generate_typescript.spec_module(spec, "1.0.0")
    body["content"] = {"application/vnd.plivo+json": body["content"]["application/json"]}
    assert generate_typescript.spec_module(spec, "1.0.0") == before


@pytest.mark.parametrize("changes", [[], [Change("x", "breaking", "#/x", "x")]])
def test_the_generator_spells_the_version_the_release_gate_expects(changes: list[Change]) -> None:
    """One spelling (specdiff.history.npm_spelling): the gate reads back what generation wrote."""
    state = release.Pending((1, 2, 3), changes)
    assert generate_typescript.npm_version(state.spelled()) == state.spelled(npm=True)


def test_the_toolkits_version_pattern_is_the_sources() -> None:
    text = "a: 1\npackage_version_override: 4.5.6.dev0\n"
    hatch = re.search(release.TOOLKIT_VERSION["pattern"], text)
    assert hatch is not None
    assert hatch.group("version") == re.search(release.SOURCE.pattern, text).group(1)  # type: ignore[union-attr]
