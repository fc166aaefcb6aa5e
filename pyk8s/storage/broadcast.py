"""In-process watch fan-out for a store that commits its own writes (the embedded backend).

The store hands every committed batch of events to `Broadcaster.publish`, on the event loop
and in revision order. Each `Watch` keeps the events under its prefix in a bounded buffer
until its consumer takes them.

A watch that starts in the past first replays history from the log, then serves live events.
It subscribes *before* replaying, at the store's current revision C: the replay covers
revisions [start, C] and the buffer collects everything after C, so there is no gap and no
event is delivered twice.

A consumer that lets its buffer fill is cut off, never silently skipped: it receives what was
buffered, then `__anext__` raises `WatchLagError(next_revision)`, the first revision it has not
received, from which it may start a new watch. When the store closes, every watch ends
(StopAsyncIteration).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable

from pyk8s.storage.interface import Event, StoreError, WatchLagError

# Reads events under a prefix with first <= revision <= last, oldest first, at most `limit`.
# Raises CompactedError when `first` is no longer in the log.
ReplayFn = Callable[[str, int, int, int], Awaitable[list[Event]]]

# Small enough that a page of large objects (up to 1.5 MB each) stays a modest allocation.
REPLAY_PAGE = 100


class Watch:
    """One watcher: an async iterator of events under `prefix` from `start_revision` on."""

    def __init__(
        self,
        broadcaster: Broadcaster,
        prefix: str,
        start_revision: int,
        replay_through: int,
        replay: ReplayFn,
        buffer_size: int,
    ) -> None:
        self._broadcaster = broadcaster
        self.prefix = prefix
        # The first revision the consumer has not received yet.
        self.next_revision = start_revision
        self._replay_through = replay_through
        self._replay = replay
        self._replayed: collections.deque[Event] = collections.deque()
        self._live: collections.deque[Event] = collections.deque()
        self._buffer_size = buffer_size
        self._wakeup: asyncio.Future[None] | None = None
        self._failure: StoreError | None = None
        self._closed = False

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> Event:
        while True:
            try:
                event = await self._next_replayed() if self._replaying else None
            except Exception:  # CompactedError or a closed store: the watch is over.
                # (A cancelled read is not: the next call reads the same page again.)
                self._close()
                raise
            if event is None and self._live:
                event = self._live.popleft()
            if event is not None:
                self.next_revision = event.revision + 1
                return event
            if self._failure is not None:
                failure, self._failure = self._failure, None
                self._close()
                raise failure
            if self._closed:
                raise StopAsyncIteration
            if not self._replaying:
                self._wakeup = asyncio.get_running_loop().create_future()
                await self._wakeup

    async def aclose(self) -> None:
        self._close()

    @property
    def _replaying(self) -> bool:
        return bool(self._replayed) or self.next_revision <= self._replay_through

    async def _next_replayed(self) -> Event | None:
        if not self._replayed:
            first, last = self.next_revision, self._replay_through
            page = await self._replay(self.prefix, first, last, REPLAY_PAGE)
            self._replayed.extend(page)
            if len(page) < REPLAY_PAGE:
                # Nothing else under the prefix up to `last`: the next event will be live.
                self._replay_through = first - 1
        if self._replayed:
            return self._replayed.popleft()
        return None

    def offer(self, events: list[Event]) -> None:
        """Called by the broadcaster with every committed batch, on the event loop."""
        if self._closed or self._failure is not None:
            return
        for event in events:
            if event.revision < self.next_revision or not event.kv.key.startswith(self.prefix):
                continue
            if len(self._live) >= self._buffer_size:
                # The consumer still gets what is buffered; the error marks where it stops.
                self._failure = WatchLagError(self._live[-1].revision + 1)
                self._broadcaster.unsubscribe(self)
                break
            self._live.append(event)
        self._wake()

    def end(self) -> None:
        """The store is closing: the consumer gets what is buffered, then the end."""
        self._closed = True
        self._replayed.clear()
        self._replay_through = 0  # the log is closing too
        self._wake()

    def _close(self) -> None:
        self._closed = True
        self._live.clear()
        self._replayed.clear()
        self._broadcaster.unsubscribe(self)
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)


class Broadcaster:
    """Hands each committed batch to every subscribed watch."""

    def __init__(self) -> None:
        self._watches: set[Watch] = set()

    def subscribe(
        self,
        prefix: str,
        start_revision: int,
        current_revision: int,
        replay: ReplayFn,
        buffer_size: int,
    ) -> Watch:
        """A watch from `start_revision`, which is current_revision + 1 or earlier (replayed)
        or later (events before it are skipped)."""
        watch = Watch(self, prefix, start_revision, current_revision, replay, buffer_size)
        self._watches.add(watch)
        return watch

    def unsubscribe(self, watch: Watch) -> None:
        self._watches.discard(watch)

    def publish(self, events: list[Event]) -> None:
        # A watch may unsubscribe itself while being offered events: iterate over a copy.
        for watch in list(self._watches):
            watch.offer(events)

    def close(self) -> None:
        for watch in list(self._watches):
            watch.end()
        self._watches.clear()
