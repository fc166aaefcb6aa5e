"""Deleting a Deployment with each propagation policy, as `kubectl delete --cascade=...`."""

from __future__ import annotations

import pytest

from tests.integration.controllers.helpers import deployment, eventually, list_items

CONTROLLERS = ("deployment", "replicaset", "garbage-collector")


async def _running_deployment(cluster, name: str) -> None:
    await cluster.api("apps", "v1", "deployments").create(deployment(name, 2), "default")
    pods = cluster.api("", "v1", "pods")

    async def two_pods():
        return len(await list_items(pods)) == 2

    await eventually(two_pods, what="2 pods")


@pytest.mark.parametrize("policy", ["Background", "Foreground"])
async def test_cascading_delete_removes_replicasets_and_pods(cluster, policy: str) -> None:
    await cluster.start(*CONTROLLERS)
    await _running_deployment(cluster, "web")
    deploys = cluster.api("apps", "v1", "deployments")
    answer = await deploys.delete("web", "default", propagation_policy=policy)
    if policy == "Foreground":
        # kept, with the finalizer, until its dependents are gone
        assert "foregroundDeletion" in answer["metadata"]["finalizers"]

    async def all_gone():
        leftovers = [
            *await list_items(deploys),
            *await list_items(cluster.api("apps", "v1", "replicasets")),
            *await list_items(cluster.api("", "v1", "pods")),
        ]
        return not leftovers

    await eventually(all_gone, what=f"{policy} deletion of deployment, replicaset and pods")


async def test_orphan_delete_keeps_dependents_without_owner_reference(cluster) -> None:
    await cluster.start(*CONTROLLERS)
    await _running_deployment(cluster, "web")
    deploys, rs_api = (
        cluster.api("apps", "v1", "deployments"),
        cluster.api("apps", "v1", "replicasets"),
    )
    await deploys.delete("web", "default", propagation_policy="Orphan")

    async def orphaned():
        rss = await list_items(rs_api)
        return (
            not await list_items(deploys)
            and len(rss) == 1
            and not rss[0]["metadata"].get("ownerReferences")
        )

    await eventually(orphaned, what="deployment gone, replicaset kept without ownerReferences")
    pods = await list_items(cluster.api("", "v1", "pods"))
    assert len(pods) == 2, "the orphaned ReplicaSet keeps its pods"
