"""Rate limits: a token bucket for requests, and the retry limiters of the work queue.

`TokenBucket(qps, burst)` holds up to `burst` tokens and gains `qps` per second. A caller
*reserves* a token and is told how long to wait for it, so reservations made by many callers
are served in order and the long-run rate never exceeds `qps` (the semantics of Go's
`x/time/rate`, which client-go uses for its client-side QPS/burst: defaults 5/10).

The work-queue limiters answer one question, `when(item)`: how long until a failed item may
be retried. `ItemExponentialFailureRateLimiter` doubles a per-item delay from 5 ms up to
1000 s; `BucketRateLimiter` caps the overall retry rate (10 qps, burst 100);
`MaxOfRateLimiter` takes the longest delay of several. `default_controller_rate_limiter()`
combines the three exactly as client-go's `DefaultControllerRateLimiter` does.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from pyk8s.client.clock import Clock, RealClock

DEFAULT_QPS = 5.0
DEFAULT_BURST = 10


class TokenBucket:
    def __init__(self, qps: float, burst: int, clock: Clock | None = None) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("a token bucket needs qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        self._clock = clock or RealClock()
        self._tokens = float(burst)
        self._updated: float | None = None

    def reserve(self) -> float:
        """Take one token now (possibly going into debt); returns the seconds to wait for it."""
        now = self._clock.monotonic()
        if self._updated is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.qps)
        self._updated = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    async def wait(self) -> None:
        """Block until this caller's token is available."""
        delay = self.reserve()
        if delay > 0:
            await self._clock.sleep(delay)


class RateLimiter(Protocol):
    """Decides how long a failed work-queue item waits before it is retried."""

    def when(self, item: Hashable) -> float: ...

    def forget(self, item: Hashable) -> None: ...

    def num_requeues(self, item: Hashable) -> int: ...


class ItemExponentialFailureRateLimiter:
    """base * 2^failures, capped at max_delay; `forget` resets an item after a success."""

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        # Past 2^64 the product only overflows to the cap anyway; stop doubling there.
        if failures > 64:
            return self.max_delay
        return min(self.base_delay * 2**failures, self.max_delay)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """One shared token bucket: however many items fail, retries leave at most at `qps`."""

    def __init__(self, qps: float = 10.0, burst: int = 100, clock: Clock | None = None) -> None:
        self._bucket = TokenBucket(qps, burst, clock)

    def when(self, item: Hashable) -> float:
        return self._bucket.reserve()

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """Asks every limiter (so each records the failure) and answers with the longest wait."""

    def __init__(self, *limiters: RateLimiter) -> None:
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        return max(limiter.when(item) for limiter in self.limiters)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter(clock: Clock | None = None) -> MaxOfRateLimiter:
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100, clock),
    )
