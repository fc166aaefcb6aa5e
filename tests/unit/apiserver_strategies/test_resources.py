"""Namespaces, services (the parts without a store), jobs, events, secrets, nodes."""

from __future__ import annotations

import pytest

import pyk8s.api.kinds
import pyk8s.apiserver.strategies  # noqa: F401
from pyk8s.api.errors import Conflict
from pyk8s.api.resource import find
from pyk8s.apiserver.registry.strategy import strategy_for


def strategy(group: str, version: str, plural: str):
    return strategy_for(find(group, version, plural))


def test_namespace_create_is_active_with_kubernetes_finalizer() -> None:
    namespaces = strategy("", "v1", "namespaces")
    obj = {"metadata": {"name": "team"}, "spec": {"finalizers": ["example.com/x"]},
           "status": {"phase": "Terminating"}}  # fmt: skip
    namespaces.prepare_for_create(obj)
    assert obj["status"] == {"phase": "Active"}
    assert obj["spec"]["finalizers"] == ["example.com/x", "kubernetes"]


def test_namespace_update_cannot_touch_finalizers_but_finalize_can() -> None:
    namespaces = strategy("", "v1", "namespaces")
    old = {
        "metadata": {"name": "team"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    new = {"metadata": {"name": "team", "labels": {"a": "b"}}, "spec": {}}
    namespaces.prepare_for_update(new, old)
    assert new["spec"]["finalizers"] == ["kubernetes"]
    finalize = {"metadata": {"name": "team", "labels": {"x": "y"}}, "spec": {"finalizers": []}}
    namespaces.prepare_for_finalize_update(finalize, old)
    assert "finalizers" not in finalize["spec"]
    assert "labels" not in finalize["metadata"]


def test_namespace_delete_marks_terminating_then_waits() -> None:
    namespaces = strategy("", "v1", "namespaces")
    obj = {
        "metadata": {"name": "team"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    marked = namespaces.mark_for_deletion(obj, {})
    assert marked["status"]["phase"] == "Terminating"
    assert marked["metadata"]["deletionTimestamp"]
    with pytest.raises(Conflict, match="The system is ensuring all content is removed"):
        namespaces.mark_for_deletion(marked, {})
    assert not namespaces.should_delete_during_update(marked)
    marked["spec"] = {}
    assert namespaces.mark_for_deletion(marked, {}) is None
    assert namespaces.should_delete_during_update(marked)
    assert namespaces.field_values(marked)["status.phase"] == "Terminating"


def test_service_update_keeps_allocated_values() -> None:
    services = strategy("", "v1", "services")
    old = {"metadata": {"name": "s"}, "spec": {
        "type": "NodePort", "clusterIP": "10.0.0.7", "clusterIPs": ["10.0.0.7"],
        "ports": [{"name": "web", "port": 80, "nodePort": 30080}]}}  # fmt: skip
    new = {
        "metadata": {"name": "s"},
        "spec": {"type": "NodePort", "ports": [{"name": "web", "port": 8080}]},
    }
    services.prepare_for_update(new, old)
    assert new["spec"]["clusterIP"] == "10.0.0.7"
    assert new["spec"]["ports"][0]["nodePort"] == 30080


def test_service_type_change_drops_what_the_new_type_cannot_have() -> None:
    services = strategy("", "v1", "services")
    old = {"metadata": {"name": "s"}, "spec": {
        "type": "NodePort", "clusterIP": "10.0.0.7", "clusterIPs": ["10.0.0.7"],
        "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "ports": [{"port": 80, "nodePort": 30080}]}}  # fmt: skip
    to_cluster_ip = {"metadata": {"name": "s"}, "spec": {**old["spec"], "type": "ClusterIP",
                                                        "ports": [{"port": 80, "nodePort": 30080}]}}  # fmt: skip
    services.prepare_for_update(to_cluster_ip, old)
    assert "nodePort" not in to_cluster_ip["spec"]["ports"][0]
    assert to_cluster_ip["spec"]["clusterIP"] == "10.0.0.7"
    to_external = {"metadata": {"name": "s"}, "spec": {**old["spec"], "type": "ExternalName",
                                                      "externalName": "example.com"}}  # fmt: skip
    services.prepare_for_update(to_external, old)
    assert "clusterIP" not in to_external["spec"] and "ipFamilies" not in to_external["spec"]


def test_job_selector_generated_on_create_only() -> None:
    jobs = strategy("batch", "v1", "jobs")
    job = {"metadata": {"name": "pi", "uid": "u-1"}, "spec": {"template": {"spec": {}}}}
    jobs.canonicalize(job)
    assert job["spec"]["selector"]["matchLabels"] == {"batch.kubernetes.io/controller-uid": "u-1"}
    assert job["spec"]["template"]["metadata"]["labels"]["job-name"] == "pi"
    stored = {"metadata": {"name": "pi", "uid": "u-1", "resourceVersion": "3"}, "spec": {}}
    jobs.canonicalize(stored)
    assert "selector" not in stored["spec"]
    assert jobs.field_values({"metadata": {}})["status.successful"] == "0"


def test_event_field_selectors_both_versions() -> None:
    event = {"metadata": {"name": "e", "namespace": "default"},
             "involvedObject": {"kind": "Pod", "name": "web"}, "reason": "Started",
             "source": {"component": "kubelet"}, "type": "Normal"}  # fmt: skip
    core = strategy("", "v1", "events").field_values(event)
    assert core["involvedObject.kind"] == "Pod" and core["source"] == "kubelet"
    assert core["involvedObject.uid"] == ""
    v1 = strategy("events.k8s.io", "v1", "events").field_values(event)
    assert v1["regarding.name"] == "web" and v1["reportingController"] == ""


def test_simple_field_selectors() -> None:
    assert (
        strategy("", "v1", "secrets").field_values({"metadata": {}, "type": "Opaque"})["type"]
        == "Opaque"
    )
    node = strategy("", "v1", "nodes")
    assert node.field_values({"metadata": {"name": "n"}}) == {
        "metadata.name": "n",
        "spec.unschedulable": "false",
    }
    assert (
        strategy("", "v1", "replicationcontrollers").field_values({"metadata": {}})[
            "status.replicas"
        ]
        == "0"
    )
