"""Two candidates for one Lease against a real API server: exactly one leads; when it stops
(gracefully, or by crashing without releasing) the other takes over in time."""

from __future__ import annotations

import asyncio
import contextlib

from pyk8s.client.leaderelection import LeaderElectionConfig, LeaderElector
from tests.integration.client.helpers import client_for, eventually

# Short durations keep the test fast; the relations between them are Kubernetes' own.
TIMING = {"lease_duration": 3.0, "renew_deadline": 2.0, "retry_period": 0.5}


class Candidate:
    def __init__(self, client, identity: str, release: bool = True) -> None:
        self.identity = identity
        self.leading = False
        self.stopped = 0
        config = LeaderElectionConfig(
            "kube-system", "pyk8s-test", identity, release_on_cancel=release, **TIMING
        )
        self.elector = LeaderElector(
            client, config, on_started_leading=self.lead, on_stopped_leading=self.stop
        )
        self.task = asyncio.create_task(self.elector.run())

    async def lead(self) -> None:
        self.leading = True
        try:
            await asyncio.Event().wait()
        finally:
            self.leading = False

    def stop(self) -> None:
        self.stopped += 1

    async def cancel(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_one_leads_and_the_other_takes_over_after_a_graceful_stop(apiserver):
    async with client_for(apiserver.url) as client:
        first = Candidate(client, "first")
        await eventually(lambda: first.leading, what="first to lead")
        second = Candidate(client, "second")
        try:
            await asyncio.sleep(1.5)
            assert first.leading and not second.leading
            lease = await client.resource("coordination.k8s.io", "v1", "leases").get(
                "pyk8s-test", "kube-system"
            )
            assert lease["spec"]["holderIdentity"] == "first"
            assert lease["spec"]["leaseDurationSeconds"] == 3

            await first.cancel()
            assert first.stopped == 1
            started = asyncio.get_running_loop().time()
            await eventually(lambda: second.leading, what="second to take over")
            # A released lease is free at once: the successor needs one retry period, not
            # a whole lease duration.
            assert asyncio.get_running_loop().time() - started < 1.5
            lease = await client.resource("coordination.k8s.io", "v1", "leases").get(
                "pyk8s-test", "kube-system"
            )
            assert lease["spec"]["holderIdentity"] == "second"
            assert lease["spec"]["leaseTransitions"] == 1  # created by first (0), taken by second
        finally:
            await first.cancel()
            await second.cancel()


async def test_a_crashed_leader_is_replaced_within_the_lease_duration(apiserver):
    async with client_for(apiserver.url) as client:
        first = Candidate(client, "first", release=False)
        await eventually(lambda: first.leading, what="first to lead")
        second = Candidate(client, "second")
        try:
            await asyncio.sleep(1)
            await first.cancel()  # no release: the lease must expire
            started = asyncio.get_running_loop().time()
            await eventually(lambda: second.leading, timeout=10, what="second to take over")
            waited = asyncio.get_running_loop().time() - started
            assert waited < TIMING["lease_duration"] + 2 * TIMING["retry_period"]
        finally:
            await first.cancel()
            await second.cancel()
