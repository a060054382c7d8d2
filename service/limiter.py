"""A small per-app rate limiter: at most ``limit`` events per client within a sliding window."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque

from service.errors import TooManyRequests

__all__ = ["RateLimiter"]


class RateLimiter:
    """Sliding-window counts per client, bounded to ``max_clients`` (least recently seen go)."""

    def __init__(self, *, limit: int, window_seconds: float, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_clients = max_clients
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, client: str, *, what: str) -> None:
        """Count one event for ``client``, or raise a 429 with ``Retry-After`` when over."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - self.window_seconds:
                times.popleft()
            self._seen[client] = times
            while len(self._seen) > self.max_clients:
                self._seen.popitem(last=False)
            if len(times) >= self.limit:
                wait = max(1, math.ceil(times[0] + self.window_seconds - now))
                raise TooManyRequests(
                    f"At most {self.limit} {what} per {self.window_seconds:g} s from one address; "
                    f"try again in {wait} s.",
                    headers={"Retry-After": str(wait)},
                )
            times.append(now)
