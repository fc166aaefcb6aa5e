"""The ReplicaSet controller against a real API server: create, scale, adopt, release."""

from __future__ import annotations

from tests.integration.controllers.helpers import eventually, list_items, patch, replicaset


async def test_replicaset_creates_and_scales_pods_with_owner_references(cluster) -> None:
    await cluster.start("replicaset")
    rs_api, pods = cluster.api("apps", "v1", "replicasets"), cluster.api("", "v1", "pods")
    rs = await rs_api.create(replicaset("web", 3), "default")

    async def count(n: int):
        items = [p for p in await list_items(pods) if not p["metadata"].get("deletionTimestamp")]
        return items if len(items) == n else None

    created = await eventually(lambda: count(3), what="3 pods")
    for pod in created:
        assert pod["metadata"]["name"].startswith("web-")
        ref = pod["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["uid"], ref["controller"]) == (
            "ReplicaSet",
            rs["metadata"]["uid"],
            True,
        )

    await patch(rs_api, "web", {"spec": {"replicas": 1}})
    await eventually(lambda: count(1), what="scale down to 1")

    async def status_replicas():
        got = await rs_api.get("web", "default")
        return got.get("status", {}).get("replicas") == 1 and got

    got = await eventually(status_replicas, what="status.replicas == 1")
    assert got["status"]["observedGeneration"] == got["metadata"]["generation"]

    events = await list_items(cluster.api("", "v1", "events"))
    reasons = {e["reason"] for e in events if e["involvedObject"]["name"] == "web"}
    assert {"SuccessfulCreate", "SuccessfulDelete"} <= reasons
