"""Regenerate the TypeScript client in generated/typescript/ from openapi/, or check it.

`python scripts/generate_typescript.py` rewrites generated/typescript/ (its node_modules/
aside); `--check` generates into a temporary folder and exits 1 with a diff when the
committed folder differs byte for byte, like scripts/generate.py does for generated/python/.

What is written, from what:
- src/schema.ts: the spec's paths and schemas as types, by openapi-typescript (pinned in
  openapi/typescript/package-lock.json, installed once per lock into build/typescript-tools/),
  through openapi/typescript/schema-types.mjs, from a copy of the spec whose request bodies
  are closed (`closed_requests`): the client sends only the fields the spec names, so a
  misspelt one does not compile, and the enums the client parses are open;
- src/spec.ts: the default base URL, the request rules and the callback bodies' rules (the same
  tables as the Python client's _meta.py, from openapi/hooks/emit_spec_module.py) and the
  success statuses, from the spec;
- src/errors.ts: one error class per documented error status, rendered from
  openapi/typescript/src/errors.ts.jinja with the Python client's class names;
- the hand-written sources, tsconfig.json and README.md of openapi/typescript/, copied;
- package.json and package-lock.json with the version of openapi/generator.yaml (npm's
  spelling of a pre-release: 1.1.0.dev0 is 1.1.0-dev.0);
- CHANGELOG.md, copied from openapi/changelogs/typescript.md (written by `make release`);
- dist/: what the package's `npm run build` compiles from src/ with `tsc` (strict), so that
  the package installs without a build: ES modules in dist/ (tsconfig.json) and CommonJS in
  dist/cjs/ (tsconfig.cjs.json, with a package.json of its own saying "commonjs"), each with
  its declarations, for `import` and `require` through package.json's `exports`.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import generate
import jinja2
import open_enums
import yaml
from plivo_mock.spec import json_content
from specdiff.history import npm_spelling

ROOT = generate.ROOT
SPEC = generate.SPEC
SOURCE = ROOT / "openapi" / "typescript"
HELPERS = ROOT / "openapi" / "templates"
EMITTER = ROOT / "openapi" / "hooks" / "emit_spec_module.py"
TARGET = ROOT / "generated" / "typescript"
TOOLS = ROOT / "build" / "typescript-tools"
CHANGELOG = ROOT / "openapi" / "changelogs" / "typescript.md"
LABEL = "generated/typescript/"
LOCAL = ("node_modules",)
"""Folders of generated/typescript/ that belong to an install, not to the package."""


def npm_ci(folder: Path) -> None:
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"npm ci failed in {folder} (exit {done.returncode})")


def tools() -> Path:
    """node_modules with the pinned openapi-typescript and typescript, installed per lock."""
    manifest, lock = SOURCE / "package.json", SOURCE / "package-lock.json"
    digest = hashlib.sha256(manifest.read_bytes() + lock.read_bytes()).hexdigest()
    stamp = TOOLS / "node_modules" / ".installed"  # `npm ci` removes it with the rest
    if not stamp.is_file() or stamp.read_text(encoding="ascii") != digest:
        TOOLS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest, TOOLS / "package.json")
        shutil.copyfile(lock, TOOLS / "package-lock.json")
        npm_ci(TOOLS)
        stamp.write_text(digest, encoding="ascii")
    return TOOLS / "node_modules"


def node(script: Path, *args: str) -> None:
    done = subprocess.run(
        ["node", str(script), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{script.name} failed (exit {done.returncode})")


@functools.cache
def emitter() -> ModuleType:
    """openapi/hooks/emit_spec_module.py: the Python client's reading of the request rules."""
    found = importlib.util.spec_from_file_location("emit_spec_module", EMITTER)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def spec_module(spec: dict[str, Any], version: str) -> str:
    emit = emitter()
    rules: dict[str, Any] = {}
    success: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method in emit.HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            found = emit.operation_rules(spec, item, operation)
            for location in found.values():
                for rule in location.values():
                    rule.pop("python_pattern", None)
                    if "enum" in rule:
                        rule["enum"] = list(rule["enum"])
            body = emit.resolve(spec, operation.get("requestBody", {}))
            schema = json_content(body, f"{method} {path}, request body").get("schema")
            found["required"] = emit.flatten(spec, schema).get("required", []) if schema else []
            rules[f"{method} {path}"] = found
            for status, response in operation["responses"].items():
                if str(status).startswith("2"):
                    content = json_content(
                        emit.resolve(spec, response), f"{method} {path} {status}"
                    )
                    ref = content.get("schema", {})
                    success[f"{method} {path}"] = {
                        "status": int(status),
                        "schema": ref.get("$ref", "#/object").rsplit("/", 1)[-1],
                        "required": emit.flatten(spec, ref).get("required", []),
                    }
                    break
    callbacks = emit.callback_bodies(spec)
    for body_rules in callbacks.values():
        for rule in body_rules["properties"].values():
            rule.pop("python_pattern", None)
            if "enum" in rule:
                rule["enum"] = list(rule["enum"])
    constants = emit.callback_constants(spec)
    headers = constants["headers"]
    limits = constants["limits"]
    return (
        "/**\n"
        f" * What {SPEC.name} says about requests, checked before any HTTP call.\n"
        " *\n"
        " * Written by `make generate` (scripts/generate_typescript.py) from the spec and\n"
        " * openapi/generator.yaml. Do not edit.\n"
        " */\n\n"
        'import type { OperationRules, Rule } from "./validation.js";\n\n'
        "/** The package version (openapi/generator.yaml package_version_override). */\n"
        f"export const VERSION = {json.dumps(version)};\n\n"
        "/** The first of the spec's `servers`. */\n"
        f"export const DEFAULT_BASE_URL = {json.dumps(spec['servers'][0]['url'])};\n\n"
        '/** Keyed by "method path-template", exactly as in the spec. */\n'
        "export const REQUEST_RULES: Readonly<Record<string, OperationRules>> = "
        f"{json.dumps(rules, indent=2)};\n\n"
        "/** The documented success status of each operation, its schema and required fields. */\n"
        "export const SUCCESS: Readonly<\n"
        "  Record<string, { status: number; schema: string; required: readonly string[] }>\n"
        f"> = {json.dumps(success, indent=2)};\n\n"
        "/** What a receiver checks in each callback's JSON body (src/webhooks.ts). */\n"
        "export const CALLBACK_BODIES: Readonly<\n"
        "  Record<\n"
        "    string,\n"
        "    { required: readonly string[]; properties: Readonly<Record<string, Rule>> }\n"
        "  >\n"
        f"> = {json.dumps(callbacks, indent=2)};\n\n"
        "/** The operationId of the spec's one callback, the one src/webhooks.ts verifies. */\n"
        f"export const CALLBACK_OPERATION_ID = {json.dumps(constants['operation_id'])};\n\n"
        "/** The callback's header parameters (components SignatureV3, SignatureV3Nonce, ...). */\n"
        f"export const SIGNATURE_V3_HEADER = {json.dumps(headers['SignatureV3'])};\n"
        f"export const SIGNATURE_V3_NONCE_HEADER = {json.dumps(headers['SignatureV3Nonce'])};\n"
        f"export const SIGNATURE_V2_HEADER = {json.dumps(headers['SignatureV2'])};\n"
        f"export const SIGNATURE_V2_NONCE_HEADER = {json.dumps(headers['SignatureV2Nonce'])};\n\n"
        "/** info.x-limits.body-bytes. */\n"
        f"export const BODY_BYTES = {limits['body-bytes']};\n"
        "/** info.x-limits.target-bytes. */\n"
        f"export const TARGET_BYTES = {limits['target-bytes']};\n"
        "/** info.x-limits.header-bytes. */\n"
        f"export const HEADER_BYTES = {limits['header-bytes']};\n"
        "/** info.x-limits.callback-json-depth. */\n"
        f"export const CALLBACK_JSON_DEPTH = {limits['callback-json-depth']};\n"
    )


def closed_requests(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec whose operations' request bodies admit no unnamed property.

    `additionalProperties` on a request body says what a server tolerates (Plivo ignores
    unknown fields); this client sends only what the spec names, so the body's type has no
    index signature and `{digits: "9", legs: "bleg"}` is a compile error (validation.ts
    refuses it at run time too). What the client parses (answers, callbacks' requests) keeps
    its schemas: a field Plivo adds later is read, not refused. Which is which is
    open_enums.sides's reading, the one the open enums follow. A schema that is both a
    request body and parsed fails generation: closing it would close what is parsed.
    """
    closed = copy.deepcopy(spec)
    found = open_enums.sides(closed)
    for at in found.bodies:
        if at in found.parsed:
            name = at.removeprefix(open_enums.SCHEMAS)
            raise SystemExit(
                f"{name} is a request body and part of an answer (what the client parses): "
                "give each its own schema"
            )
        found.sent[at]["additionalProperties"] = False
    return closed


def documented_errors(spec: dict[str, Any]) -> list[tuple[int, str]]:
    """Every error status of the spec's operations, with its description, by status."""
    emit = emitter()
    found: dict[int, str] = {}
    for item in spec["paths"].values():
        for method in emit.HTTP_METHODS:
            for status, response in item.get(method, {}).get("responses", {}).items():
                if str(status).isdigit() and int(status) >= 400:
                    found.setdefault(int(status), emit.resolve(spec, response)["description"])
    return sorted(found.items())


def errors_module(spec: dict[str, Any]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([SOURCE / "src", HELPERS]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - TypeScript source, not HTML
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("errors.ts.jinja")
    return template.render(documented=documented_errors(spec)).lstrip("\n")


def versioned(text: str, version: str, lock: bool) -> str:
    """package.json or package-lock.json with `version` after `name` (and in the root package)."""
    data = json.loads(text)

    def with_version(entry: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if key != "version":
                out[key] = value
            if key == "name":
                out["version"] = version
        return out

    data = with_version(data)
    if lock:
        data["packages"][""] = with_version(data["packages"][""])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def npm_version(python: str) -> str:
    """openapi/generator.yaml's version as npm spells it: `1.1.0.dev0` is `1.1.0-dev.0`."""
    try:
        return npm_spelling(python)
    except ValueError as exc:
        raise SystemExit(f"generate_typescript: {exc}") from None


def generate_into(out: Path) -> None:
    modules = tools()
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    version = npm_version(generate.version())
    (out / "src").mkdir(parents=True)
    for name in ("tsconfig.json", "tsconfig.cjs.json", ".gitignore", "README.md"):
        shutil.copyfile(SOURCE / name, out / name)
    shutil.copyfile(CHANGELOG, out / "CHANGELOG.md")
    for source in sorted((SOURCE / "src").glob("*.ts")):
        shutil.copyfile(source, out / "src" / source.name)
    for name, lock in (("package.json", False), ("package-lock.json", True)):
        text = (SOURCE / name).read_text(encoding="utf-8")
        (out / name).write_text(versioned(text, version, lock), encoding="utf-8")
    (out / "src" / "spec.ts").write_text(spec_module(spec, version), encoding="utf-8")
    (out / "src" / "errors.ts").write_text(errors_module(spec), encoding="utf-8")
    closed = out.parent / SPEC.name  # outside the package; JSON is YAML, and stable
    closed.write_text(json.dumps(closed_requests(spec), indent=1), encoding="utf-8")
    positions = [{"object": p.pointer, "name": p.name} for p in open_enums.open_positions(spec)]
    node(
        SOURCE / "schema-types.mjs",
        str(modules),
        str(closed),
        str(out / "src" / "schema.ts"),
        json.dumps(positions),
    )
    # The package's own `npm run build`: tsc for dist/ (ES modules), tsc with
    # tsconfig.cjs.json for dist/cjs/, whose package.json tells Node and tsc it is CommonJS.
    # tsc resolves openapi-fetch and @types/node from a node_modules beside the package.
    link = out / "node_modules"
    link.symlink_to(modules, target_is_directory=True)
    try:
        build = subprocess.run(
            ["npm", "run", "build", "--silent"],
            cwd=out,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        link.unlink()
    if build.returncode != 0:
        sys.stderr.write(build.stdout + build.stderr)
        raise SystemExit(f"npm run build failed (exit {build.returncode})")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of the package by relative path; an install's node_modules/ is not walked."""
    found: dict[str, bytes] = {}
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in LOCAL or Path(parent) != folder)
        for name in files:
            path = Path(parent) / name
            found[str(path.relative_to(folder))] = path.read_bytes()
    return dict(sorted(found.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale")
    parser.add_argument("--target", type=Path, default=TARGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    target: Path = args.target
    with tempfile.TemporaryDirectory(prefix="plivo-dtmf-gen-ts-") as tmp:
        out = Path(tmp) / "out"
        generate_into(out)
        fresh = tree(out)
        if args.check:
            problems = generate.diff(fresh, tree(target), LABEL)
            if problems:
                sys.stdout.writelines(problems)
                print(
                    f"\n{LABEL} is stale or was edited by hand: run `make generate` "
                    "(it rewrites the folder)."
                )
                return 1
            print(f"{LABEL} is up to date ({len(fresh)} files).")
            return 0
        committed = tree(target)
        for name in committed.keys() - fresh.keys():
            (target / name).unlink()
        for name, content in fresh.items():
            if committed.get(name) == content:
                continue  # untouched: make's stamp on package-lock.json stays valid
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for folder in sorted(target.rglob("*"), reverse=True):
            if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                if not any(part in LOCAL for part in folder.relative_to(target).parts):
                    folder.rmdir()
        print(f"{LABEL} rewritten ({len(fresh)} files).")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_UPDATE_NOTIFIER", "1")
    raise SystemExit(main())
