"""What the proxy records about an exchange, with its secrets taken out.

A violation quotes what was wrong (a `digits` value, a `callback_url`, a path segment), and
a client can put anything there: its Auth Token pasted into `digits`, a receiver's token in
a `callback_url` query. So every text recorded is redacted: the exchange's credentials
(the Authorization value, its base64 part, the decoded user:token and the token itself;
not the Auth ID, which every path names),
wherever they appear, and the value of every query parameter, those of the request target
and those of any URL in the text or the body.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
# A value shorter than this is no secret, and replacing it everywhere would garble the
# text ("1" in "401").
_MIN_SECRET = 4
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
        found.add(match.group(0).split("=", 1)[1])
    return sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret and every query value replaced by REDACTED."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _QUERY_VALUE.sub(lambda m: m.group(1) + REDACTED, text)


def redact_fields(fields: Mapping[str, object], secrets: list[str]) -> dict[str, object]:
    """Every text field redacted; other values as they are."""
    return {k: redact(v, secrets) if isinstance(v, str) else v for k, v in fields.items()}
