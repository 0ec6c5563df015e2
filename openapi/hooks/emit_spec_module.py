"""Post-hook of openapi-python-client: write `<package>/_spec.py` from the spec.

openapi-python-client's template context drops `servers`, `pattern`, `minLength` and
`maxLength` (upstream #726), so the generated client could not know its default base URL or
check a request before sending it. This hook reads them from the same spec, at generation
time, and fills `spec_module.py.template` (next to this file, a string.Template: jinja2 would
cost more start-up than the rest of the hook) into the generated package; the generator's own
ruff hooks, listed after this one, format the result.

Run by the generator with the output folder as the working directory (see generator.yaml).
"""

from __future__ import annotations

import pprint
import string
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
OPENAPI = HERE.parent
SPEC = OPENAPI / "plivo-dtmf.yaml"
CONFIG = OPENAPI / "generator.yaml"
TEMPLATE = HERE / "spec_module.py.template"

# The JSON Schema keywords a client can check on one value without a schema validator.
CHECKED = ("type", "enum", "minLength", "maxLength", "pattern")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Schema = dict[str, Any]


def resolve(spec: Schema, node: Schema) -> Schema:
    """Follow local `$ref`s (`#/components/...`) until a real object."""
    seen: set[str] = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise SystemExit(f"emit_spec_module: cannot resolve {ref!r}")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def flatten(spec: Schema, schema: Schema) -> Schema:
    """One schema's own keywords merged with those of its `allOf` members (refs resolved)."""
    schema = resolve(spec, schema)
    merged: Schema = {}
    for member in schema.get("allOf", []):
        merged.update(flatten(spec, member))
    merged.update({k: v for k, v in schema.items() if k != "allOf"})
    return merged


def python_pattern(ecma: str) -> str:
    """The same regular expression for Python's `re.search`.

    In ECMA-262 (JSON Schema's dialect) `$` without the m flag is the end of the input;
    Python's `$` also matches before a final newline, so `^[0-9]+$` would accept "1\\n".
    Every `$` that is an anchor becomes `\\Z`.
    """
    out: list[str] = []
    escaped = in_class = False
    for char in ecma:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


def rule(spec: Schema, schema: Schema) -> dict[str, Any]:
    flat = flatten(spec, schema)
    found = {key: flat[key] for key in CHECKED if key in flat}
    if "enum" in found:
        found["enum"] = tuple(found["enum"])
    if "pattern" in found:
        found["python_pattern"] = python_pattern(found["pattern"])
    return found


def operation_rules(spec: Schema, path_item: Schema, operation: Schema) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "body": {}}
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(spec, raw)
        if parameter["in"] in ("path", "query") and "schema" in parameter:
            rules[parameter["in"]][parameter["name"]] = rule(spec, parameter["schema"])
    body = resolve(spec, operation.get("requestBody", {}))
    json_schema = body.get("content", {}).get("application/json", {}).get("schema")
    if json_schema is not None:
        for name, prop in flatten(spec, json_schema).get("properties", {}).items():
            rules["body"][name] = rule(spec, prop)
    return rules


def callback_bodies(spec: Schema) -> dict[str, Any]:
    """The required members and rules of each callback's JSON body, by operationId.

    What a receiver checks (plivo_dtmf_client.webhooks): the request bodies the provider sends.
    """
    found: dict[str, Any] = {}
    for item in spec["paths"].values():
        for method in HTTP_METHODS:
            for callback in resolve(spec, item.get(method, {})).get("callbacks", {}).values():
                for expression in resolve(spec, callback).values():
                    for cb_method in HTTP_METHODS:
                        if cb_method not in expression:
                            continue
                        operation = expression[cb_method]
                        body = resolve(spec, operation.get("requestBody", {}))
                        content = body.get("content", {}).get("application/json", {})
                        schema = flatten(spec, content.get("schema", {}))
                        found[operation["operationId"]] = {
                            "required": tuple(schema.get("required", ())),
                            "properties": {
                                name: rule(spec, prop)
                                for name, prop in schema.get("properties", {}).items()
                            },
                        }
    return found


def render(spec: Schema) -> str:
    request_rules = {
        (method, path): operation_rules(spec, item, item[method])
        for path, item in spec["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        spec_name=SPEC.name,
        default_base_url=repr(spec["servers"][0]["url"]),
        request_rules=pprint.pformat(request_rules, sort_dicts=False, width=88),
        callback_bodies=pprint.pformat(callback_bodies(spec), sort_dicts=False, width=88),
    )


def main() -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    package = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["package_name_override"]
    target = Path.cwd() / package / "_spec.py"
    if not target.parent.is_dir():
        sys.stderr.write(f"emit_spec_module: no package folder {target.parent}\n")
        return 1
    target.write_text(render(spec), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
