"""The few ASGI and HTTP details the mock needs, kept out of the request logic."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Account
    from .spec import Operation

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Header = tuple[bytes, bytes]

_JSON_CONTENT_TYPE: Header = (b"content-type", b"application/json")

# Plivo's api_id values are version-1 UUIDs. A random node (multicast bit set, as RFC 4122
# asks for a node that is not a MAC address) keeps the host's MAC out of them. Built here
# rather than by uuid.uuid1, which costs several times more on every request.
_SUFFIX = f"-{0x8000 | secrets.randbits(14):04x}-{secrets.randbits(48) | (1 << 40):012x}"
_GREGORIAN_OFFSET = 0x01B21DD213814000  # 100-ns intervals from 1582-10-15 to 1970-01-01
_last_timestamp = 0


def new_api_id() -> str:
    """A version-1 UUID; timestamps strictly increase, so ids never repeat in a process."""
    global _last_timestamp
    timestamp = max(time.time_ns() // 100 + _GREGORIAN_OFFSET, _last_timestamp + 1)
    _last_timestamp = timestamp
    # 60 bits, 15 hex digits: time_hi (3, after the version digit), time_mid (4), time_low (8).
    hexed = format(timestamp, "015x")
    return hexed[7:] + "-" + hexed[3:7] + "-1" + hexed[:3] + _SUFFIX


@dataclass(slots=True)
class Request:
    """A request that passed routing, authentication and validation against the spec."""

    api_id: str
    operation: Operation
    account: Account | None
    params: dict[str, str]
    query: dict[str, str]
    # The JSON body with the spec's defaults filled in; None when the operation has none.
    body: dict[str, Any] | None
    unknown_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        """The authenticated Auth ID (every operation that reaches state is secured)."""
        assert self.account is not None
        return self.account.auth_id


@dataclass(slots=True)
class Reply:
    status: int
    # A JSON value to encode, JSON bytes already encoded (hot paths), or no body at all.
    body: dict[str, Any] | bytes | None
    headers: tuple[Header, ...] = ()


class ApiError(Exception):
    """Answered as Plivo does: `{"api_id": ..., "error": message}` with `status`."""

    def __init__(self, status: int, message: str, headers: tuple[Header, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def json_bytes(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def response_messages(reply: Reply) -> tuple[Message, Message]:
    """The ASGI start and body messages of a reply (sent by the caller: one await each)."""
    if reply.body is None:
        body = b""
        headers = [(b"content-length", b"0"), *reply.headers]
    else:
        body = reply.body if isinstance(reply.body, bytes) else json_bytes(reply.body)
        headers = [
            _JSON_CONTENT_TYPE,
            (b"content-length", str(len(body)).encode("ascii")),
            *reply.headers,
        ]
    start = {"type": "http.response.start", "status": reply.status, "headers": headers}
    return start, {"type": "http.response.body", "body": body}


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it exceeds `limit` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def is_json_media_type(value: bytes | None) -> bool:
    """application/json with any parameters (charset=utf-8...), case-insensitive."""
    if value is None:
        return False
    if value == b"application/json":
        return True
    media_type = value.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json"
