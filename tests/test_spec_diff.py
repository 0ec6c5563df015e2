"""spec-diff: the corpus of spec edits, the rule table in the README, the CLI and bad input."""

from __future__ import annotations

import copy
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from plivo_mock.pointer import tokens
from specdiff import bump_of, diff, parse
from specdiff.compare import _generalizes
from specdiff.history import releases
from specdiff.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = yaml.safe_load((Path(__file__).parent / "specdiff" / "corpus.yaml").read_text("utf-8"))
BASE_PATH = releases(ROOT)[0][1]  # the first recorded release: frozen
BASE = parse(BASE_PATH.read_text("utf-8"), str(BASE_PATH))
SHORTHANDS = {
    "$DTMF": "/paths/~1v1~1Account~1{auth_id}~1Call~1{call_uuid}~1DTMF~1",
    "$LIST": "/paths/~1v1~1Account~1{auth_id}~1Call~1",
    "$CB": "/paths/~1v1~1Account~1{auth_id}~1Call~1{call_uuid}~1DTMF~1/post/callbacks/"
    "digitsSent/{$request.body#~1callback_url}/post",
    "$S": "/components/schemas",
}


def _parent(doc: Any, pointer: str) -> tuple[Any, str]:
    for short, full in SHORTHANDS.items():
        if pointer.startswith(short):
            pointer = full + pointer[len(short) :]
    *parents, last = tokens(pointer)
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, last


def _apply(doc: dict[str, Any], edits: list[dict[str, Any]]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for edit in edits:
        if "set" in edit:
            node, last = _parent(doc, edit["set"])
            if isinstance(node, list):
                if last == "-":
                    node.append(edit["value"])
                else:
                    node[int(last)] = edit["value"]
            else:
                node[last] = edit["value"]
        elif "remove" in edit:
            node, last = _parent(doc, edit["remove"])
            del node[int(last) if isinstance(node, list) else last]
        else:
            node, last = _parent(doc, edit["move"])
            value = node.pop(last)
            target, new_last = _parent(doc, edit["to"])
            target[new_last] = value
    return doc


def _redump(doc: dict[str, Any]) -> dict[str, Any]:
    """Through YAML text with sorted keys and flow style: formatting must not count."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(doc, Dumper=dumper, sort_keys=True, default_flow_style=True, width=60)
    return parse(text, "x")


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_corpus(case: dict[str, Any]) -> None:
    old = _apply(BASE, case.get("before", []))
    new = _apply(old, case["edits"])
    changes = diff(old, _redump(new))
    assert sorted({c.id for c in changes}) == sorted(case["expect"]), changes
    assert bump_of(changes) == case["bump"], changes
    if "count" in case:
        assert len(changes) == case["count"], changes
    for change in changes:
        # A location is a JSON pointer through the use site, $refs and allOf followed.
        doc = old if "removed" in change.message else new
        assert _walk(doc, change.location) is not _MISSING or (
            _walk(old, change.location) is not _MISSING
        ), change


_MISSING = object()


def _walk(doc: dict[str, Any], pointer: str) -> Any:
    def deref(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = _walk(doc, node["$ref"][1:])
        return node

    node: Any = doc
    for part in tokens(pointer):
        node = deref(node)
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else _MISSING
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and "allOf" in node:
            found = [deref(sub) for sub in node["allOf"] if part in deref(sub)]
            node = found[0][part] if found else _MISSING
        else:
            return _MISSING
    return node


def test_corpus_covers_every_rule() -> None:
    assert len(CORPUS) >= 30
    covered = {rule for case in CORPUS for rule in case["expect"]}
    assert sorted(set(RULES) - covered) == []


def test_shared_component_counts_at_every_use() -> None:
    """One edit to Leg: a request change where it is sent, a response change in the callback."""
    new = _apply(BASE, [{"set": "$S/Leg/enum", "value": ["aleg", "bleg", "both"]}])
    found = {(c.id, c.level, c.location) for c in diff(BASE, new)}
    assert found == {
        (
            "request-enum-value-added",
            "non-breaking",
            SHORTHANDS["$DTMF"]
            + "/post/requestBody/content/application~1json/schema/properties/leg/enum",
        ),
        (
            "response-enum-value-added",
            "non-breaking",
            SHORTHANDS["$CB"] + "/requestBody/content/application~1json/schema/properties/leg/enum",
        ),
    }


def test_readme_rule_table_is_the_rule_table() -> None:
    readme = (ROOT / "scripts" / "specdiff" / "README.md").read_text("utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| (breaking|non-breaking|docs) \|", readme, re.M)
    assert rows == [(rule.id, rule.level) for rule in RULES.values()]


# The command line

SPEC_DIFF = [sys.executable, "-m", "specdiff"]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [*SPEC_DIFF, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def _write(path: Path, doc: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(path)


def test_cli_json_exit_1_on_breaking(tmp_path: Path) -> None:
    new = _apply(BASE, [{"set": "$S/Digits/maxLength", "value": 64}])
    done = _run(
        "--old", str(BASE_PATH), "--new", _write(tmp_path / "n.yaml", new), "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["bump"] == "major"
    assert [set(c) for c in report["changes"]] == [{"id", "level", "location", "message"}]
    assert report["changes"][0]["id"] == "request-max-length-decreased"
    assert report["changes"][0]["level"] == "breaking"


def test_cli_exit_0_on_non_breaking_text_and_markdown(tmp_path: Path) -> None:
    new = _write(tmp_path / "n.yaml", _apply(BASE, [{"set": "$S/Digits/maxLength", "value": 256}]))
    text = _run("--old", str(BASE_PATH), "--new", new)
    assert text.returncode == 0, text.stderr
    assert "request-max-length-increased" in text.stdout
    assert "bump minor" in text.stdout
    markdown = _run("--old", str(BASE_PATH), "--new", new, "--format", "markdown")
    assert markdown.returncode == 0
    assert "| non-breaking | `request-max-length-increased` |" in markdown.stdout


def test_cli_default_old_is_the_last_release_and_git_refs_work() -> None:
    done = _run("--format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert set(json.loads(done.stdout)) == {"bump", "changes"}
    # The released spec at HEAD against itself as a file: nothing.
    rel = BASE_PATH.relative_to(ROOT).as_posix()
    same = _run("--old", f"HEAD:{rel}", "--new", str(BASE_PATH), "--format", "json")
    assert (same.returncode, json.loads(same.stdout)) == (0, {"bump": "none", "changes": []})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file, and not a git ref"),
        ("openapi: 3.1.0\ninfo: {title: x\npaths: {}\n", "not valid YAML (line"),
        ("- just\n- a list\n", "not an OpenAPI document"),
        ("swagger: '2.0'\ninfo: {}\npaths: {}\n", "not an OpenAPI 3.x document"),
        ("openapi: 3.1.0\ninfo: {}\npaths: []\n", "info or paths not a mapping"),
        (
            "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
            "      parameters: [{$ref: '#/components/parameters/Nope'}]\n"
            "      responses: {'200': {description: ok}}\n",
            "unresolvable $ref '#/components/parameters/Nope'",
        ),
        (
            "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get: 7\n",
            "invalid OpenAPI document",
        ),
    ],
    ids=[
        "missing",
        "broken-yaml",
        "not-mapping",
        "swagger-2",
        "bad-paths",
        "unknown-ref",
        "bad-operation",
    ],
)
def test_bad_input_exit_2_one_line(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = _run("--old", str(BASE_PATH), "--new", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert reason in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_git_ref_exit_2() -> None:
    done = _run("--old", "no-such-ref-b5c1", "--new", str(BASE_PATH))
    assert done.returncode == 2
    assert done.stderr.startswith("spec-diff: no-such-ref-b5c1: no such file, and not a git ref")


# The reasons the rule table gives, checked against what they rest on


PATTERNS = [
    ".*",
    "[0-9]*",
    "^[0-9]+$",
    "^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?$(?!\\n)",
    "^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?$(?!\\n)|^P$",
    "(?:^[0-9]+$)|x",
    "a|b",
    "b|a|c",
    "^(MA|SA)[A-Z0-9]{18}$(?!\\n)",
    "^.*$",
    "x",
]


@pytest.mark.parametrize(
    ("old", "new"),
    [(a, b) for a in PATTERNS for b in PATTERNS if a != b and _generalizes(a, b)],
)
@settings(derandomize=True, max_examples=60, deadline=None)
@given(data=st.data())
def test_a_generalized_pattern_accepts_what_the_old_one_did(old: str, new: str, data: Any) -> None:
    """`request-pattern-generalized` (minor) is claimed only when it is sound: every string
    the old pattern accepts, the new one does too."""
    text = data.draw(st.from_regex(old))
    assert re.search(new, text), (old, new, text)


def test_generalized_is_not_claimed_for_a_narrower_or_unrelated_pattern() -> None:
    assert not _generalizes(".*", "^[0-9]+$")
    assert not _generalizes("^[0-9]+$", "^[0-9]*$")  # wider, but not seen: the safe side
    assert not _generalizes("a|b", "a|c")
    assert not _generalizes("^a$", "^.*$")  # ^.*$ refuses "a\nb": not everything


def test_path_parameters_are_named_arguments_of_the_python_sdk() -> None:
    """Why `request-path-parameter-renamed` is breaking: each path parameter is an argument
    named after it (call_uuid positional or keyword, auth_id keyword)."""
    from plivo_dtmf_client.api.calls import send_digits

    for function in (send_digits.sync, send_digits.sync_detailed, send_digits.asyncio):
        parameters = inspect.signature(function).parameters
        assert parameters["call_uuid"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert parameters["auth_id"].kind is inspect.Parameter.KEYWORD_ONLY


def test_the_sdks_take_only_the_first_top_level_server() -> None:
    """Why path- and operation-level `servers` changes are not breaking for SDK users: the
    generators read `servers` in one way only, the first top-level one, as the default base
    URL of both SDKs."""
    from plivo_dtmf_client import _spec

    spec = yaml.safe_load((ROOT / "openapi" / "plivo-dtmf.yaml").read_text("utf-8"))
    ts = (ROOT / "generated" / "typescript" / "src" / "spec.ts").read_text("utf-8")
    assert spec["servers"][0]["url"] == _spec.DEFAULT_BASE_URL
    assert f"DEFAULT_BASE_URL = {json.dumps(_spec.DEFAULT_BASE_URL)};" in ts
    generators = [
        *(ROOT / "openapi").rglob("*.py"),
        *(ROOT / "openapi").rglob("*.jinja"),
        *(ROOT / "openapi" / "typescript" / "src").glob("*.ts"),
        ROOT / "scripts" / "generate.py",
        ROOT / "scripts" / "generate_typescript.py",
    ]
    # Every read of the key (`["servers"]`, `.get("servers")`, `.servers`), with what follows.
    read = re.compile(r"""(?:\[["']servers["']\]|get\(["']servers["']\)|\.servers\b)(.{0,3})""")
    reads = [(path.name, m) for path in generators for m in read.findall(path.read_text("utf-8"))]
    assert reads and all(following == "[0]" for _, following in reads), reads
