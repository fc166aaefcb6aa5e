"""A real API server in this process, and controllers run against it as the manager would.

`cluster` is the API server (ServiceAccount admission off: no serviceaccount controller runs
here, as in the tutorials before the controller manager starts). `running(cluster, *kinds)`
builds a ControllerContext, constructs the controllers, syncs the informers and runs the
workers; leaving the block stops everything. `eventually` polls the API until a check holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer
from pyk8s.client.clock import Clock
from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from pyk8s.controllers.base import Controller
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.options import ControllerOptions

T = TypeVar("T")


class Cluster:
    def __init__(self, server: APIServer) -> None:
        self.server = server
        self.url = server.http_url
        self.client = Client(ClientConfig(server=self.url, qps=1000, burst=1000))

    def api(self, group: str, version: str, plural: str) -> Any:
        return self.client.resource(group, version, plural)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    config = APIServerConfig(
        data_dir=str(tmp_path / "data"),
        insecure_port=0,
        secure_port=None,
        disable_admission_plugins=["ServiceAccount"],
    )
    server = APIServer(config)
    await server.start()
    cluster = Cluster(server)
    try:
        await cluster.api("", "v1", "namespaces").create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test"}}
        )
        yield cluster
    finally:
        await cluster.client.close()
        await server.stop()


@contextlib.asynccontextmanager
async def running(
    cluster: Cluster,
    *controller_types: type[Controller],
    options: ControllerOptions | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[list[Controller]]:
    client = Client(ClientConfig(server=cluster.url, qps=1000, burst=1000))
    ctx = ControllerContext.create(client, options=options, clock=clock)
    controllers = [kind(ctx) for kind in controller_types]
    ctx.informers.start()
    assert await ctx.informers.wait_for_cache_sync(10), "informers did not sync"
    tasks = [asyncio.create_task(c.run(2)) for c in controllers]
    try:
        yield controllers
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await ctx.close()
        await client.close()


async def eventually(
    check: Callable[[], Awaitable[T]], timeout: float = 10.0, what: str = "condition"
) -> T:
    """Call `check` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}; last answer: {last!r}")
        await asyncio.sleep(0.05)


def pod_manifest(name: str, node: str | None = None, **spec: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}], **spec}
    if node:
        pod_spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": pod_spec}


def node_manifest(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
    }


async def set_pod_status(cluster: Cluster, namespace: str, name: str, **status: Any) -> None:
    """What a kubelet does: PATCH pods/<name>/status."""
    await cluster.api("", "v1", "pods").patch(
        name, {"status": status}, namespace, patch_type="strategic", subresource="status"
    )


def ready_status(ready: bool = True, phase: str = "Running") -> dict[str, Any]:
    value = "True" if ready else "False"
    return {
        "phase": phase,
        "conditions": [
            {"type": "Ready", "status": value},
            {"type": "ContainersReady", "status": value},
        ],
    }
