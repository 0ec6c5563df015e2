"""HTTP/1.1 exchanges over a bare socket, so that requests reach the server byte for byte.

httpx and http.client normalise what they send (header names and values, duplicates, the
request target, Content-Length); hostile input has to bypass all of that.
"""

from __future__ import annotations

import http.client
import io
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class RawResponse:
    """One answer as it came off the wire (headers keep their order and duplicates)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclass(frozen=True)
class Closed:
    """The server closed the connection without a status line."""

    reason: str


def exchange(
    host: str,
    port: int,
    request: bytes,
    *,
    timeout: float,
    half_close: bool = False,
    response_to_head: bool = False,
) -> RawResponse | Closed:
    """Send `request` as is and read one response (or notice that none comes).

    `half_close` shuts our sending side once the request is out, which is how a client says
    "that was all the body you will get". A timeout propagates as `TimeoutError`: a server
    that neither answers nor closes is a failure the caller must see.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (e.g. 413) and close before reading everything we send.
            pass
        answer = http.client.HTTPResponse(sock, method="HEAD" if response_to_head else "POST")
        try:
            answer.begin()
            body = answer.read()
        except (http.client.RemoteDisconnected, ConnectionResetError) as exc:
            return Closed(type(exc).__name__)
        except http.client.IncompleteRead as exc:
            return Closed(f"incomplete body after {len(exc.partial)} bytes")
        except http.client.BadStatusLine as exc:
            return Closed(f"bad status line {exc.args[0]!r}")
        return RawResponse(answer.status, tuple(answer.getheaders()), body)


def exchange_many(
    host: str, port: int, request: bytes, *, count: int, timeout: float
) -> list[RawResponse | Closed]:
    """Send pipelined bytes once and read up to `count` responses from the same connection."""
    answers: list[RawResponse | Closed] = []
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        # One buffered reader for all answers: a reader per answer would lose read-ahead bytes.
        shared = _SharedReader(sock)
        for _ in range(count):
            answer = http.client.HTTPResponse(shared, method="POST")  # type: ignore[arg-type]
            try:
                answer.begin()
                body = answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError) as exc:
                answers.append(Closed(type(exc).__name__))
                break
            answers.append(RawResponse(answer.status, tuple(answer.getheaders()), body))
    return answers


class _SharedReader:
    """Hands http.client the same buffered reader every time, and ignores its close()."""

    def __init__(self, sock: socket.socket) -> None:
        self._reader = _UnclosableReader(socket.SocketIO(sock, "rb"))

    def makefile(self, mode: str) -> io.BufferedReader:
        return self._reader


class _UnclosableReader(io.BufferedReader):
    def close(self) -> None:
        """The socket's owner closes it; http.client closes its reader after each body."""
