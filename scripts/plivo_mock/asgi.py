"""The few ASGI and HTTP details the mock needs, kept out of the request logic."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .jsonbody import json_bytes

if TYPE_CHECKING:
    from .callbacks import CallbackSender
    from .config import Account
    from .ratelimit import RateLimiter
    from .spec import Operation
    from .state import MockState

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
    # Spelled out, with %-formatting (faster than format() or an f-string's {:x}): half the
    # cost, on every request.
    timestamp = time.time_ns() // 100 + _GREGORIAN_OFFSET
    if timestamp <= _last_timestamp:
        timestamp = _last_timestamp + 1
    _last_timestamp = timestamp
    # 60 bits, 15 hex digits: time_hi (3, after the version digit), time_mid (4), time_low (8).
    hexed = "%015x" % timestamp  # noqa: UP031
    return f"{hexed[7:]}-{hexed[3:7]}-1{hexed[:3]}{_SUFFIX}"


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


class Mock(Protocol):
    """What an operation's handler may use of the app (app.MockApp is one): handlers need
    not know the app, so the app can import them."""

    @property
    def state(self) -> MockState: ...
    @property
    def limiter(self) -> RateLimiter | None: ...
    @property
    def callbacks(self) -> CallbackSender: ...


Handler = Callable[[Mock, Request], Awaitable[Reply]]


class ApiError(Exception):
    """Answered as Plivo does: `{"api_id": ..., "error": message}` with `status`."""

    def __init__(self, status: int, message: str, headers: tuple[Header, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


# The string encoder that json_bytes uses (ensure_ascii=False): the C one when available.
_json_string = json.encoder.encode_basestring


def error_body(api_id: str, message: str) -> bytes:
    """`json_bytes({"api_id": api_id, "error": message})`, byte for byte, at a quarter of the
    cost: every error answer is one, and the encoder's per-call set-up dominated it."""
    text = '{"api_id":' + _json_string(api_id) + ',"error":' + _json_string(message) + "}"
    return text.encode("utf-8")


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


class BodyTimeout(Exception):
    """The request body did not fully arrive in time."""


class BodyDeadlines:
    """Cancels body reads that outlast `timeout_s`, with one timer for all of them.

    asyncio.timeout() arms and cancels a timer per read, about 5 µs under uvloop: half of
    the mock's own work on a request. Here a read costs two dict operations, and a timer is
    armed only when none is: when it fires, reads past their deadline are cancelled and it
    is re-armed for the next one still waiting (reads end in the order they began, as every
    read gets the same timeout).
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._waiting: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def begin(self) -> asyncio.Task[Any]:
        """Start the deadline of the current task's read."""
        task = asyncio.current_task()
        assert task is not None
        self._waiting[task] = time.monotonic() + self.timeout_s
        # Another loop: an app called in-process from successive event loops.
        if self._timer is None or task.get_loop() is not self._loop:
            self._loop = task.get_loop()
            self._timer = self._loop.call_later(self.timeout_s, self._expire)
        return task

    def end(self, task: asyncio.Task[Any]) -> None:
        self._waiting.pop(task, None)

    def expired(self, task: asyncio.Task[Any]) -> bool:
        """Whether `task` was cancelled for its deadline (asked once, when it is cancelled)."""
        if task in self._expired:
            self._expired.discard(task)
            return True
        return False

    def _expire(self) -> None:
        self._timer = None
        loop = self._loop
        assert loop is not None
        now = time.monotonic()
        while self._waiting:
            task, deadline = next(iter(self._waiting.items()))
            if deadline > now:
                self._timer = loop.call_later(deadline - now, self._expire)
                return
            del self._waiting[task]
            if task.get_loop() is loop and task.cancel():
                self._expired.add(task)


async def read_body(receive: Receive, limit: int, deadlines: BodyDeadlines) -> bytes | None:
    """The whole body, or None as soon as it exceeds `limit` bytes (the rest is not read).

    Raises BodyTimeout when the body has not fully arrived within `deadlines.timeout_s`
    (one deadline for the whole body: a client trickling a byte at a time cannot stretch
    it), and ClientGone when the client disconnects first.
    """
    task = deadlines.begin()
    try:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        # Usually the whole body comes in one message.
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):
            return body if len(body) <= limit else None
        chunks = [body]
        size = len(body)
        while size <= limit:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks) if size <= limit else None
        return None
    except asyncio.CancelledError:
        if deadlines.expired(task):
            task.uncancel()
            raise BodyTimeout from None
        raise
    finally:
        deadlines.end(task)


def is_json_media_type(value: bytes | None) -> bool:
    """application/json with any parameters (charset=utf-8...), case-insensitive."""
    if value is None:
        return False
    if value == b"application/json":
        return True
    media_type = value.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json"


def is_identity_coding(value: bytes) -> bool:
    """A Content-Encoding value that leaves the body as it is (`identity`, any case)."""
    return all(token.strip().lower() in (b"identity", b"") for token in value.split(b","))


def is_loopback_peer(client: tuple[str, int] | list[Any] | None) -> bool:
    """Whether an ASGI `client` is this host: 127.0.0.0/8, ::1, or an IPv4-mapped loopback.

    No client at all is a Unix socket, which only local processes can reach.
    """
    if client is None:
        return True
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if address.is_loopback:
        return True
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped is not None and bool(mapped.is_loopback)
