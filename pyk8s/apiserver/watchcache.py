"""The watch cache: one store watch per resource, fanned out to every API watcher.

Guarantees:

- The cache holds every current object of its resource and a window of the most recent
  events (`window` of them). It is fed by exactly one store watch, started at the revision of
  the initial range, so it never misses or repeats a write.
- A watcher started at revision N receives every matching event with revision > N exactly
  once and in order, first from the window, then live. N older than the window is refused
  with 410 Gone ("too old resource version"), as kube-apiserver does; the client re-lists.
- Events are serialised once (`WatchEvent.line`, the whole stream line) however many
  watchers get them, and handed to each watcher's sink right in the fan-out loop.
- Selectors are applied per watcher to both the new and the previous object, so an object
  that starts matching arrives as ADDED and one that stops matching as DELETED.
- A slow watcher never stalls the others: its buffer is bounded, and when it overflows that
  watcher alone is closed (the client then resumes from the last revision it saw).
- Objects in the cache are shared: callers must not mutate what they get from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from pyk8s.api.errors import Gone
from pyk8s.storage.interface import CompactedError, Event, EventType, Store, WatchLagError

logger = logging.getLogger("pyk8s.apiserver.watchcache")

Matcher = Callable[[dict[str, Any]], bool]
# Events kept per resource for watchers that resume. kube-apiserver sizes its cache to hold
# about 75 s of history; a fixed count must be large enough for a burst (a Deployment of
# thousands of pods) not to cut every watcher off. --default-watch-cache-size sets it.
DEFAULT_WINDOW = 10_000
WATCHER_QUEUE = 1000  # events buffered per watcher before it is cut off


def decode_stored(value: bytes, revision: int) -> dict[str, Any]:
    """A stored value as the API shows it: resourceVersion is the key's mod revision."""
    obj = orjson.loads(value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(revision)
    return obj


@dataclass(slots=True)
class WatchEvent:
    type: str  # ADDED, MODIFIED, DELETED
    key: str
    object: dict[str, Any]
    revision: int
    prev_object: dict[str, Any] | None = None
    _json: bytes | None = None
    _line: bytes | None = None

    @property
    def object_json(self) -> bytes:
        if self._json is None:
            self._json = orjson.dumps(self.object)
        return self._json

    @property
    def line(self) -> bytes:
        """The event as one line of a JSON watch stream, built once for every watcher."""
        if self._line is None:
            self._line = watch_line(self.type, self.object_json)
        return self._line


def watch_line(kind: str, body: bytes) -> bytes:
    """`{"type":KIND,"object":BODY}` and a newline: one event of a JSON watch stream."""
    return b'{"type":"' + kind.encode() + b'","object":' + body + b"}\n"


# Hands events straight to a client; False when the client cannot keep up (or is gone).
Sink = Callable[[list["WatchEvent"]], bool]


class Watcher:
    """One API watch: the events that passed its filter, for one client.

    Events wait in a bounded buffer that the stream takes whole (`take`), or, once the
    stream has attached a sink (`deliver_to`), go straight to it as they are offered.
    """

    def __init__(self, prefix: str, matcher: Matcher | None, after: int) -> None:
        self.prefix = prefix
        self.matcher = matcher
        self.after = after  # deliver only events with a greater revision
        self._pending: deque[WatchEvent] = deque()
        self._sink: Sink | None = None
        # Set while the stream waits; offer(), poke() and close() resolve it.
        self._wakeup: asyncio.Future[None] | None = None
        self.closed = False

    def offer(self, event: WatchEvent) -> None:
        if self.closed or event.revision <= self.after or not event.key.startswith(self.prefix):
            return
        delivered = self._filter(event)
        if delivered is None:
            return
        if self._sink is not None:
            self._send([delivered])
            return
        if len(self._pending) >= WATCHER_QUEUE:
            # The client gets what is buffered, then the end of the stream; it resumes from
            # the last revision it received, so this event is sent again on its next watch.
            logger.info("closing a watcher on %s that fell behind", self.prefix)
            self.close()
            return
        self._pending.append(delivered)
        self._wake()

    def deliver_to(self, sink: Sink) -> None:
        """From now on hand events to `sink` as they come, starting with those buffered.

        With thousands of watchers, waking one task per watcher for every event costs more
        than the writes themselves; a sink is called right in the cache's fan-out loop.
        """
        self._sink = sink
        if self._pending:
            events = list(self._pending)
            self._pending.clear()
            self._send(events)

    def _send(self, events: list[WatchEvent]) -> None:
        assert self._sink is not None
        try:
            kept_up = self._sink(events)
        except Exception:  # one broken stream must not stop the fan-out to the others
            logger.exception("a watch stream on %s failed", self.prefix)
            kept_up = False
        if not kept_up:
            logger.info("closing a watcher on %s that fell behind or left", self.prefix)
            self.close()

    def _filter(self, event: WatchEvent) -> WatchEvent | None:
        if self.matcher is None:
            return event
        now = event.type != "DELETED" and self.matcher(event.object)
        before = event.prev_object is not None and self.matcher(event.prev_object)
        if event.type == "DELETED":
            return event if before else None
        if now and before:
            return event
        if now:
            return WatchEvent("ADDED", event.key, event.object, event.revision)
        if before:
            # Gone from this watcher's view: the last state it matched, at the new revision.
            gone = dict(event.prev_object or {})
            gone["metadata"] = {**gone.get("metadata", {}), "resourceVersion": str(event.revision)}
            return WatchEvent("DELETED", event.key, gone, event.revision)
        return None

    def close(self) -> None:
        """No more events; what is buffered is still delivered."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def poke(self) -> None:
        """Wake the stream even though nothing happened, so that it can look at the clock."""
        self._wake()

    async def take(self) -> list[WatchEvent] | None:
        """Every buffered event, waiting for the first one. [] when woken by `poke` with
        nothing to send; None once the watcher is closed and everything was taken."""
        if not self._pending and not self.closed:
            self._wakeup = asyncio.get_running_loop().create_future()
            try:
                await self._wakeup
            finally:
                self._wakeup = None
        if self._pending:
            events = list(self._pending)
            self._pending.clear()
            return events
        return None if self.closed else []


class WatchCache:
    def __init__(self, store: Store, prefix: str, *, window: int = DEFAULT_WINDOW) -> None:
        self.store = store
        self.prefix = prefix  # e.g. "/configmaps/"
        self.objects: dict[str, dict[str, Any]] = {}
        self.events: deque[WatchEvent] = deque(maxlen=window)
        self.revision = 0  # the newest revision the cache has applied
        self.window_start = 0  # every event after this revision is in `events`
        self.watchers: set[Watcher] = set()
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        await self._load()
        self._task = asyncio.create_task(self._follow(), name=f"watchcache {self.prefix}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for watcher in list(self.watchers):
            watcher.close()

    async def _load(self) -> None:
        result = await self.store.range(self.prefix)
        self.objects = {kv.key: decode_stored(kv.value, kv.mod_revision) for kv in result.kvs}
        self.revision = self.window_start = result.revision
        self.events.clear()

    async def _follow(self) -> None:
        while True:
            try:
                async for event in self.store.watch(self.prefix, self.revision + 1):
                    self._apply(event)
            except WatchLagError as lag:
                logger.warning(
                    "watch cache %s lagged; resuming at %d", self.prefix, lag.next_revision
                )
            except CompactedError:
                # History we needed is gone: start over from a fresh list, and make every
                # watcher re-watch, since it may have missed events.
                logger.warning("watch cache %s fell behind compaction; reloading", self.prefix)
                await self._load()
                for watcher in list(self.watchers):
                    watcher.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("watch cache %s: store watch failed; retrying", self.prefix)
                await asyncio.sleep(1)

    def _apply(self, event: Event) -> None:
        key = event.kv.key
        prev = self.objects.get(key)
        if event.type is EventType.DELETE:
            if prev is None and event.prev_kv is None:
                return
            gone = dict(prev) if prev is not None else decode_stored(event.prev_kv.value, 0)  # type: ignore[union-attr]
            gone["metadata"] = {**gone.get("metadata", {}), "resourceVersion": str(event.revision)}
            self.objects.pop(key, None)
            cached = WatchEvent("DELETED", key, gone, event.revision, prev)
        else:
            obj = decode_stored(event.kv.value, event.kv.mod_revision)
            self.objects[key] = obj
            kind = "ADDED" if prev is None else "MODIFIED"
            cached = WatchEvent(kind, key, obj, event.revision, prev)
        if len(self.events) == self.events.maxlen:
            self.window_start = self.events[0].revision
        self.events.append(cached)
        self.revision = event.revision
        for watcher in list(self.watchers):
            watcher.offer(cached)
            if watcher.closed:
                self.watchers.discard(watcher)
        self._changed.set()
        self._changed = asyncio.Event()

    # ---- reads ---------------------------------------------------------------------------

    def snapshot(self, prefix: str) -> tuple[list[dict[str, Any]], int]:
        """The current objects under `prefix`, in key order, and the cache's revision."""
        keys = sorted(k for k in self.objects if k.startswith(prefix))
        return [self.objects[k] for k in keys], self.revision

    async def wait_until(self, revision: int, timeout: float) -> bool:
        """Wait until the cache has applied `revision`; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.revision < revision:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True

    def watch(self, prefix: str, after: int, matcher: Matcher | None) -> Watcher:
        """Start a watcher for events under `prefix` with revision > `after`.

        No await between the replay and the registration: no event can slip in between.
        """
        if after < self.window_start:
            raise Gone(f"too old resource version: {after} ({self.window_start})")
        watcher = Watcher(prefix, matcher, after)
        for event in self.events:
            watcher.offer(event)
        if not watcher.closed:
            self.watchers.add(watcher)
        return watcher

    def forget(self, watcher: Watcher) -> None:
        watcher.close()
        self.watchers.discard(watcher)
