"""JSON Pointer (RFC 6901) tokens, for addressing nodes of the loaded documents."""

from __future__ import annotations


def token(name: str) -> str:
    """`name` as one reference token: `~` and `/` escaped."""
    return name.replace("~", "~0").replace("/", "~1")


def tokens(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer ("" is the whole document)."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]
