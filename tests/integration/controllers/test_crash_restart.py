"""A controller manager killed (SIGKILL) mid-rollout and restarted finishes the rollout.

Nothing may be duplicated: still one new ReplicaSet, never more pods than replicas +
maxSurge, never fewer ready than replicas - maxUnavailable, whichever moment the process
died at. The API server and the controller manager are real processes; the test plays the
kubelet (FakeKubelet) and watches every pod event to keep the running extremes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from pyk8s.client.config import ClientConfig
from pyk8s.client.resources import ResourceClient
from pyk8s.client.rest import Client
from pyk8s.controllers.deployment_util import REVISION
from tests.integration.controllers.helpers import (
    FakeKubelet,
    deployment,
    eventually,
    is_ready,
    list_items,
    patch,
    start_manager,
    stop,
)

FLAGS = ("--leader-elect=false", "--controllers", "deployment,replicaset,serviceaccount")
REPLICAS, SURGE, UNAVAILABLE = 4, 1, 0


class PodExtremes:
    """Follows the pod watch, event by event: the most pods alive, the fewest ready."""

    def __init__(self, pods: ResourceClient) -> None:
        self.pods = pods
        self.live: dict[str, bool] = {}  # name -> ready
        self.most_live = self.fewest_ready = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PodExtremes:
        listed = await self.pods.list("default")
        self.live = {pod["metadata"]["name"]: is_ready(pod) for pod in listed["items"]}
        self.most_live, self.fewest_ready = len(self.live), sum(self.live.values())
        version = listed["metadata"]["resourceVersion"]
        self._task = asyncio.create_task(self._follow(version))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _follow(self, version: str) -> None:
        async with self.pods.watch("default", resource_version=version) as stream:
            async for kind, pod in stream:
                name = pod["metadata"]["name"]
                if kind == "DELETED" or pod["metadata"].get("deletionTimestamp"):
                    self.live.pop(name, None)
                else:
                    self.live[name] = is_ready(pod)
                self.most_live = max(self.most_live, len(self.live))
                self.fewest_ready = min(self.fewest_ready, sum(self.live.values()))


def image_of(pod: dict) -> str:
    return pod["spec"]["containers"][0]["image"]


async def test_rollout_survives_controller_manager_kills(apiserver_process, tmp_path: Path) -> None:
    client = Client(ClientConfig(server=apiserver_process.url, qps=1000, burst=1000))
    deploys = client.resource("apps", "v1", "deployments")
    rs_api, pods = client.resource("apps", "v1", "replicasets"), client.resource("", "v1", "pods")
    log = tmp_path / "controller-manager.log"
    manager = start_manager(apiserver_process.url, log, *FLAGS)

    def restart() -> None:
        nonlocal manager
        stop(manager, signal.SIGKILL)
        manager = start_manager(apiserver_process.url, log, *FLAGS)

    async def new_pods(count: int) -> bool:
        items = await list_items(pods)
        return sum(1 for pod in items if image_of(pod) == "nginx:1.26") >= count

    async def complete() -> bool:
        d = await deploys.get("web", "default")
        status, items = d.get("status") or {}, await list_items(pods)
        return (
            status.get("observedGeneration") == d["metadata"]["generation"]
            and status.get("updatedReplicas") == status.get("availableReplicas") == REPLICAS
            and status.get("replicas") == REPLICAS
            and sorted(map(image_of, items)) == ["nginx:1.26"] * REPLICAS
        )

    try:
        await eventually(lambda: list_items(client.resource("", "v1", "serviceaccounts")),
                         timeout=20, what="the default ServiceAccount")  # fmt: skip
        strategy = {"type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": SURGE, "maxUnavailable": UNAVAILABLE}}  # fmt: skip
        await deploys.create(
            deployment("web", REPLICAS, "nginx:1.25", strategy=strategy), "default"
        )
        async with FakeKubelet(pods) as kubelet:
            await eventually(lambda: _all_ready(pods, REPLICAS), timeout=20, what="4 ready pods")
            async with PodExtremes(pods) as extremes:
                kubelet.hold()
                image = {"containers": [{"name": "web", "image": "nginx:1.26"}]}
                # (patch() retries the API server's spurious 409s: test_patch_conflict.py)
                body = {"spec": {"template": {"spec": image}}}
                await patch(deploys, "web", body, patch_type="strategic")
                # Killed just after the surge pod was created, while it cannot become ready.
                await eventually(lambda: new_pods(1), timeout=20, what="the surge pod")
                restart()
                await asyncio.sleep(3)  # the restarted manager has resynced; it must wait
                assert len(await list_items(pods)) == REPLICAS + SURGE
                assert len(await list_items(rs_api)) == 2
                await kubelet.release()
                # Killed mid-way, twice more.
                for count in (2, 3):
                    await eventually(lambda c=count: new_pods(c), timeout=20, what=f"{count} new")
                    restart()
                await eventually(complete, timeout=40, what="the rollout to complete")
        assert extremes.most_live <= REPLICAS + SURGE, f"{extremes.most_live} pods at once"
        assert extremes.fewest_ready >= REPLICAS - UNAVAILABLE, f"{extremes.fewest_ready} ready"
        rss = await list_items(rs_api)
        assert sorted((rs["metadata"]["annotations"][REVISION], rs["spec"]["replicas"])
                      for rs in rss) == [("1", 0), ("2", REPLICAS)]  # fmt: skip
    finally:
        stop(manager)
        await client.close()


async def _all_ready(pods: ResourceClient, count: int) -> bool:
    items = await list_items(pods)
    return len(items) == count and all(is_ready(pod) for pod in items)
