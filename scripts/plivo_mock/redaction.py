"""What the proxy records about an exchange, with its secrets taken out.

A violation quotes what was wrong (a `digits` value, a `callback_url`, a path segment), and
a client can put anything there: its Auth Token pasted into `digits`, a receiver's token in
a `callback_url` query. So every text recorded is redacted: the exchange's credentials
(the Authorization value, its base64 part, the decoded user:token and the token itself;
not the Auth ID, which every path names),
wherever they appear, and the value of every query parameter, those of the request target
and those of any URL in the text or the body.

Query values are redacted unless they cannot be a secret (`shown_values`): a value the spec
itself publishes, one of its parameter's listed (`enum`/`const`) strings but for letter case
or surrounding blanks, is quoted, so `?status=LIVE` reads `"LIVE" is not one of "live"`.
Any other value, and any value holding a credential, stays REDACTED.

What an answer echoes of its request's credentials (`credential_forms`, `echoed`) is judged
here too, for the proxy and for the contract suite's `error_answers_hide_credentials` alike
(plivo_contract imports it from here; plivo_mock never imports plivo_contract).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, quote, unquote_plus

REDACTED = "[redacted]"
# A value shorter than this is no secret, and replacing it everywhere would garble the
# text ("1" in "401").
_MIN_SECRET = 4
# A credential alone must be this long to count as echoed when an answer holds it.
_MIN_ECHOED = 8
# `name=value` inside a query: the value up to the next separator, quote or blank.
_QUERY_VALUE = re.compile(r"""([?&;][^=&#\s"'?]*=)[^&#\s"']+""")


def secrets_of(
    headers: Iterable[tuple[bytes, bytes]], query: bytes, body: bytes | None
) -> list[str]:
    """Every secret an exchange carries, longest first (so no part of one survives)."""
    found: set[str] = set()
    for name, value in headers:
        if name.lower() not in (b"authorization", b"proxy-authorization", b"cookie"):
            continue
        text = value.decode("latin-1").strip()
        found.add(text)
        _, _, credentials = text.partition(" ")
        credentials = credentials.strip()
        found.add(credentials)
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        found.add(decoded)
        # The password; the user (the Auth ID) names the account and is in every path.
        found.add(decoded.partition(":")[2])
    text = query.decode("latin-1")
    if body:
        text += "&" + body.decode("utf-8", "replace")
    for match in _QUERY_VALUE.finditer("?" + text):
        given = match.group(0).split("=", 1)[1]
        # A detail quotes the value decoded (`%2F` as `/`): both spellings are secrets.
        found.update((given, unquote_plus(given)))
    return sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True)


def shown_values(
    query: bytes, listed: Mapping[str, Sequence[str]], credentials: Iterable[str]
) -> frozenset[str]:
    """The query values that may be quoted: a parameter's value that is one of the strings
    its schema lists (`listed`: name -> enum/const values), ignoring letter case and
    surrounding blanks, and holds no credential. Such a value only respells a word the spec
    publishes, so it tells nothing a reader of the spec does not know; anything else a
    client puts in a query may be a secret (its token, a receiver's signature) and stays
    redacted."""
    folded = [c.casefold() for c in credentials if c]
    shown = set()
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        words = {w.casefold() for w in listed.get(name, ())}
        key = value.strip().casefold()
        if key in words and not any(c in key or key in c for c in folded):
            shown.add(value)
    return frozenset(shown)


def redact(text: str, secrets: Iterable[str], shown: frozenset[str] = frozenset()) -> str:
    """`text` with every secret and every query value replaced by REDACTED, but for the
    values `shown_values` found harmless."""
    for secret in secrets:
        if secret in text and unquote_plus(secret) not in shown:
            text = text.replace(secret, REDACTED)

    def query_value(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(0)[len(match.group(1)) :]
        return match.group(0) if unquote_plus(value) in shown else name + REDACTED

    return _QUERY_VALUE.sub(query_value, text)


def redact_fields(
    fields: Mapping[str, object], secrets: list[str], shown: frozenset[str] = frozenset()
) -> dict[str, object]:
    """Every text field redacted; other values as they are."""
    return {k: redact(v, secrets, shown) if isinstance(v, str) else v for k, v in fields.items()}


# --- credentials an answer echoes -------------------------------------------------------


def credential_forms(authorization: str | None, token: str | None = None) -> list[tuple[str, str]]:
    """(what it is, value) for every form of the credentials a request carried, the most
    inclusive first (an answer repeating the Authorization value is named for that, not for
    the password inside it): the Authorization value, its credentials (base64 for Basic),
    user:password decoded, the password, and `token` when the caller knows the account's
    token apart from what was sent. Forms too short to be told from ordinary text are left
    out: a bare `Basic` is in every WWW-Authenticate, a `user:` with no password names only
    the Auth ID (every path holds it), and a password or token alone of fewer than
    _MIN_ECHOED characters ("wrong") is a word an error message may hold by chance; such a
    password is still judged inside user:password and the Authorization value."""
    found: list[tuple[str, str]] = []
    value = (authorization or "").strip()
    scheme, blank, credentials = value.partition(" ")
    credentials = credentials.strip()
    if len(credentials) >= _MIN_SECRET or (not blank and len(value) >= _MIN_ECHOED):
        found.append(("the Authorization header's value", value))
    if len(credentials) >= _MIN_ECHOED:
        base64_part = " (base64)" if scheme.lower() == "basic" else ""
        found.append((f"the credentials of the Authorization header{base64_part}", credentials))
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        password = decoded.partition(":")[2]
        if len(password) >= _MIN_SECRET:
            found.append(("user:password from the Authorization header", decoded))
        if len(password) >= _MIN_ECHOED:
            found.append(("the password sent", password))
    if token and len(token) >= _MIN_ECHOED and all(token != s for _, s in found):
        found.append(("the auth token", token))
    return found


def echoed(text: str, forms: Iterable[tuple[str, str]]) -> str | None:
    """Which form of the credentials `text` repeats (its name, never its value), as sent,
    JSON-escaped ("/" as "\\/", non-ASCII as \\uXXXX) or percent-encoded (in a URL)."""
    for name, secret in forms:
        escaped = json.dumps(secret)[1:-1]  # non-ASCII as \uXXXX
        spellings = {
            secret,
            escaped,
            escaped.replace("/", "\\/"),
            quote(secret, safe=""),
            quote(secret),
        }
        if any(s in text for s in spellings):
            return name
    return None


def answer_echo(
    forms: list[tuple[str, str]], headers: Iterable[tuple[bytes, bytes]], body: bytes
) -> str | None:
    """Where and what an answer echoes of its request's credentials, or None: its body is
    judged first, then each header field, its name too."""
    if not forms:
        return None
    what = echoed(body.decode("utf-8", "replace"), forms)
    if what is not None:
        return f"the answer's body echoes {what}"
    for name, value in headers:
        field = name.decode("latin-1")
        what = echoed(field + ": " + value.decode("latin-1"), forms)
        if what is not None:
            # The field's name is upstream text like any other: the proxy redacts it too.
            return f"the answer's header {field} echoes {what}"
    return None
