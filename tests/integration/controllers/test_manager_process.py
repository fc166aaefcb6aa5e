"""`pyk8s controller-manager` as real processes: it acts once elected; a standby takes over."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from tests.integration.controllers.helpers import (
    deployment,
    eventually,
    list_items,
    start_manager,
    stop,
)

# Short leader-election timings, so a takeover happens within seconds.
FAST_LEASE = ("--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s",
              "--leader-elect-retry-period", "1s")  # fmt: skip
CONTROLLERS = ("--controllers", "deployment,replicaset,serviceaccount")


async def test_standby_takes_over_within_the_lease(apiserver_process, tmp_path: Path) -> None:
    client = Client(ClientConfig(server=apiserver_process.url, qps=1000, burst=1000))
    first = start_manager(apiserver_process.url, tmp_path / "kcm1.log", *FAST_LEASE, *CONTROLLERS)
    second = None
    try:
        leases = client.resource("coordination.k8s.io", "v1", "leases")

        async def holder():
            try:
                lease = await leases.get("kube-controller-manager", "kube-system")
            except Exception:
                return None
            return lease["spec"].get("holderIdentity")

        leader = await eventually(holder, timeout=20, what="a leader")
        second = start_manager(
            apiserver_process.url, tmp_path / "kcm2.log", *FAST_LEASE, *CONTROLLERS
        )
        deploys, pods = (
            client.resource("apps", "v1", "deployments"),
            client.resource("", "v1", "pods"),
        )
        await eventually(lambda: list_items(client.resource("", "v1", "serviceaccounts")),
                         timeout=20, what="default ServiceAccount")  # fmt: skip
        await deploys.create(deployment("web", 2), "default")

        async def pods_count(n: int):
            return len(await list_items(pods)) == n

        await eventually(lambda: pods_count(2), timeout=20, what="2 pods from the leader")
        stop(first)  # killed: no graceful release, the standby must wait out the lease
        killed_at = time.monotonic()

        async def new_leader():
            current = await holder()
            return current and current != leader

        await eventually(new_leader, timeout=15, what="the standby to take the lease")
        # client-go's bound: the lease (4 s) after the last renewal seen, plus a retry period
        # with jitter (1.2 s) on each side; generous slack, as CI's 2 cores run other tests.
        assert time.monotonic() - killed_at < 4 + 2 * 1.2 + 6, "takeover slower than the lease"
        await deploys.patch("web", {"spec": {"replicas": 3}}, "default")
        await eventually(lambda: pods_count(3), timeout=20, what="the new leader to act")
        assert len(await list_items(client.resource("apps", "v1", "replicasets"))) == 1
    finally:
        stop(first)
        if second is not None:
            stop(second)
        await client.close()


async def test_sigterm_stops_cleanly_and_hands_the_lease_over(
    apiserver_process, tmp_path: Path
) -> None:
    # A 30 s lease: a standby that took over in seconds can only have found it released.
    slow_lease = ("--leader-elect-lease-duration", "30s", "--leader-elect-renew-deadline", "20s",
                  "--leader-elect-retry-period", "1s")  # fmt: skip
    client = Client(ClientConfig(server=apiserver_process.url, qps=1000, burst=1000))
    url = apiserver_process.url
    first = start_manager(url, tmp_path / "kcm1.log", *slow_lease, *CONTROLLERS)
    second = None
    try:
        leases = client.resource("coordination.k8s.io", "v1", "leases")

        async def holder() -> str | None:
            try:
                lease = await leases.get("kube-controller-manager", "kube-system")
            except Exception:
                return None
            return lease["spec"].get("holderIdentity")

        leader = await eventually(holder, timeout=20, what="a leader")
        second = start_manager(url, tmp_path / "kcm2.log", *slow_lease, *CONTROLLERS)
        await eventually(
            lambda: list_items(client.resource("", "v1", "serviceaccounts")),
            timeout=20,
            what="the leader's controllers running",
        )
        stopped_at = time.monotonic()
        assert stop(first, signal.SIGTERM) == 0, (tmp_path / "kcm1.log").read_text()[-2000:]

        async def new_leader():
            current = await holder()
            return current and current != leader

        await eventually(new_leader, timeout=15, what="the standby to take the released lease")
        assert time.monotonic() - stopped_at < 10, "the standby waited out the lease"
        assert "stopped on signal" in (tmp_path / "kcm1.log").read_text()
    finally:
        stop(first)
        if second is not None:
            assert stop(second, signal.SIGTERM) == 0
        await client.close()
