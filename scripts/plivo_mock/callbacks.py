"""Delivering asynchronous results (the spec's `callbacks.digitsSent`) in the background.

Only to allowed hosts (loopback by default), never following redirects and ignoring proxy
settings from the environment, so the mock never sends traffic off the machine unless told
to. The HTTP answer to the DTMF request never waits for delivery. Each callback is signed
as Plivo signs them (`X-Plivo-Signature-V3`/`-V2` and their nonces, with the owning
account's Auth Token; the spec's `x-decisions.callback-signature`), using the generated
client's `webhooks` module, which receivers verify with. The timeout bounds the whole
delivery, from connecting to the last byte of the answer read; at most ANSWER_BYTES of the
answer are read (its body is ignored).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

import httpx
from plivo_dtmf_client.webhooks import signature_headers

from .jsonbody import json_bytes
from .state import CallbackOutcome

logger = logging.getLogger("plivo_mock.callbacks")

ANSWER_BYTES = 64 * 1024
"""How much of a receiver's answer body is read before the connection is dropped."""


def with_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to its query; a parameter of the same name is replaced.

    The receiver's own parameters (a token in its callback URL, say) keep their spelling
    and order; the fragment, which is never sent, is dropped.
    """
    parts = urlsplit(url)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.partition("=")[0]) not in params
    ]
    query = "&".join([*kept, urlencode(params)]) if params else "&".join(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class CallbackSender:
    def __init__(self, allowed_hosts: frozenset[str], timeout_s: float) -> None:
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self._timeout_s = timeout_s
        self._timeout = httpx.Timeout(timeout_s)
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def host_allowed(self, url: str) -> bool:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        return host is not None and host.lower() in self.allowed_hosts

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        # Keep a reference until done: the loop holds tasks only weakly.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(
        self, outcome: CallbackOutcome, payload: dict[str, str], auth_token: str
    ) -> None:
        """Send `payload`, signed with `auth_token`, as outcome.method says; record the outcome."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, trust_env=False, follow_redirects=False
            )
        try:
            request = self._signed_request(self._client, outcome, payload, auth_token)
            outcome.signed = True
            async with asyncio.timeout(self._timeout_s):
                status = await self._send(request)
        except TimeoutError:
            self._failed(outcome, f"TimeoutError: no complete answer within {self._timeout_s:g} s")
            return
        except Exception as exc:
            # Whatever it is, the outcome must settle: httpx.HTTPError mostly, but a port
            # over 65535 (a valid URI) is an ExceptionGroup from anyio.
            name = type(exc).__name__
            self._failed(outcome, f"{name}: {exc}" if str(exc) else name)
            return
        outcome.http_status = status
        outcome.status = "delivered" if 200 <= status < 300 else "failed"
        if outcome.status == "failed":
            outcome.error = f"the receiver answered {status}"

    @staticmethod
    def _signed_request(
        client: httpx.AsyncClient, outcome: CallbackOutcome, payload: dict[str, str], token: str
    ) -> httpx.Request:
        if outcome.method == "GET":
            request = client.build_request("GET", with_query(outcome.url, payload))
            signed: dict[str, str] = {}
        else:
            request = client.build_request(
                "POST",
                outcome.url,
                headers={"Content-Type": "application/json"},
                content=json_bytes(payload),
            )
            signed = payload
        # Signed as it goes on the wire (percent-encoded as httpx sends it), which is the URL
        # the receiver sees.
        request.headers.update(signature_headers(token, outcome.method, str(request.url), signed))
        return request

    async def _send(self, request: httpx.Request) -> int:
        assert self._client is not None
        response = await self._client.send(request, stream=True)
        try:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= ANSWER_BYTES:
                    break  # enough: closing the response drops the connection
        finally:
            await response.aclose()
        return response.status_code

    @staticmethod
    def _failed(outcome: CallbackOutcome, error: str) -> None:
        outcome.status = "failed"
        outcome.error = error
        logger.info("callback to %s failed: %s", outcome.url, error)

    async def aclose(self) -> None:
        """Cancel pending deliveries and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
