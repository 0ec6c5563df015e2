"""Compare two OpenAPI 3.x documents and classify each change by the rule table.

`$ref`s are followed (and `allOf` merged) while walking, so a change inside a shared component
is reported at every place it is used, each with its own location and level: one edit to
`Leg` is a request change where the client sends it and a response change where the SDK
parses it from the callback. Locations are JSON pointers into the new document (into the old
one for what was removed), through the use site. Formatting, key order and the choice between
a `$ref` and the same schema inline are not changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from plivo_mock.pointer import RefError, resolve, token, tokens

from specdiff.load import HTTP_METHODS, SpecInputError
from specdiff.rules import BREAKING, BUMP_OF_LEVEL, BUMPS, LEVELS, NON_BREAKING, RULES

EXEMPT_STABILITY = ("draft", "alpha")
STABILITY_RANK = {"draft": 0, "alpha": 1, "beta": 2, "stable": 3}
REQUEST, RESPONSE = "request", "response"

# Schema keywords by what they mean to the SDK (anything else changed is unclassified).
_SCHEMA_DOCS = {
    "description": "description-changed",
    "$comment": "description-changed",
    "externalDocs": "description-changed",
    "title": "summary-changed",
    "examples": "examples-changed",
    "example": "examples-changed",
}
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains")
_OTHER_CONSTRAINTS = ("format", "uniqueItems", "multipleOf", "additionalProperties")
_SCHEMA_HANDLED = {
    *_SCHEMA_DOCS,
    *_UPPER,
    *_LOWER,
    *_OTHER_CONSTRAINTS,
    "type",
    "nullable",
    "deprecated",
    "enum",
    "const",
    "pattern",
    "default",
    "properties",
    "required",
    "items",
}


@dataclass(frozen=True)
class Change:
    id: str
    level: str
    location: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "level": self.level,
            "location": self.location,
            "message": self.message,
        }


def bump_of(changes: list[Change]) -> str:
    """The semver bump the changes require: major, minor, patch or none."""
    return max((BUMP_OF_LEVEL[c.level] for c in changes), key=BUMPS.index, default="none")


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from `old` to `new`, breaking first, then by location."""
    differ = _Differ(old, new)
    differ.run()
    unique = set(differ.changes)
    return sorted(unique, key=lambda c: (LEVELS.index(c.level), c.location, c.id, c.message))


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _show(value: Any) -> str:
    """The value whole and as written, as a Markdown code span: a string as it stands in the
    spec (a pattern's backslashes single), anything else as compact JSON. Never cut: the
    changelog quotes it, and a user checks their values against the whole of it."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _resolve(doc: dict[str, Any], node: Any, where: str) -> tuple[Any, str | None]:
    """Follow a chain of local `$ref`s; answer the target and the first ref followed."""
    first = node.get("$ref") if isinstance(node, dict) else None
    try:
        return resolve(doc, node, where=where), first if isinstance(first, str) else None
    except RefError as error:
        raise SpecInputError(str(error)) from None


def _flatten(doc: dict[str, Any], node: Any, where: str, depth: int = 0) -> tuple[Any, str | None]:
    """A schema with its `$ref` followed and `allOf` merged in; and the component it came from."""
    if depth > 16:
        raise SpecInputError(f"{where}: allOf/$ref nesting too deep")
    via = None
    if isinstance(node, dict) and "$ref" in node and len(node) > 1:
        # OpenAPI 3.1: keywords next to a $ref apply together with it, like allOf.
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**rest, "allOf": [{"$ref": node["$ref"]}, *rest.get("allOf", [])]}
    else:
        node, via = _resolve(doc, node, where)
    if not isinstance(node, dict) or "allOf" not in node:
        return node, via
    merged: dict[str, Any] = {}
    flattened = [_flatten(doc, sub, where, depth + 1) for sub in node["allOf"]]
    parts = [part for part, _ in flattened]
    via = via or next((v for _, v in flattened if v), None)
    for part in [*parts, {k: v for k, v in node.items() if k != "allOf"}]:
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged[key] = value
    return merged, via


def _types(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    found = set(kind) if isinstance(kind, list) else {kind}
    if schema.get("nullable") is True:
        found.add("null")
    return found


def _widened(old: set[str] | None, new: set[str] | None) -> bool:
    if new is None:
        return True
    if old is None:
        return False
    return all(t in new or (t == "integer" and "number" in new) for t in old)


def _has_model(doc: dict[str, Any], schema: Any, where: str) -> bool:
    """openapi-python-client writes a model class for object and enum schemas only."""
    flat, _ = _flatten(doc, schema, where)
    return isinstance(flat, dict) and (
        "properties" in flat or "enum" in flat or flat.get("type") == "object"
    )


def _template(path: str) -> tuple[str, list[str]]:
    """A path with its parameters' names blanked, and those names in order."""
    return re.sub(r"\{[^}]*\}", "{}", path), re.findall(r"\{([^}]*)\}", path)


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) of each regex character that is outside
    an escape and a character class: the only ones that open, close or split groups."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield i, char, depth
            depth += {"(": 1, ")": -1}.get(char, 0)
        i += 1


def _alternatives(pattern: str) -> list[str]:
    """The top-level branches of a regex (split on `|` outside groups, classes and escapes),
    each with a group wrapping all of it taken off."""
    cuts = [i for i, char, depth in _structure(pattern) if char == "|" and depth == 0]
    bounds = zip([-1, *cuts], [*cuts, len(pattern)], strict=True)
    return [_unwrap(pattern[a + 1 : b]) for a, b in bounds]


def _unwrap(branch: str) -> str:
    for opening in ("(?:", "("):
        if branch.startswith(opening) and branch.endswith(")"):
            inner = branch[len(opening) : -1]
            if _balanced(inner):  # `(a)|(b)` is two groups, not one around `a)|(b`
                return inner
    return branch


def _balanced(pattern: str) -> bool:
    depth = 0
    for _, char, before in _structure(pattern):
        depth = before + {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _accepts_everything(pattern: Any) -> bool:
    """A JSON Schema pattern is searched, not anchored: one with no zero-width assertion
    (anchors, lookarounds, word boundaries) and no backreference that matches the empty
    string matches at the start of every string (`.*`, `[0-9]*`)."""
    if not isinstance(pattern, str) or re.search(r"\^|\$|\\[AbBZzGk\d]|\(\?[=!<]|\(\?P=", pattern):
        return False
    try:
        return re.search(pattern, "") is not None
    except re.error:
        return False


def _generalizes(old: Any, new: Any) -> bool:
    """True when `new` is known to accept every string `old` accepts: it accepts everything,
    or its top-level branches include all of old's (`old|more`)."""
    if _accepts_everything(new):
        return True
    if not (isinstance(old, str) and isinstance(new, str)) or re.search(r"\\[k\d]|\(\?P=", new):
        return False
    return set(_alternatives(old)) < set(_alternatives(new))


def _used_schemes(doc: dict[str, Any]) -> set[str]:
    """The security schemes some operation requires (its own `security`, else the top-level)."""
    used: set[str] = set()
    for item in (doc.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                for requirement in op.get("security", doc.get("security")) or []:
                    used |= set(requirement)
    return used


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.exempt: str | None = None
        self.stack: set[tuple[str, str]] = set()
        # Old path-parameter name -> new, while comparing a path whose parameters were renamed.
        self.renames: dict[str, str] = {}
        self.new_error_statuses = {
            str(code)
            for _, item in self._path_items(new)
            for method in HTTP_METHODS
            if isinstance(item.get(method), dict)
            for code in (item[method].get("responses") or {})
            if not str(code).startswith(("1", "2", "3"))
        }

    def _path_items(self, doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        for path, item in (doc.get("paths") or {}).items():
            ptr = f"/paths/{token(path)}"
            resolved, _ = _resolve(doc, item, ptr)
            if isinstance(resolved, dict):
                yield ptr, resolved

    def add(self, rule_id: str, location: str, message: str) -> None:
        level = RULES[rule_id].level
        if self.exempt and level == BREAKING:
            level = NON_BREAKING
            message += f" (exempt: x-stability-level {self.exempt})"
        self.changes.append(Change(rule_id, level, location, message))

    @contextmanager
    def exempting(self, stability: Any) -> Iterator[None]:
        saved = self.exempt
        if stability in EXEMPT_STABILITY:
            self.exempt = str(stability)
        try:
            yield
        finally:
            self.exempt = saved

    # The document

    def run(self) -> None:
        old, new = self.old, self.new
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key), new.get(key)
            if _same(a, b) or key in ("paths", "components", "security"):
                continue
            if key in ("info", "openapi"):
                self.info(a, b, key)
            elif key == "servers":
                self.servers(a or [], b or [])
            elif key == "tags":
                self.add("tag-changed", "/tags", "top-level tags changed")
            elif key == "externalDocs":
                self.add("description-changed", "/externalDocs", "externalDocs changed")
            elif key.startswith("x-"):
                self.add("extension-changed", f"/{token(key)}", f"{key} changed")
            else:
                self.add("unclassified-change", f"/{token(key)}", f"top-level {key} changed")
        self.security_schemes()
        self.models()
        self.paths()

    def info(self, a: Any, b: Any, key: str) -> None:
        if key == "openapi" or not (isinstance(a, dict) and isinstance(b, dict)):
            self.add("info-changed", f"/{key}", f"{key} changed: {_show(a)} -> {_show(b)}")
            return
        for field in sorted(a.keys() | b.keys()):
            if not _same(a.get(field), b.get(field)):
                self.add("info-changed", f"/info/{token(field)}", f"info.{field} changed")

    def servers(self, old: list[Any], new: list[Any]) -> None:
        ou = [s.get("url") for s in old if isinstance(s, dict)]
        nu = [s.get("url") for s in new if isinstance(s, dict)]
        default_changed = ou[:1] != nu[:1]
        if default_changed:
            self.add(
                "api-default-server-changed",
                "/servers/0",
                f"default server (the SDK's default base URL) changed: {_show(ou[:1])} -> "
                f"{_show(nu[:1])}",
            )
        for i, url in enumerate(ou):
            if url not in nu and not (default_changed and i == 0):
                self.add("api-server-removed", f"/servers/{i}", f"server {url} removed")
        for i, url in enumerate(nu):
            if url not in ou and not (default_changed and i == 0):
                self.add("api-server-added", f"/servers/{i}", f"server {url} added")
        for i, server in enumerate(new):
            match = next((s for s in old if s.get("url") == server.get("url")), None)
            if match is None:
                continue
            for field in sorted(match.keys() | server.keys()):
                if field != "url" and not _same(match.get(field), server.get(field)):
                    rule = (
                        "description-changed" if field == "description" else "unclassified-change"
                    )
                    self.add(
                        rule,
                        f"/servers/{i}/{token(field)}",
                        f"server {server['url']} {field} changed",
                    )

    def security_schemes(self) -> None:
        old = (self.old.get("components") or {}).get("securitySchemes") or {}
        new = (self.new.get("components") or {}).get("securitySchemes") or {}
        used = _used_schemes(self.old) | _used_schemes(self.new)
        for name in sorted(old.keys() | new.keys()):
            loc = f"/components/securitySchemes/{token(name)}"
            a, _ = _resolve(self.old, old.get(name), loc)
            b, _ = _resolve(self.new, new.get(name), loc)
            # A scheme no operation requires, before or after, changes no call.
            changed = (
                "security-scheme-changed" if name in used else "security-scheme-unused-changed"
            )
            if a is None or b is None:
                if a is not None:
                    self.add(changed, loc, f"security scheme {name} removed")
                elif name not in used:
                    self.add(changed, loc, f"security scheme {name} added (no operation uses it)")
                continue
            for field in sorted(a.keys() | b.keys()):
                if _same(a.get(field), b.get(field)):
                    continue
                rule = "description-changed" if field == "description" else changed
                self.add(
                    rule,
                    f"{loc}/{token(field)}",
                    f"security scheme {name}: {field} "
                    f"{_show(a.get(field))} -> {_show(b.get(field))}",
                )

    def models(self) -> None:
        old = (self.old.get("components") or {}).get("schemas") or {}
        new = (self.new.get("components") or {}).get("schemas") or {}
        for name in sorted(old.keys() - new.keys()):
            loc = f"/components/schemas/{token(name)}"
            if _has_model(self.old, old[name], loc):
                self.add(
                    "sdk-model-removed", loc, f"model {name} removed (schema removed or renamed)"
                )
        for name in sorted(new.keys() - old.keys()):
            loc = f"/components/schemas/{token(name)}"
            if _has_model(self.new, new[name], loc):
                self.add("sdk-model-added", loc, f"model {name} added")

    # Paths and operations

    def paths(self) -> None:
        old = dict(self._path_items(self.old))
        new = dict(self._path_items(self.new))
        renamed = self._renamed_paths(old.keys() - new.keys(), new.keys() - old.keys())
        for loc in sorted(old.keys() | new.keys()):
            path = tokens(loc)[1]
            a, b = old.get(loc), new.get(loc)
            if loc in renamed.values():
                continue  # compared with the old path it renames
            if loc in renamed:
                assert a is not None
                self.renamed_path(path, loc, renamed[loc], a, new[renamed[loc]])
            elif b is None:
                assert a is not None
                with self.exempting(self._path_stability(a)):
                    self.add("api-path-removed", loc, f"path {path} removed")
            elif a is None:
                self.add("api-path-added", loc, f"path {path} added")
            else:
                self.path_item(path, loc, a, b)

    @staticmethod
    def _path_stability(item: dict[str, Any]) -> Any:
        """Exempt only if every operation on it was: the most stable one decides."""
        levels = [item[m].get("x-stability-level") for m in HTTP_METHODS if m in item]
        return max(levels, key=lambda s: STABILITY_RANK.get(s, 3)) if levels else None

    @staticmethod
    def _renamed_paths(removed: set[str], added: set[str]) -> dict[str, str]:
        """Old path location -> new, for a removed and an added path alike but for the names of
        their parameters (`/books/{bookId}` and `/books/{id}`): one path, its parameters
        renamed. Paired only when each template has exactly one of each."""

        def by_template(locs: set[str]) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for loc in locs:
                found.setdefault(_template(tokens(loc)[1])[0], []).append(loc)
            return found

        gone, new = by_template(removed), by_template(added)
        return {
            gone[t][0]: new[t][0]
            for t in gone.keys() & new.keys()
            if len(gone[t]) == len(new[t]) == 1 and "{}" in t
        }

    def renamed_path(
        self, old_path: str, old_loc: str, loc: str, a: dict[str, Any], b: dict[str, Any]
    ) -> None:
        path = tokens(loc)[1]
        names = zip(_template(old_path)[1], _template(path)[1], strict=True)
        renames = {before: after for before, after in names if before != after}
        with self.exempting(self._path_stability(a)):
            for before, after in renames.items():
                self.add(
                    "request-path-parameter-renamed",
                    loc,
                    f"path {old_path} -> {path}: path parameter `{before}` is now `{after}` "
                    "(the SDK argument named after it too)",
                )
        self.renames = renames
        try:
            self.path_item(path, loc, a, b)
        finally:
            self.renames = {}

    def path_item(self, path: str, loc: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for key in sorted(a.keys() | b.keys()):
            if key in HTTP_METHODS:
                label = f"{key.upper()} {path}"
                if key not in b:
                    with self.exempting(a[key].get("x-stability-level")):
                        self.add("api-operation-removed", f"{loc}/{key}", f"{label} removed")
                elif key not in a:
                    self.add("api-operation-added", f"{loc}/{key}", f"{label} added")
                else:
                    self.operation(label, f"{loc}/{key}", a[key], b[key], a, b, callback=False)
            elif key == "servers" and not _same(a.get(key), b.get(key)):
                self.local_servers(f"path {path}", f"{loc}/servers", a.get(key), b.get(key))
            elif key != "parameters" and not _same(a.get(key), b.get(key)):
                self.docs_or_unclassified(key, f"{loc}/{token(key)}", f"path {path}", b.get(key))

    def local_servers(self, label: str, loc: str, a: Any, b: Any) -> None:
        """A path's or operation's own servers: the SDKs read only the top-level ones."""
        strip = [
            [{k: v for k, v in s.items() if k != "description"} for s in x if isinstance(s, dict)]
            for x in (a or [], b or [])
        ]
        if _same(strip[0], strip[1]):
            self.add("description-changed", loc, f"{label}: servers' descriptions changed")
            return
        urls = [[s.get("url") for s in x] for x in strip]
        self.add(
            "api-operation-servers-changed",
            loc,
            f"{label}: own servers {_show(urls[0])} -> {_show(urls[1])} (the SDKs ignore them)",
        )

    def deprecation(self, loc: str, label: str, now: Any) -> None:
        self.add(
            "deprecation-changed",
            loc,
            f"{label}: {'deprecated' if now else 'no longer deprecated'}",
        )

    def docs_or_unclassified(self, key: str, loc: str, label: str, new: Any = None) -> None:
        if key == "deprecated":
            self.deprecation(loc, label, new)
            return
        rule = {
            "description": "description-changed",
            "summary": "summary-changed",
            "externalDocs": "description-changed",
            "x-codeSamples": "code-samples-changed",
            "examples": "examples-changed",
            "example": "examples-changed",
        }.get(key)
        if rule is None:
            rule = "extension-changed" if key.startswith("x-") else "unclassified-change"
        self.add(rule, loc, f"{label}: {key} changed")

    def operation(
        self,
        label: str,
        loc: str,
        a: dict[str, Any],
        b: dict[str, Any],
        item_a: dict[str, Any],
        item_b: dict[str, Any],
        *,
        callback: bool,
    ) -> None:
        sa, sb = a.get("x-stability-level"), b.get("x-stability-level")
        if STABILITY_RANK.get(str(sb), 3) < STABILITY_RANK.get(str(sa), 3):
            self.add(
                "api-stability-decreased",
                f"{loc}/x-stability-level",
                f"{label}: stability {sa or 'stable'} -> {sb}",
            )
        with self.exempting(sa):
            self.operation_body(label, loc, a, b, item_a, item_b, callback=callback)

    def operation_body(
        self,
        label: str,
        loc: str,
        a: dict[str, Any],
        b: dict[str, Any],
        item_a: dict[str, Any],
        item_b: dict[str, Any],
        *,
        callback: bool,
    ) -> None:
        for key in sorted(a.keys() | b.keys()):
            va, vb = a.get(key), b.get(key)
            if key == "parameters":
                continue  # with the path item's, below
            if key in ("requestBody", "responses", "callbacks", "security"):
                continue
            if _same(va, vb) or key == "x-stability-level":
                continue
            kloc = f"{loc}/{token(key)}"
            if key == "operationId":
                self.add(
                    "api-operation-id-changed",
                    kloc,
                    f"{label}: operationId {va} -> {vb} (SDK module renamed)",
                )
            elif key == "tags":
                first_a, first_b = (va or [None])[0], (vb or [None])[0]
                if first_a != first_b:
                    self.add(
                        "api-operation-tag-changed",
                        kloc,
                        f"{label}: tag {first_a} -> {first_b} (SDK module moved)",
                    )
                else:
                    self.add("tag-changed", kloc, f"{label}: tags changed")
            elif key == "deprecated":
                self.deprecation(kloc, label, vb)
            elif key == "servers":
                self.local_servers(label, kloc, va, vb)
            else:
                self.docs_or_unclassified(key, kloc, label, vb)
        self.parameters(label, loc, a, b, item_a, item_b, callback=callback)
        self.request_body(
            label,
            loc,
            a.get("requestBody"),
            b.get("requestBody"),
            RESPONSE if callback else REQUEST,
        )
        self.responses(
            label, loc, a.get("responses") or {}, b.get("responses") or {}, callback=callback
        )
        if not callback:
            self.security(label, loc, a, b)
            self.callbacks(label, loc, a.get("callbacks") or {}, b.get("callbacks") or {})

    def security(self, label: str, loc: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        def requirements(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
            found = op.get("security", doc.get("security")) or []
            return [r for r in found if isinstance(r, dict)]

        def alternatives(doc: dict[str, Any], op: dict[str, Any]) -> set[frozenset[str]]:
            found = {frozenset(req) for req in requirements(doc, op)}
            return found or {frozenset()}  # no requirement: anyone may call

        def scopes(doc: dict[str, Any], op: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
            """(alternative, scheme) -> the scopes (or 3.1 roles) it requires."""
            found: dict[tuple[str, str], set[str]] = {}
            for req in requirements(doc, op):
                alt = " + ".join(sorted(req))
                for scheme, listed in req.items():
                    found.setdefault((alt, scheme), set()).update(map(str, listed or []))
            return found

        old, new = alternatives(self.old, a), alternatives(self.new, b)
        where = f"{loc}/security" if "security" in b else "/security"

        def name(alt: frozenset[str]) -> str:
            return " + ".join(sorted(alt)) or "no authentication"

        # Once anonymous calls are accepted, a dropped alternative cannot fail a call.
        dropped = set() if frozenset() in new else old - new
        for alt in sorted(dropped, key=sorted):
            self.add("api-security-removed", where, f"{label}: no longer accepts {name(alt)}")
        for alt in sorted(new - old, key=sorted):
            self.add("api-security-added", where, f"{label}: now also accepts {name(alt)}")
        # Scopes of an alternative accepted before and after (one added or dropped is above).
        old_scopes, new_scopes = scopes(self.old, a), scopes(self.new, b)
        for key in sorted(old_scopes.keys() & new_scopes.keys()):
            before, after = old_scopes[key], new_scopes[key]
            if frozenset() not in new:
                for scope in sorted(after - before):
                    self.add(
                        "api-security-scope-added",
                        where,
                        f"{label}: {key[1]} now requires scope `{scope}` (tokens without it fail)",
                    )
            for scope in sorted(before - after):
                self.add(
                    "api-security-scope-removed",
                    where,
                    f"{label}: {key[1]} no longer requires scope `{scope}`",
                )

    def callbacks(self, label: str, loc: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for name in sorted(a.keys() | b.keys()):
            cloc = f"{loc}/callbacks/{token(name)}"
            ca, _ = _resolve(self.old, a.get(name), cloc)
            cb, _ = _resolve(self.new, b.get(name), cloc)
            if cb is None:
                self.add("api-callback-removed", cloc, f"{label}: callback {name} removed")
                continue
            if ca is None:
                self.add("api-callback-added", cloc, f"{label}: callback {name} added")
                continue
            for expr in sorted(ca.keys() | cb.keys()):
                eloc = f"{cloc}/{token(expr)}"
                ia, _ = _resolve(self.old, ca.get(expr), eloc)
                ib, _ = _resolve(self.new, cb.get(expr), eloc)
                if ib is None or ia is None:
                    rule = "api-callback-removed" if ib is None else "api-callback-added"
                    self.add(
                        rule,
                        eloc,
                        f"{label}: callback {name} {expr} {'removed' if ib is None else 'added'}",
                    )
                    continue
                for method in sorted(ia.keys() | ib.keys()):
                    if method not in HTTP_METHODS:
                        continue
                    oa, ob = ia.get(method), ib.get(method)
                    mloc = f"{eloc}/{method}"
                    clabel = f"{label} callback {name} ({method.upper()})"
                    if ob is None or oa is None:
                        rule = "api-callback-removed" if ob is None else "api-callback-added"
                        self.add(rule, mloc, f"{clabel} {'removed' if ob is None else 'added'}")
                    else:
                        self.operation(clabel, mloc, oa, ob, ia, ib, callback=True)

    # Parameters and bodies

    def _params(
        self,
        doc: dict[str, Any],
        loc: str,
        item: dict[str, Any],
        op: dict[str, Any],
        renames: dict[str, str] | None = None,
    ) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
        """Parameters by (in, name); with `renames`, path parameters by their new names."""
        item_loc = loc.rsplit("/", 1)[0]
        found: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for base, listed in ((item_loc, item.get("parameters")), (loc, op.get("parameters"))):
            for i, param in enumerate(listed or []):
                ploc = f"{base}/parameters/{i}"
                resolved, _ = _resolve(doc, param, ploc)
                where, name = str(resolved.get("in")), str(resolved.get("name"))
                if renames and where == "path":
                    name = renames.get(name, name)
                found[(where, name)] = (resolved, ploc)
        return found

    def parameters(
        self,
        label: str,
        loc: str,
        a: dict[str, Any],
        b: dict[str, Any],
        item_a: dict[str, Any],
        item_b: dict[str, Any],
        *,
        callback: bool,
    ) -> None:
        # A callback's parameters are what the SDK user's receiver is sent, so they follow the
        # response side: one more is harmless, one fewer breaks a receiver that reads it.
        prefix = "callback-parameter" if callback else "request-parameter"
        old = self._params(self.old, loc, item_a, a, None if callback else self.renames)
        new = self._params(self.new, loc, item_b, b)
        for key in sorted(old.keys() | new.keys()):
            where, name = key
            what = f"{label}: {where} parameter `{name}`"
            if key not in new:
                self.add(f"{prefix}-removed", old[key][1], f"{what} removed")
                continue
            pb, ploc = new[key]
            if key not in old:
                required = pb.get("required") is True
                if callback:
                    rule = "callback-parameter-added"
                elif required:
                    rule = "new-required-request-parameter"
                else:
                    rule = "new-optional-request-parameter"
                self.add(rule, ploc, f"{what} added ({'required' if required else 'optional'})")
                continue
            pa = old[key][0]
            for field in sorted(pa.keys() | pb.keys()):
                va, vb = pa.get(field), pb.get(field)
                if field in ("name", "in") or _same(va, vb):
                    continue
                floc = f"{ploc}/{token(field)}"
                if field == "required":
                    rule = f"{prefix}-became-{'required' if vb else 'optional'}"
                    self.add(rule, floc, f"{what} became {'required' if vb else 'optional'}")
                elif field == "schema":
                    self.schema(va, vb, floc, what, [], RESPONSE if callback else REQUEST)
                else:
                    self.docs_or_unclassified(field, floc, what, vb)

    def request_body(self, label: str, loc: str, a: Any, b: Any, direction: str) -> None:
        bloc = f"{loc}/requestBody"
        a, _ = _resolve(self.old, a, bloc)
        b, _ = _resolve(self.new, b, bloc)
        if a is None and b is None:
            return
        what = f"{label}: {'body' if direction == RESPONSE else 'request body'}"
        if b is None:
            self.add("request-body-removed", bloc, f"{what} removed")
            return
        if a is None:
            required = b.get("required") is True
            rule = "new-required-request-body" if required else "new-optional-request-body"
            self.add(rule, bloc, f"{what} added")
            return
        if bool(a.get("required")) != bool(b.get("required")):
            rule = (
                "request-body-became-required"
                if b.get("required")
                else ("request-body-became-optional")
            )
            self.add(
                rule,
                f"{bloc}/required",
                f"{what} became {'required' if b.get('required') else 'optional'}",
            )
        for key in sorted(a.keys() | b.keys()):
            if key not in ("required", "content") and not _same(a.get(key), b.get(key)):
                self.docs_or_unclassified(key, f"{bloc}/{token(key)}", what, b.get(key))
        self.content(
            what,
            bloc,
            a.get("content") or {},
            b.get("content") or {},
            direction,
            removed="request-body-media-type-removed",
            added="request-body-media-type-added",
        )

    def content(
        self,
        what: str,
        loc: str,
        a: dict[str, Any],
        b: dict[str, Any],
        direction: str,
        *,
        removed: str,
        added: str,
    ) -> None:
        for media in sorted(a.keys() | b.keys()):
            mloc = f"{loc}/content/{token(media)}"
            if media not in b:
                self.add(removed, mloc, f"{what}: media type {media} removed")
            elif media not in a:
                self.add(added, mloc, f"{what}: media type {media} added")
            else:
                ma, mb = a[media] or {}, b[media] or {}
                for key in sorted(ma.keys() | mb.keys()):
                    if key == "schema":
                        self.schema(ma.get(key), mb.get(key), f"{mloc}/schema", what, [], direction)
                    elif not _same(ma.get(key), mb.get(key)):
                        self.docs_or_unclassified(key, f"{mloc}/{token(key)}", what, mb.get(key))

    # Responses

    def responses(
        self, label: str, loc: str, a: dict[str, Any], b: dict[str, Any], *, callback: bool
    ) -> None:
        for code in sorted(a.keys() | b.keys(), key=str):
            status = str(code)
            rloc = f"{loc}/responses/{token(status)}"
            success = status.startswith(("1", "2", "3"))
            what = f"{label}: response {status}"
            if code not in b:
                if callback:
                    rule = "callback-response-status-removed"
                elif success:
                    rule = "response-success-status-removed"
                elif status in self.new_error_statuses or status == "default":
                    rule = "response-error-status-removed-from-operation"
                else:
                    rule = "response-error-status-removed"
                self.add(rule, rloc, f"{what} removed")
                continue
            if code not in a:
                if callback:
                    rule = "callback-response-status-added"
                else:
                    rule = (
                        "response-success-status-added"
                        if success
                        else ("response-error-status-added")
                    )
                self.add(rule, rloc, f"{what} added")
                continue
            ra, _ = _resolve(self.old, a[code], rloc)
            rb, _ = _resolve(self.new, b[code], rloc)
            for key in sorted(ra.keys() | rb.keys()):
                va, vb = ra.get(key), rb.get(key)
                if key == "content":
                    self.content(
                        what,
                        rloc,
                        va or {},
                        vb or {},
                        REQUEST if callback else RESPONSE,
                        removed="response-media-type-removed",
                        added="response-media-type-added",
                    )
                elif key == "headers":
                    self.headers(what, rloc, va or {}, vb or {})
                elif key == "links":
                    self.links(what, rloc, va or {}, vb or {})
                elif not _same(va, vb):
                    self.docs_or_unclassified(key, f"{rloc}/{token(key)}", what, vb)

    def headers(self, what: str, loc: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        old = {name.lower(): (name, h) for name, h in a.items()}
        new = {name.lower(): (name, h) for name, h in b.items()}
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                name = old[key][0]
                hloc = f"{loc}/headers/{token(name)}"
                ha, _ = _resolve(self.old, old[key][1], hloc)
                rule = (
                    "response-required-header-removed"
                    if ha.get("required")
                    else ("response-optional-header-removed")
                )
                self.add(rule, hloc, f"{what}: header {name} removed")
                continue
            name = new[key][0]
            hloc = f"{loc}/headers/{token(name)}"
            hb, _ = _resolve(self.new, new[key][1], hloc)
            if key not in old:
                self.add("response-header-added", hloc, f"{what}: header {name} added")
                continue
            ha, _ = _resolve(self.old, old[key][1], hloc)
            for field in sorted(ha.keys() | hb.keys()):
                va, vb = ha.get(field), hb.get(field)
                if _same(va, vb):
                    continue
                floc = f"{hloc}/{token(field)}"
                if field == "required":
                    rule = (
                        "response-header-became-required"
                        if vb
                        else ("response-header-became-optional")
                    )
                    self.add(
                        rule,
                        floc,
                        f"{what}: header {name} became {'required' if vb else 'optional'}",
                    )
                elif field == "schema":
                    self.schema(va, vb, floc, f"{what}: header {name}", [], RESPONSE)
                else:
                    self.docs_or_unclassified(field, floc, f"{what}: header {name}", vb)

    def links(self, what: str, loc: str, a: dict[str, Any], b: dict[str, Any]) -> None:
        for name in sorted(a.keys() | b.keys()):
            lloc = f"{loc}/links/{token(name)}"
            la, _ = _resolve(self.old, a.get(name), lloc)
            lb, _ = _resolve(self.new, b.get(name), lloc)
            if not _same(la, lb):
                state = "removed" if lb is None else "added" if la is None else "changed"
                self.add("response-link-changed", lloc, f"{what}: link {name} {state}")

    # Schemas

    def schema(self, a: Any, b: Any, loc: str, what: str, path: list[str], direction: str) -> None:
        if a is None or b is None:
            if not _same(a, b):
                self.add(
                    "unclassified-change",
                    loc,
                    f"{what}: schema {'removed' if b is None else 'added'}",
                )
            return
        a, via_a = _flatten(self.old, a, loc)
        b, via_b = _flatten(self.new, b, loc)
        guard = (via_a or "", via_b or "")
        if via_a and via_b and guard in self.stack:
            return  # a recursive schema: its changes are reported on the way in
        if not (isinstance(a, dict) and isinstance(b, dict)):
            if not _same(a, b):
                self.add("unclassified-change", loc, f"{what}: schema changed")
            return
        self.stack.add(guard)
        try:
            _SchemaComparison(self, a, b, loc, what, path, direction, via_b or via_a).run()
        finally:
            self.stack.discard(guard)


class _SchemaComparison:
    def __init__(
        self,
        differ: _Differ,
        a: dict[str, Any],
        b: dict[str, Any],
        loc: str,
        what: str,
        path: list[str],
        direction: str,
        via: str | None,
    ) -> None:
        self.differ, self.a, self.b, self.loc = differ, a, b, loc
        self.what, self.path, self.direction = what, path, direction
        self.request = direction == REQUEST
        self.via = f" [{via.rsplit('/', 1)[-1]}]" if via else ""
        field = ".".join(path)
        self.subject = f"{what} `{field}`" if field else what

    def add(self, rule: str, key: str, detail: str) -> None:
        loc = f"{self.loc}/{token(key)}" if key else self.loc
        self.differ.add(rule, loc, f"{self.subject}: {detail}{self.via}")

    def run(self) -> None:
        a, b = self.a, self.b
        for key in sorted(a.keys() | b.keys()):
            va, vb = a.get(key), b.get(key)
            if key in ("properties", "required", "items") or _same(va, vb):
                continue
            if key in _SCHEMA_DOCS:
                self.add(_SCHEMA_DOCS[key], key, f"{key} changed")
            elif key == "deprecated":
                self.add("deprecation-changed", key, "deprecated" if vb else "no longer deprecated")
            elif key in ("type", "nullable"):
                continue
            elif key in ("enum", "const"):
                continue
            elif key == "pattern":
                self.pattern(va, vb)
            elif key in _UPPER or key in _LOWER:
                self.bound(key, va, vb)
            elif key in _OTHER_CONSTRAINTS:
                self.other_constraint(key, va, vb)
            elif key == "default":
                rule = "request-default-changed" if self.request else "response-constraint-changed"
                self.add(rule, key, f"default {_show(va)} -> {_show(vb)}")
            elif key.startswith("x-"):
                self.add("extension-changed", key, f"{key} changed")
            else:
                self.add("unclassified-change", key, f"{key} changed")
        self.types()
        self.enum()
        self.properties()
        self.items()

    def types(self) -> None:
        ta, tb = _types(self.a), _types(self.b)
        if ta == tb:
            return
        shown = f"type {_show(sorted(ta)) if ta else 'any'} -> {_show(sorted(tb)) if tb else 'any'}"
        if not self.request:
            self.add("response-type-changed", "type", shown)
        elif _widened(ta, tb):
            self.add("request-type-widened", "type", shown)
        else:
            self.add("request-type-changed", "type", shown)

    def enum(self) -> None:
        def values(schema: dict[str, Any]) -> list[Any] | None:
            if "enum" in schema:
                return list(schema["enum"] or [])
            return [schema["const"]] if "const" in schema else None

        ea, eb = values(self.a), values(self.b)
        if ea is None and eb is None:
            return
        key = "enum" if "enum" in self.b or "enum" in self.a else "const"
        if ea is None or eb is None:
            # An enum set or dropped: the SDK type goes from str to an open enum (the enum
            # class or str) or back, which takes the enum class away.
            if not self.request:
                if eb is not None:
                    self.add("response-became-enum", key, f"now an enum {_show(eb)} (open)")
                else:
                    self.add(
                        "response-enum-value-removed", key, "enum removed (its SDK enum class too)"
                    )
            elif eb is not None:
                self.add("request-enum-value-removed", key, f"now limited to {_show(eb)}")
            else:
                self.add("request-enum-value-added", key, "enum removed: any value accepted")
            return
        da = {json.dumps(v, sort_keys=True): v for v in ea}
        db = {json.dumps(v, sort_keys=True): v for v in eb}
        for gone in sorted(da.keys() - db.keys()):
            rule = "request-enum-value-removed" if self.request else "response-enum-value-removed"
            self.add(rule, key, f"enum value {_show(da[gone])} removed")
        for new in sorted(db.keys() - da.keys()):
            rule = "request-enum-value-added" if self.request else "response-enum-value-added"
            self.add(rule, key, f"enum value {_show(db[new])} added")

    def pattern(self, va: Any, vb: Any) -> None:
        shown = f"pattern {_show(va)} -> {_show(vb)}"
        if not self.request:
            self.add("response-constraint-changed", "pattern", shown)
        elif vb is None:
            self.add("request-pattern-removed", "pattern", shown)
        elif _generalizes(va, vb):
            self.add("request-pattern-generalized", "pattern", shown)
        else:
            self.add("request-pattern-changed", "pattern", shown)

    def bound(self, key: str, va: Any, vb: Any) -> None:
        shown = f"{key} {_show(va)} -> {_show(vb)}"
        if not self.request:
            self.add("response-constraint-changed", key, shown)
            return
        upper = key in _UPPER
        if isinstance(vb, bool) or isinstance(va, bool):
            tightened = vb is True
        else:
            tightened = vb is not None and (va is None or (vb < va if upper else vb > va))
        if key == "maxLength":
            rule = "request-max-length-decreased" if tightened else "request-max-length-increased"
        elif key == "minLength":
            rule = "request-min-length-increased" if tightened else "request-min-length-decreased"
        else:
            rule = "request-constraint-tightened" if tightened else "request-constraint-loosened"
        self.add(rule, key, shown)

    def other_constraint(self, key: str, va: Any, vb: Any) -> None:
        shown = f"{key} {_show(va)} -> {_show(vb)}"
        if not self.request:
            self.add("response-constraint-changed", key, shown)
            return
        if key == "additionalProperties" and isinstance(va, dict) and isinstance(vb, dict):
            self.differ.schema(
                va, vb, f"{self.loc}/{key}", self.what, [*self.path, "*"], self.direction
            )
            return
        if key == "additionalProperties":
            loosened = vb is None or vb is True or (va is False)
        elif key == "uniqueItems":
            loosened = vb is not True
        else:  # format, multipleOf: set or changed tightens, removed loosens
            loosened = vb is None
        rule = "request-constraint-loosened" if loosened else "request-constraint-tightened"
        self.add(rule, key, shown)

    def properties(self) -> None:
        pa = self.a.get("properties") or {}
        pb = self.b.get("properties") or {}
        ra, rb = set(self.a.get("required") or []), set(self.b.get("required") or [])
        for name in sorted(pa.keys() | pb.keys()):
            ploc = f"{self.loc}/properties/{token(name)}"
            field = ".".join([*self.path, name])
            subject = f"{self.what} property `{field}`"
            if name not in pb:
                rule = "request-property-removed" if self.request else "response-property-removed"
                self.differ.add(rule, ploc, f"{subject} removed{self.via}")
                continue
            if name not in pa:
                if not self.request:
                    rule = "response-property-added"
                elif name in rb:
                    rule = "new-required-request-property"
                else:
                    rule = "new-optional-request-property"
                kind = "required" if name in rb else "optional"
                self.differ.add(rule, ploc, f"{subject} added ({kind}){self.via}")
                continue
            if (name in ra) != (name in rb):
                now = "required" if name in rb else "optional"
                rule = f"{'request' if self.request else 'response'}-property-became-{now}"
                self.differ.add(rule, f"{self.loc}/required", f"{subject} became {now}{self.via}")
            self.differ.schema(
                pa[name], pb[name], ploc, self.what, [*self.path, name], self.direction
            )
        for name in sorted((ra ^ rb) - pa.keys() - pb.keys()):
            self.add("unclassified-change", "required", f"required lists undeclared `{name}`")

    def items(self) -> None:
        ia, ib = self.a.get("items"), self.b.get("items")
        if ia is None and ib is None:
            return
        path = [*self.path[:-1], f"{self.path[-1]}[]"] if self.path else ["[]"]
        self.differ.schema(ia, ib, f"{self.loc}/items", self.what, path, self.direction)
