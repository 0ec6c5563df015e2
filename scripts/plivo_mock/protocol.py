"""uvicorn's httptools protocol, answering requests it cannot parse as Plivo does: JSON.

httptools rejects malformed framing (a bad Content-Length, NUL in a header, raw non-ASCII
bytes in the target, an unknown method, a TLS or HTTP/2 preface...) before the app sees
it, and uvicorn answers `400 text/plain "Invalid HTTP request received."`. Here the answer
is `{"api_id", "error"}` JSON like every other error of the mock, and it keeps its place in
line: a complete request already handed to the app (or queued behind one) is answered
first, because its effect (a DTMF event) is already happening and a client that got only
the 400 would resend it. An error inside a body still being read belongs to that request,
which the app never accepts: it is answered at once.

Built against uvicorn 0.54.0 (pinned in uv.lock): it overrides `send_400_response`, reads
`cycle` (the last request parsed) and `transport`, and chains onto the cycle's `on_response`
callback, so that a request that meets no error costs nothing more.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .asgi import json_bytes, new_api_id

MALFORMED = "malformed HTTP request: it cannot be parsed as HTTP/1.1"


class PlivoHttpProtocol(HttpToolsProtocol):
    """Pass as `uvicorn.Config(http=PlivoHttpProtocol)`."""

    _deferred_400 = False

    def send_400_response(self, msg: str) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started or not cycle.more_body:
                # A request the app holds in full, or is already answering: answer it first.
                # It is the last one parsed, so pipelined ones before it are answered too.
                if not self._deferred_400:  # more bytes after the error come here again
                    self._deferred_400 = True
                    answered = cycle.on_response

                    def then_400() -> None:
                        answered()
                        self._write_400()

                    cycle.on_response = then_400
                return
            # The error is inside this request's body, so it can never be accepted: the app
            # sees a disconnect, whatever the transport does with writes after close().
            cycle.disconnected = True
            cycle.message_event.set()
        self._write_400()

    def _write_400(self) -> None:
        if self.transport.is_closing():
            return
        body = json_bytes({"api_id": new_api_id(), "error": MALFORMED})
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:  # date (and server if set)
            head.append(name + b": " + value + b"\r\n")
        head.append(
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)
        )
        self.transport.write(b"".join(head) + body)
        self.transport.close()
