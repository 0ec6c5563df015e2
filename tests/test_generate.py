"""`make generate` and its drift check: the golden record of generated/ is exact."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import open_enums
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "scripts" / "generate.py"


def run_check(target: Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, str(GENERATE), "--check", "--target", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def committed_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(
        ROOT / "generated" / "python",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    return copy


@pytest.mark.parametrize("hash_seed", ["1", "4242"])
def test_generation_matches_generated_folder_under_any_hash_seed(
    committed_copy: Path, hash_seed: str
) -> None:
    done = run_check(committed_copy, hash_seed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_drift_check_names_edited_missing_and_extra_files(committed_copy: Path) -> None:
    client = committed_copy / "plivo_dtmf_client" / "client.py"
    client.write_text(client.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    (committed_copy / "plivo_dtmf_client" / "py.typed").unlink()
    (committed_copy / "plivo_dtmf_client" / "stale.py").write_text("x = 1\n", encoding="utf-8")

    done = run_check(committed_copy)

    assert done.returncode == 1
    assert "-# hand edit" in done.stdout
    assert "missing from generated/python/: plivo_dtmf_client/py.typed" in done.stdout
    assert "stale?): generated/python/plivo_dtmf_client/stale.py" in done.stdout
    assert "run `make generate`" in done.stdout


def test_control_spec_is_bundled_into_one_file_with_the_same_rules(tmp_path: Path) -> None:
    """The control client's input: no reference left into plivo-dtmf.yaml, same schemas."""
    import generate  # scripts/ is on the path of the installed package
    import jsonschema_rs
    import yaml

    control = ROOT / "openapi" / "mock-control.yaml"
    out = generate.bundle(control, (generate.SPEC,), tmp_path / "b.yaml")
    bundled = yaml.safe_load(out.read_text("utf-8"))

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for value in node.values() for r in refs(value)]
        return [r for item in node for r in refs(item)] if isinstance(node, list) else []

    found = refs(bundled)
    assert found and all(ref.startswith("#/") for ref in found), found
    assert "Error" in bundled["components"]["schemas"]  # copied from plivo-dtmf.yaml
    # "Exactly one of status and delay_ms" stays the mock's rule; the client keeps a model.
    assert "oneOf" not in bundled["components"]["schemas"]["FaultRequest"]
    schema = {"$ref": "#/components/schemas/CallSummary", "components": bundled["components"]}
    validator = jsonschema_rs.Draft202012Validator(schema)
    summary = {"call_uuid": "eba53b9e-8fbd-45c1-9444-696d2172fbc8", "live": True, "bleg": True}
    assert validator.is_valid({**summary, "events": 0, "dropped_events": 0})
    assert not validator.is_valid({**summary, "call_uuid": "NOT-A-UUID", "events": 0})


MODULES = ROOT / "openapi" / "modules"


def test_runtime_modules_are_plain_python_not_templates() -> None:
    """openapi/modules/ is linted and type-checked as written: no jinja or string.Template
    placeholder may hide in it (what the generator fills comes from _meta.py)."""
    modules = sorted(MODULES.rglob("*.py*"))
    assert {"client.py", "types.py", "_spec.py", "webhooks.py"} <= {m.name for m in modules}
    for module in modules:
        text = module.read_text("utf-8")
        for marker in ("{{", "{%", "{#", "${"):
            assert marker not in text, f"{module.relative_to(ROOT)} holds {marker!r}"
        compile(text, str(module), "exec")


def test_every_runtime_module_is_copied_into_the_package() -> None:
    package = ROOT / "generated" / "python" / "plivo_dtmf_client"
    for module in MODULES.glob("*.py"):
        assert (package / module.name).is_file(), module.name
    # The .pyi files only stand in for generated siblings when type-checking in place.
    assert not list(package.rglob("*.pyi"))


def test_meta_takes_names_and_version_from_the_generated_pyproject(tmp_path: Path) -> None:
    """The version is the generator's package_version, as it rendered it, not re-read from
    the generator's settings."""
    found = importlib.util.spec_from_file_location(
        "emit_spec_module", ROOT / "openapi" / "hooks" / "emit_spec_module.py"
    )
    assert found is not None and found.loader is not None
    hook = importlib.util.module_from_spec(found)
    found.loader.exec_module(hook)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "some-client"\nversion = "7.8.9rc1"\n', "utf-8")
    assert hook.generated_project(pyproject) == {
        "project_name": "some-client",
        "package_name": "plivo_dtmf_client",
        "package_version": "7.8.9rc1",
    }
    from plivo_dtmf_client import _meta, client

    assert client.USER_AGENT.startswith(f"{_meta.PROJECT_NAME}/{_meta.PACKAGE_VERSION} ")


def _hook() -> Any:
    found = importlib.util.spec_from_file_location(
        "emit_spec_module", ROOT / "openapi" / "hooks" / "emit_spec_module.py"
    )
    assert found is not None and found.loader is not None
    hook = importlib.util.module_from_spec(found)
    found.loader.exec_module(hook)
    return hook


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "plivo-dtmf.yaml").read_text("utf-8"))
    return spec


def test_callback_rules_drop_only_the_enums_open_enums_calls_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook, spec = _hook(), _spec()
    callback = spec["components"]["schemas"]["DigitsSentCallback"]
    # An integer enum is no string enum position open_enums opens: the receiver checks it.
    callback["properties"]["attempt"] = {"type": "integer", "enum": [1, 2]}
    (rules,) = hook.callback_bodies(spec).values()
    opened = {
        p.name for p in open_enums.open_positions(spec) if p.component == "DigitsSentCallback"
    }
    assert opened and all("enum" not in rules["properties"][name] for name in opened)
    assert rules["properties"]["attempt"]["enum"] == (1, 2)
    # The positions are read, not assumed: with none open, the callback's enums are checked.
    monkeypatch.setattr(hook.open_enums, "open_positions", lambda spec: [])
    (closed,) = hook.callback_bodies(spec).values()
    assert all("enum" in closed["properties"][name] for name in opened)


def test_the_verifiers_constants_are_read_from_the_spec() -> None:
    hook, spec = _hook(), _spec()
    spec["info"]["x-limits"]["callback-json-depth"] = 5
    spec["components"]["parameters"]["SignatureV3Nonce"]["name"] = "X-Other-Nonce"
    constants = hook.callback_constants(spec)
    assert constants["limits"]["callback-json-depth"] == 5
    assert constants["headers"]["SignatureV3Nonce"] == "X-Other-Nonce"
    assert constants["operation_id"] == "digitsSentCallback"
    del spec["info"]["x-limits"]["header-bytes"]
    with pytest.raises(SystemExit, match=re.escape("x-limits.header-bytes")):
        hook.callback_constants(spec)


def test_both_verifiers_use_the_emitted_constants() -> None:
    from plivo_dtmf_client import _meta, webhooks

    assert (webhooks.MAX_JSON_DEPTH, webhooks.MAX_BODY_BYTES) == (
        _meta.CALLBACK_JSON_DEPTH,
        _meta.BODY_BYTES,
    )
    assert webhooks.MAX_HEADER_CHARS == _meta.HEADER_BYTES
    assert webhooks.NONCE_V3 == _meta.SIGNATURE_V3_NONCE_HEADER
    for source in (
        ROOT / "openapi" / "modules" / "webhooks.py",
        ROOT / "openapi" / "typescript" / "src" / "webhooks.ts",
    ):
        text = source.read_text("utf-8")
        # No bound, header name or callback key typed in as a value: each is the spec's.
        typed = r'\b(MAX_\w+|SIGNATURE_V\d|NONCE_V\d)(: Final)? = ["\d]'
        assert not re.search(typed, text), source
        assert re.search(r"\bMAX_JSON_DEPTH(: Final)? = CALLBACK_JSON_DEPTH\b", text), source
        assert '["digitsSentCallback"]' not in text, source
