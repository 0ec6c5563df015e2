"""A sliding-window request limit per account, as Plivo documents for call control."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `limit` accepted requests per `window` seconds per key.

    Memory per key is bounded by `limit` timestamps; refused requests are not counted.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> int | None:
        """None when the request may go ahead (and counts), else whole seconds to wait."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def forget(self, key: str) -> None:
        self._hits.pop(key, None)
