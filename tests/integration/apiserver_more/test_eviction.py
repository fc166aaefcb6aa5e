"""pods/<name>/eviction over HTTP against a real API server, answered as kube-apiserver answers.

The budgets' status is written here through /status (no disruption controller), so each test
decides exactly what the budget allows.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from pyk8s.client.resources import ResourceClient
from tests.integration.apiserver_more.conftest import Cluster
from tests.integration.controllers.helpers import mark_ready

VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def pod(name: str, labels: dict[str, str], node: str = "node-1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
    }


def budget(name: str, selector: dict[str, Any] | None, min_available: int = 1) -> dict[str, Any]:
    spec: dict[str, Any] = {"minAvailable": min_available}
    if selector is not None:
        spec["selector"] = selector
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": spec,
    }


async def running_pod(pods: ResourceClient, name: str, labels: dict[str, str]) -> dict:
    created = await pods.create(pod(name, labels), "default")
    await mark_ready(pods, created)
    return await pods.get(name, "default")


async def budget_allowing(
    budgets: ResourceClient, name: str, allowed: int, selector: dict[str, Any] | None
) -> dict:
    created = await budgets.create(budget(name, selector), "default")
    created["status"] = {
        "observedGeneration": created["metadata"]["generation"],
        "disruptionsAllowed": allowed,
        "currentHealthy": 2,
        "desiredHealthy": 2 - allowed,
        "expectedPods": 2,
    }
    return await budgets.update_status(created)


async def evict(cluster: Cluster, name: str, body: dict | None = None) -> tuple[int, dict, Any]:
    eviction = body or {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": "default"},
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{cluster.url}/api/v1/namespaces/default/pods/{name}/eviction", json=eviction
        ) as response,
    ):
        return response.status, await response.json(), response.headers


async def test_a_pod_no_budget_covers_is_deleted_gracefully_with_201(cluster: Cluster) -> None:
    pods = cluster.api("", "v1", "pods")
    await running_pod(pods, "free", {"app": "free"})
    code, body, _ = await evict(cluster, "free")
    assert (code, body) == (
        201,
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
    )
    left = await pods.get("free", "default")  # bound to a node: graceful, the kubelet finishes
    assert left["metadata"]["deletionTimestamp"]
    assert left["metadata"]["deletionGracePeriodSeconds"] == 30
    target = [c for c in left["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target[0]["reason"] == "EvictionByEvictionAPI"
    assert target[0]["message"] == "Eviction API: evicting"


async def test_a_budget_with_no_disruption_left_answers_429(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    before = await running_pod(pods, "web-1", {"app": "web"})
    await budget_allowing(budgets, "web-pdb", 0, {"matchLabels": {"app": "web"}})
    code, body, _ = await evict(cluster, "web-1")
    assert code == 429
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": VIOLATION,
        "reason": "TooManyRequests",
        "details": {
            "causes": [
                {
                    "reason": "DisruptionBudget",
                    "message": "The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
                }
            ]
        },
        "code": 429,
    }
    after = await pods.get("web-1", "default")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_an_allowed_eviction_spends_the_budget(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    for name in ("web-1", "web-2"):
        await running_pod(pods, name, {"app": "web"})
    await budget_allowing(budgets, "web-pdb", 1, {"matchLabels": {"app": "web"}})
    code, _, _ = await evict(cluster, "web-1")
    assert code == 201
    status = (await budgets.get("web-pdb", "default"))["status"]
    assert status["disruptionsAllowed"] == 0
    assert list(status["disruptedPods"]) == ["web-1"]
    condition = status["conditions"][0]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "DisruptionAllowed", "False", "InsufficientPods",
    )  # fmt: skip
    code, body, _ = await evict(cluster, "web-2")
    assert (code, body["message"]) == (429, VIOLATION)
    assert "deletionTimestamp" not in (await pods.get("web-2", "default"))["metadata"]


async def test_dry_run_evicts_nothing(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    await running_pod(pods, "web-1", {"app": "web"})
    await budget_allowing(budgets, "web-pdb", 1, {"matchLabels": {"app": "web"}})
    body = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web-1"},
        "deleteOptions": {"dryRun": ["All"]},
    }
    code, _, _ = await evict(cluster, "web-1", body)
    assert code == 201
    assert "deletionTimestamp" not in (await pods.get("web-1", "default"))["metadata"]
    assert (await budgets.get("web-pdb", "default"))["status"]["disruptionsAllowed"] == 1


async def test_two_budgets_over_one_pod_answer_500(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    await running_pod(pods, "web-1", {"app": "web", "tier": "front"})
    await budget_allowing(budgets, "by-app", 1, {"matchLabels": {"app": "web"}})
    await budget_allowing(budgets, "by-tier", 1, {"matchLabels": {"tier": "front"}})
    await budget_allowing(budgets, "no-selector", 0, None)  # matches nothing
    code, body, _ = await evict(cluster, "web-1")
    assert (code, body) == (
        500,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "This pod has more than one PodDisruptionBudget, which the eviction "
            "subresource does not support.",
            "code": 500,
        },
    )
    assert "deletionTimestamp" not in (await pods.get("web-1", "default"))["metadata"]


async def test_pods_not_running_are_evicted_whatever_the_budget(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    await pods.create(pod("pending", {"app": "web"}, node=""), "default")
    await budget_allowing(budgets, "web-pdb", 0, {"matchLabels": {"app": "web"}})
    code, _, _ = await evict(cluster, "pending")
    assert code == 201
    listed = await pods.list("default")
    assert [p["metadata"]["name"] for p in listed["items"]] == []  # unbound: deleted at once
    assert (await budgets.get("web-pdb", "default"))["status"]["disruptionsAllowed"] == 0


async def test_an_unready_pod_goes_without_spending_a_healthy_budget(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    created = await pods.create(pod("sick", {"app": "web"}), "default")
    await pods.patch("sick", {"status": {"phase": "Running"}}, "default", subresource="status")
    assert created["metadata"]["name"] == "sick"
    await budget_allowing(budgets, "web-pdb", 0, {"matchLabels": {"app": "web"}})
    # currentHealthy 2 >= desiredHealthy 2: the application is whole without the sick pod.
    code, _, _ = await evict(cluster, "sick")
    assert code == 201
    assert (await pods.get("sick", "default"))["metadata"]["deletionTimestamp"]
    assert (await budgets.get("web-pdb", "default"))["status"]["disruptionsAllowed"] == 0


async def test_a_budget_not_yet_processed_answers_429_with_retry_after(cluster: Cluster) -> None:
    pods, budgets = (
        cluster.api("", "v1", "pods"),
        cluster.api("policy", "v1", "poddisruptionbudgets"),
    )
    await running_pod(pods, "web-1", {"app": "web"})
    await budgets.create(budget("fresh", {"matchLabels": {"app": "web"}}), "default")
    code, body, headers = await evict(cluster, "web-1")
    assert code == 429
    assert headers["Retry-After"] == "10"
    assert body["details"] == {
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget fresh is still being processed by the server.",
            }
        ],
        "retryAfterSeconds": 10,
    }


async def test_a_mismatched_name_is_a_bad_request(cluster: Cluster) -> None:
    pods = cluster.api("", "v1", "pods")
    await running_pod(pods, "web-1", {"app": "web"})
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}}
    code, answer, _ = await evict(cluster, "web-1", body)
    assert (code, answer["message"]) == (400, "name in URL does not match name in Eviction object")
