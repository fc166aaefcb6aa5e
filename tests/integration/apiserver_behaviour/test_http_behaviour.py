"""Per-resource behaviour over HTTP against the real in-process API server (SQLite store).

The server imports the strategies package and configures the allocators itself at start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

import pyk8s.apiserver.admission.service_account  # (so that it can be disabled)
import pyk8s.apiserver.strategies  # noqa: F401  (registers strategies and handlers)
from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer

PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[aiohttp.ClientSession]:
    # Without a controller-manager there is no default ServiceAccount: disable the plugin,
    # as the tutorials do.
    config = APIServerConfig(
        data_dir=str(tmp_path / "data"), insecure_port=0, secure_port=None,
        disable_admission_plugins=["ServiceAccount"],
    )  # fmt: skip
    server = APIServer(config)
    await server.start()
    try:
        async with aiohttp.ClientSession(base_url=server.http_url) as session:
            yield session
    finally:
        await server.stop()


def pod(name: str, **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}  # fmt: skip


async def create(http: aiohttp.ClientSession, path: str, body: dict) -> dict:
    async with http.post(path, json=body) as response:
        answer = await response.json()
        assert response.status == 201, answer
        return answer


async def test_created_pod_is_pending_with_qos(http: aiohttp.ClientSession) -> None:
    created = await create(http, PODS, {**pod("web"), "status": {"phase": "Running"}})
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


async def test_unscheduled_pod_is_deleted_at_once_and_returned(http: aiohttp.ClientSession) -> None:
    await create(http, PODS, pod("web"))
    async with http.delete(f"{PODS}/web") as response:
        assert response.status == 200
        assert (await response.json())["kind"] == "Pod"
    async with http.get(f"{PODS}/web") as response:
        assert response.status == 404


async def test_binding_then_graceful_delete(http: aiohttp.ClientSession) -> None:
    await create(http, PODS, pod("web", terminationGracePeriodSeconds=30))
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "node-1"}}  # fmt: skip
    async with http.post(f"{PODS}/web/binding", json=binding) as response:
        assert response.status == 201, await response.text()
        assert (await response.json())["status"] == "Success"
    async with http.post(f"{PODS}/web/binding", json=binding) as response:
        assert response.status == 409
        assert 'pod web is already assigned to node "node-1"' in (await response.json())["message"]
    async with http.get(PODS, params={"fieldSelector": "spec.nodeName=node-1"}) as response:
        assert [p["metadata"]["name"] for p in (await response.json())["items"]] == ["web"]
    async with http.delete(f"{PODS}/web") as response:
        marked = await response.json()
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    async with http.delete(f"{PODS}/web", json={"gracePeriodSeconds": 0}) as response:
        assert response.status == 200
    async with http.get(f"{PODS}/web") as response:
        assert response.status == 404


async def test_unsupported_field_selector(http: aiohttp.ClientSession) -> None:
    async with http.get(PODS, params={"fieldSelector": "spec.image=nginx"}) as response:
        assert response.status == 400
        assert (await response.json())["message"] == "field label not supported: spec.image"
    async with http.get("/api/v1/secrets", params={"fieldSelector": "type=Opaque"}) as response:
        assert response.status == 200


async def test_namespace_created_active(http: aiohttp.ClientSession) -> None:
    created = await create(http, "/api/v1/namespaces", {"metadata": {"name": "team"}})
    assert created["status"] == {"phase": "Active"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}


async def test_namespace_delete_sets_terminating(http: aiohttp.ClientSession) -> None:
    """DELETE of a namespace turns it Terminating instead of removing it."""
    await create(http, "/api/v1/namespaces", {"metadata": {"name": "team"}})
    async with http.delete("/api/v1/namespaces/team") as response:
        assert response.status == 200
    async with http.get("/api/v1/namespaces/team") as response:
        assert response.status == 200, "the namespace went away instead of Terminating"
        assert (await response.json())["status"]["phase"] == "Terminating"


async def test_service_gets_cluster_ip(http: aiohttp.ClientSession) -> None:
    """A Service gets a cluster IP from the range when it is created."""
    body = {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}], "type": "NodePort"}}
    created = await create(http, "/api/v1/namespaces/default/services", body)
    spec = created["spec"]
    assert spec.get("clusterIP", "").startswith("10.0.0."), "no cluster IP was allocated"
    assert spec["ipFamilies"] == ["IPv4"] and 30000 <= spec["ports"][0]["nodePort"] <= 32767


async def test_component_statuses(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/componentstatuses") as response:
        assert response.status == 200
        assert response.headers["Warning"] == '299 - "v1 ComponentStatus is deprecated in v1.19+"'
        listed = {
            i["metadata"]["name"]: i["conditions"][0] for i in (await response.json())["items"]
        }
    assert listed["etcd-0"] == {"type": "Healthy", "status": "True", "message": "ok"}
    scheduler = listed["scheduler"]
    if scheduler["status"] == "False":  # no scheduler on this machine: the error says why
        assert scheduler["error"].startswith('Get "https://127.0.0.1:10259/healthz": ')
    async with http.get("/api/v1/componentstatuses/nope") as response:
        assert response.status == 404


async def test_self_subject_reviews(http: aiohttp.ClientSession) -> None:
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}  # fmt: skip
    answer = await create(http, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review)
    assert answer["status"]["allowed"] is True
    who = await create(http, "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                       {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})  # fmt: skip
    # Plain HTTP on loopback is the old insecure port: its user is system:unsecured.
    assert who["status"]["userInfo"]["username"] in ("system:unsecured", "system:anonymous")


async def test_a_node_keeps_the_status_it_registers_with(http):
    # The kubelet registers its Node with capacity and conditions in one create.
    node = {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"},
        "status": {"capacity": {"cpu": "2", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "False", "reason": "Starting"}]},
    }  # fmt: skip
    async with http.post("/api/v1/nodes", json=node) as response:
        assert response.status == 201, await response.text()
    async with http.get("/api/v1/nodes/worker-1") as response:
        status = (await response.json())["status"]
    assert status["capacity"] == {"cpu": "2", "pods": "110"}
    assert status["conditions"][0]["reason"] == "Starting"
