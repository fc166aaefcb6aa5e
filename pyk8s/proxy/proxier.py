"""When to sync: the proxy's loop around render (rules.py) and apply (iptables.py).

Whoever watches Services and EndpointSlices (server.py, through informers) only calls
`request_sync()`; it never touches iptables. The loop guarantees:

- every sync renders the *whole* state from one snapshot and applies it in one
  transaction, so syncs are idempotent and a failed one is simply repeated;
- requests are coalesced: any number of changes during a sync or a wait cause exactly one
  more sync, which sees all of them;
- at most one sync per `min_sync_period` (--iptables-min-sync-period), so a burst of
  endpoint changes costs one restore, not hundreds;
- a sync at least every `sync_period` (--iptables-sync-period) even without changes, which
  retries after a failure;
- syncs are partial (only chains that changed are written, see iptables.py) except the
  first, the one after a failure, and one every `full_sync_period` (kube-proxy: 1 hour),
  which re-read the live tables and so repair rules someone else removed;
- nothing is applied until `snapshot()` returns a state (i.e. both informers have
  listed), so a restarting proxy never installs a half-empty rule set over good rules.

`healthy()` is what /healthz reports: false once a requested sync has been outstanding
for longer than twice the sync period (kube-proxy's rule).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyk8s.client.clock import Clock, RealClock
from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.plan import ProxyOptions
from pyk8s.proxy.rules import render
from pyk8s.proxy.ruleset import RuleSet

logger = logging.getLogger("pyk8s.proxy")


@dataclass
class ProxyState:
    """One consistent view of what the rules must implement."""

    services: list[dict[str, Any]]
    endpoint_slices: list[dict[str, Any]]
    node: NodeInfo


class RuleApplier(Protocol):
    async def apply(self, desired: RuleSet, *, full: bool = False) -> object: ...


@dataclass
class SyncStats:
    render_seconds: float = 0.0
    apply_seconds: float = 0.0
    rules: int = 0
    syncs: int = 0
    failures: int = 0
    last_error: str | None = None
    history: list[float] = field(default_factory=list)  # monotonic end time of each success


class Proxier:
    def __init__(
        self,
        snapshot: Callable[[], ProxyState | None],
        applier: RuleApplier,
        options: ProxyOptions | None = None,
        *,
        min_sync_period: float = 1.0,
        sync_period: float = 30.0,
        full_sync_period: float = 3600.0,
        clock: Clock | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.applier = applier
        self.options = options or ProxyOptions()
        self.min_sync_period = min_sync_period
        self.sync_period = sync_period
        self.full_sync_period = full_sync_period
        self.clock = clock or RealClock()
        self.on_error = on_error
        self.stats = SyncStats()
        self._requested = asyncio.Event()
        self._pending_since: float | None = None
        self._last_start: float | None = None
        self._last_full: float | None = None  # None: the next sync must be a full one

    def request_sync(self) -> None:
        """Something changed: sync soon (coalesced and rate-limited)."""
        if self._pending_since is None:
            self._pending_since = self.clock.monotonic()
        self._requested.set()

    def healthy(self) -> bool:
        if self._pending_since is None:
            return True
        return self.clock.monotonic() - self._pending_since < 2 * self.sync_period

    async def sync(self) -> bool:
        """Render the current state and apply it now; True when the rules are in place."""
        self._last_start = self.clock.monotonic()
        self._requested.clear()
        state = self.snapshot()
        if state is None:
            logger.info("proxy: not syncing until Services and EndpointSlices are listed")
            return False
        now = self.clock.monotonic()
        full = self._last_full is None or now - self._last_full >= self.full_sync_period
        try:
            started = time.perf_counter()
            rules = render(state.services, state.endpoint_slices, state.node, self.options)
            rendered = time.perf_counter()
            await self.applier.apply(rules, full=full)
        except Exception as err:  # any failure is logged and retried on the next period
            self._last_full = None
            self.stats.failures += 1
            self.stats.last_error = str(err)
            logger.error("proxy: sync failed, retrying within %ss: %s", self.sync_period, err)
            if self.on_error:
                self.on_error(err)
            return False
        if full:
            self._last_full = now
        self._record(rendered - started, time.perf_counter() - rendered, rules.rule_count())
        return True

    def _record(self, render_seconds: float, apply_seconds: float, rules: int) -> None:
        stats = self.stats
        stats.render_seconds, stats.apply_seconds, stats.rules = (
            render_seconds,
            apply_seconds,
            rules,
        )
        stats.syncs += 1
        stats.last_error = None
        stats.history = [*stats.history[-99:], self.clock.monotonic()]
        # A change that arrived during this sync is still waiting, but only since now.
        self._pending_since = self.clock.monotonic() if self._requested.is_set() else None
        logger.debug(
            "proxy: synced %d rules (render %.3fs, iptables-restore %.3fs)",
            rules,
            render_seconds,
            apply_seconds,
        )

    async def run(self) -> None:
        """Sync now, then whenever asked or every sync_period, until cancelled."""
        self.request_sync()
        while True:
            await self._wait_for_work()
            if self._last_start is not None:
                await self.clock.sleep_until(self._last_start + self.min_sync_period)
            await self.sync()

    async def _wait_for_work(self) -> None:
        if self._requested.is_set() or self._last_start is None:
            return
        requested = asyncio.ensure_future(self._requested.wait())
        periodic = asyncio.ensure_future(
            self.clock.sleep_until(self._last_start + self.sync_period)
        )
        try:
            await asyncio.wait({requested, periodic}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (requested, periodic):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
