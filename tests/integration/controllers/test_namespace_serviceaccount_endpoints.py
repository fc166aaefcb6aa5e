"""Namespace deletion, default ServiceAccounts, and Endpoints/EndpointSlices from pods."""

from __future__ import annotations

from tests.integration.controllers.helpers import eventually, list_items, mark_ready


def pod(name: str, labels: dict) -> dict:
    container = {
        "name": "web",
        "image": "nginx",
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [container]}}  # fmt: skip


async def test_namespace_deletion_removes_content_then_namespace(cluster) -> None:
    await cluster.start("namespace", "serviceaccount")
    namespaces = cluster.api("", "v1", "namespaces")
    await namespaces.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    accounts = cluster.api("", "v1", "serviceaccounts")

    async def default_account():
        return [a for a in await list_items(accounts, "team") if a["metadata"]["name"] == "default"]

    await eventually(default_account, what="default ServiceAccount in the new namespace")
    configmaps = cluster.api("", "v1", "configmaps")
    await configmaps.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, "team"
    )
    await cluster.api("", "v1", "pods").create(pod("p", {"app": "x"}), "team")
    await namespaces.delete("team")

    async def emptied():
        return not await list_items(configmaps, "team") and not await list_items(
            cluster.api("", "v1", "pods"), "team"
        )

    await eventually(emptied, what="the namespace's configmap and pod deleted")

    async def gone():
        names = [n["metadata"]["name"] for n in await list_items(namespaces, None)]
        return "team" not in names

    await eventually(
        gone,
        what="namespace team deleted (needs the API server to serve PUT namespaces/<name>/finalize)",
    )


async def test_endpoints_and_slices_follow_pod_readiness(cluster) -> None:
    await cluster.start("endpoints", "endpointslice")
    pods = cluster.api("", "v1", "pods")
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }
    await cluster.api("", "v1", "services").create(service, "default")
    created = await pods.create(pod("web-1", {"app": "web"}), "default")
    await pods.patch("web-1", {"status": {"phase": "Running", "podIP": "10.1.0.5"}}, "default",
                     subresource="status")  # fmt: skip
    endpoints = cluster.api("", "v1", "endpoints")

    async def subsets():
        try:
            got = await endpoints.get("web", "default")
        except Exception:
            return None
        return got.get("subsets")

    not_ready = await eventually(subsets, what="endpoints with the pod")
    assert not_ready == [
        {
            "notReadyAddresses": [
                {
                    "ip": "10.1.0.5",
                    "targetRef": {
                        "kind": "Pod",
                        "namespace": "default",
                        "name": "web-1",
                        "uid": created["metadata"]["uid"],
                    },
                }
            ],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        }
    ]
    await mark_ready(pods, {"metadata": {"name": "web-1", "namespace": "default"}})

    async def ready_subsets():
        found = await subsets()
        return found and "addresses" in found[0] and found

    await eventually(ready_subsets, what="pod under addresses once Ready")
    slices = cluster.api("discovery.k8s.io", "v1", "endpointslices")

    async def ready_slice():
        items = await list_items(slices)
        return (
            len(items) == 1
            and (items[0].get("endpoints") or [{}])[0].get("conditions", {}).get("ready")
            and items
        )

    (endpoint_slice,) = await eventually(
        ready_slice, what="one EndpointSlice with a ready endpoint"
    )
    assert endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    assert endpoint_slice["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert endpoint_slice["metadata"]["name"].startswith("web-")
