"""Delivering asynchronous results (the spec's `callbacks.digitsSent`) in the background.

Only to allowed hosts (loopback by default), with a timeout, never following redirects
and ignoring proxy settings from the environment, so the mock never sends traffic off the
machine unless told to. The HTTP answer to the DTMF request never waits for delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import httpx

from .state import CallbackOutcome

logger = logging.getLogger("plivo_mock.callbacks")


class CallbackSender:
    def __init__(self, allowed_hosts: frozenset[str], timeout_s: float) -> None:
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
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

    async def deliver(self, outcome: CallbackOutcome, payload: dict[str, str]) -> None:
        """Send `payload` as outcome.method says; record what happened in `outcome`."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, trust_env=False, follow_redirects=False
            )
        try:
            if outcome.method == "GET":
                response = await self._client.get(outcome.url, params=payload)
            else:
                response = await self._client.post(outcome.url, json=payload)
        except httpx.HTTPError as exc:
            outcome.status = "failed"
            outcome.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            logger.info("callback to %s failed: %s", outcome.url, outcome.error)
            return
        outcome.http_status = response.status_code
        outcome.status = "delivered" if response.is_success else "failed"
        if not response.is_success:
            outcome.error = f"the receiver answered {response.status_code}"

    async def aclose(self) -> None:
        """Cancel pending deliveries and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
