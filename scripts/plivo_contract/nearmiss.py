"""Near-misses derived from the spec: values one small step from valid, which lax providers accept.

Pure functions, no I/O: the probes send what these make, and the tests check what they
make. Three families (issue 13):

- strings under a `pattern`: from a valid value, every letter's case flipped, leading and
  trailing whitespace, a trailing newline, a zero-width space, full-width and Arabic-Indic
  digits (a provider that folds case, strips or NFKC-normalises before validating accepts
  them; the spec rejects them); and under `format: uri`, the same URL without a host (no
  authority, an empty host before a port, user information alone), which URI syntax allows;
- credentials: the empty token, a prefix and a suffix of the right one, the Auth ID in other
  case, `user:pass:extra`, Latin-1 bytes (a token compared only over what was sent, or an
  Auth ID looked up under a case-insensitive collation, lets them in);
- JSON bodies the json-body decision rejects: NaN, Infinity, -Infinity, bytes that are not
  UTF-8, a byte order mark, a lone surrogate escape, an integer past 4300 digits.
"""

from __future__ import annotations

import base64
import json
import shlex
from urllib.parse import urlsplit

_FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
_ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))
# One past the 4300 digits Python's int() converts by default (sys.int_info.default_max_str_digits).
HUGE_INTEGER_DIGITS = 4301


def case_flips(value: str) -> list[tuple[str, str]]:
    """(label, value) with the case of one ASCII letter flipped, for every letter."""
    flips = []
    for index, char in enumerate(value):
        if char.isascii() and char.isalpha():
            flipped = value[:index] + char.swapcase() + value[index + 1 :]
            flips.append((f"case of {char!r} at {index} flipped", flipped))
    return flips


def decorations(value: str) -> list[tuple[str, str]]:
    """(label, value): whitespace, newline, zero-width space and non-ASCII digit spellings."""
    made = [
        ("leading space", " " + value),
        ("trailing space", value + " "),
        ("leading tab", "\t" + value),
        ("trailing newline", value + "\n"),
        ("zero-width space", value[:1] + "\u200b" + value[1:]),
    ]
    if any(char in "0123456789" for char in value):
        made.append(("full-width digits", value.translate(_FULL_WIDTH)))
        made.append(("Arabic-Indic digits", value.translate(_ARABIC_INDIC)))
    return made


def hostless_urls(value: str) -> list[tuple[str, str]]:
    """(label, value): `value`'s scheme and path with no host, each a well-formed URI."""
    parts = urlsplit(value)
    rest = parts.path or "/"
    return [
        ("no authority", f"{parts.scheme}://"),
        ("empty authority", f"{parts.scheme}://{rest}"),
        ("empty host before a port", f"{parts.scheme}://:{parts.port or 80}{rest}"),
        ("user information alone", f"{parts.scheme}://user@{rest}"),
    ]


def string_near_misses(examples: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """Case flips of every example, the other near-misses of the first; each value once."""
    made: dict[str, str] = {}
    for example in examples:
        for label, value in case_flips(example):
            made.setdefault(value, f"{example!r}: {label}")
    if examples:
        first = examples[0]
        for label, value in decorations(first):
            made.setdefault(value, f"{first!r}: {label}")
    for example in examples:
        made.pop(example, None)
    return [(label, value) for value, label in made.items()]


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


def credential_near_misses(auth_id: str, token: str) -> dict[str, str]:
    """Authorization values one step from the right one; none of them may authenticate.

    Holds the token only while building the headers; callers never print them.
    """
    user = auth_id.encode()
    secret = token.encode()
    other_case = auth_id.swapcase() if auth_id.swapcase() != auth_id else auth_id.lower()
    return {
        "empty_token": _basic(user + b":"),
        "token_prefix": _basic(user + b":" + secret[:-1]),
        "token_suffix": _basic(user + b":" + secret[1:]),
        "auth_id_other_case": _basic(other_case.encode() + b":" + secret),
        "extra_field": _basic(user + b":" + secret + b":extra"),
        # The right token plus one Latin-1 byte that is not UTF-8: a provider decoding the
        # password as UTF-8 must still answer 401, not fail.
        "latin1": _basic(user + b":" + secret + "\u00e9".encode("latin-1")),
    }


# The run's credentials as a reproduction line names them: set these and the line runs.
OWN_CREDENTIALS = '-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN"'


def credential_shell_forms(auth_id: str) -> dict[str, str]:
    """curl arguments that send each of `credential_near_misses`' values again, computed by
    the shell from $PLIVO_AUTH_ID and $PLIVO_AUTH_TOKEN: runnable, and no token printed.

    `auth_id` is not a secret (it is in every URL); only its other-case spelling is written.
    """
    other_case = auth_id.swapcase() if auth_id.swapcase() != auth_id else auth_id.lower()
    # \351 is é in Latin-1 (octal, as every printf reads it).
    latin1 = (
        '-H "Authorization: Basic $(printf \'%s:%s\\351\' "$PLIVO_AUTH_ID" '
        '"$PLIVO_AUTH_TOKEN" | base64 | tr -d \'\\n\')"'
    )
    return {
        "empty_token": '-u "$PLIVO_AUTH_ID:"',
        "token_prefix": '-u "$PLIVO_AUTH_ID:${PLIVO_AUTH_TOKEN%?}"',
        "token_suffix": '-u "$PLIVO_AUTH_ID:${PLIVO_AUTH_TOKEN#?}"',
        "auth_id_other_case": f'-u {shlex.quote(other_case)}:"$PLIVO_AUTH_TOKEN"',
        "extra_field": '-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN:extra"',
        "latin1": latin1,
    }


CREDENTIAL_LABELS = {
    "empty_token": "the right Auth ID with an empty token",
    "token_prefix": "the right Auth ID with the token minus its last character",
    "token_suffix": "the right Auth ID with the token minus its first character",
    "auth_id_other_case": "the Auth ID in other case with the right token",
    "extra_field": "user:token:extra (the password is 'token:extra')",
    "latin1": "the right token followed by a Latin-1 byte (not UTF-8)",
}


def json_near_misses(body: dict[str, object]) -> dict[str, bytes]:
    """`body` as JSON with one thing the json-body decision rejects added (an extra field)."""
    text = json.dumps(body)
    assert text.endswith("}")
    open_text = text[:-1] + (", " if body else "")

    def extra(value: bytes) -> bytes:
        return open_text.encode() + b'"extra": ' + value + b"}"

    return {
        "nan": extra(b"NaN"),
        "infinity": extra(b"Infinity"),
        "negative_infinity": extra(b"-Infinity"),
        "not_utf8": extra(b'"caf\xe9"'),
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "lone_surrogate": extra(b'"\\ud800"'),
        "huge_integer": extra(b"1" + b"0" * (HUGE_INTEGER_DIGITS - 1)),
    }


JSON_LABELS = {
    "nan": "NaN in a JSON body",
    "infinity": "Infinity in a JSON body",
    "negative_infinity": "-Infinity in a JSON body",
    "not_utf8": "a body with a byte that is not UTF-8",
    "bom": "a body starting with a UTF-8 byte order mark",
    "lone_surrogate": 'a lone surrogate escape ("\\ud800")',
    "huge_integer": f"an integer of {HUGE_INTEGER_DIGITS} digits",
}
