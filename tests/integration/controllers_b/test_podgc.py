"""Pod GC: finished pods over the threshold go oldest first; pods of deleted nodes go too."""

from __future__ import annotations

from pyk8s.controllers.options import ControllerOptions
from pyk8s.controllers.podgc import PodGCController
from tests.integration.controllers_b.conftest import (
    Cluster,
    eventually,
    node_manifest,
    pod_manifest,
    running,
    set_pod_status,
)


async def names(cluster: Cluster) -> list[str]:
    listed = await cluster.api("", "v1", "pods").list("test")
    return sorted(p["metadata"]["name"] for p in listed["items"])


async def test_terminated_pods_over_threshold_and_orphans_are_collected(cluster: Cluster) -> None:
    pods = cluster.api("", "v1", "pods")
    await cluster.api("", "v1", "nodes").create(node_manifest("doomed"))
    await pods.create(pod_manifest("a-orphan", "doomed"), "test")
    await pods.create(pod_manifest("running"), "test")
    for name in ("done-a", "done-b", "done-c", "done-d"):  # same second: ties go by name
        await pods.create(pod_manifest(name), "test")
        await set_pod_status(cluster, "test", name, phase="Succeeded")

    options = ControllerOptions(terminated_pod_gc_threshold=2)
    async with running(cluster, PodGCController, options=options):

        async def two_finished_left() -> bool:
            return await names(cluster) == ["a-orphan", "done-c", "done-d", "running"]

        await eventually(two_finished_left, 10, "the two oldest finished pods collected")

        await cluster.api("", "v1", "nodes").delete("doomed")

        async def orphan_gone() -> bool:
            return await names(cluster) == ["done-c", "done-d", "running"]

        await eventually(orphan_gone, 10, "the pod of the deleted node collected")
