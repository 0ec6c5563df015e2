"""The client: Plivo credentials, base URL, timeouts and safe retries, around httpx."""

import asyncio
import email.utils
import logging
import os
import random as _random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from copy import copy
from types import TracebackType
from typing import Any, Self

import httpx

from . import errors
from ._spec import DEFAULT_BASE_URL

AUTH_ID_ENV = "PLIVO_AUTH_ID"
AUTH_TOKEN_ENV = "PLIVO_AUTH_TOKEN"
BASE_URL_ENV = "PLIVO_BASE_URL"

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
"""5 s in all like Plivo's own SDKs; 2 s to connect, since a failed connect is retried."""
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
"""A Retry-After longer than this is not waited for: the RateLimitError is raised at once."""

USER_AGENT = "plivo-dtmf-client/1.0.0 python-httpx/" + httpx.__version__

# Raised before the first byte of the request leaves this process: retrying them can never
# make the server act twice. A read/write timeout or a dropped connection can.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_log = logging.getLogger("plivo_dtmf_client")


class Client:
    """A Plivo API client, for both blocking and asyncio use.

    Args:
        auth_id: the Auth ID (HTTP Basic username); default: $PLIVO_AUTH_ID.
        auth_token: the Auth Token (HTTP Basic password); default: $PLIVO_AUTH_TOKEN.
            It never appears in repr() or in exception messages.
        base_url: default: $PLIVO_BASE_URL, else DEFAULT_BASE_URL (the spec's first server).
        timeout: seconds or an httpx.Timeout; default 5 s (2 s to connect).
        max_retries: retries after the first attempt (default 2). By default the client
            retries only what cannot have reached the server: 429 Too Many Requests (after
            Retry-After when given, else exponential backoff with jitter, capped) and
            connection failures before sending (connect errors, connect and pool timeouts).
            Read timeouts are never retried: the digits may already have been played.
        retry_server_errors: also retry 5xx answers. **Off by default, and dangerous for
            this API**: a 5xx (or a proxy's 502/504) may come after the digits were played,
            so a retry can send them twice. Turn it on only if a duplicate tone is harmless.
        initial_retry_delay, max_retry_delay: the backoff, 0.5 s doubling up to 8 s, each
            delay shortened by up to 25 % at random (jitter).
        headers: extra headers sent with every request.
        verify_ssl, follow_redirects, httpx_args: passed to the httpx clients
            (e.g. httpx_args={"transport": ...}).
        sleep, async_sleep, random: injectable for deterministic tests.

    Use it as a context manager (`with` or `async with`) to close its connections.
    """

    def __init__(
        self,
        auth_id: str | None = None,
        auth_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_server_errors: bool = False,
        initial_retry_delay: float = INITIAL_RETRY_DELAY,
        max_retry_delay: float = MAX_RETRY_DELAY,
        headers: Mapping[str, str] | None = None,
        verify_ssl: str | bool | ssl.SSLContext = True,
        follow_redirects: bool = False,
        httpx_args: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        auth_id = auth_id or os.environ.get(AUTH_ID_ENV) or None
        auth_token = auth_token or os.environ.get(AUTH_TOKEN_ENV) or None
        if auth_id is None or auth_token is None:
            missing = [name for name, value in ((AUTH_ID_ENV, auth_id), (AUTH_TOKEN_ENV, auth_token)) if value is None]
            raise errors.CredentialsError(
                "Plivo credentials are missing: pass Client(auth_id=..., auth_token=...) or set "
                f"the {AUTH_ID_ENV} and {AUTH_TOKEN_ENV} environment variables "
                f"(missing: {', '.join(missing)})."
            )
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self._auth_id = auth_id
        self._auth = httpx.BasicAuth(auth_id, auth_token)
        self._base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self.retry_server_errors = retry_server_errors
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._verify_ssl = verify_ssl
        self._follow_redirects = follow_redirects
        self._httpx_args = dict(httpx_args or {})
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._random = random
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @property
    def auth_id(self) -> str:
        """The Auth ID; the endpoints' `auth_id` path parameter defaults to it."""
        return self._auth_id

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(auth_id={self._auth_id!r}, base_url={self._base_url!r}, "
            f"timeout={self._timeout!r}, max_retries={self.max_retries}, "
            f"retry_server_errors={self.retry_server_errors})"
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_server_errors: bool | None = None,
    ) -> Self:
        """A copy with other settings, sharing this client's open connections."""
        clone = copy(self)
        if timeout is not None:
            clone._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        if max_retries is not None:
            if max_retries < 0:
                raise ValueError("max_retries must be 0 or more")
            clone.max_retries = max_retries
        if retry_server_errors is not None:
            clone.retry_server_errors = retry_server_errors
        return clone

    # -- sending -------------------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one API request with the client's credentials, timeout and retry policy.

        `url` is relative to base_url; kwargs go to httpx.Client.request (json=, params=,
        headers=, and auth= or timeout= to override the client's).
        Nothing is validated here: the endpoint functions check their arguments first.

        Raises:
            errors.APIConnectionError: no answer (errors.APITimeoutError on a timeout).
        """
        http = self.get_httpx_client()
        kwargs.setdefault("auth", self._auth)
        kwargs.setdefault("timeout", self._timeout)
        retries_taken = 0
        while True:
            try:
                response = http.request(method, url, **kwargs)
            except httpx.RequestError as exc:
                delay = self._retry_delay(retries_taken, error=exc)
                if delay is None:
                    raise _connection_error(exc) from exc
                reason = type(exc).__name__
            else:
                delay = self._retry_delay(retries_taken, response=response)
                if delay is None:
                    return response
                response.close()
                reason = str(response.status_code)
            _log.info("Retrying %s %s in %.2f s after %s", method.upper(), url, delay, reason)
            self._sleep(delay)
            retries_taken += 1

    async def arequest(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The asyncio version of request()."""
        http = self.get_async_httpx_client()
        kwargs.setdefault("auth", self._auth)
        kwargs.setdefault("timeout", self._timeout)
        retries_taken = 0
        while True:
            try:
                response = await http.request(method, url, **kwargs)
            except httpx.RequestError as exc:
                delay = self._retry_delay(retries_taken, error=exc)
                if delay is None:
                    raise _connection_error(exc) from exc
                reason = type(exc).__name__
            else:
                delay = self._retry_delay(retries_taken, response=response)
                if delay is None:
                    return response
                await response.aclose()
                reason = str(response.status_code)
            _log.info("Retrying %s %s in %.2f s after %s", method.upper(), url, delay, reason)
            await self._async_sleep(delay)
            retries_taken += 1

    def _retry_delay(
        self,
        retries_taken: int,
        *,
        response: httpx.Response | None = None,
        error: httpx.RequestError | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to stop here."""
        if retries_taken >= self.max_retries:
            return None
        if error is not None:
            return self._backoff(retries_taken) if isinstance(error, _NOT_SENT) else None
        assert response is not None
        status = response.status_code
        if status != 429 and not (self.retry_server_errors and 500 <= status <= 599):
            return None
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is None:
            return self._backoff(retries_taken)
        return retry_after if retry_after <= MAX_RETRY_AFTER else None

    def _backoff(self, retries_taken: int) -> float:
        delay = min(self.initial_retry_delay * 2.0**retries_taken, self.max_retry_delay)
        return delay * (1.0 - 0.25 * self._random())

    # -- httpx clients and context managers (the stock names are kept) --------------------

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use this httpx.Client (its base_url, pool, transport); credentials, timeout and
        retries still come from this Client."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self._base_url,
                headers=self._headers,
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """The asyncio version of set_httpx_client()."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                base_url=self._base_url,
                headers=self._headers,
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._async_client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()

    def __enter__(self) -> Self:
        self.get_httpx_client().__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.get_httpx_client().__exit__(exc_type, exc, traceback)

    async def __aenter__(self) -> Self:
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.get_async_httpx_client().__aexit__(exc_type, exc, traceback)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP-date (RFC 9110); None if unusable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds or seconds == float("inf"):
        return None
    return max(seconds, 0.0)


def _connection_error(exc: httpx.RequestError) -> errors.APIConnectionError:
    request = exc.request
    where = f"{request.method} {request.url}"
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return errors.APITimeoutError(f"{where}: no connection in time ({exc!r})", request=request)
        return errors.APITimeoutError(
            f"{where}: no answer in time ({exc!r}); the server may have acted on the request, so it was not retried",
            request=request,
        )
    return errors.APIConnectionError(f"{where}: {exc!r}", request=request)


__all__ = ["Client", "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT"]
