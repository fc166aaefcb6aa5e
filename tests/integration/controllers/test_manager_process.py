"""`pyk8s controller-manager` as real processes: it acts once elected; a standby takes over."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from tests.integration.controllers.helpers import deployment, eventually, list_items
from tests.support.apiserver import ROOT


def start_manager(url: str, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pyk8s", "controller-manager", "--master", url,
               "--secure-port", "0", "--leader-elect-lease-duration", "4s",
               "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "1s",
               "--controllers", "deployment,replicaset,serviceaccount"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("ab"), cwd=ROOT)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)
    process.wait(timeout=10)


async def test_standby_takes_over_within_the_lease(apiserver_process, tmp_path: Path) -> None:
    client = Client(ClientConfig(server=apiserver_process.url, qps=1000, burst=1000))
    first = start_manager(apiserver_process.url, tmp_path / "kcm1.log")
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
        second = start_manager(apiserver_process.url, tmp_path / "kcm2.log")
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
