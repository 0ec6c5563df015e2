"""The client: Plivo credentials, base URL, timeouts and safe retries, around httpx."""

# Replaces openapi-python-client's client.py (generator.yaml copies it over). The stock
# Client/AuthenticatedClient pair sends a Bearer token, needs base_url, has no timeout, retries
# nothing and shows the token in its repr. This Client speaks HTTP Basic with Plivo's
# credentials (arguments or environment), defaults to the spec's first server, has finite
# timeouts, retries only what cannot send the digits twice, and never shows the token. The retry
# rules follow the Stainless SDKs (openai-python's _base_client.py), made safe for a
# non-idempotent POST.
#
# Every request goes through one httpx.Client / httpx.AsyncClient, so every httpx feature
# (proxies, HTTP/2, hooks, cookies, mounts, trio) works as httpx documents it.

import asyncio
import email.utils
import logging
import os
import random as _random
import ssl
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from copy import copy
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from . import errors
from ._meta import PACKAGE_NAME, PACKAGE_VERSION, PROJECT_NAME
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

USER_AGENT = f"{PROJECT_NAME}/{PACKAGE_VERSION} python-httpx/{httpx.__version__}"
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}
AIOHTTP_EXTRA = f"{PROJECT_NAME}[aiohttp]"

# Raised before the first byte of the request leaves this process: retrying them can never
# make the server act twice. A read/write timeout or a dropped connection can.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Arguments of Client.request() that httpx takes at send time rather than when building.
_SEND_ARGS = frozenset({"auth", "follow_redirects"})

_MAX_PARSED_URLS = 256

_log = logging.getLogger(PACKAGE_NAME)


T = TypeVar("T")


class _PerLoop(Generic[T]):
    """One T (a connection pool) per running asyncio event loop, closed as that loop shuts down.

    httpx (through anyio) and aiohttp bind a pool's connections to the loop that opened them;
    from the next loop (each asyncio.run(), a Celery task, a per-test loop) they fail with
    "Event loop is closed". Each loop gets its own, then. A pool is closed on its own loop while
    that loop is still running: an async generator started on the loop is finalized by the
    loop's shutdown_asyncgens(), which asyncio.run() and asyncio.Runner call before closing it.
    A loop closed without it loses its pool to the garbage collector, never touched again.
    Without a running asyncio loop (at set-up, or under trio) there is one pool, handed to the
    first loop that asks.
    """

    def __init__(self, make: Callable[[], T], aclose: Callable[[T], Awaitable[None]]) -> None:
        self._make = make
        self._aclose = aclose
        self._lock = threading.Lock()
        self._spare: T | None = None
        self._by_loop: dict[asyncio.AbstractEventLoop, tuple[T, AsyncGenerator[None]]] = {}

    def get(self) -> T:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        found = self._by_loop.get(loop) if loop is not None else None
        if found is not None:  # every request but a loop's first: no lock needed to read
            return found[0]
        with self._lock:
            if loop is None:
                if self._spare is None:
                    self._spare = self._make()
                return self._spare
            found = self._by_loop.get(loop)
            if found is not None:
                return found[0]
            for closed in [other for other in self._by_loop if other.is_closed()]:
                _finish(self._by_loop.pop(closed)[1])
            value, self._spare = self._spare or self._make(), None
            closer = self._close_at_shutdown(loop, value)
            self._by_loop[loop] = (value, closer)
        # Runs the generator to its `yield` (no await before it): the loop's firstiter hook
        # now tracks it for shutdown_asyncgens(); the reference above keeps it alive till then.
        _finish(closer, start=True)
        return value

    async def _close_at_shutdown(self, loop: asyncio.AbstractEventLoop, value: T) -> AsyncGenerator[None]:
        try:
            yield
        finally:
            if not loop.is_closed():
                await self._aclose(value)


def _finish(generator: AsyncGenerator[None], *, start: bool = False) -> None:
    """Step an async generator that does not await (started, or finishing after its loop
    closed) without an event loop."""
    step = generator.asend(None) if start else generator.aclose()
    try:
        step.send(None)
    except StopIteration:
        return
    raise RuntimeError("the generator awaited")  # pragma: no cover - _close_at_shutdown does not


class _Connections:
    """What a Client shares with its with_options() copies: its httpx clients (hence their
    connection pools) and the request URLs it has parsed."""

    __slots__ = ("async_client", "async_clients", "client", "given", "urls")

    def __init__(self, make_async: Callable[[], httpx.AsyncClient]) -> None:
        self.client: httpx.Client | None = None
        self.async_client: httpx.AsyncClient | None = None  # set_async_httpx_client()'s
        self.async_clients = _PerLoop(make_async, _aclose)
        # set_*httpx_client()'s; weak: a factory's clients, one per loop, come and go.
        self.given: weakref.WeakSet[httpx.Client | httpx.AsyncClient] = weakref.WeakSet()
        self.urls: dict[str, httpx.URL] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


async def _aclose(pool: httpx.AsyncClient | httpx.AsyncBaseTransport) -> None:
    await pool.aclose()


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
        verify_ssl, follow_redirects, httpx_args: passed to the httpx.Client this client
            makes on first use, and to the httpx.AsyncClient it makes for each running event
            loop (a connection pool serves one loop), that every request goes through, e.g.
            httpx_args={"transport": httpx.MockTransport(...)}, {"proxy": ...},
            {"http2": True} or {"event_hooks": ...}. set_httpx_client() and
            set_async_httpx_client() hand it one made elsewhere instead (such as a
            DefaultAioHttpClient).
        sleep, async_sleep, random: injectable for deterministic tests.

    Use it as a context manager (`with` or `async with`) to close its connections; each
    event loop's are also closed as that loop shuts down (asyncio.run() does it).
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
        # httpx.BasicAuth keeps the token in a header value and shows neither in its repr.
        self._auth = httpx.BasicAuth(auth_id, auth_token)
        self._base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
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
        # Request URLs are absolute, so that an httpx client made elsewhere sends to this
        # client's base URL; joined as httpx joins base_url and path (the base ends in "/").
        self._url_prefix = str(httpx.URL(self._base_url)).rstrip("/") + "/"
        self._connections = _Connections(self._make_async_httpx_client)

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

        `url` is relative to base_url; kwargs are those of httpx.Client.request (json=,
        params=, headers=, content=, and auth= or timeout= to override the client's).
        Nothing is validated here: the endpoint functions check their arguments first.

        Raises:
            errors.APIConnectionError: no answer (errors.APITimeoutError on a timeout).
        """
        http = self.get_httpx_client()
        request, send_args = self._build_request(http, method, url, kwargs)
        retries_taken = 0
        while True:
            try:
                response = http.send(request, **send_args)
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
        request, send_args = self._build_request(http, method, url, kwargs)
        retries_taken = 0
        while True:
            try:
                response = await http.send(request, **send_args)
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

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, method: str, url: str, options: Mapping[str, Any]
    ) -> tuple[httpx.Request, dict[str, Any]]:
        """The request, built once per call (a retry resends it: its body is bytes), and the
        arguments of http.send()."""
        build = {"timeout": self._timeout, **options}
        send = {"auth": self._auth}
        for name in _SEND_ARGS & build.keys():
            send[name] = build.pop(name)
        if http in self._connections.given:
            # An httpx client made elsewhere has its own headers: add this client's.
            build["headers"] = {**self._headers, **(build.get("headers") or {})}
        return http.build_request(method, self._absolute_url(url), **build), send

    def _absolute_url(self, url: str) -> httpx.URL:
        # A client sends to few distinct URLs (a live call gets several DTMF sends), and
        # parsing one is a sizeable share of a send's CPU (httpx parses a relative URL, then
        # joins it to base_url): keep the parsed ones, a bounded number.
        urls = self._connections.urls
        parsed = urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url if url.startswith(("http://", "https://")) else self._url_prefix + url.lstrip("/"))
            if len(urls) >= _MAX_PARSED_URLS:
                urls.clear()
            urls[url] = parsed
        return parsed

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

    # -- httpx clients and context managers (the stock names are kept) ---------------------

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Send every blocking request through this httpx.Client (its transport, pool, hooks,
        proxies); base URL, headers, credentials, timeout and retries still come from this
        Client, which closes it when closed."""
        self._connections.given.add(client)
        self._connections.client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The httpx.Client every blocking request goes through, made on first use with this
        client's base URL, headers, credentials, timeout and httpx_args."""
        connections = self._connections
        if connections.client is None:
            connections.client = httpx.Client(
                base_url=self._base_url,
                headers=self._headers,
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **{"auth": self._auth, **self._httpx_args},
            )
        return connections.client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient | Callable[[], httpx.AsyncClient]) -> Self:
        """The asyncio version of set_httpx_client(): an httpx.AsyncClient, or a function
        making one (such as the class DefaultAioHttpClient itself).

        A function is called once per running event loop, as this client makes its own: a
        connection pool serves the loop it was opened on, and each loop's is closed as that
        loop shuts down. An httpx.AsyncClient given as such is used on every loop, as given:
        httpx's own pool then serves one loop (DefaultAioHttpClient keeps one per loop, until
        it is closed).
        """
        if isinstance(async_client, httpx.AsyncClient):
            self._connections.given.add(async_client)
            self._connections.async_client = async_client
            return self

        def make() -> httpx.AsyncClient:
            made = async_client()
            self._connections.given.add(made)
            return made

        self._connections.async_client = None
        self._connections.async_clients = _PerLoop(make, _aclose)
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The asyncio version of get_httpx_client(): the running event loop's httpx.AsyncClient
        (one per loop, each closed as its loop shuts down), unless one was set."""
        connections = self._connections
        if connections.async_client is not None:
            return connections.async_client
        return connections.async_clients.get()

    def _make_async_httpx_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._base_url,
            headers=self._headers,
            timeout=self._timeout,
            verify=self._verify_ssl,
            follow_redirects=self._follow_redirects,
            **{"auth": self._auth, **self._httpx_args},
        )

    def close(self) -> None:
        """Close the connections of blocking requests; sending afterwards is an error."""
        self.get_httpx_client().close()

    async def aclose(self) -> None:
        """Close the running event loop's connections of asyncio requests; sending afterwards
        on this loop is an error (the next loop opens its own)."""
        await self.get_async_httpx_client().aclose()

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


class DefaultAioHttpClient(httpx.AsyncClient):
    """An httpx.AsyncClient whose connections are aiohttp's (httpx-aiohttp's transport), for
    Client.set_async_httpx_client(). Needs the extra: pip install 'plivo-dtmf-client[aiohttp]'.

    Takes httpx.AsyncClient's arguments; verify, cert, trust_env and limits shape the aiohttp
    transport unless transport= is given.
    """

    def __init__(self, **kwargs: Any) -> None:
        try:
            import aiohttp
            from httpx_aiohttp import AiohttpTransport
        except ImportError as exc:
            raise RuntimeError(f"DefaultAioHttpClient needs httpx-aiohttp: pip install '{AIOHTTP_EXTRA}'") from exc
        if "transport" not in kwargs:
            shape = {name: kwargs[name] for name in ("verify", "cert", "trust_env", "limits") if name in kwargs}
            kwargs["transport"] = _AiohttpFailures(
                lambda: AiohttpTransport(**shape),
                connect_error=aiohttp.ClientConnectorError,
                connect_timeout=aiohttp.ConnectionTimeoutError,
            )
        super().__init__(**kwargs)


class _AiohttpFailures(httpx.AsyncBaseTransport):
    """httpx-aiohttp's transport, with its failures told apart as retries need.

    httpx-aiohttp 0.2 raises httpx.ConnectTimeout for every aiohttp ClientConnectionError:
    a refused connection, but also a connection dropped after the request went out, which
    retried as "never sent" could play the digits twice. Here aiohttp's connector errors
    become httpx.ConnectError, its connect timeouts stay httpx.ConnectTimeout (both retried),
    and the rest become httpx.ReadError (not retried).

    An aiohttp session serves the event loop it was opened on: one transport per running loop.
    """

    def __init__(
        self,
        make: Callable[[], httpx.AsyncBaseTransport],
        *,
        connect_error: type[BaseException],
        connect_timeout: type[BaseException],
    ) -> None:
        self._transports = _PerLoop(make, _aclose)
        self._connect_error = connect_error
        self._connect_timeout = connect_timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._transports.get().handle_async_request(request)
        except _NOT_SENT as exc:
            cause = exc.__cause__
            if isinstance(cause, self._connect_timeout):
                raise
            if isinstance(cause, self._connect_error):
                raise httpx.ConnectError(str(exc), request=request) from exc
            raise httpx.ReadError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        await self._transports.get().aclose()


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


__all__ = ["DEFAULT_BASE_URL", "DEFAULT_HEADERS", "DEFAULT_TIMEOUT", "Client", "DefaultAioHttpClient"]
