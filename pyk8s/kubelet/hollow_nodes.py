"""Many hollow kubelets in one process, for scale tests in the way of kubemark and kwok.

Node i is `<prefix>-<i>` with pod CIDR 10.<64 + i // 256>.<i % 256>.0/24 and runs the hollow
runtime: its pods become Running (with IPs) after `startup_delay` seconds and run nothing.
Each node is a complete Kubelet (registration, lease, status, pod workers): only the
runtime is simulated, so the control plane sees exactly the traffic real nodes make. They
share one API client, whose rate limits are raised to what N nodes need together.
"""

from __future__ import annotations

import asyncio
import logging

from pyk8s.client.rest import Client
from pyk8s.kubelet.kubelet import Kubelet, KubeletConfig
from pyk8s.kubelet.runtime.hollow import HollowRuntime

logger = logging.getLogger("pyk8s.kubelet.hollow")

# Fixed machine resources, the same on every hollow node (kubemark does the same).
HOLLOW_RESOURCES = {"cpu": "8", "memory": "32Gi", "ephemeral-storage": "100Gi"}


def pod_cidr(index: int) -> str:
    return f"10.{64 + index // 256}.{index % 256}.0/24"


def hollow_kubelets(
    client: Client,
    count: int,
    *,
    prefix: str = "hollow-node",
    root_dir: str = "/tmp/pyk8s-hollow",
    startup_delay: float = 0.0,
    max_pods: int = 110,
    status_period: float = 10.0,
) -> list[Kubelet]:
    kubelets = []
    for index in range(count):
        name = f"{prefix}-{index}"
        config = KubeletConfig(
            node_name=name, node_ip=f"127.1.{index // 256}.{index % 256}", root_dir=f"{root_dir}/{name}",
            pod_cidr=pod_cidr(index), max_pods=max_pods, port=0, mount_volumes=False,
            resources=HOLLOW_RESOURCES, node_status_period=status_period, lease_period=status_period,
        )  # fmt: skip
        runtime = HollowRuntime(config.pod_cidr, startup_delay=startup_delay)
        kubelets.append(Kubelet(config, runtime, client))
    return kubelets


async def run_hollow_nodes(client: Client, count: int, **options: object) -> None:
    """Start `count` hollow kubelets and run them until cancelled."""
    kubelets = hollow_kubelets(client, count, **options)  # type: ignore[arg-type]
    for kubelet in kubelets:
        await kubelet.start()
    logger.info("%d hollow nodes running", count)
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.gather(*(kubelet.stop() for kubelet in kubelets))
