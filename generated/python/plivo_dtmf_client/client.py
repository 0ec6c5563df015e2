"""The client: Plivo credentials, base URL, timeouts and safe retries, around httpx."""

import asyncio
import base64
import datetime
import email.utils
import json
import logging
import os
import random as _random
import ssl
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from copy import copy
from types import TracebackType
from typing import Any, Self

import httpx

from . import errors
from ._asyncio import AsyncioTransport
from ._spec import DEFAULT_BASE_URL, check_parameter

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
DEFAULT_HEADERS = {
    "Accept": "application/json",
    # httpx.Client's own defaults, written out so that both send paths send the same headers.
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": USER_AGENT,
}

DIRECT_HTTPX_ARGS = frozenset({"transport", "cert", "trust_env", "http1", "http2", "limits"})
"""The httpx_args the direct path honours: they only shape the transport. Any other one
(event_hooks, cookies, proxy, mounts, auth, params, ...) or follow_redirects=True sends every
request through an httpx.Client built with them."""

_DIRECT_REQUEST_ARGS = frozenset({"json", "params", "headers", "timeout"})
"""The keyword arguments of Client.request() that the direct path builds itself."""

# Raised before the first byte of the request leaves this process: retrying them can never
# make the server act twice. A read/write timeout or a dropped connection can.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_MAX_PARSED_URLS = 256

_log = logging.getLogger("plivo_dtmf_client")
# The direct path logs each request where httpx.Client would, in the same words.
_httpx_log = logging.getLogger("httpx")


class _Connections:
    """What a Client shares with its with_options() copies: the headers of the direct path
    (Authorization included: this object has no repr that shows them) and its transports."""

    __slots__ = ("async_closed", "async_transport", "closed", "headers", "json_headers", "transport", "urls")

    def __init__(self, headers: httpx.Headers, json_headers: httpx.Headers) -> None:
        self.headers = headers
        self.json_headers = json_headers
        self.transport: httpx.BaseTransport | None = None
        self.async_transport: httpx.AsyncBaseTransport | None = None
        self.closed = False
        self.async_closed = False
        self.urls: dict[str, httpx.URL] = {}  # parsed request URLs, see _build_request

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class Client:
    """A Plivo API client, for both blocking and asyncio use.

    Args:
        auth_id: the Auth ID (HTTP Basic username); default: $PLIVO_AUTH_ID. Checked against
            the spec's `auth_id` rule here, once: a malformed one raises
            errors.InvalidParameterError now rather than at every request.
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
        verify_ssl, follow_redirects, httpx_args: how to reach the server. Requests go
            straight to a transport this client owns: an httpx.HTTPTransport, or for asyncio
            an AsyncioTransport (HTTP/1.1 over h11, see _asyncio.py; httpx's own under trio
            or with http2=True), built with verify_ssl and the httpx_args in DIRECT_HTTPX_ARGS (e.g.
            httpx_args={"transport": httpx.MockTransport(...)} or {"limits": ...}). Any other
            httpx_args key, follow_redirects=True, proxy variables in the environment (with
            trust_env on) or set_httpx_client() send every request through an httpx.Client
            instead, with all its features and its cost. The direct path keeps no cookies
            and follows no redirects, which this API never uses.
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
        # The endpoints put the client's own Auth ID in the path unchecked: it is checked here.
        check_parameter("path", "auth_id", auth_id)
        self._auth_id = auth_id
        self._auth = httpx.BasicAuth(auth_id, auth_token)
        self._base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._timeout_extension = self._timeout.as_dict()
        self.max_retries = max_retries
        self.retry_server_errors = retry_server_errors
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        self._headers = {**DEFAULT_HEADERS, **(headers or {})}
        self._verify_ssl = verify_ssl
        self._follow_redirects = follow_redirects
        self._httpx_args = dict(httpx_args or {})
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._random = random
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

        # httpx.Client merges base_url and path the same way: the base always ends in "/".
        self._url_prefix = str(httpx.URL(self._base_url)).rstrip("/") + "/"
        credentials = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode("ascii")
        sent = {**self._headers, "Authorization": f"Basic {credentials}"}
        self._connections = _Connections(
            httpx.Headers(sent), httpx.Headers({"Content-Type": "application/json", **sent})
        )
        self._direct = self._direct_path_applies()
        self._direct_async = self._direct

    def _direct_path_applies(self) -> bool:
        if self._follow_redirects or not self._httpx_args.keys() <= DIRECT_HTTPX_ARGS:
            return False
        if "transport" in self._httpx_args or not self._httpx_args.get("trust_env", True):
            return True
        # httpx.Client would route through the proxies named in the environment.
        proxies = urllib.request.getproxies()
        return not any(proxies.get(scheme) for scheme in ("http", "https", "all"))

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
            clone._timeout_extension = clone._timeout.as_dict()
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

        `url` is relative to base_url; kwargs are those of httpx.Client.request (json=,
        params=, headers=, and auth= or timeout= to override the client's). json, params,
        headers and timeout take the direct path; any other sends this request through
        httpx.Client. Nothing is validated here: the endpoint functions check their
        arguments first.

        Raises:
            errors.APIConnectionError: no answer (errors.APITimeoutError on a timeout).
        """
        attempt: Callable[[], httpx.Response]
        if self._direct and isinstance(url, str) and kwargs.keys() <= _DIRECT_REQUEST_ARGS:
            if self._connections.closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            prepared = self._build_request(method, url, kwargs)
            transport = self._transport()

            def attempt() -> httpx.Response:
                return _send(transport, prepared)

        else:
            http = self.get_httpx_client()
            kwargs.setdefault("auth", self._auth)
            kwargs.setdefault("timeout", self._timeout)

            def attempt() -> httpx.Response:
                return http.request(method, url, **kwargs)

        retries_taken = 0
        while True:
            try:
                response = attempt()
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
        attempt: Callable[[], Awaitable[httpx.Response]]
        if self._direct_async and isinstance(url, str) and kwargs.keys() <= _DIRECT_REQUEST_ARGS:
            if self._connections.async_closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            prepared = self._build_request(method, url, kwargs)
            transport = self._async_transport()

            def attempt() -> Awaitable[httpx.Response]:
                return _asend(transport, prepared)

        else:
            http = self.get_async_httpx_client()
            kwargs.setdefault("auth", self._auth)
            kwargs.setdefault("timeout", self._timeout)

            def attempt() -> Awaitable[httpx.Response]:
                return http.request(method, url, **kwargs)

        retries_taken = 0
        while True:
            try:
                response = await attempt()
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

    def _build_request(self, method: str, url: str, options: Mapping[str, Any]) -> httpx.Request:
        """The request httpx.Client would build, from what was computed once per client.

        Built once per call: a retry sends the same request (its body is bytes).
        """
        connections = self._connections
        body = options.get("json")
        if body is None:
            headers, content = connections.headers, None
        else:
            # httpx.Client(json=...) encodes exactly so.
            headers = connections.json_headers
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        extra = options.get("headers")
        if extra:
            # As with httpx.Client(auth=...), the credentials win over a header of that name.
            authorization = headers["Authorization"]
            headers = httpx.Headers(headers)
            headers.update(extra)
            headers["Authorization"] = authorization
        timeout = options.get("timeout", self._timeout_extension)
        if timeout is not self._timeout_extension:
            timeout = httpx.Timeout(timeout).as_dict()
        if not url.startswith(("http://", "https://")):
            url = self._url_prefix + url.lstrip("/")
        # Parsing a URL is a sizeable share of a send (about 15 µs), and a client sends to
        # few distinct URLs (a live call gets several DTMF sends): keep the parsed ones.
        urls = connections.urls
        parsed = urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            if len(urls) >= _MAX_PARSED_URLS:
                urls.clear()
            urls[url] = parsed
        return httpx.Request(
            method,
            parsed,
            params=options.get("params"),
            headers=headers,
            content=content,
            extensions={"timeout": timeout},
        )

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

    # -- transports, httpx clients and context managers (the stock names are kept) ---------

    def _transport(self) -> httpx.BaseTransport:
        """The direct path's transport, made on first use (the given one, if any)."""
        connections = self._connections
        if connections.transport is None:
            args = dict(self._httpx_args)
            given = args.pop("transport", None)
            connections.transport = given or httpx.HTTPTransport(verify=self._verify_ssl, **args)
        return connections.transport

    def _async_transport(self) -> httpx.AsyncBaseTransport:
        """The asyncio version of _transport()."""
        connections = self._connections
        if connections.async_transport is None:
            args = dict(self._httpx_args)
            given = args.pop("transport", None)
            connections.async_transport = given or AsyncioTransport(verify=self._verify_ssl, **args)
        return connections.async_transport

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Send every blocking request through this httpx.Client (its base_url, pool,
        transport, hooks); credentials, timeout and retries still come from this Client."""
        self._client = client
        self._direct = False
        return self

    def get_httpx_client(self) -> httpx.Client:
        """An httpx.Client with this client's base URL, headers, credentials and timeout.

        On the direct path it shares the direct path's connections; otherwise it is the one
        every request goes through.
        """
        if self._client is None:
            if self._direct:
                self._client = httpx.Client(
                    base_url=self._base_url,
                    headers=self._headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    transport=self._transport(),
                )
            else:
                self._client = httpx.Client(
                    base_url=self._base_url,
                    headers=self._headers,
                    timeout=self._timeout,
                    verify=self._verify_ssl,
                    follow_redirects=self._follow_redirects,
                    **{"auth": self._auth, **self._httpx_args},
                )
        return self._client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """The asyncio version of set_httpx_client()."""
        self._async_client = async_client
        self._direct_async = False
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The asyncio version of get_httpx_client()."""
        if self._async_client is None:
            if self._direct_async:
                self._async_client = httpx.AsyncClient(
                    base_url=self._base_url,
                    headers=self._headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    transport=self._async_transport(),
                )
            else:
                self._async_client = httpx.AsyncClient(
                    base_url=self._base_url,
                    headers=self._headers,
                    timeout=self._timeout,
                    verify=self._verify_ssl,
                    follow_redirects=self._follow_redirects,
                    **{"auth": self._auth, **self._httpx_args},
                )
        return self._async_client

    def close(self) -> None:
        """Close the connections of blocking requests; sending afterwards is an error."""
        connections = self._connections
        connections.closed = True
        if self._client is not None:
            self._client.close()
        if connections.transport is not None:
            connections.transport.close()

    async def aclose(self) -> None:
        """Close the connections of asyncio requests; sending afterwards is an error."""
        connections = self._connections
        connections.async_closed = True
        if self._async_client is not None:
            await self._async_client.aclose()
        if connections.async_transport is not None:
            await connections.async_transport.aclose()

    def __enter__(self) -> Self:
        self.get_httpx_client().__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _send(transport: httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
    """What httpx.Client.send does for one request and no redirects: send, read, close."""
    started = time.perf_counter()
    try:
        response = transport.handle_request(request)
    except httpx.RequestError as exc:
        exc.request = request
        raise
    response.request = request  # before reading: errors while reading then carry it
    _log_sent(request, response)
    try:
        response.read()  # closes the response too, which frees the connection
    except BaseException:
        response.close()
        raise
    response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
    return response


async def _asend(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    """The asyncio version of _send()."""
    started = time.perf_counter()
    try:
        response = await transport.handle_async_request(request)
    except httpx.RequestError as exc:
        exc.request = request
        raise
    response.request = request
    _log_sent(request, response)
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
    return response


def _log_sent(request: httpx.Request, response: httpx.Response) -> None:
    if _httpx_log.isEnabledFor(logging.INFO):
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


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


__all__ = ["DEFAULT_BASE_URL", "DEFAULT_HEADERS", "DEFAULT_TIMEOUT", "DIRECT_HTTPX_ARGS", "Client"]
