"""Post-hook of openapi-python-client: write `<package>/_meta.py`, what the runtime needs filled.

openapi-python-client's template context drops `servers`, `pattern`, `minLength` and
`maxLength` (upstream #726), so the generated client could not know its default base URL or
check a request before sending it. This hook reads them from the same spec, at generation
time, into `_meta.py`, with the project's and package's names and version as the generator
wrote them into pyproject.toml. The hand-written runtime (openapi/modules/, plain Python
copied in by the hooks after this one) imports them from there: `_spec.py` enforces the
rules. The generator's own ruff hooks, listed last, format the result.

Run by the generator with the output folder as the working directory (see generator.yaml).
"""

from __future__ import annotations

import pprint
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml
from plivo_mock.spec import json_content

HERE = Path(__file__).resolve().parent
OPENAPI = HERE.parent
SPEC = OPENAPI / "plivo-dtmf.yaml"
CONFIG = OPENAPI / "generator.yaml"

# The JSON Schema keywords the client enforces on a request field (openapi/modules/_spec.py's
# check_value), and the values of `type` and `format` it knows. A field using any other
# keyword fails generation, naming it: a rule the client silently skipped would pass there
# and only be refused, as a 400, by the server.
CHECKED = (
    "type",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
)
TYPES = ("string", "integer", "number", "boolean", "array", "object")
FORMATS = ("uri",)
NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# Keywords that say something about a value without constraining it.
ANNOTATIONS = (
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
)
# The keywords of the request body's own object schema; its fields are checked one by one
# (and `required` by the generated model's signature).
BODY_KEYWORDS = ("type", "properties", "required", "additionalProperties")
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


class UnenforceableError(SystemExit):
    """The spec uses a keyword (or a value of one) the client cannot enforce."""

    def __init__(self, where: str, keyword: str, why: str) -> None:
        super().__init__(
            f"emit_spec_module: {where} uses {keyword}, {why}: the client would not check "
            "it before sending, and the server would answer 400. Teach "
            "openapi/modules/_spec.py to check it (and CHECKED in "
            "emit_spec_module.py to allow it), or drop it from the spec."
        )


def unenforceable(where: str, flat: Schema) -> None:
    """Raise for the first keyword of a field's schema the client cannot enforce."""
    for key, value in flat.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        if key not in CHECKED:
            raise UnenforceableError(where, f"`{key}`", "a JSON Schema keyword not enforced")
        if key == "type" and value not in TYPES:
            raise UnenforceableError(where, f"`type: {value}`", f"not one of {', '.join(TYPES)}")
        if key == "format" and value not in FORMATS:
            raise UnenforceableError(
                where, f"`format: {value}`", f"not a format the client checks ({FORMATS})"
            )
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if key in NUMERIC and not numeric:
            raise UnenforceableError(where, f"`{key}: {value!r}`", "which is not a number")


def rule(spec: Schema, schema: Schema, where: str = "a request field") -> dict[str, Any]:
    flat = flatten(spec, schema)
    unenforceable(where, flat)
    found = {key: flat[key] for key in CHECKED if key in flat}
    if "enum" in found:
        found["enum"] = tuple(found["enum"])
    if "pattern" in found:
        found["python_pattern"] = python_pattern(found["pattern"])
    return found


def operation_rules(
    spec: Schema, path_item: Schema, operation: Schema, where: str = "an operation"
) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "body": {}}
    for raw in [*path_item.get("parameters", []), *operation.get("parameters", [])]:
        parameter = resolve(spec, raw)
        location, name = parameter["in"], parameter["name"]
        if location in ("path", "query") and "schema" in parameter:
            field = f"{where}, {location} parameter {name!r},"
            rules[location][name] = rule(spec, parameter["schema"], field)
    body = resolve(spec, operation.get("requestBody", {}))
    json_schema = json_content(body, f"{where}, request body").get("schema")
    if json_schema is not None:
        flat = flatten(spec, json_schema)
        for key, value in flat.items():
            allowed = key in BODY_KEYWORDS or key in ANNOTATIONS or key.startswith("x-")
            if not allowed or (key == "additionalProperties" and not isinstance(value, bool)):
                shown = f"`{key}`" if allowed else f"`{key}` on the body"
                raise UnenforceableError(f"{where}, request body,", shown, "not enforced")
        for name, prop in flat.get("properties", {}).items():
            rules["body"][name] = rule(spec, prop, f"{where}, body field {name!r},")
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
                        content = json_content(body, f"callback {operation.get('operationId')}")
                        schema = flatten(spec, content.get("schema", {}))
                        found[operation["operationId"]] = {
                            "required": tuple(schema.get("required", ())),
                            "properties": {
                                name: _open(rule(spec, prop))
                                for name, prop in schema.get("properties", {}).items()
                            },
                        }
    return found


def _open(found: dict[str, Any]) -> dict[str, Any]:
    """A callback is parsed, so its enums are open (scripts/open_enums.py): a value the spec
    does not list is kept, typed as a str, instead of refusing the callback."""
    found.pop("enum", None)
    return found


META = '''"""What the generator fills in for the runtime modules: names, version, and what
{spec_name} says about requests (enforced by _spec.py).

Written at generation time by openapi/hooks/emit_spec_module.py. Do not edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ._spec import BodyRules, OperationRules

PROJECT_NAME: Final = {project_name!r}
PACKAGE_NAME: Final = {package_name!r}
PACKAGE_VERSION: Final = {package_version!r}

DEFAULT_BASE_URL: Final = {default_base_url!r}
"""The first of the spec's `servers`."""

REQUEST_RULES: Final[dict[tuple[str, str], OperationRules]] = {request_rules}
"""Keyed by (method, path template), exactly as in the spec."""

CALLBACK_BODIES: Final[dict[str, BodyRules]] = {callback_bodies}
"""The bodies of the spec's callbacks (what the provider sends), keyed by operationId."""
'''


def render(spec: Schema, project: dict[str, str]) -> str:
    """`_meta.py`; `project` holds the generator's project_name, package_name, package_version."""
    request_rules = {
        (method, path): operation_rules(spec, item, item[method], f"{method.upper()} {path}")
        for path, item in spec["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }
    return META.format(
        spec_name=SPEC.name,
        default_base_url=spec["servers"][0]["url"],
        request_rules=pprint.pformat(request_rules, sort_dicts=False, width=88),
        callback_bodies=pprint.pformat(callback_bodies(spec), sort_dicts=False, width=88),
        **project,
    )


def generated_project(pyproject: Path) -> dict[str, str]:
    """The generator's project_name and package_version, as it rendered them into the
    package's pyproject.toml (however they were configured), and its package_name."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return {
        "project_name": project["name"],
        "package_name": config["package_name_override"],
        "package_version": project["version"],
    }


def main() -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    project = generated_project(Path.cwd() / "pyproject.toml")
    target = Path.cwd() / project["package_name"] / "_meta.py"
    if not target.parent.is_dir():
        sys.stderr.write(f"emit_spec_module: no package folder {target.parent}\n")
        return 1
    target.write_text(render(spec, project), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
