"""Time, injected: every loop in pyk8s/client asks a `Clock` for the time and for sleeps.

`RealClock` is the event loop's monotonic time plus the wall clock. `FakeClock` stands still
until a test calls `advance(seconds)`, which wakes exactly the sleepers whose deadline has
come, in deadline order. With it, backoffs of 1000 s, lease expiries and 10-minute event
windows are tested instantly and deterministically.

Guarantees: `monotonic()` never goes backwards; `sleep(d)` returns no earlier than `d` seconds
of that clock's time; `sleep(0)` or a negative delay still yields once to the event loop.
Loops that know *when* they must wake use `sleep_until(deadline)`: it cannot oversleep
even if the sleeping task only starts running after the fake clock was advanced.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never jumps; use it for deadlines and intervals."""
        ...

    def now(self) -> datetime:
        """The wall-clock time in UTC; use it for timestamps written into objects."""
        ...

    async def sleep(self, seconds: float) -> None: ...

    async def sleep_until(self, deadline: float) -> None:
        """Until `monotonic()` reaches `deadline` (at once if it already has)."""
        ...


class RealClock:
    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(deadline - self.monotonic(), 0.0))


class FakeClock:
    """A clock that moves only when told to. Wall time starts at `start` and moves with it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._elapsed = 0.0
        self._start = start or datetime(2025, 1, 1, tzinfo=UTC)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._elapsed + seconds)

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._elapsed:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline is now past."""
        self._elapsed += seconds
        while self._sleepers and self._sleepers[0][0] <= self._elapsed:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many sleeps are pending (cancelled ones included until their deadline)."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def next_deadline(self) -> float | None:
        """Seconds until the earliest pending sleep ends, or None when nobody sleeps."""
        pending = [when for when, _, future in self._sleepers if not future.done()]
        return min(pending) - self._elapsed if pending else None
