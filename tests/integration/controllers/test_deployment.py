"""The Deployment controller with the ReplicaSet controller: the tutorial's rollout sequence."""

from __future__ import annotations

from pyk8s.controllers.deployment_util import HASH_LABEL, REVISION
from tests.integration.controllers.helpers import (
    deployment,
    eventually,
    list_items,
    mark_ready,
    patch,
)


def live(pods: list[dict]) -> list[dict]:
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


async def test_deployment_rolls_out_within_surge_and_unavailable(cluster) -> None:
    deploys = cluster.api("apps", "v1", "deployments")
    rs_api, pods = cluster.api("apps", "v1", "replicasets"), cluster.api("", "v1", "pods")
    await deploys.create(deployment("web", 3), "default")
    assert await list_items(rs_api) == [], "no ReplicaSet before the controllers run"
    await cluster.start("deployment", "replicaset")

    async def ready_all(n: int):
        items = live(await list_items(pods))
        for pod in items:
            if not any(c["type"] == "Ready" for c in pod.get("status", {}).get("conditions", [])):
                await mark_ready(pods, pod)
        return len(items) == n and items

    first = await eventually(lambda: ready_all(3), what="3 pods")
    (rs,) = await list_items(rs_api)
    assert rs["metadata"]["name"] == f"web-{rs['metadata']['labels'][HASH_LABEL]}"
    assert rs["metadata"]["annotations"][REVISION] == "1"
    assert all(
        p["metadata"]["labels"][HASH_LABEL] == rs["metadata"]["labels"][HASH_LABEL] for p in first
    )

    await patch(deploys, "web", {"spec": {"replicas": 4}})
    await eventually(lambda: ready_all(4), what="scale to 4")

    async def complete():
        d = await deploys.get("web", "default")
        s = d.get("status", {})
        done = (
            s.get("observedGeneration") == d["metadata"]["generation"]
            and s.get("updatedReplicas") == s.get("availableReplicas") == s.get("replicas") == 4
        )
        return done and d

    await eventually(complete, what="4 available")
    # set image: surge 25% of 4 = 1, unavailable 25% of 4 = 1
    image_patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}}
    }
    await patch(deploys, "web", image_patch, patch_type="strategic")
    worst_total, worst_ready = 0, 99

    async def rolled():
        nonlocal worst_total, worst_ready
        items = live(await list_items(pods))
        worst_total = max(worst_total, len(items))
        ready = [
            p
            for p in items
            if any(c["type"] == "Ready" for c in p.get("status", {}).get("conditions", []))
        ]
        worst_ready = min(worst_ready, len(ready))
        for pod in items:
            if pod not in ready:
                await mark_ready(pods, pod)
        new = [p for p in items if p["spec"]["containers"][0]["image"] == "nginx:1.26"]
        return len(new) == 4 and len(items) == 4

    await eventually(rolled, timeout=30, what="rollout to nginx:1.26")
    assert worst_total <= 5, f"maxSurge exceeded: {worst_total} pods"
    assert worst_ready >= 3, f"maxUnavailable exceeded: only {worst_ready} ready"
    d = await eventually(complete, what="rollout complete")
    assert d["metadata"]["annotations"][REVISION] == "2"
    progressing = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
    assert progressing["reason"] == "NewReplicaSetAvailable"
    rss = await list_items(rs_api)
    assert sorted(r["spec"]["replicas"] for r in rss) == [0, 4]
