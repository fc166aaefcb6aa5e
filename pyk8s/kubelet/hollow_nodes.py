"""Many hollow kubelets in one process, for scale tests in the way of kubemark and kwok.

Node i is `<prefix>-<i>` with pod CIDR 10.<64 + i // 256>.<i % 256>.0/24 and runs the hollow
runtime: its pods become Running (with IPs) after `startup_delay` seconds and run nothing.
Each node is a complete Kubelet (registration, lease, status, pod workers): only the
runtime is simulated, so the control plane sees exactly the traffic real nodes make.

Nodes share API clients, NODES_PER_CLIENT to a client, each client with the rate limits of
that many nodes. Not one client for all: a client's connection pool holds 100 connections, and
every node keeps two of them busy with its watches (its pods, the services), so beyond ~50
nodes one shared pool would have no connection left for requests and registration would stall.
"""

from __future__ import annotations

import asyncio
import logging

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from pyk8s.kubelet.kubelet import Kubelet, KubeletConfig
from pyk8s.kubelet.runtime.hollow import HollowRuntime

logger = logging.getLogger("pyk8s.kubelet.hollow")

# Fixed machine resources, the same on every hollow node (kubemark does the same).
HOLLOW_RESOURCES = {"cpu": "8", "memory": "32Gi", "ephemeral-storage": "100Gi"}
NODES_PER_CLIENT = 25  # 50 watch connections, 50 left in the pool for requests
# A real kubelet's client limits (kubeAPIQPS / kubeAPIBurst defaults since Kubernetes 1.27).
NODE_QPS, NODE_BURST = 50.0, 100


def pod_cidr(index: int) -> str:
    return f"10.{64 + index // 256}.{index % 256}.0/24"


def hollow_kubelets(
    client: Client,
    count: int,
    *,
    first: int = 0,
    prefix: str = "hollow-node",
    root_dir: str = "/tmp/pyk8s-hollow",
    startup_delay: float = 0.0,
    max_pods: int = 110,
    status_period: float = 10.0,
) -> list[Kubelet]:
    kubelets = []
    for index in range(first, first + count):
        name = f"{prefix}-{index}"
        config = KubeletConfig(
            node_name=name, node_ip=f"127.1.{index // 256}.{index % 256}", root_dir=f"{root_dir}/{name}",
            pod_cidr=pod_cidr(index), max_pods=max_pods, port=0, mount_volumes=False,
            resources=HOLLOW_RESOURCES, node_status_period=status_period, lease_period=status_period,
            relist_period=0,  # hollow containers change only when their worker says so
        )  # fmt: skip
        runtime = HollowRuntime(config.pod_cidr, startup_delay=startup_delay)
        kubelets.append(Kubelet(config, runtime, client))
    return kubelets


async def run_hollow_nodes(config: ClientConfig, count: int, **options: object) -> None:
    """Start `count` hollow kubelets and run them until cancelled."""
    clients: list[Client] = []
    kubelets: list[Kubelet] = []
    for first in range(0, count, NODES_PER_CLIENT):
        size = min(NODES_PER_CLIENT, count - first)
        limits = config.with_rate_limits(qps=NODE_QPS * size, burst=NODE_BURST * size)
        clients.append(Client(limits))
        kubelets += hollow_kubelets(clients[-1], size, first=first, **options)  # type: ignore[arg-type]
    try:
        for kubelet in kubelets:
            await kubelet.start()
        logger.info("%d hollow nodes running", count)
        await asyncio.Event().wait()
    finally:
        await asyncio.gather(*(kubelet.stop() for kubelet in kubelets))
        await asyncio.gather(*(client.close() for client in clients))
