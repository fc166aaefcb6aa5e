"""The scheduling queue: which pending pod to try next, and when to try a failed one again.

Three places a pending pod can be, as in kube-scheduler:

- active: ready to be tried, ordered by priority (highest first), then by when it was first
  queued (oldest first);
- backoff: it failed recently and waits out its backoff: 1 s after the first failure, doubling
  with every further attempt, at most 10 s (podInitialBackoffSeconds / podMaxBackoffSeconds);
- unschedulable: no node fitted it, and trying again is pointless until the cluster changes.
  `move_on_event("NodeAdd")` moves back (to backoff if its backoff has not expired, else to
  active) the pods for which one of the plugins that rejected them declared that event as
  possibly helpful. A pod that has waited there for 5 minutes is moved back anyway.

Guarantees: a pod is in at most one place; it is never handed out twice at once (it leaves
the queue on `pop` and comes back only through `add_unschedulable`/`add_backoff` or a new
update); if the cluster changed while a pod was being tried (a move request happened during
its cycle), a failure puts it in backoff rather than unschedulable, so that change is not
missed. Time comes from the injected `clock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pyk8s.scheduler.podinfo import PodInfo

UNSCHEDULABLE_TIMEOUT = 300.0
LEFTOVER_FLUSH_INTERVAL = 30.0


@dataclass
class QueuedPod:
    info: PodInfo
    first_queued: float
    attempts: int = 0
    last_failure: float = 0.0
    # Plugins that rejected the pod last time; only events they care about move it back.
    rejected_by: set[str] = field(default_factory=set)
    cycle: int = 0


class SchedulingQueue:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        events_for_plugin: Callable[[str], frozenset[str] | None] = lambda name: None,
    ) -> None:
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.events_for_plugin = events_for_plugin
        self.scheduling_cycle = 0
        self._move_request_cycle = -1
        self._active: list[tuple[int, float, int, str]] = []
        self._backoff: list[tuple[float, int, str]] = []  # (expiry, tiebreak, key)
        self._unschedulable: dict[str, None] = {}
        self._last_leftover_flush = clock()
        self._entries: dict[str, QueuedPod] = {}
        self._where: dict[str, str] = {}
        self._tiebreak = itertools.count()
        self._wakeup = asyncio.Event()
        self._closed = False

    # --- intake ------------------------------------------------------------------------------

    def add(self, pod: PodInfo) -> None:
        """A new pending pod, or a new version of one (which deserves a fresh look)."""
        entry = self._entries.get(pod.key)
        if entry is None:
            entry = self._entries[pod.key] = QueuedPod(pod, self.clock())
        else:
            unchanged = _relevant(entry.info) == _relevant(pod)
            entry.info = pod
            if unchanged:
                # Our own status writes (conditions, nominatedNodeName) come back as updates;
                # they change nothing the scheduler looks at, so they must not cause a retry.
                return
        place = self._where.get(pod.key)
        if place in ("active", "in-flight"):
            return
        if place == "backoff" and not self._backoff_expired(entry):
            return
        if place == "unschedulable":
            self._requeue(entry)
        else:
            self._activate(entry)

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)
        self._where.pop(key, None)
        self._unschedulable.pop(key, None)

    def add_unschedulable(self, entry: QueuedPod, rejected_by: set[str]) -> None:
        """After an attempt where no node fitted."""
        if self._where.get(entry.info.key) != "in-flight":
            return
        self._failed(entry)
        entry.rejected_by = set(rejected_by)
        if self._move_request_cycle >= entry.cycle:
            self._to_backoff(entry)
        else:
            self._where[entry.info.key] = "unschedulable"
            self._unschedulable[entry.info.key] = None

    def add_backoff(self, entry: QueuedPod) -> None:
        """After an attempt that failed for another reason (an error, a failed bind)."""
        if self._where.get(entry.info.key) != "in-flight":
            return
        self._failed(entry)
        self._to_backoff(entry)

    def done(self, key: str) -> None:
        """The pod was bound: forget it."""
        self.delete(key)

    def move_on_event(self, event: str) -> int:
        """The cluster changed: move back the unschedulable pods this might help."""
        self._move_request_cycle = self.scheduling_cycle
        moved = 0
        for key in list(self._unschedulable):
            if self._might_help(self._entries[key], event):
                self._requeue(self._entries[key])
                moved += 1
        return moved

    # --- handing out -------------------------------------------------------------------------

    def flush(self) -> None:
        """Move pods whose backoff expired to active, and long-waiting unschedulable pods back."""
        now = self.clock()
        while self._backoff and self._backoff[0][0] <= now:
            _, _, key = heapq.heappop(self._backoff)
            if self._where.get(key) == "backoff":
                self._activate(self._entries[key])
        if now - self._last_leftover_flush >= LEFTOVER_FLUSH_INTERVAL:
            self._last_leftover_flush = now
            for key in list(self._unschedulable):
                entry = self._entries[key]
                if now - entry.last_failure >= UNSCHEDULABLE_TIMEOUT:
                    self._requeue(entry)

    def pop_nowait(self) -> QueuedPod | None:
        self.flush()
        while self._active:
            _, _, _, key = heapq.heappop(self._active)
            if self._where.get(key) != "active":
                continue  # stale heap entry: the pod was deleted or re-queued meanwhile
            self.scheduling_cycle += 1
            entry = self._entries[key]
            entry.cycle = self.scheduling_cycle
            entry.attempts += 1
            self._where[key] = "in-flight"
            return entry
        return None

    async def pop(self) -> QueuedPod | None:
        """The next pod to try; waits for one. None once the queue is closed."""
        while not self._closed:
            entry = self.pop_nowait()
            if entry is not None:
                return entry
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._seconds_to_next_backoff())
        return None

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()

    def pending(self) -> dict[str, list[str]]:
        """Keys by place, for tests and debugging."""
        places: dict[str, list[str]] = {}
        for key, place in self._where.items():
            places.setdefault(place, []).append(key)
        return places

    # --- internals ---------------------------------------------------------------------------

    def backoff_duration(self, entry: QueuedPod) -> float:
        if entry.attempts <= 0:
            return 0.0
        return min(self.initial_backoff * 2 ** (entry.attempts - 1), self.max_backoff)

    def _backoff_expired(self, entry: QueuedPod) -> bool:
        return self.clock() >= entry.last_failure + self.backoff_duration(entry)

    def _seconds_to_next_backoff(self) -> float:
        if not self._backoff:
            return 1.0
        return max(0.01, min(1.0, self._backoff[0][0] - self.clock()))

    def _failed(self, entry: QueuedPod) -> None:
        entry.last_failure = self.clock()

    def _might_help(self, entry: QueuedPod, event: str) -> bool:
        if not entry.rejected_by:
            return True
        for plugin in entry.rejected_by:
            events = self.events_for_plugin(plugin)
            if events is None or event in events:
                return True
        return False

    def _requeue(self, entry: QueuedPod) -> None:
        if self._backoff_expired(entry):
            self._activate(entry)
        else:
            self._to_backoff(entry)

    def _to_backoff(self, entry: QueuedPod) -> None:
        key = entry.info.key
        self._unschedulable.pop(key, None)
        self._where[key] = "backoff"
        expiry = entry.last_failure + self.backoff_duration(entry)
        heapq.heappush(self._backoff, (expiry, next(self._tiebreak), key))
        self._wakeup.set()

    def _activate(self, entry: QueuedPod) -> None:
        key = entry.info.key
        self._unschedulable.pop(key, None)
        self._where[key] = "active"
        order = (-entry.info.priority, entry.first_queued, next(self._tiebreak), key)
        heapq.heappush(self._active, order)
        self._wakeup.set()


def _relevant(pod: PodInfo) -> tuple[object, ...]:
    metadata = pod.pod.get("metadata") or {}
    return (pod.pod.get("spec"), metadata.get("labels"), metadata.get("annotations"))
