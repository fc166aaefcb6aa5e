"""A PATCH without a resourceVersion must not fail because another write raced it.

kube-apiserver applies such a patch inside its optimistic-concurrency loop: when the object
changed between its read and its write, it re-reads and re-applies the patch, and only a
patch that carries a resourceVersion answers 409 Conflict. Clients rely on that: `kubectl
scale`, `annotate` and `patch` racing a controller's status writes never see a 409.

This is the API server's behaviour (pyk8s/apiserver/registry/patching.py); it is tested here
because controllers writing status are what make such races common.
"""

from __future__ import annotations

import asyncio

from pyk8s.api import errors
from tests.integration.controllers.helpers import deployment

WRITERS = 20


async def test_concurrent_patches_without_resource_version_all_succeed(cluster) -> None:
    deploys = cluster.api("apps", "v1", "deployments")
    await deploys.create(deployment("web", 1), "default")

    async def annotate(i: int) -> str:
        body = {"metadata": {"annotations": {f"example.com/writer-{i}": str(i)}}}
        try:
            await deploys.patch("web", body, "default", patch_type="merge")
        except errors.Conflict as conflict:
            return f"writer {i}: 409 {conflict}"
        return ""

    failures = [f for f in await asyncio.gather(*(annotate(i) for i in range(WRITERS))) if f]
    assert failures == [], f"{len(failures)} of {WRITERS} patches answered 409:\n" + "\n".join(
        failures[:3]
    )
    annotations = (await deploys.get("web", "default"))["metadata"]["annotations"]
    assert all(f"example.com/writer-{i}" in annotations for i in range(WRITERS))


async def test_a_patch_carrying_a_stale_resource_version_is_a_conflict(cluster) -> None:
    deploys = cluster.api("apps", "v1", "deployments")
    created = await deploys.create(deployment("web", 1), "default")
    await deploys.patch("web", {"spec": {"replicas": 2}}, "default")
    stale = {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"]},
             "spec": {"replicas": 3}}  # fmt: skip
    try:
        await deploys.patch("web", stale, "default")
    except errors.Conflict:
        return
    raise AssertionError("a patch with a stale resourceVersion was applied")
