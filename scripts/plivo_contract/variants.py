"""Inputs one step from what the spec accepts, for every channel an input can take (issue 22).

Pure functions, no I/O: `families.py` sends what these make and takes every verdict from
the spec, never from here, so a label that is wrong costs a wasted request, not a wrong
finding. Each function covers a class the spec defines, never one named value:

- `enum_variants`: every value of an enum in case variants, with whitespace around and
  inside it, with a look-alike letter, as null and in an array;
- `media_type_variants`: the accepted media type cut short, extended, with `+json`
  structured suffixes, `text/json`, parameters, other case, blanks;
- `pattern_boundaries`: the longest values a `pattern` plus `maxLength` allow, each
  optional part at its maximum, and one past each bound (built from the regex itself);
- `chunked`: a body in HTTP/1.1 chunked framing.
"""

from __future__ import annotations

import re

# re's own parser reads the spec's patterns (they use nothing where Python and ECMA-262
# differ); private, without stubs, but the same since CPython 3.11 (the project's Python).
import re._constants as _sre  # type: ignore[import-not-found]
import re._parser as _sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Latin letters and a Cyrillic or Greek letter that renders the same. A provider that
# normalises with a confusables table, or compares after NFKC, accepts them.
HOMOGLYPHS = {
    # Most used first: the first letter of a value found here is the one replaced.
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "c": "\u0441",
    "p": "\u0440",
    "x": "\u0445",
    "s": "\u0455",
    "i": "\u0456",
    "A": "\u0410",
    "E": "\u0415",
    "O": "\u041e",
    "C": "\u0421",
    "P": "\u0420",
    "X": "\u0425",
    "S": "\u0405",
    "T": "\u0422",
    "B": "\u0412",
    "M": "\u041c",
    "H": "\u041d",
    "K": "\u041a",
    "G": "\u050c",
    "g": "\u0261",
    "l": "\u04cf",
}


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def enum_variants(values: list[str], *, in_json: bool = True) -> list[tuple[str, Any]]:
    """(label, value) near every value of an enum; the spec's own values are left out.

    Per value: upper and lower case and a look-alike letter (a lookup that folds
    case or maps confusables may do so for some values only). On the first value: full
    width (NFKC folds it back) and whitespace (leading and trailing space, a trailing
    newline, an inner space, a zero-width space), because stripping or normalising before
    the lookup treats every value alike. Then empty, all values joined by a comma, null and,
    in JSON (`in_json`), the first value in an array.
    """
    made: dict[str, str] = {}
    for value in values:
        for label, variant in (("upper case", value.upper()), ("lower case", value.lower())):
            made.setdefault(variant, f"{value!r}: {label}")
        char = next((c for c in HOMOGLYPHS if c in value), None)
        if char is not None:
            index = value.index(char)
            variant = value[:index] + HOMOGLYPHS[char] + value[index + 1 :]
            made.setdefault(variant, f"{value!r}: look-alike {char!r} at {index}")
    if values:
        first = values[0]
        middle = len(first) // 2
        for label, variant in (
            ("full width", _full_width(first)),
            ("leading space", " " + first),
            ("trailing space", first + " "),
            ("trailing newline", first + "\n"),
            ("inner space", first[:middle] + " " + first[middle:]),
            ("zero-width space", first[:1] + "\u200b" + first[1:]),
        ):
            made.setdefault(variant, f"{first!r}: {label}")
    for value in values:
        made.pop(value, None)
    found: list[tuple[str, Any]] = [(label, variant) for variant, label in made.items()]
    if values:
        # Empty: `value or default` takes it for the default. Joined: a list where one
        # value is meant.
        found.append(("empty", ""))
        if len(values) > 1:
            found.append(("all values joined with a comma", ",".join(values)))
        found.append(("null", None))
        if in_json:
            found.append(("in an array", [values[0]]))
    return found


def media_type_variants(accepted: str) -> list[tuple[str, str | None]]:
    """(label, Content-Type) near `accepted` (`type/subtype`); None sends no header.

    `families.media_type_accepted` gives each one's verdict from the content-type decision.
    """
    kind, _, subtype = accepted.partition("/")
    made = [
        ("none", None),
        ("empty", ""),
        ("type and slash", f"{kind}/"),
        ("one character short", accepted[:-1]),
        ("one character more", accepted + "x"),
        ("a subtype suffix", f"{accepted}-patch"),
        ("a +suffix on it", f"{accepted}+{subtype}"),
        (f"+{subtype} structured suffix", f"{kind}/problem+{subtype}"),
        (f"vendor +{subtype}", f"{kind}/vnd.example+{subtype}"),
        ("x- prefix", f"{kind}/x-{subtype}"),
        ("text type", f"text/{subtype}"),
        ("wildcard", f"{kind}/*"),
        ("a list", f"{accepted}, text/plain"),
        ("upper case", accepted.upper()),
        ("charset=utf-8", f"{accepted}; charset=utf-8"),
        ("charset, no space", f"{accepted};charset=UTF-8"),
        ("another parameter", f"{accepted}; version=1"),
    ]
    return made


# --- pattern boundaries -----------------------------------------------------------------

_MAXREPEAT = int(_sre.MAXREPEAT)


@dataclass(frozen=True)
class Boundary:
    label: str
    value: str


def pattern_boundaries(
    pattern: str, max_length: int | None, *, every_repeat: bool = True
) -> list[Boundary]:
    """The longest values `pattern` and `max_length` allow, and one past each bound.

    Unbounded repeats fill what `max_length` leaves; every bounded repeat (an optional
    group is one, 0 to 1) is taken at its maximum, alone and all together, and one past
    it. A value is labelled by how it was built; whether the spec accepts it is the
    caller's question to the spec's validator. Each bounded repeat with a minimum is also
    taken one below it. Without `every_repeat`, only the first and the last bounded repeat
    are taken past their bounds.
    """
    tree = _sre_parse.parse(pattern)
    bounded = _bounded_repeats(tree)
    found: dict[str, str] = {}
    everything = frozenset(bounded.values())

    def add(label: str, at_max: frozenset[int], past: int | None, extra: int) -> None:
        fixed = len(_render(tree, bounded, at_max, past, fill=0))
        fill = (8 if max_length is None else max_length - fixed) + extra
        if fill >= 0:
            found.setdefault(_render(tree, bounded, at_max, past, fill=fill), label)

    add("longest allowed, optional parts at their minimum", frozenset(), None, 0)
    add("longest allowed, every optional part at its maximum", everything, None, 0)
    add("one past the length, optional parts at their minimum", frozenset(), None, 1)
    add("one past the length, every optional part at its maximum", everything, None, 1)
    indices = sorted(everything)
    for index in indices:
        if not every_repeat and index not in (indices[0], indices[-1]):
            continue
        add(
            f"repeat {index} at its maximum, the rest at their minimum", frozenset({index}), None, 0
        )
        add(f"repeat {index} one past its maximum", everything, index, 0)
        add(f"repeat {index} one below its minimum", everything, -1 - index, 0)
    # The shortest value with every part at its maximum: a length limit that counts only
    # some parts of the grammar, or a crash at a part's maximum, shows here too.
    shortest = _render(tree, bounded, everything, None, fill=0)
    found.setdefault(shortest, "shortest with every optional part at its maximum")
    return [Boundary(label, value) for value, label in found.items()]


def _bounded_repeats(tree: Any) -> dict[int, int]:
    """id() of every repeat with a finite maximum -> its index, in the pattern's order."""
    found: dict[int, int] = {}

    def walk(items: Any) -> None:
        for op, arg in items:
            if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
                if arg[1] != _MAXREPEAT:
                    found[id(arg)] = len(found)
                walk(arg[2])
            elif op is _sre.SUBPATTERN:
                walk(arg[-1])
            elif op is _sre.BRANCH:
                walk(arg[1][0])

    walk(tree)
    return found


def _render(
    tree: Any, bounded: dict[int, int], at_max: frozenset[int], past: int | None, *, fill: int
) -> str:
    """One string of the pattern: bounded repeat i at its max if i in at_max (else at its
    min), repeat `past` one over its max, the first unbounded repeat at its minimum plus
    `fill`, any later one at its minimum. A pattern open at its end (no `$`) gets `fill`
    characters after it instead when it has no unbounded repeat."""
    state = {"filled": False}

    def render(items: Any) -> str:
        out = []
        for op, arg in items:
            if op is _sre.LITERAL:
                out.append(chr(arg))
            elif op is _sre.IN:
                out.append(_first_member(arg))
            elif op is _sre.ANY:
                out.append("a")
            elif op is _sre.SUBPATTERN:
                out.append(render(arg[-1]))
            elif op is _sre.BRANCH:
                out.append(render(arg[1][0]))
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
                low, high, inner = arg
                if id(arg) in bounded:
                    index = bounded[id(arg)]
                    if past == -1 - index:  # one below: encoded as a negative index
                        times = low - 1
                    else:
                        times = high + 1 if index == past else high if index in at_max else low
                else:
                    times = low
                    if not state["filled"]:
                        times, state["filled"] = low + fill, True
                out.append("".join(render(inner) for _ in range(max(times, 0))))
            # AT (anchors) and ASSERT_NOT (the spec's (?!\n)) match no character.
        return "".join(out)

    text = render(tree)
    anchored = any(op is _sre.AT and arg is _sre.AT_END for op, arg in tree)
    if not state["filled"] and not anchored:
        text += "x" * fill
    return text


def _first_member(members: Any) -> str:
    """The highest character a class names: the far end of its first range or literal (a
    '9' rather than a '0', so a number built from it is its largest)."""
    for op, arg in members:
        if op is _sre.RANGE:
            return chr(arg[1])
        if op is _sre.LITERAL:
            return chr(arg)
    raise ValueError(f"cannot pick a member of {members}")


# --- framing ----------------------------------------------------------------------------


def chunked(body: bytes, size: int = 4096) -> bytes:
    """`body` in HTTP/1.1 chunked transfer coding, `size` bytes per chunk."""
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def status_lines(answer: bytes) -> Iterator[bytes]:
    """The status line of every HTTP/1.1 response in `answer` (read until the peer closed)."""
    yield from re.findall(rb"(?:^|\r\n)(HTTP/1\.[01] \d{3}[^\r\n]*)", answer)
