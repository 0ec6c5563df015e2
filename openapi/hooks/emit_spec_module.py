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

import open_enums  # scripts/, on the venv's path like `generate` (see generator.yaml)
import yaml
from plivo_mock.pointer import token
from plivo_mock.spec import json_content, json_media_type

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
# The `info.x-limits` the webhook verifiers bound their input with, and the components of the
# callback's header parameters they read (its signatures and nonces): emitted as constants.
VERIFIER_LIMITS = ("body-bytes", "target-bytes", "header-bytes", "callback-json-depth")
SIGNATURE_PARAMETERS = ("SignatureV3", "SignatureV3Nonce", "SignatureV2", "SignatureV2Nonce")

Schema = dict[str, Any]


def resolve(spec: Schema, node: Schema) -> Schema:
    """Follow local `$ref`s (`#/components/...`) until a real object."""
    return resolve_at(spec, node, "#")[0]


def resolve_at(spec: Schema, node: Schema, pointer: str) -> tuple[Schema, str]:
    """`resolve`, with the pointer of where the chain ends (`pointer` when `node` is no ref)."""
    seen: set[str] = set()
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise SystemExit(f"emit_spec_module: cannot resolve {ref!r}")
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, pointer = target, ref
    return node, pointer


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


def callback_operations(spec: Schema) -> list[tuple[Schema, Schema, str]]:
    """Each callback operation (what the provider sends): (its path item, the operation, the
    operation's JSON pointer), in the spec's order."""
    found: list[tuple[Schema, Schema, str]] = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            operation, at = resolve_at(
                spec, item.get(method, {}), f"#/paths/{token(path)}/{method}"
            )
            for name, raw in operation.get("callbacks", {}).items():
                callback, cb_at = resolve_at(spec, raw, f"{at}/callbacks/{token(name)}")
                for expression, cb_item in callback.items():
                    for cb_method in HTTP_METHODS:
                        if cb_method in cb_item:
                            cb_op_at = f"{cb_at}/{token(expression)}/{cb_method}"
                            found.append((cb_item, cb_item[cb_method], cb_op_at))
    return found


def callback_bodies(spec: Schema) -> dict[str, Any]:
    """The required members and rules of each callback's JSON body, by operationId.

    What a receiver checks (plivo_dtmf_client.webhooks): the request bodies the provider sends.
    A callback is parsed, so the enums scripts/open_enums.py calls open (its positions) are
    left out of the rules: a value the spec does not list is kept, typed as a str, instead of
    refusing the callback. An enum at a position it keeps closed is checked.
    """
    open_at = {(position.pointer, position.name) for position in open_enums.open_positions(spec)}
    found: dict[str, Any] = {}
    for _, operation, at in callback_operations(spec):
        body, body_at = resolve_at(spec, operation.get("requestBody", {}), f"{at}/requestBody")
        media = body.get("content", {})
        kind = json_media_type(media, f"callback {operation.get('operationId')}") if media else ""
        raw = media.get(kind, {}).get("schema", {}) if media else {}
        schema = flatten(spec, raw)
        declared = declared_at(spec, raw, f"{body_at}/content/{token(kind)}/schema")
        properties = {}
        for name, prop in schema.get("properties", {}).items():
            checked = rule(spec, prop)
            if (declared[name], name) in open_at:
                checked.pop("enum", None)
            properties[name] = checked
        found[operation["operationId"]] = {
            "required": tuple(schema.get("required", ())),
            "properties": properties,
        }
    return found


def declared_at(spec: Schema, schema: Schema, pointer: str) -> dict[str, str]:
    """The pointer of the object schema declaring each of `flatten`'s properties (an `allOf`
    member's, or the schema's own, which wins as in `flatten`): what open_enums' positions
    name."""
    schema, pointer = resolve_at(spec, schema, pointer)
    found: dict[str, str] = {}
    for i, member in enumerate(schema.get("allOf", [])):
        found.update(declared_at(spec, member, f"{pointer}/allOf/{i}"))
    found.update(dict.fromkeys(schema.get("properties", {}), pointer))
    return found


def callback_constants(spec: Schema) -> dict[str, Any]:
    """What the webhook verifiers read from the spec: the one callback's operationId, the
    names of its signature and nonce headers (its parameters), and the x-limits bounding
    their input. Generation fails, naming it, when one is missing."""
    callbacks = callback_operations(spec)
    if len(callbacks) != 1:
        raise SystemExit(
            f"emit_spec_module: the webhook verifiers verify one callback, the spec has "
            f"{len(callbacks)}"
        )
    item, operation, _ = callbacks[0]
    headers: dict[str, str] = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        ref = raw.get("$ref", "")
        parameter = resolve(spec, raw)
        component = ref.removeprefix("#/components/parameters/")
        if parameter.get("in") == "header" and component in SIGNATURE_PARAMETERS:
            headers[component] = parameter["name"]
    limits = spec["info"].get("x-limits", {})
    missing = [f"parameter {name}" for name in SIGNATURE_PARAMETERS if name not in headers]
    missing += [f"info.x-limits.{key}" for key in VERIFIER_LIMITS if key not in limits]
    if missing:
        raise SystemExit(
            f"emit_spec_module: the webhook verifiers need {', '.join(missing)} "
            f"(the callback {operation['operationId']})"
        )
    return {
        "operation_id": operation["operationId"],
        "headers": {name: headers[name] for name in SIGNATURE_PARAMETERS},
        "limits": {key: int(limits[key]) for key in VERIFIER_LIMITS},
    }


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

CALLBACK_OPERATION_ID: Final = {operation_id!r}
"""The operationId of the spec's one callback, the one webhooks.py verifies."""

SIGNATURE_V3_HEADER: Final = {SignatureV3!r}
SIGNATURE_V3_NONCE_HEADER: Final = {SignatureV3Nonce!r}
SIGNATURE_V2_HEADER: Final = {SignatureV2!r}
SIGNATURE_V2_NONCE_HEADER: Final = {SignatureV2Nonce!r}
"""The callback's header parameters (components SignatureV3, SignatureV3Nonce, ...)."""

BODY_BYTES: Final = {body_bytes!r}
"""info.x-limits.body-bytes."""
TARGET_BYTES: Final = {target_bytes!r}
"""info.x-limits.target-bytes."""
HEADER_BYTES: Final = {header_bytes!r}
"""info.x-limits.header-bytes."""
CALLBACK_JSON_DEPTH: Final = {callback_json_depth!r}
"""info.x-limits.callback-json-depth."""
'''


def render(spec: Schema, project: dict[str, str]) -> str:
    """`_meta.py`; `project` holds the generator's project_name, package_name, package_version."""
    request_rules = {
        (method, path): operation_rules(spec, item, item[method], f"{method.upper()} {path}")
        for path, item in spec["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }
    constants = callback_constants(spec)
    return META.format(
        spec_name=SPEC.name,
        default_base_url=spec["servers"][0]["url"],
        request_rules=pprint.pformat(request_rules, sort_dicts=False, width=88),
        callback_bodies=pprint.pformat(callback_bodies(spec), sort_dicts=False, width=88),
        operation_id=constants["operation_id"],
        **constants["headers"],
        **{key.replace("-", "_"): value for key, value in constants["limits"].items()},
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
