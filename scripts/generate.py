"""Regenerate the clients in generated/ from openapi/, or check that they are up to date.

`python scripts/generate.py` rewrites generated/ from the specs, the generator configs and the
templates. `python scripts/generate.py --check` generates into a temporary folder and exits
1 with a unified diff (missing and extra files included) when generated/ differs from it
byte for byte: the golden-record test of openapi-python-client, applied to our output.

Two Python targets: the Plivo client (generated/python/, openapi/plivo-dtmf.yaml) and the
mock's control client (generated/python-mock-control/, openapi/mock-control.yaml, with the
stock templates). The generator resolves no reference into another file, so the control
document is bundled first: what it takes from plivo-dtmf.yaml is copied in (and a oneOf
that only says which properties are required is left out, see _presence_only).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

import open_enums
import yaml
from plivo_mock.pointer import tokens as pointer_tokens
from plivo_mock.spec import SchemaSet

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "plivo-dtmf.yaml"
CONFIG = ROOT / "openapi" / "generator.yaml"
TEMPLATES = ROOT / "openapi" / "templates"
TARGET = ROOT / "generated" / "python"


@dataclass(frozen=True)
class Target:
    name: str
    spec: Path
    config: Path
    templates: Path | None
    folder: Path
    # The documents the spec refers to: it is bundled with them first (see bundle).
    references: tuple[Path, ...] = ()


TARGETS = (
    Target("python", SPEC, CONFIG, TEMPLATES, TARGET),
    Target(
        "python-mock-control",
        ROOT / "openapi" / "mock-control.yaml",
        ROOT / "openapi" / "generator-mock-control.yaml",
        ROOT / "openapi" / "templates-mock-control",
        ROOT / "generated" / "python-mock-control",
        references=(SPEC,),
    ),
)


def bundle(spec: Path, others: tuple[Path, ...], out: Path) -> Path:
    """`spec` with every reference into `others` replaced: schemas under components/schemas
    are copied there under their own name, anything else is inlined."""
    documents = SchemaSet([spec, *others])
    main_uri = spec.resolve().as_uri()
    own = set(documents.documents[main_uri].get("components", {}).get("schemas", {}))
    copied: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def rewrite(node: Any, uri: str) -> Any:
        if isinstance(node, list):
            return [rewrite(item, uri) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {
                key: rewrite(value, uri)
                for key, value in node.items()
                if not (key in ("oneOf", "anyOf") and _presence_only(value))
            }
        target, fragment = urldefrag(urljoin(uri, ref))
        if target == main_uri:
            return {**node, "$ref": f"#{fragment}"}
        pointer = unquote(fragment)
        tokens = pointer_tokens(pointer)
        if len(tokens) == 3 and tokens[:2] == ["components", "schemas"]:
            name = tokens[2]
            if name in own or sources.setdefault(name, target) != target:
                raise SystemExit(f"bundling {spec.name}: two schemas named {name}")
            if name not in copied:
                copied[name] = None  # claimed first: a schema may refer to itself
                copied[name] = rewrite(documents.node(target, pointer), target)
            return {"$ref": f"#/components/schemas/{name}"}
        return rewrite(documents.node(target, pointer), target)

    bundled = rewrite(documents.documents[main_uri], main_uri)
    bundled.setdefault("components", {}).setdefault("schemas", {}).update(copied)
    out.write_text(yaml.safe_dump(bundled, sort_keys=False, allow_unicode=True), "utf-8")
    return out


def _presence_only(branches: Any) -> bool:
    """A oneOf/anyOf whose branches only name required properties ("exactly one of status
    and delay_ms"): the generator would read it as an untyped union and drop the object's
    model, so the client is generated without it (the mock still enforces it)."""
    return isinstance(branches, list) and all(
        isinstance(branch, dict) and set(branch) == {"required"} for branch in branches
    )


def generate_into(out: Path, target: Target = TARGETS[0]) -> None:
    """Run the pinned generator; its ruff post-hooks must come from this venv."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Hooks `import generate` for ROOT: this tree's copy, not the one the venv was built for.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "scripts"), env.get("PYTHONPATH")])
    )
    spec = target.spec
    if target.references:
        spec = bundle(spec, target.references, out.parent / f"{target.name}.yaml")
    cmd = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--config",
        str(versioned_config(target, out.parent / f"{target.name}-generator.yaml")),
        "--meta",
        "uv",
        "--output-path",
        str(out),
        "--fail-on-warning",
    ]
    if target.templates is not None and target.templates.is_dir():
        cmd += ["--custom-template-path", str(templates(target, out.parent / "templates"))]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"openapi-python-client failed (exit {done.returncode})")


def version() -> str:
    """The one version of every package (scripts/release.py sets it; `make generate` first)."""
    return str(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["package_version_override"])


def versioned_config(target: Target, out: Path) -> Path:
    """The target's generator config with the one version of CONFIG."""
    config = yaml.safe_load(target.config.read_text(encoding="utf-8"))
    config["package_version_override"] = version()
    out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out


def templates(target: Target, into: Path) -> Path:
    """The target's templates, plus open_enums.jinja: the enums its models parse, which
    model.py.jinja keeps open (scripts/open_enums.py; the generator's context has no callbacks
    and no way to tell a parsed model from a sent one)."""
    assert target.templates is not None
    shutil.copytree(target.templates, into)
    spec = yaml.safe_load(target.spec.read_text(encoding="utf-8"))
    found = open_enums.by_component(spec) if target.name == "python" else {}
    (into / "open_enums.jinja").write_text(
        f"{{% set OPEN = {json.dumps(found, sort_keys=True)} %}}\n", encoding="utf-8"
    )
    return into


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and "__pycache__" not in p.parts
        and ".ruff_cache" not in p.parts
        and ".mypy_cache" not in p.parts
        and not any(part.endswith(".egg-info") for part in p.parts)
    }


def diff(expected: dict[str, bytes], actual: dict[str, bytes], label: str) -> list[str]:
    lines: list[str] = []
    for name in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(name), actual.get(name)
        if want == have:
            continue
        if have is None:
            lines.append(f"missing from {label}: {name}\n")
        elif want is None:
            lines.append(f"not produced by the generator (stale?): {label}{name}\n")
        else:
            lines += difflib.unified_diff(
                have.decode(errors="replace").splitlines(keepends=True),
                want.decode(errors="replace").splitlines(keepends=True),
                f"{label}{name} (in the working tree)",
                f"{label}{name} (as openapi/ generates it)",
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale")
    # Tests: check a copy of generated/python/ (that target alone).
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    targets = TARGETS if args.target is None else (replace(TARGETS[0], folder=args.target),)
    stale = 0
    for target in targets:
        stale += run(target, check=args.check)
    return 1 if stale else 0


def run(target: Target, *, check: bool) -> int:
    """Check or rewrite one target's folder; 1 when a check finds it stale."""
    label = f"generated/{target.name}/"
    folder = target.folder
    with tempfile.TemporaryDirectory(prefix="plivo-dtmf-gen-") as tmp:
        out = Path(tmp) / "out"
        generate_into(out, target)
        fresh = tree(out)
        if check:
            problems = diff(fresh, tree(folder) if folder.is_dir() else {}, label)
            if problems:
                sys.stdout.writelines(problems)
                print(
                    f"\n{label} is stale or was edited by hand: run `make generate` "
                    "(it rewrites the folder)."
                )
                return 1
            print(f"{label} is up to date ({len(fresh)} files).")
            return 0
        folder.mkdir(parents=True, exist_ok=True)
        for name in tree(folder):
            (folder / name).unlink()
        for name, content in fresh.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for sub in sorted(folder.rglob("*"), reverse=True):
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
        print(f"{label} rewritten ({len(fresh)} files).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
