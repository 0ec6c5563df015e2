"""Read the two documents spec-diff compares: a file, or a spec at a git ref."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from plivo_mock.pointer import RefError, resolve, token

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = ROOT / "openapi" / "plivo-dtmf.yaml"

# libyaml's safe loader when available: several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecInputError(Exception):
    """Input spec-diff cannot use; the message is one line, for the user."""


def parse(text: str, name: str) -> dict[str, Any]:
    """An OpenAPI 3.x document from YAML or JSON text, or SpecInputError saying why not."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SpecInputError(f"{name}: not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise SpecInputError(f"{name}: not an OpenAPI document (not a mapping)")
    version = doc.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.")):
        raise SpecInputError(f"{name}: not an OpenAPI 3.x document (openapi: {version!r})")
    if not isinstance(doc.get("paths", {}), dict) or not isinstance(doc.get("info"), dict):
        raise SpecInputError(f"{name}: invalid OpenAPI document (info or paths not a mapping)")
    for path, item in doc.get("paths", {}).items():
        methods = item.items() if isinstance(item, dict) else [("", item)]
        for method, operation in methods:
            if method in HTTP_METHODS and not isinstance(operation, dict):
                raise SpecInputError(
                    f"{name}: invalid OpenAPI document ({method} {path} is not a mapping)"
                )
    _check_refs(doc, doc, name, "")
    return doc


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _check_refs(doc: Any, node: Any, name: str, where: str) -> None:
    """Every local `$ref` must resolve, even where the comparison would not look."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            try:
                resolve(doc, node, where=where)
            except RefError as error:
                raise SpecInputError(f"{name}: {error}") from None
        for key, value in node.items():
            _check_refs(doc, value, name, f"{where}/{token(str(key))}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_refs(doc, value, name, f"{where}/{i}")


def read(source: str, *, repo: Path = ROOT) -> tuple[dict[str, Any], str]:
    """(document, text) from a file path, or from `<git ref>` / `<git ref>:<path>` in `repo`.

    A bare git ref means the spec file (openapi/plivo-dtmf.yaml) at that ref.
    """
    path = Path(source)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SpecInputError(f"{source}: cannot read: {error}") from None
        return parse(text, source), text
    if path.is_dir():
        raise SpecInputError(f"{source}: a directory, not a spec file")
    ref, _, inner = source.partition(":")
    spec_path = inner or SPEC.relative_to(ROOT).as_posix()
    try:
        done = subprocess.run(
            ["git", "show", f"{ref}:{spec_path}"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SpecInputError(f"{source}: git failed: {error}") from None
    if done.returncode != 0:
        raise SpecInputError(f"{source}: no such file, and not a git ref with {spec_path}")
    return parse(done.stdout, source), done.stdout
