"""HTTP Basic authentication against the mock's accounts, in constant time."""

from __future__ import annotations

import binascii
import hmac
from collections.abc import Mapping

from .config import Account

WWW_AUTHENTICATE = (b"www-authenticate", b'Basic realm="Plivo"')

# Compared against when the Auth ID is unknown, so that an unknown ID and a wrong token
# take the same time.
_DUMMY_TOKEN = b"\x00" * 32


# Clients send the same header on every request: decoding it once saves base64 work on the
# hot path. The token is still compared with compare_digest on every request. Bounded.
_PARSED: dict[bytes, tuple[str, bytes] | None] = {}
_PARSED_MAX = 256


def parse_basic(header: bytes | None) -> tuple[str, bytes] | None:
    """(user, password) from an `Authorization: Basic ...` value, or None if malformed."""
    if header is None:
        return None
    try:
        return _PARSED[header]
    except KeyError:
        pass
    parsed = _parse_basic(header)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[header] = parsed
    return parsed


def _parse_basic(header: bytes) -> tuple[str, bytes] | None:
    scheme, _, encoded = header.strip().partition(b" ")
    if scheme.lower() != b"basic":
        return None
    encoded = encoded.strip()
    try:
        # Strict: no excess padding, nothing after it, no characters outside the alphabet.
        decoded = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    # Nor unused bits set in the last character: one credential has one spelling.
    if binascii.b2a_base64(decoded, newline=False) != encoded:
        return None
    user, colon, password = decoded.partition(b":")
    if not colon:
        return None
    try:
        return user.decode("utf-8"), password
    except UnicodeDecodeError:
        return None


def authenticate(accounts: Mapping[str, Account], header: bytes | None) -> Account | None:
    """The account whose Auth ID and Auth Token the header carries, else None."""
    credentials = parse_basic(header)
    if credentials is None:
        return None
    user, password = credentials
    account = accounts.get(user)
    expected = account.auth_token.encode("utf-8") if account is not None else _DUMMY_TOKEN
    matches = hmac.compare_digest(password, expected)
    return account if matches and account is not None else None
