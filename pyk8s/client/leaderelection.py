"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package.

Several replicas of a component (controller manager, scheduler) run; one leads, the others
wait. The Lease records `holderIdentity`, `leaseDurationSeconds`, `acquireTime`,
`renewTime` and `leaseTransitions`; every write to it is conditional on the resourceVersion
just read, so two candidates can never both win the same round.

Guarantees, with the defaults (lease 15 s, renew deadline 10 s, retry period 2 s):

- A candidate takes the lease only when it is free (no holder, as after a graceful release)
  or when the holder's record has not changed for a full lease duration *as measured by the
  candidate's own clock* since it first saw that record. Clocks of different machines are
  never compared, so skew cannot make two leaders.
- The leader renews every retry period. If it cannot renew for `renew_deadline` (shorter
  than the lease duration), it stops leading before anyone else may take over.
- `on_started_leading()` runs as a task while we lead; it is cancelled when leadership is
  lost, and when it ends on its own leadership ends too. `on_stopped_leading()` is called
  once afterwards, whatever the reason.
- Cancelling `run()` releases the lease (holder cleared) when `release_on_cancel` is set,
  so a successor need not wait for it to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.client.clock import Clock
from pyk8s.client.rest import Client
from pyk8s.client.transport import TransportError

logger = logging.getLogger("pyk8s.client.leaderelection")

JITTER = 1.2  # a waiting candidate retries after retry_period * (1 + up to 0.2)


@dataclass
class LeaderElectionConfig:
    namespace: str
    name: str
    identity: str
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    release_on_cancel: bool = True

    def __post_init__(self) -> None:
        if not self.lease_duration > self.renew_deadline > self.retry_period * JITTER:
            raise ValueError("need lease_duration > renew_deadline > retry_period * 1.2")


def micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(
        self,
        client: Client,
        config: LeaderElectionConfig,
        *,
        on_started_leading: Callable[[], Awaitable[None]],
        on_stopped_leading: Callable[[], None] | None = None,
        on_new_leader: Callable[[str], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.leases = client.resource("coordination.k8s.io", "v1", "leases", namespaced=True)
        self.clock = clock or client.clock
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self._observed: dict[str, Any] = {}  # the lease spec last read or written
        self._observed_at = 0.0  # our monotonic time when that spec last changed
        self._reported_leader: str | None = None

    @property
    def leader(self) -> str:
        """The holder of the lease as last observed ("" when free)."""
        return self._observed.get("holderIdentity") or ""

    def is_leader(self) -> bool:
        return self.leader == self.config.identity

    async def run(self) -> None:
        """Acquire, lead until the lease is lost or the work ends, then return."""
        leading: asyncio.Task[None] | None = None
        try:
            await self._acquire()
            logger.info("%s: became leader of %s", self.config.identity, self._lease_name)
            leading = asyncio.create_task(self.on_started_leading(), name="leading")
            await self._renew_while(leading)
        finally:
            if leading is not None:
                leading.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await leading
                if self.config.release_on_cancel:
                    await asyncio.shield(self._release())
                if self.on_stopped_leading is not None:
                    self.on_stopped_leading()

    @property
    def _lease_name(self) -> str:
        return f"{self.config.namespace}/{self.config.name}"

    async def _acquire(self) -> None:
        while not await self._try_acquire_or_renew():
            await self.clock.sleep(self.config.retry_period * random.uniform(1.0, JITTER))

    async def _renew_while(self, leading: asyncio.Task[None]) -> None:
        last_renewed = self.clock.monotonic()
        while not leading.done():
            await self._sleep_or_finish(leading)
            if leading.done():
                return
            if await self._try_acquire_or_renew():
                last_renewed = self.clock.monotonic()
            elif self.clock.monotonic() - last_renewed >= self.config.renew_deadline:
                logger.warning("%s: failed to renew %s", self.config.identity, self._lease_name)
                return

    async def _sleep_or_finish(self, leading: asyncio.Task[None]) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(self.config.retry_period))
        try:
            await asyncio.wait({sleeper, leading}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()

    async def _try_acquire_or_renew(self) -> bool:
        try:
            return await asyncio.wait_for(self._attempt(), self.config.renew_deadline)
        except (errors.StatusError, TransportError, TimeoutError) as error:
            logger.info("%s: lease %s: %s", self.config.identity, self._lease_name, error)
            return False

    async def _attempt(self) -> bool:
        now = micro_time(self.clock.now())
        wanted = {
            "holderIdentity": self.config.identity,
            "leaseDurationSeconds": int(self.config.lease_duration),
            "acquireTime": now,
            "renewTime": now,
        }
        try:
            lease = await self.leases.get(self.config.name, self.config.namespace)
        except errors.NotFound:
            wanted["leaseTransitions"] = 0
            await self.leases.create(self._lease(wanted), self.config.namespace)
            self._observe(wanted)
            return True
        current = lease.get("spec") or {}
        self._observe(current)
        if current.get("holderIdentity") and not self.is_leader() and self._lease_valid():
            return False
        transitions = current.get("leaseTransitions") or 0
        if self.is_leader():
            wanted["acquireTime"] = current.get("acquireTime", now)
            wanted["leaseTransitions"] = transitions
        else:
            wanted["leaseTransitions"] = transitions + 1
        lease["spec"] = wanted
        await self.leases.update(lease)
        self._observe(wanted)
        return True

    def _lease_valid(self) -> bool:
        duration = self._observed.get("leaseDurationSeconds") or 0
        return self._observed_at + duration > self.clock.monotonic()

    def _observe(self, spec: dict[str, Any]) -> None:
        if spec != self._observed:
            self._observed = dict(spec)
            self._observed_at = self.clock.monotonic()
        if self.on_new_leader and self.leader and self.leader != self._reported_leader:
            self._reported_leader = self.leader
            self.on_new_leader(self.leader)

    def _lease(self, spec: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.config.name, "namespace": self.config.namespace},
            "spec": spec,
        }

    async def _release(self) -> None:
        """Hand the lease back: no holder, so the next candidate need not wait it out."""
        if not self.is_leader():
            return
        now = micro_time(self.clock.now())
        released = {
            "leaseDurationSeconds": 1,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": self._observed.get("leaseTransitions") or 0,
        }
        try:
            lease = await self.leases.get(self.config.name, self.config.namespace)
            if (lease.get("spec") or {}).get("holderIdentity") != self.config.identity:
                return
            lease["spec"] = released
            await self.leases.update(lease)
            self._observe(released)
        except (errors.StatusError, TransportError) as error:
            logger.warning(
                "%s: could not release %s: %s", self.config.identity, self._lease_name, error
            )
