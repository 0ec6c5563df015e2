"""`make lint-spec`: validate the spec and the mock's control document, as `make release` does.

    python scripts/lint_spec.py

openapi-spec-validator (the OpenAPI 3.1 schema), then Redocly's rules of openapi/redocly.yaml
(the enforced ones: among them, every example must validate against its schema), then the
numbers in the spec's prose (each must be one the spec enforces or a listed fact). `make release`
calls `failures()` and records nothing when there is one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from plivo_mock import pointer

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (Path("openapi/plivo-dtmf.yaml"), Path("openapi/mock-control.yaml"))
REDOCLY = ("npx", "--yes", "@redocly/cli@2.77.0")
"""Pinned; the Makefile's `docs` target uses the same (tests/test_release.py compares)."""


def commands() -> list[list[str]]:
    validator = Path(sys.executable).parent / "openapi-spec-validator"
    documents = [str(d) for d in DOCUMENTS]
    return [
        [str(validator), *documents],
        [*REDOCLY, "lint", "--config", "openapi/redocly.yaml", "--format", "stylish", *documents],
    ]


def failures(root: Path = ROOT) -> list[str]:
    """The output of each validator that failed on the tree at `root` ([] when all pass)."""
    env = {**os.environ, "NO_UPDATE_NOTIFIER": "1"}
    found = []
    for command in commands():
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            name = Path(command[0]).name if command[0] != "npx" else "redocly lint"
            # Redocly's findings are its stdout; its stderr repeats each file's name with
            # progress lines and banners, which read as the errors twice: keep its verdict.
            said = done.stdout if done.stdout.strip() else done.stderr
            if command[0] == "npx":
                said += "".join(f"{line}\n" for line in done.stderr.splitlines() if "❌" in line)
            found.append(f"{name} (exit {done.returncode}):\n{said}".strip())
    return found + prose_failures(root)


def prose_failures(root: Path = ROOT) -> list[str]:
    spec = yaml.safe_load((root / DOCUMENTS[0]).read_text(encoding="utf-8"))
    try:
        unaccounted = unaccounted_prose_numbers(spec)
    except pointer.RefError as exc:
        return [f"{DOCUMENTS[0]}: {exc}"]
    return [
        f"{DOCUMENTS[0]}: prose names a number the spec does not enforce (change the text, or "
        f"list it in scripts/lint_spec.py's PROSE_FACTS if it states no limit): {finding}"
        for finding in unaccounted
    ]


# Descriptions (which become the generated client's docstrings) and decisions restate
# limits; a number stated there must be one the document enforces, so that a changed
# `maxLength` cannot leave "1 to 128 characters" behind. A number in prose is accounted for
# by a constraint of the schema it describes (for info-level decisions: of any schema), a
# value of `x-limits`, a documented status, or else only by PROSE_FACTS: numbers that
# state no limit of ours, each with its reason, for the one place that says it.

CONSTRAINTS = (
    "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minItems", "maxItems", "minProperties", "maxProperties",
)  # fmt: skip
PROSE_KEYS = ("description", "summary")
PROSE_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
PROSE_FACTS: dict[str, dict[str, str]] = {
    "info/x-decisions/digits-characters": {
        "16": "the DTMF tones of ITU-T Q.23",
        "0": "the tone range 0-9",
        "9": "the tone range 0-9",
        "0.5": "Plivo's pause w, in seconds",
        "1": "Plivo's pause W, in seconds",
        "10": "the shortest @<ms> tone duration (test_stated_tone_durations_are_the_patterns)",
        "9999": "the longest @<ms> tone duration (test_stated_tone_durations_are_the_patterns)",
    },
    "components/schemas/Digits": {
        "0": 'the tone range 0-9, and the example "0"',
        "9": "the tone range 0-9",
        "0.5": "Plivo's pause w, in seconds",
        "10": "the shortest @<ms> tone duration (test_stated_tone_durations_are_the_patterns)",
        "9999": "the longest @<ms> tone duration (test_stated_tone_durations_are_the_patterns)",
    },
    "info/x-decisions/digits-type": {"123": "the official SDK's digits=123 example"},
    "info/x-decisions/patterns": {
        "262": "ECMA-262, the standard's name",
        "0": "the class 0-9 named in the text",
        "9": "the class 0-9 named in the text",
        "1": 'the string "1\\n" in the text',
    },
    "info/x-decisions/json-body": {
        "8": "UTF-8",
        # Not a limit the spec sets: the size past which Python refuses to read an integer
        # (sys.int_info.default_max_str_digits); the contract's json probes send it.
        "4300": "Python's default limit on the digits of an integer read from a string",
    },
    "info/x-decisions/content-type": {"8": "charset=utf-8"},
    "info/x-decisions/request-limits": {
        "1.0": "HTTP/1.0",
        "1.1": "HTTP/1.1",
        "408": "HTTP's status, named as one the spec does not use",
        "431": "HTTP's status, named as one the spec does not use",
    },
}


def _prose(
    spec: dict[str, Any], node: Any, where: tuple[str, ...], schema: dict[str, Any] | None
) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """(location, the schema the text describes or None, text) for every prose string."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _prose(spec, item, (*where, str(index)), schema)
        return
    if not isinstance(node, dict):
        return
    is_schema = len(where) >= 2 and (where[-2] == "schemas" or where[-1] == "schema")
    own = _resolve(spec, node) if is_schema else schema
    for key, value in node.items():
        place = (*where, str(key))
        if isinstance(value, str) and (key in PROSE_KEYS or "x-decisions" in where):
            yield "/".join(where if key in PROSE_KEYS else place), own, value
        else:
            yield from _prose(spec, value, place, own if key != "properties" else None)


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    # plivo_mock.pointer's reading (escapes, hop bound, cycles named): a cyclic $ref must
    # fail the lint, and so a release, with a message rather than hang it.
    found: dict[str, Any] = pointer.resolve(spec, node, where="lint_spec")
    return found


def _numbers_of(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The numbers a schema enforces: its constraints, and its pattern's fixed widths."""
    flat = dict(schema)
    for member in schema.get("allOf", []):
        flat.update(_resolve(spec, member))
    found = {_number(flat[key]) for key in CONSTRAINTS if key in flat}
    if isinstance(flat.get("pattern"), str):
        low, high = re._parser.parse(flat["pattern"]).getwidth()
        found |= {str(low)} | ({str(high)} if high < 1 << 16 else set())
    return found


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def unaccounted_prose_numbers(spec: dict[str, Any]) -> list[str]:
    """`location: number` for every number in prose that nothing in `spec` accounts for."""
    limits = {_number(value) for value in spec["info"].get("x-limits", {}).values()}
    statuses = {
        str(status)
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for status in op.get("responses", {})
    }
    every_schema = set().union(*(_numbers_of(spec, s) for s in _all_schemas(spec)))
    found: list[str] = []
    for where, schema, text in _prose(spec, spec, (), None):
        enforced = _numbers_of(spec, schema) if schema is not None else every_schema
        facts = next((f for place, f in PROSE_FACTS.items() if where.startswith(place)), {})
        for number in PROSE_NUMBER.findall(text):
            if number not in enforced | limits | statuses | facts.keys():
                found.append(f"{where}: {number} (in {_excerpt(text, number)!r})")
    return found


def _excerpt(text: str, number: str) -> str:
    """The sentence-sized stretch of `text` around the first `number`, on one line."""
    at = next(m.start() for m in PROSE_NUMBER.finditer(text) if m.group() == number)
    start, end = max(0, at - 50), min(len(text), at + len(number) + 50)
    cut = " ".join(text[start:end].split())
    return f"{'…' * (start > 0)}{cut}{'…' * (end < len(text))}"


def _all_schemas(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    components = spec["components"]
    yield from components["schemas"].values()
    yield from (param["schema"] for param in components["parameters"].values())
    for schema in components["schemas"].values():
        yield from (_resolve(spec, p) for p in schema.get("properties", {}).values())


def main() -> int:
    for command in commands():
        print("+", " ".join(Path(c).name if i == 0 else c for i, c in enumerate(command)))
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            return 1
    print("+ prose numbers of", DOCUMENTS[0])
    problems = prose_failures()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
