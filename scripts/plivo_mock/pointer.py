"""JSON Pointers (RFC 6901) and `$ref` resolution: the one reading of both for every tool.

The mock, the contract suite and spec-diff all follow `$ref`s through this module, so that a
document means the same to each of them: pointer tokens unescaped (`~1` is `/`, `~0` is `~`,
in that order), percent-encoding of the fragment undone, at most `MAX_HOPS` refs followed in a
chain, a cycle named as one, and a ref to nothing (or to a document not loaded) named with the
ref as written and where it was found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

# Far more than a real document needs, few enough that a hostile
# document is refused at once.
MAX_HOPS = 32


class RefError(ValueError):
    """A pointer or `$ref` that does not resolve; the message names it and where it was met."""


def token(name: str) -> str:
    """`name` as one reference token: `~` and `/` escaped."""
    return name.replace("~", "~0").replace("/", "~1")


def tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer ("" is the whole document).

    RFC 6901: a pointer is empty or starts with `/`; every token keeps its empty strings
    (`/a//b` has three tokens); `~` is followed by `0` or `1` only.
    """
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise RefError(f"JSON pointer {pointer!r} does not start with '/'")
    parts = pointer[1:].split("/")
    for part in parts:
        if "~" in part.replace("~0", "").replace("~1", ""):
            raise RefError(f"JSON pointer {pointer!r}: '~' must be followed by 0 or 1")
    return [part.replace("~1", "/").replace("~0", "~") for part in parts]


def lookup(document: Any, pointer: str) -> Any:
    """The value at `pointer` in `document`, or RefError naming the pointer."""
    value = document
    for part in tokens(pointer):
        if isinstance(value, list):
            # RFC 6901: an array index is digits without a leading zero.
            if not part.isascii() or not part.isdigit() or (part != "0" and part.startswith("0")):
                raise RefError(f"nothing at #{pointer}")
            index = int(part)
            if index >= len(value):
                raise RefError(f"nothing at #{pointer}")
            value = value[index]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise RefError(f"nothing at #{pointer}")
    return value


def fragment_pointer(fragment: str) -> str:
    """The JSON pointer a `$ref` fragment spells (its percent-encoding undone)."""
    return unquote(fragment)


def _ref_of(value: Any) -> str | None:
    ref = value.get("$ref") if isinstance(value, dict) else None
    return ref if isinstance(ref, str) else None


class Resolver:
    """Follows `$ref`s among documents held by URI (one document: any URI, refs `#/...`).

    `aliases` maps a URI that refs name to the loaded URI it means (the control document
    names the spec by its file name, wherever the spec served is kept).
    """

    def __init__(
        self,
        documents: Mapping[str, Any],
        *,
        aliases: Mapping[str, str] | None = None,
        max_hops: int = MAX_HOPS,
    ) -> None:
        self.documents = documents
        self.aliases = dict(aliases or {})
        self.max_hops = max_hops

    def _document(self, uri: str) -> Any:
        uri = self.aliases.get(uri, uri)
        if uri not in self.documents:
            raise RefError(f"a document not loaded: {uri}")
        return self.documents[uri]

    def node(self, uri: str, pointer: str) -> Any:
        """The value at `pointer` in the document at `uri`, refs not followed."""
        try:
            return lookup(self._document(uri), pointer)
        except RefError as exc:
            raise RefError(f"{_name(uri)}: {exc}") from None

    def target(self, uri: str, ref: str) -> tuple[str, str]:
        """(document URI, pointer) a `$ref` found in the document at `uri` names."""
        joined, fragment = urldefrag(urljoin(uri, ref))
        return self.aliases.get(joined, joined), fragment_pointer(fragment)

    def deref(
        self,
        uri: str,
        pointer: str,
        on_ref: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[str, str, Any]:
        """Follow the `$ref` chain from a node; answer (uri, pointer, value) of its end.

        `on_ref` sees each node that is a `$ref` on the way (and may raise).
        """
        seen: list[tuple[str, str]] = []
        value = self.node(uri, pointer)
        while (ref := _ref_of(value)) is not None:
            seen.append((uri, pointer))
            if len(seen) > self.max_hops:
                raise RefError(
                    f"{_name(uri)}#{pointer}: $ref chain too long (over {self.max_hops} refs)"
                )
            if on_ref is not None:
                on_ref(value)
            where = f"{_name(uri)}#{pointer}"
            next_uri, next_pointer = self.target(uri, ref)
            if (next_uri, next_pointer) in seen:
                raise RefError(f"{where}: $ref {ref!r} is a cycle")
            try:
                value = lookup(self._document(next_uri), next_pointer)
            except RefError as exc:
                raise RefError(f"{where}: unresolvable $ref {ref!r} ({exc})") from None
            uri, pointer = next_uri, next_pointer
        return uri, pointer, value


def resolve(document: Any, node: Any, *, where: str = "#", max_hops: int = MAX_HOPS) -> Any:
    """`node` with its chain of local `$ref`s (`#/...`, within `document`) followed.

    `where` says where `node` was found, for the error: a ref to another document, to
    nothing, a cycle, or a chain over `max_hops` refs.
    """
    seen: list[str] = []
    first = _ref_of(node)
    while (ref := _ref_of(node)) is not None:
        if not ref.startswith("#"):
            raise RefError(f"{where}: $ref {ref!r} is not local (only local refs are read)")
        pointer = fragment_pointer(ref[1:])
        if pointer in seen:
            raise RefError(f"{where}: $ref {ref!r} is a cycle (from {first!r})")
        seen.append(pointer)
        if len(seen) > max_hops:
            raise RefError(f"{where}: $ref chain too long at {first!r} (over {max_hops} refs)")
        try:
            node = lookup(document, pointer)
        except RefError as exc:
            raise RefError(f"{where}: unresolvable $ref {ref!r} ({exc})") from None
    return node


def _name(uri: str) -> str:
    """A document URI as errors name it: its file name."""
    return unquote(uri.rsplit("/", 1)[-1])
