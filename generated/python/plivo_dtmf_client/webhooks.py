"""Verify the callbacks Plivo sends to your application, and sign them in tests.

Plivo signs every request it sends to a `callback_url` with the account's Auth Token:
`X-Plivo-Signature-V3` is an HMAC-SHA256 over the URL the request was sent to, its
parameters and the `X-Plivo-Signature-V3-Nonce` header (the algorithm of the official SDK's
`plivo.utils.signature_v3`). Anyone who learns a `callback_url` can send it a forged "digits
sent", so reject what does not verify:

    callback = verify_digits_sent(
        method=request.method,
        url=request.url,  # the full URL the request arrived at, query included
        headers=request.headers,
        body=request.body,  # the raw bytes
        auth_token=AUTH_TOKEN,
    )

What is signed (the spec's `x-decisions.callback-signature`): for GET, the URL with its query
parameters sorted; for a JSON POST, the URL, then the members of the JSON object sorted by name,
each name followed by its value. `X-Plivo-Signature-V2` signs the URL without its query and the
nonce only (not the parameters), so this module checks V3.

That signed text has no separators, so different requests can share it (`{"ab": "c"}` and
`{"a": "bc"}`, a query value `a%26b%3D1` and two parameters `a&b=1`, a member `[]` that adds
nothing). What the verifier returns must be what was signed, so it accepts a request only if
reading its signed text back (`_read_back`: one fixed reading, whatever request it came from)
gives exactly the method, query parameters and body members the request carries; anything
else, including every byte of the URL that is not signed (`;params`, a fragment), is refused.
Two accepted requests with the same signed text therefore carry the same values. Input is
bounded (size, nesting depth) before it is parsed, and every failure is a `WebhookError`.

To refuse replays, pass a `NonceStore` (`nonces=`): a nonce seen before raises ReplayError.

Copied verbatim into the generated package by `make generate` (openapi/generator.yaml).
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, cast
from urllib.parse import parse_qs, parse_qsl, urlparse, urlsplit, urlunparse

from ._meta import (
    BODY_BYTES,
    CALLBACK_JSON_DEPTH,
    CALLBACK_OPERATION_ID,
    HEADER_BYTES,
    SIGNATURE_V2_HEADER,
    SIGNATURE_V2_NONCE_HEADER,
    SIGNATURE_V3_HEADER,
    SIGNATURE_V3_NONCE_HEADER,
    TARGET_BYTES,
)
from ._spec import CALLBACK_BODIES, check_value
from .errors import InvalidParameterError, PlivoError
from .models.digits_sent_callback import DigitsSentCallback

# The callback's header parameters in the spec (written into _meta.py by make generate).
SIGNATURE_V3: Final = SIGNATURE_V3_HEADER
NONCE_V3: Final = SIGNATURE_V3_NONCE_HEADER
SIGNATURE_V2: Final = SIGNATURE_V2_HEADER
NONCE_V2: Final = SIGNATURE_V2_NONCE_HEADER

MAX_BODY_BYTES: Final = BODY_BYTES
"""A callback body is a few hundred bytes; the spec's `x-limits.body-bytes` for requests."""
MAX_URL_CHARS: Final = TARGET_BYTES + 1024
"""The spec's `x-limits.target-bytes` for the path and query, plus room for scheme and host."""
MAX_HEADER_CHARS: Final = HEADER_BYTES
"""The spec's `x-limits.header-bytes`, for each signature and nonce header read."""
MAX_JSON_DEPTH: Final = CALLBACK_JSON_DEPTH
"""The spec's `x-limits.callback-json-depth`: the callback is one flat object; deeper nesting
is refused before the JSON parser sees it."""

Params = Mapping[str, Any]
"""Signed parameters: a string, number, boolean, list of those, or nested object per name."""

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""A request's headers: any mapping (Starlette, Django), or (name, value) pairs (WSGI, Flask)."""


class WebhookError(PlivoError, ValueError):
    """A callback that must be rejected (answer it 4xx and do not act on it)."""


class SignatureMissingError(WebhookError):
    """The request carries no signature or no nonce header."""


class SignatureMismatchError(WebhookError):
    """The signature is not the one the Auth Token gives for this URL, body and nonce.

    The URL, the body or the nonce was changed, the request was not signed with this
    token, or `url` is not the URL the sender used (behind a proxy, pass the public one).
    """


class WebhookPayloadError(WebhookError):
    """The request is signed, but is not the documented callback (or cannot be read)."""


class UnsignedContentError(WebhookPayloadError):
    """The request carries something its signature does not cover, or not unambiguously.

    A member or parameter the signed text leaves out (`[]`, `{}`), a query value whose
    decoded `&` or `=` reads as another parameter, a body member that is not a documented
    string, `;params` or a fragment in the URL: another request with other values could
    carry the same signature, so none is trusted.
    """


class ReplayError(WebhookError):
    """The nonce was seen before: the callback is a replay of one already accepted."""


class NonceStore:
    """The nonces of accepted callbacks, to refuse a replay: bounded in size and age.

    A nonce is remembered for `max_age` seconds, and at most `max_size` of them (the oldest
    go first): nonces carry no time, so a replay later than that is not recognised. Size
    them to cover the time in which acting twice on a callback would harm (the default: an
    hour, at up to 100,000 callbacks). Safe to share between threads.
    """

    def __init__(
        self,
        *,
        max_size: int = 100_000,
        max_age: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1 or max_age <= 0:
            raise ValueError("max_size must be at least 1 and max_age positive")
        self.max_size = max_size
        self.max_age = max_age
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._seen)

    def check_and_remember(self, nonce: str) -> None:
        """Remember `nonce`, or raise ReplayError if it is remembered already."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if nonce in self._seen:
                raise ReplayError(f"the nonce in {NONCE_V3} was seen before: a replayed callback")
            self._seen[nonce] = now
            while len(self._seen) > self.max_size:
                self._seen.popitem(last=False)

    def _expire(self, now: float) -> None:
        # Insertion order is arrival order, so the expired ones are at the front.
        while self._seen:
            nonce, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self.max_age:
                break
            del self._seen[nonce]


def new_nonce() -> str:
    """A fresh random nonce: 20 decimal digits, as Plivo's."""
    return f"{secrets.randbelow(10**20):020d}"


def signature_v3(auth_token: str, method: str, url: str, params: Params, nonce: str) -> str:
    """X-Plivo-Signature-V3 of a request to `url` carrying `params`.

    For GET, `params` are added to the query of `url` (pass {} when `url` already carries
    them); for POST they are the body's fields (form fields, or a JSON object's members).
    """
    return _hmac_b64(auth_token, signed_text_v3(method, url, params, nonce))


def signed_text_v3(method: str, url: str, params: Params, nonce: str) -> str:
    """The text X-Plivo-Signature-V3 is the HMAC-SHA256 of (no secret in it): to show a
    sender what it should have signed when a signature does not verify."""
    return f"{_base_v3(method.upper(), url, params)}.{nonce}"


def signature_v2(auth_token: str, url: str, nonce: str) -> str:
    """X-Plivo-Signature-V2: the URL without its query, then the nonce (nothing else)."""
    parts = urlparse(url)
    return _hmac_b64(auth_token, urlunparse((parts.scheme, parts.netloc, parts.path, "", "", "")) + nonce)


def signature_headers(auth_token: str, method: str, url: str, params: Params) -> dict[str, str]:
    """The four signature headers a sender adds to a request, each with a fresh nonce."""
    nonce_v3, nonce_v2 = new_nonce(), new_nonce()
    return {
        SIGNATURE_V3: signature_v3(auth_token, method, url, params, nonce_v3),
        NONCE_V3: nonce_v3,
        SIGNATURE_V2: signature_v2(auth_token, url, nonce_v2),
        NONCE_V2: nonce_v2,
    }


def verify_signature(*, method: str, url: str, headers: Headers, params: Params, auth_token: str) -> str:
    """Raise SignatureMissingError or SignatureMismatchError unless the V3 signature holds.

    `params` are the request's body fields for POST and {} for GET (they are in `url`).
    The comparison takes the same time wherever the signatures differ. Returns the nonce.
    This checks the signature only: verify_digits_sent also checks that it covers what is
    returned.
    """
    _check_token(auth_token)
    _check_text("the URL", url, MAX_URL_CHARS)
    signature, nonce = _signature_headers(headers)
    try:
        expected = signature_v3(auth_token, method, url, params, nonce).encode("ascii")
    except (UnicodeEncodeError, ValueError, RecursionError):
        raise WebhookPayloadError("the request cannot be read as signed text") from None
    # Plivo may list several signatures, comma-separated: one must match.
    candidates = [c.strip().encode("utf-8", "replace") for c in signature.split(",")]
    if not any([hmac.compare_digest(expected, c) for c in candidates]):  # every one compared
        raise SignatureMismatchError(f"{SIGNATURE_V3} does not match this URL, body and nonce for this Auth Token")
    return nonce


def verify_digits_sent(
    *,
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    auth_token: str,
    nonces: NonceStore | None = None,
) -> DigitsSentCallback:
    """The DigitsSentCallback a request carries, once its signature is verified.

    `method`: "GET" or "POST"; `url`: the full URL it arrived at (scheme, host, path and
    query, as the sender addressed it); `headers`: a mapping or (name, value) pairs; `body`: its
    raw bytes (ignored for GET); `auth_token`: the Auth Token of the account that sent the
    DTMF request (never empty); `nonces`: a NonceStore to refuse replays. Raises a WebhookError
    subclass: SignatureMissingError, SignatureMismatchError, WebhookPayloadError (and its
    UnsignedContentError) or ReplayError, whatever the input.
    """
    _check_token(auth_token)
    method = _check_text("the method", method, 16).upper()
    _check_url(url)
    query = _query_pairs(url)
    fields: dict[str, Any]
    if method == "GET":
        fields = _grouped(query)
        nonce = verify_signature(method=method, url=url, headers=headers, params={}, auth_token=auth_token)
    elif method == "POST":
        fields = _json_object(body)
        nonce = verify_signature(method=method, url=url, headers=headers, params=fields, auth_token=auth_token)
    else:
        raise WebhookPayloadError(f"callbacks are sent with GET or POST, not {method[:16]!r}")
    callback = _digits_sent(fields)
    _check_covered(method, url, query, fields)
    if nonces is not None:
        nonces.check_and_remember(nonce)
    return callback


# --- bounds: checked before anything is parsed --------------------------------------------


def _check_token(auth_token: str) -> None:
    # A receiver whose token is unset ("" from a missing variable) must not accept callbacks
    # signed with the empty key, which anyone can make.
    if not isinstance(auth_token, str) or not auth_token:
        raise WebhookError("auth_token is empty: no callback can be verified without it")
    if not _well_formed(auth_token):
        raise WebhookError("auth_token is not valid text (a lone surrogate)")


def _check_text(what: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise WebhookPayloadError(f"{what} is not text")
    if len(value) > limit:
        raise WebhookPayloadError(f"{what} is longer than {limit} characters")
    if not _well_formed(value):
        raise WebhookPayloadError(f"{what} is not valid text (a lone surrogate)")
    return value


def _well_formed(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_url(url: str) -> None:
    _check_text("the URL", url, MAX_URL_CHARS)
    # urllib.parse drops tabs and newlines anywhere and leading controls: bytes not signed.
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UnsignedContentError("the URL has spaces or control characters")
    try:
        split, parsed = urlsplit(url), urlparse(url)
    except ValueError as exc:
        raise WebhookPayloadError(f"the URL cannot be read: {exc}") from None
    if "#" in url:
        raise UnsignedContentError("the URL has a fragment, which is not signed")
    if split.path != parsed.path:
        raise UnsignedContentError("the URL's last path segment has ;parameters, which are not signed")


def _signature_headers(headers: Headers) -> tuple[str, str]:
    wanted = {SIGNATURE_V3.lower(): "", NONCE_V3.lower(): ""}
    try:
        for name, value in _pairs(headers):
            if isinstance(name, str) and name.lower() in wanted and isinstance(value, str):
                wanted[name.lower()] = value
    except (TypeError, ValueError):
        raise WebhookPayloadError("the headers cannot be read as (name, value) pairs") from None
    signature, nonce = wanted[SIGNATURE_V3.lower()], wanted[NONCE_V3.lower()]
    if not signature:
        raise SignatureMissingError(f"no {SIGNATURE_V3} header: the request is not from Plivo")
    if not nonce:
        raise SignatureMissingError(f"no {NONCE_V3} header: the request is not from Plivo")
    _check_text(f"the {SIGNATURE_V3} header", signature, MAX_HEADER_CHARS)
    _check_text(f"the {NONCE_V3} header", nonce, MAX_HEADER_CHARS)
    # The signed message is text + "." + nonce: a nonce with a "." would let the end of the
    # text move into it (a query value 1.5 signed as 1 with nonce "5.<nonce>").
    if not nonce.isascii() or not nonce.replace("-", "").replace("_", "").isalnum():
        raise SignatureMismatchError(f"{NONCE_V3} is not letters and digits, as Plivo's are")
    return signature, nonce


def _pairs(headers: Headers) -> Iterable[tuple[str, str]]:
    items = getattr(headers, "items", None)
    if callable(items):
        return cast(Iterable[tuple[str, str]], items())
    return cast(Iterable[tuple[str, str]], headers)


# --- reading the request ----------------------------------------------------------------------


def _digits_sent(fields: dict[str, Any]) -> DigitsSentCallback:
    rules = CALLBACK_BODIES[CALLBACK_OPERATION_ID]
    missing = [name for name in rules["required"] if name not in fields]
    if missing:
        raise WebhookPayloadError(f"the callback has no {', '.join(missing)}")
    for name, rule in rules["properties"].items():
        if name in fields:
            try:
                check_value(name, fields[name], rule)
            except InvalidParameterError as exc:
                raise WebhookPayloadError(f"the callback's {exc}") from None
    return DigitsSentCallback.from_dict(fields)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # The spec's json-body decision: JSON readers keep different ones of two equal keys.
        raise WebhookPayloadError("the body has a duplicate key, which is ambiguous")
    return result


def _no_constants(name: str) -> Any:
    raise WebhookPayloadError(f"the body has {name}, which is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def _json_object(body: bytes) -> dict[str, Any]:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise WebhookPayloadError("the body is not bytes")
    if len(body) > MAX_BODY_BYTES:
        raise WebhookPayloadError(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        text = bytes(body).decode("utf-8")  # not json.loads(bytes), which also reads UTF-16
    except UnicodeDecodeError:
        raise WebhookPayloadError("the body is not JSON (not UTF-8)") from None
    _check_depth(text)
    try:
        parsed = _DECODER.decode(text)
    except WebhookPayloadError:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError, or an int of over 4300 digits
        raise WebhookPayloadError("the body is not JSON, so its signature cannot be checked") from None
    if not isinstance(parsed, dict):
        raise WebhookPayloadError(
            f"the body is a JSON {type(parsed).__name__}, not an object: its signature cannot be checked"
        )
    if "\\u" in text and not _well_formed(json.dumps(parsed, ensure_ascii=False)):
        raise WebhookPayloadError("the body has a lone surrogate escape, which is not text")
    return parsed


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH before a recursive parser meets it."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise WebhookPayloadError(f"the body is nested over {MAX_JSON_DEPTH} deep")
        elif char in "]}":
            depth -= 1


def _query_pairs(url: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs as the signer reads them, but refusing bad UTF-8."""
    try:
        return parse_qsl(urlsplit(url).query, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        # The signer reads bad UTF-8 as U+FFFD: different bytes, one signed text.
        raise UnsignedContentError("the URL's query is not UTF-8 once decoded") from None


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Query pairs by name; a repeated one as a list, in signed (sorted) order."""
    fields: dict[str, Any] = {}
    for name, value in sorted(pairs):
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    return fields


# --- what the signature covers ---------------------------------------------------------------

_BODY_NAMES: Final = tuple(sorted(CALLBACK_BODIES[CALLBACK_OPERATION_ID]["properties"]))
_REQUIRED: Final = frozenset(CALLBACK_BODIES[CALLBACK_OPERATION_ID]["required"])

_Reading = tuple[str, list[tuple[str, str]], dict[str, str] | None]
"""What a signed text says: the method, the query's pairs (sorted), the body's members."""


def _check_covered(method: str, url: str, query: list[tuple[str, str]], fields: dict[str, Any]) -> None:
    """Raise UnsignedContentError unless reading the signed text back gives this request."""
    params = fields if method == "POST" else {}
    parts = urlparse(url)
    base = urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))
    text = _base_v3(method, url, params)
    rest = text[len(base) + 1 :] if len(text) > len(base) else None
    got_method, got_query, got_body = _read_back(rest)
    if got_method != method:
        raise UnsignedContentError(f"the signed text of this {method} reads as a {got_method}")
    if sorted(query) != got_query:
        name = min(set(query) ^ set(got_query), default=("?", ""))[0]
        raise UnsignedContentError(f"the query parameter {name[:64]!r} is not covered by the signature unambiguously")
    if method == "POST":
        got_body = got_body or {}
        for name in sorted(set(fields) | set(got_body)):
            if fields.get(name) != got_body.get(name):
                raise UnsignedContentError(
                    f"the body member {name[:64]!r} is not covered by the signature "
                    "unambiguously (only the documented members, as JSON strings, are)"
                )


def _read_back(rest: str | None) -> _Reading:
    """The one reading of a signed text's part after "?" (None: the text has no "?").

    A query part is "name=value" pairs joined by "&"; a body part is documented member
    names, each followed by its value up to the first later name. GET first when the whole
    reads as a query with every required member; else POST with the body starting at the
    last place (the start, or after a "." ending a query) it reads with them all: the last,
    because a receiver's own query may hold anything (a ".api_id"), Plivo's values may not.
    """
    if rest is None:
        return ("GET", [], None)
    query = _query_text(rest)
    if query is not None and _REQUIRED <= {name for name, _ in query}:
        return ("GET", sorted(query), None)
    starts = _name_starts(rest)
    # ends_query[i]: rest[:i] reads as pairs (every "&"-piece has a "="), found in one pass.
    ends_query, piece_ok, all_ok = [False], False, True
    for char in rest:
        if char == "&":
            all_ok, piece_ok = all_ok and piece_ok, False
        elif char == "=":
            piece_ok = True
        ends_query.append(all_ok and piece_ok)
    for start in reversed([0, *(i + 1 for i, char in enumerate(rest) if char == ".")]):
        if start and not ends_query[start - 1]:
            continue
        members = _body_text(rest, start, starts)
        if _REQUIRED <= members.keys():
            before = _query_text(rest[: start - 1]) if start else []
            return ("POST", sorted(before or []), members)
    return ("GET", sorted(query or []), None)


def _query_text(text: str) -> list[tuple[str, str]] | None:
    pairs = []
    for piece in text.split("&"):
        name, equals, value = piece.partition("=")
        if not equals:
            return None
        pairs.append((name, value))
    return pairs


def _name_starts(text: str) -> dict[str, list[int]]:
    """Where each documented member name occurs in `text`, overlaps included."""
    starts: dict[str, list[int]] = {}
    for name in _BODY_NAMES:
        found, at = [], text.find(name)
        while at >= 0:
            found.append(at)
            at = text.find(name, at + 1)
        starts[name] = found
    return starts


def _body_text(text: str, start: int, starts: dict[str, list[int]]) -> dict[str, str]:
    name = max((n for n in _BODY_NAMES if text.startswith(n, start)), key=len, default=None)
    members: dict[str, str] = {}
    at = start
    while name is not None:
        value_at = at + len(name)
        following: tuple[int, str] | None = None
        for later in _BODY_NAMES[_BODY_NAMES.index(name) + 1 :]:
            places = starts[later]
            i = bisect_left(places, value_at)
            if i < len(places) and (following is None or places[i] < following[0]):
                following = (places[i], later)
        end = following[0] if following else len(text)
        members[name] = text[value_at:end]
        at, name = following if following else (end, None)
    return members


# --- the signed text, as plivo-python builds it ------------------------------------------------


def _hmac_b64(auth_token: str, message: str) -> str:
    digest = hmac.new(auth_token.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _base_v3(method: str, url: str, params: Params) -> str:
    """The signed text before ".nonce", as plivo.utils.signature_v3 builds it."""
    parts = urlparse(url)
    base = urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))
    query: dict[str, Any] = dict(parse_qs(parts.query, keep_blank_values=True))
    if method == "GET":
        query = {**params, **query}
        sorted_query = _sorted_query(query)
        return f"{base}?{sorted_query}" if sorted_query else base
    sorted_query = _sorted_query(query)
    if not params:
        return f"{base}?{sorted_query}" if sorted_query else base
    return f"{base}?{sorted_query}{'.' if sorted_query else ''}{_sorted_params(params)}"


def _sorted_query(params: Params) -> str:
    pairs: list[str] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list):
            pairs.extend(f"{name}={_text(item)}" for item in sorted(value))
        else:
            pairs.append(f"{name}={_text(value)}")
    return "&".join(pairs)


def _sorted_params(params: Params) -> str:
    parts: list[str] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list):
            parts.extend(f"{name}{_text(item)}" for item in sorted(value, key=_sort_key))
        elif isinstance(value, dict):
            parts.append(f"{name}{_sorted_params(value)}")
        else:
            parts.append(f"{name}{_text(value)}")
    return "".join(parts)


def _sort_key(item: Any) -> tuple[int, Any]:
    # plivo-python sorts a list as it is; a list mixing strings, numbers and others (a
    # TypeError there) is ordered by kind first, so that reading hostile bodies never raises.
    if isinstance(item, int | float):
        return (0, item)
    return (1, item) if isinstance(item, str) else (2, _text(item))


def _text(value: Any) -> str:
    # As the official SDK formats values: Python's str() (True, 1.5, None).
    return value if isinstance(value, str) else str(value)


__all__ = [
    "MAX_BODY_BYTES",
    "MAX_HEADER_CHARS",
    "MAX_JSON_DEPTH",
    "MAX_URL_CHARS",
    "NONCE_V2",
    "NONCE_V3",
    "SIGNATURE_V2",
    "SIGNATURE_V3",
    "NonceStore",
    "ReplayError",
    "SignatureMismatchError",
    "SignatureMissingError",
    "UnsignedContentError",
    "WebhookError",
    "WebhookPayloadError",
    "new_nonce",
    "signature_headers",
    "signature_v2",
    "signature_v3",
    "signed_text_v3",
    "verify_digits_sent",
    "verify_signature",
]
