"""The work queue between informer handlers and reconcile workers, as client-go's.

Guarantees:

- **Fair**: items are handed out in the order they were added.
- **Stingy**: an item added several times before a worker takes it is processed once.
- **One at a time**: an item is never held by two workers. Adding an item that a worker is
  processing marks it dirty; it goes back in the queue when that worker calls `done`.
- **Delays**: `add_after(item, seconds)` adds it later; a second `add_after` for an item
  already waiting keeps the earlier time.
- **Rate-limited retries**: `add_rate_limited(item)` adds it after the rate limiter's delay
  (by default per-item 5 ms doubling to 1000 s, and 10 retries/s overall); `forget(item)`
  after a success resets its backoff.
- **Shutdown**: after `shut_down()` new adds are ignored and waiting delays are dropped;
  workers still get what is queued, then `get()` raises ShutDown.
  `shut_down_with_drain()` also waits until everything queued or in progress is `done`.

Time comes from the injected clock, so tests of backoff and delays run instantly.
Everything runs on one event loop; no locks are needed because no method awaits while the
queue's state is half-updated.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from pyk8s.client.clock import Clock, RealClock
from pyk8s.client.ratelimit import RateLimiter, default_controller_rate_limiter

T = TypeVar("T", bound=Hashable)
logger = logging.getLogger("pyk8s.client.workqueue")


class ShutDown(Exception):
    """Raised by `get()` once the queue is shut down and empty."""


class WorkQueue(Generic[T]):
    def __init__(
        self,
        name: str = "",
        *,
        rate_limiter: RateLimiter | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.clock = clock or RealClock()
        self.rate_limiter = rate_limiter or default_controller_rate_limiter(self.clock)
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._waiting: list[tuple[float, int, T]] = []  # a heap by ready time
        self._ready_at: dict[T, float] = {}
        self._sequence = itertools.count()
        self._wakeups: set[asyncio.Future[None]] = set()
        self._shutting_down = False

    # adding

    def add(self, item: T) -> None:
        if self._shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item not in self._processing:
            self._queue.append(item)
            self._wake()

    def add_after(self, item: T, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        ready_at = self.clock.monotonic() + delay
        if self._ready_at.get(item, float("inf")) <= ready_at:
            return
        self._ready_at[item] = ready_at
        heapq.heappush(self._waiting, (ready_at, next(self._sequence), item))
        self._wake()  # a getter may be sleeping until a later deadline

    def add_rate_limited(self, item: T) -> None:
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)

    # processing

    async def get(self) -> T:
        """The next item, which the caller owns until `done(item)`. Raises ShutDown."""
        while True:
            self._promote_ready()
            if self._queue:
                item = self._queue.popleft()
                self._processing.add(item)
                self._dirty.discard(item)
                return item
            if self._shutting_down:
                raise ShutDown(self.name)
            await self._wait(self._waiting[0][0] if self._waiting else None)

    def done(self, item: T) -> None:
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
        self._wake()

    # stopping

    def shut_down(self) -> None:
        self._shutting_down = True
        self._waiting.clear()
        self._ready_at.clear()
        self._wake()

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until all queued and in-progress items are done."""
        self.shut_down()
        while self._queue or self._processing:
            await self._wait(None)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def __len__(self) -> int:
        """Items ready to be handed out (not those in progress or still delayed)."""
        self._promote_ready()
        return len(self._queue)

    @property
    def processing(self) -> int:
        return len(self._processing)

    @property
    def waiting(self) -> int:
        return len(self._ready_at)

    # internals

    def _promote_ready(self) -> None:
        now = self.clock.monotonic()
        while self._waiting and self._waiting[0][0] <= now:
            ready_at, _, item = heapq.heappop(self._waiting)
            if self._ready_at.get(item) == ready_at:  # else superseded by an earlier add_after
                del self._ready_at[item]
                self.add(item)

    def _wake(self) -> None:
        for future in self._wakeups:
            if not future.done():
                future.set_result(None)
        self._wakeups.clear()

    async def _wait(self, deadline: float | None) -> None:
        """Until the queue changes, or the clock reaches `deadline`."""
        wakeup: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wakeups.add(wakeup)
        if deadline is None:
            await wakeup
            return
        sleeper = asyncio.ensure_future(self.clock.sleep_until(deadline))
        try:
            await asyncio.wait({wakeup, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            wakeup.cancel()
            self._wakeups.discard(wakeup)


async def run_worker(queue: WorkQueue[T], reconcile: Callable[[T], Awaitable[None]]) -> None:
    """The reconcile loop: take a key, reconcile it, retry it with backoff if that failed.

    Runs until the queue shuts down. A reconcile that raises is logged and its key is
    re-added rate-limited; one that returns normally has its backoff forgotten.
    """
    while True:
        try:
            item = await queue.get()
        except ShutDown:
            return
        try:
            await reconcile(item)
        except asyncio.CancelledError:
            queue.done(item)
            raise
        except Exception:
            logger.exception("%s: reconciling %r failed; will retry", queue.name, item)
            queue.add_rate_limited(item)
        else:
            queue.forget(item)
        queue.done(item)
