"""Every JSON Schema keyword the spec puts on a request field is enforced by the client.

The rules are written into `_meta.py` at generation time (openapi/hooks/emit_spec_module.py);
a keyword the client cannot check fails generation, naming it, instead of passing silently
to be refused by the server. The client's verdict is compared with jsonschema-rs, the
validator the mock (and so the spec) uses.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, get_type_hints

import jsonschema_rs
import pytest
import yaml
from plivo_dtmf_client import _spec, errors

from tests.client_support import ROOT, SPEC
from tests.test_client_validation import DTMF, PROJECT, emitter, rendered_rules


def client_verdict(rule: dict[str, Any], value: Any) -> str | None:
    """None when the client sends `value`, else the keyword it names."""
    emitted = emitter().rule({}, rule)
    try:
        _spec.check_value("field", value, emitted)
    except errors.InvalidParameterError as exc:
        return exc.rule
    return None


URIS = [
    "http://a", "https://x.y/p?q#f", "http://exa mple.com", "http://[::1]:80/",
    "http://[::1%25eth0]/", "http://[v1.x]/", "http://[1::2::3]/", "http://%zz",
    "http://a/%41", "http:", "relative/path", "HTTP://A", "http://a:port", "http://ü.com",
    "mailto:x@y", "urn:isbn:1", "http://a/b c", "http://a/b|c", "http://a/{x}", "1http://a",
    "h+t.p://a", "http://a:80:90", "http://a@b@c", "http://a#b#c", "http://a?b?c",
    "http://[::1", "http://1.2.3.999/", "http://a/^", "http://a/<>", "", "http://a/\n",
    "http://[::ffff:1.2.3.4]/", "http://[0:0:0:0:0:0:0:0:0]/", "//a/b", "a:", "http://a:-1/",
]  # fmt: skip
NUMBERS = [-3, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 10, 0.3, 1e300, True, "2"]


@pytest.mark.parametrize(
    ("schema", "values"),
    [
        ({"type": "integer", "minimum": 1}, NUMBERS),
        ({"type": "number", "maximum": 2.5}, NUMBERS),
        ({"type": "number", "exclusiveMinimum": 0}, NUMBERS),
        ({"type": "integer", "exclusiveMaximum": 3}, NUMBERS),
        ({"type": "number", "multipleOf": 0.1}, NUMBERS),
        ({"type": "integer", "multipleOf": 2, "minimum": 0, "maximum": 10}, NUMBERS),
        ({"multipleOf": 1.5}, NUMBERS),
        ({"const": "aleg"}, ["aleg", "bleg", "", 1]),
        ({"type": "string", "format": "uri"}, URIS),
        ({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 20}, URIS),
        ({"type": "string", "minLength": 2, "maxLength": 3}, ["", "a", "ab", "abc", "abcd"]),
        ({"enum": ["GET", "POST"]}, ["GET", "get", "POST", None]),
    ],
)
def test_the_client_refuses_exactly_what_the_specs_validator_refuses(
    schema: dict[str, Any], values: list[Any]
) -> None:
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    for value in values:
        verdict = client_verdict(schema, value)
        assert (verdict is None) == validator.is_valid(value), (schema, value, verdict)
        assert verdict is None or verdict in schema, (value, verdict)


def test_every_keyword_generation_allows_is_one_the_client_checks() -> None:
    hook = emitter()
    rule_keys = set(get_type_hints(_spec.Rule)) - {"python_pattern"}
    assert set(hook.CHECKED) == rule_keys
    assert set(hook.FORMATS) == set(_spec._FORMATS)
    assert set(hook.TYPES) == set(_spec._JSON_TYPES)


def test_numeric_rules_are_written_into_the_generated_rules() -> None:
    changed = copy.deepcopy(SPEC)
    body = changed["components"]["schemas"]["SendDigitsRequest"]
    body["properties"]["repeat"] = {"type": "integer", "minimum": 1, "maximum": 5, "multipleOf": 1}
    rules = rendered_rules(emitter().render(changed, PROJECT))[DTMF]["body"]
    assert rules["repeat"] == {"type": "integer", "minimum": 1, "maximum": 5, "multipleOf": 1}
    assert rules["callback_url"]["format"] == "uri"


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"not": {"const": "0"}}, "`not`"),
        ({"anyOf": [{"minLength": 1}]}, "`anyOf`"),
        ({"format": "email"}, "`format: email`"),
        ({"type": "null"}, "`type: null`"),
        ({"minimum": True}, "`minimum: True`"),
        ({"contentEncoding": "base64"}, "`contentEncoding`"),
    ],
)
def test_a_keyword_the_client_cannot_enforce_fails_generation_naming_it(
    schema: dict[str, Any], named: str
) -> None:
    changed = copy.deepcopy(SPEC)
    changed["components"]["schemas"]["Digits"].update(schema)
    with pytest.raises(SystemExit) as failed:
        emitter().render(changed, PROJECT)
    message = str(failed.value.code)
    assert named in message and "body field 'digits'" in message and "DTMF" in message


def test_a_body_keyword_the_client_cannot_enforce_fails_generation() -> None:
    changed = copy.deepcopy(SPEC)
    changed["components"]["schemas"]["SendDigitsRequest"]["minProperties"] = 2
    with pytest.raises(SystemExit, match="`minProperties` on the body"):
        emitter().render(changed, PROJECT)


def test_make_generate_fails_naming_the_keyword(tmp_path: Path) -> None:
    """The real generator run (scripts/generate.py on a copy of openapi/) stops at the hook."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "generate.py", tmp_path / "scripts")
    shutil.copytree(ROOT / "openapi", tmp_path / "openapi")
    spec_path = tmp_path / "openapi" / "plivo-dtmf.yaml"
    changed = copy.deepcopy(SPEC)
    changed["components"]["schemas"]["Digits"]["uniqueItems"] = True
    spec_path.write_text(yaml.safe_dump(changed, sort_keys=False), "utf-8")
    # The generator's hooks `import generate` to find openapi/: the copy's, here.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "scripts")}
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("generated/ is left as it was\n", "utf-8")
    generate = tmp_path / "scripts" / "generate.py"
    done = subprocess.run(
        [sys.executable, str(generate), "--target", str(out)],
        capture_output=True, text=True, timeout=180, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "uses `uniqueItems`" in done.stdout + done.stderr
    assert [p.name for p in out.iterdir()] == ["kept.txt"]
