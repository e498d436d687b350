"""Rate limiters for clients that poll a provider: at most `rate` requests in any second.

Both limiters hand out *release times* spaced by `1 / rate` seconds (a token bucket holding one
token), so no window of one second, wherever it starts, holds more than `rate` releases
(rounded up for a fractional rate). `acquire()` blocks until the caller's turn and returns the
release time (`time.time()`), which is what a benchmark should measure.

* `RateLimiter`: one process, any number of threads. Exact: releases are spaced by the clock
  read after the wait, so a late wake-up never squeezes two releases together.
* `SharedRateLimiter`: every process that shares the Django cache (Redis via CACHE_URL) shares
  the limit. The time line is cut into slots a little longer than `1 / rate` and each slot goes
  to the one caller whose `cache.add` claims it first; the caller sleeps until its slot begins.
  A caller that wakes up too late (a busy CPU) gives its slot up and claims another, so every
  release falls within the first tenth of its slot and no second holds more than `rate`. With
  the default locmem cache it is per process, like `RateLimiter`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from django.core.cache import cache

#: Guards against float rounding: spacing of exactly 1/rate could fit rate + 1 releases into
#: a closed one-second window.
EPSILON = 1e-6


class RateLimiter:
    """Process-local limiter: `rate` requests per second, evenly spaced, thread-safe."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, not {rate!r}")
        self.rate = rate
        self.interval = 1 / rate + EPSILON
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def acquire(self) -> float:
        """Wait for the next free turn; return its release time."""
        # The lock is held while sleeping: callers queue up in order, and the next one
        # measures its wait from the previous release, not from when it asked.
        with self._lock:
            now = self._clock()
            if self._last is not None:
                wait = self._last + self.interval - now
                if wait > 0:
                    self._sleep(wait)
                    now = self._clock()
            self._last = now
            return now


class SharedRateLimiter:
    """Cache-backed limiter: `rate` requests per second across every process of the cache.

    `key` names the limit (one per provider and account). Slot keys live a few seconds.
    """

    #: The share of a slot a release may come late; slots are longer by as much, so that
    #: any second still spans at most `rate` slot starts (see the module's docstring).
    LATENESS = 0.1

    def __init__(
        self,
        rate: float,
        *,
        key: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, not {rate!r}")
        self.rate = rate
        self.key = key
        # Releases in a window [x, x + 1) come from slots starting in (x - tolerance, x + 1):
        # with slot = 1 / (rate - f) and tolerance = f * slot that span holds `rate` slots.
        lateness = self.LATENESS * min(1.0, rate)
        self.slot = 1 / (rate - lateness) + EPSILON
        self.tolerance = lateness * self.slot
        self._clock = clock
        self._sleep = sleep
        self._slot_timeout = max(5, math.ceil(10 * self.slot))

    def acquire(self) -> float:
        """Claim the earliest free slot that has not begun, sleep until it begins; repeat if
        the wake-up came too late."""
        while True:
            slot = math.ceil(self._clock() / self.slot)
            # A slot that has already begun is never claimed: releases stay on the slot grid.
            while not cache.add(f"ratelimit:{self.key}:{slot}", 1, timeout=self._slot_timeout):
                slot += 1
            start = slot * self.slot
            wait = start - self._clock()
            if wait > 0:
                self._sleep(wait)
            now = self._clock()
            if now - start <= self.tolerance:
                return max(start, now)
