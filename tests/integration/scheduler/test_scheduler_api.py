"""The scheduler against a real (in-process) API server: Node objects made through the API,
pods bound through pods/binding, failures written to the pod's status and to Events."""

from __future__ import annotations

import asyncio
import contextlib

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from pyk8s.scheduler.config import SchedulerConfiguration
from pyk8s.scheduler.server import SchedulerServer, ServerOptions


async def create_node(nodes, name: str, cpu: str) -> None:
    # The kubelet registers a Node, then reports its allocatable through the status.
    created = await nodes.create(node(name, cpu))
    created["status"] = node(name, cpu)["status"]
    await nodes.update_status(created)


def node(name: str, cpu: str) -> dict:
    allocatable = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"allocatable": allocatable, "capacity": allocatable},
    }


def pod(name: str, cpu: str) -> dict:
    container = {"name": "c", "image": "busybox", "resources": {"requests": {"cpu": cpu}}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [container]},
    }


async def eventually(check, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def test_pending_pod_is_bound_once_the_scheduler_runs_and_failures_are_reported(apiserver):
    async with Client(ClientConfig(server=apiserver.url)) as client:
        nodes = client.resource("", "v1", "nodes")
        pods = client.resource("", "v1", "pods", namespaced=True)
        # No controller-manager here to make the namespace's default ServiceAccount.
        accounts = client.resource("", "v1", "serviceaccounts", namespaced=True)
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        with contextlib.suppress(Exception):
            await accounts.create(account, "default")
        await create_node(nodes, "small", "1")
        await pods.create(pod("web", "500m"), "default")
        await pods.create(pod("huge", "3"), "default")
        options = ServerOptions(leader_elect=False, healthz_port=0)
        server = SchedulerServer(client, SchedulerConfiguration(), options)
        task = asyncio.create_task(server.run())
        try:

            async def bound(name: str):
                return (await pods.get(name, "default"))["spec"].get("nodeName")

            assert await eventually(lambda: bound("web")) == "small"

            async def unschedulable_condition():
                status = (await pods.get("huge", "default")).get("status") or {}
                return [c for c in status.get("conditions") or [] if c["type"] == "PodScheduled"]

            [condition] = await eventually(unschedulable_condition)
            assert condition["status"] == "False" and condition["reason"] == "Unschedulable"
            assert condition["message"] == (
                "0/1 nodes are available: 1 Insufficient cpu. "
                "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
            )
            # A big enough node arrives: the waiting pod is moved back and bound there.
            await create_node(nodes, "big", "4")
            assert await eventually(lambda: bound("huge")) == "big"
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
