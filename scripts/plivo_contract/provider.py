"""The provider under test, as the runner and the probes talk to it.

One httpx client with the run's client-side rate limit and request budget, the spec's list
operation (to discover live calls), and, only when the provider is our mock (it answers
`GET /__mock__/health`), the mock's control API. A real provider never sees a control call
other than that one health probe.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .nearmiss import OWN_CREDENTIALS, credential_near_misses, credential_shell_forms
from .spec import Spec

MOCK_PREFIX = "/__mock__"


class BudgetExhausted(Exception):
    """The run's request budget is spent."""


class ProviderError(Exception):
    """The provider cannot be used for a run (unreachable, credentials refused...)."""


class RateLimited(Exception):
    """Still 429 after the bounded retries: what needed the answer is skipped, never failed."""


# A 429 is documented on every operation: wait as its Retry-After says, a few times, bounded.
RETRIES = 3
MAX_RETRY_WAIT_S = 10.0


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Budget:
    """Requests left for the run, shared by everything that sends."""

    limit: int
    spent: int = 0
    exhausted: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self.spent >= self.limit:
                self.exhausted = True
                raise BudgetExhausted(f"request budget of {self.limit} spent")
            self.spent += 1

    @property
    def left(self) -> int:
        return max(self.limit - self.spent, 0)


class Provider:
    def __init__(
        self,
        spec: Spec,
        base_url: str,
        auth_id: str,
        auth_token: str,
        *,
        budget: Budget,
        rate_per_second: float,
        timeout: float = 10.0,
    ) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.auth_id = auth_id
        self._auth_token = auth_token
        self.budget = budget
        self._interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._next_slot = time.monotonic()
        self._lock = threading.Lock()
        # No redirects followed, no environment proxies: what the provider answers is the finding.
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)

    def __repr__(self) -> str:
        return f"Provider({self.base_url!r}, auth_id={self.auth_id!r})"

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def auth_token(self) -> str:
        """To verify the signatures of the provider's callbacks; never shown."""
        return self._auth_token

    @property
    def authorization(self) -> str:
        return basic_auth(self.auth_id, self._auth_token)

    def wrong_password_authorization(self) -> str:
        return basic_auth(self.auth_id, self._auth_token + "-wrong")

    def bearer_authorization(self) -> str:
        return "Bearer " + self._auth_token

    def near_miss_authorizations(self) -> dict[str, str]:
        """Authorization values one step from the run's own (see nearmiss.py)."""
        return credential_near_misses(self.auth_id, self._auth_token)

    def curl_authorization(self, value: str) -> str | None:
        """curl arguments that send the Authorization `value` again, when this run derived it
        from its credentials: computed by the shell from $PLIVO_AUTH_ID/$PLIVO_AUTH_TOKEN, so
        the line runs and shows no token. None for any other value."""
        forms = {
            self.authorization: OWN_CREDENTIALS,
            self.wrong_password_authorization(): '-u "$PLIVO_AUTH_ID:$PLIVO_AUTH_TOKEN-wrong"',
            self.bearer_authorization(): '-H "Authorization: Bearer $PLIVO_AUTH_TOKEN"',
        }
        shell = credential_shell_forms(self.auth_id)
        for key, derived in self.near_miss_authorizations().items():
            forms.setdefault(derived, shell[key])
        return forms.get(value)

    def _throttle(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            time.sleep(wait)  # client-side rate limit, not synchronisation

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        auth: str | None = "default",
        throttle: bool = True,
        retry: bool = True,
    ) -> httpx.Response:
        """One request; `auth="default"` sends the run's credentials, None sends none.

        A 429 is retried after its `Retry-After` (1 s without one), at most RETRIES times and
        never for a wait over MAX_RETRY_WAIT_S; then RateLimited. `retry=False` returns it.
        """
        sent = dict(headers or {})
        if auth == "default":
            sent["Authorization"] = self.authorization
        elif auth is not None:
            sent["Authorization"] = auth
        throttled = self.spec.send.status_of("TooManyRequests")
        for attempt in range(RETRIES + 1):
            self.budget.take()
            if throttle:
                self._throttle()
            response = self.client.request(
                method, self.base_url + path, headers=sent, content=content
            )
            if not retry or response.status_code != throttled:
                return response
            header = response.headers.get("retry-after", "")
            wait = float(header) if header.isdigit() else 1.0
            if attempt == RETRIES or wait > MAX_RETRY_WAIT_S:
                break
            time.sleep(wait)  # what the provider asked for, not synchronisation
        raise RateLimited(
            f"rate-limited: {method} {path.split('?')[0]} still {throttled} after "
            f"{attempt + 1} tries (Retry-After {header or 'none'})"
        )

    def live_calls(self) -> list[str]:
        """UUIDs from the spec's list operation (what a stateful test follows through the link)."""
        listing = self.spec.list_calls
        path = listing.url("", auth_id=self.auth_id) + "?status=live"
        try:
            response = self.send(listing.method, path)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{self.base_url} is unreachable: {exc}") from exc
        if response.status_code == listing.status_of("Unauthorized"):
            raise ProviderError(f"the provider refused the credentials of {self.auth_id} (401)")
        # Only the UUIDs are needed here; the answer's exact shape is for the checks to judge.
        body = _json(response)
        calls = body.get("calls") if isinstance(body, dict) else None
        if not 200 <= response.status_code < 300 or not isinstance(calls, list):
            raise ProviderError(
                f"listing live calls answered {response.status_code} {response.text[:200]!r}"
            )
        return [call for call in calls if isinstance(call, str)]

    def is_mock(self) -> bool:
        """Whether this is our mock. The one request a real provider gets outside the spec."""
        try:
            response = self.send("GET", f"{MOCK_PREFIX}/health", auth=None)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and _json(response) == {"status": "ok"}


class MockControl:
    """The mock's control API (`openapi/mock-control.yaml`), for sharper probes on our mock."""

    def __init__(self, provider: Provider, auth_id: str, auth_token: str) -> None:
        self.provider = provider
        self.authorization = basic_auth(auth_id, auth_token)

    def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        content = None if body is None else httpx.Request("POST", "/", json=body).content
        headers = {"Content-Type": "application/json"} if content is not None else {}
        return self.provider.send(
            method, MOCK_PREFIX + path, headers=headers, content=content, auth=self.authorization
        )

    def create_call(self, *, bleg: bool) -> str:
        response = self._call("POST", "/calls", {"bleg": bleg})
        if response.status_code != 201:
            raise ProviderError(f"mock: creating a call answered {response.status_code}")
        return str(response.json()["call_uuid"])

    def calls(self) -> list[dict[str, Any]]:
        """The account's calls, live or hung up: `{"call_uuid", "live", "bleg", ...}`."""
        response = self._call("GET", "/calls")
        if response.status_code != 200:
            raise ProviderError(f"mock: listing calls answered {response.status_code}")
        return list(response.json()["calls"])

    def find_or_create(self, *, live: bool, bleg: bool) -> tuple[str, bool]:
        """A call in that state, reused when one exists; (uuid, whether it was created)."""
        for call in self.calls():
            if call.get("live") is live and (not live or call.get("bleg") is bleg):
                return str(call["call_uuid"]), False
        call_uuid = self.create_call(bleg=bleg)
        if not live:
            self.hang_up(call_uuid)
        return call_uuid, live

    def hang_up(self, call_uuid: str) -> None:
        self._call("DELETE", f"/calls/{call_uuid}")

    def events(self, call_uuid: str) -> list[dict[str, Any]]:
        response = self._call("GET", f"/calls/{call_uuid}/events")
        if response.status_code != 200:
            raise ProviderError(f"mock: reading events answered {response.status_code}")
        return list(response.json()["events"])


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
