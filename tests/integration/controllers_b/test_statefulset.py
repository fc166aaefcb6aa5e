"""StatefulSet ordering: web-1 only after web-0 is Ready; updates from the highest ordinal down."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pyk8s.controllers.statefulset import StatefulSetController
from tests.integration.controllers_b.conftest import (
    Cluster,
    eventually,
    ready_status,
    running,
    set_pod_status,
)


def statefulset_manifest() -> dict[str, Any]:
    labels = {"app": "web"}
    claim = {"metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "serviceName": "web",
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "web:v1"}]},
            },
            "volumeClaimTemplates": [claim],
        },
    }


async def pod_names(cluster: Cluster) -> list[str]:
    listed = await cluster.api("", "v1", "pods").list("test", label_selector="app=web")
    return sorted(p["metadata"]["name"] for p in listed["items"])


async def wait_for_pods(cluster: Cluster, names: list[str]) -> None:
    async def check() -> bool:
        return await pod_names(cluster) == names

    await eventually(check, 10, f"pods {names}")


async def test_statefulset_starts_in_order_and_updates_in_reverse(cluster: Cluster) -> None:
    statefulsets = cluster.api("apps", "v1", "statefulsets")
    pods = cluster.api("", "v1", "pods")
    await statefulsets.create(statefulset_manifest(), "test")
    async with running(cluster, StatefulSetController):
        await wait_for_pods(cluster, ["web-0"])
        await asyncio.sleep(0.5)
        assert await pod_names(cluster) == ["web-0"], "web-1 must wait for web-0 to be Ready"
        web0 = await pods.get("web-0", "test")
        assert web0["spec"]["hostname"] == "web-0" and web0["spec"]["subdomain"] == "web"
        assert web0["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "0"
        [volume] = web0["spec"]["volumes"]
        assert volume["persistentVolumeClaim"]["claimName"] == "data-web-0"
        await cluster.api("", "v1", "persistentvolumeclaims").get("data-web-0", "test")

        await set_pod_status(cluster, "test", "web-0", **ready_status())
        await wait_for_pods(cluster, ["web-0", "web-1"])
        await asyncio.sleep(0.3)
        assert await pod_names(cluster) == ["web-0", "web-1"]
        await set_pod_status(cluster, "test", "web-1", **ready_status())
        await wait_for_pods(cluster, ["web-0", "web-1", "web-2"])
        await set_pod_status(cluster, "test", "web-2", **ready_status())

        async def all_ready() -> dict[str, Any] | None:
            sts = await statefulsets.get("web", "test")
            return sts if (sts.get("status") or {}).get("readyReplicas") == 3 else None

        sts = await eventually(all_ready, 10, "readyReplicas 3")
        old_revision = sts["status"]["currentRevision"]
        assert sts["status"]["updateRevision"] == old_revision

        # Roll out web:v2 with partition 1: web-2 then web-1 are replaced; web-0 keeps v1.
        sts["spec"]["template"]["spec"]["containers"][0]["image"] = "web:v2"
        sts["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
        await statefulsets.update(sts)
        replaced: list[str] = []
        kubelet = asyncio.create_task(_kubelet(cluster, replaced))
        try:

            async def rolled() -> dict[str, Any] | None:
                sts = await statefulsets.get("web", "test")
                status = sts.get("status") or {}
                done = status.get("updatedReplicas") == 2 and status.get("readyReplicas") == 3
                return sts if done else None

            sts = await eventually(rolled, 15, "two pods on the new revision")
        finally:
            kubelet.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await kubelet
        assert replaced == ["web-2", "web-1"]
        images = {
            p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
            for p in (await pods.list("test"))["items"]
        }
        assert images == {"web-0": "web:v1", "web-1": "web:v2", "web-2": "web:v2"}
        assert sts["status"]["currentRevision"] == old_revision
        assert sts["status"]["updateRevision"] != old_revision


async def _kubelet(cluster: Cluster, replaced: list[str]) -> None:
    """Make every new pod Running and Ready, and note the order in which pods were replaced."""
    pods = cluster.api("", "v1", "pods")
    seen: dict[str, str] = {}
    while True:
        for pod in (await pods.list("test", label_selector="app=web"))["items"]:
            name, uid = pod["metadata"]["name"], pod["metadata"]["uid"]
            if seen.setdefault(name, uid) != uid:
                seen[name] = uid
                replaced.append(name)
            if pod["status"].get("phase") != "Running":
                await set_pod_status(cluster, "test", name, **ready_status())
        await asyncio.sleep(0.05)
