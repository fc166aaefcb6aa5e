"""The pod strategy: what a created pod looks like, when deletion is graceful, what a field
selector sees, and how binding places a pod."""

from __future__ import annotations

import pytest

import pyk8s.api.kinds
import pyk8s.apiserver.strategies  # noqa: F401
from pyk8s.api.errors import Conflict
from pyk8s.api.resource import find
from pyk8s.apiserver.registry.strategy import strategy_for
from pyk8s.apiserver.strategies.binding import bind
from pyk8s.apiserver.strategies.pod_qos import pod_qos_class


@pytest.fixture
def strategy():
    return strategy_for(find("", "v1", "pods"))


def pod(*containers: dict, **spec: object) -> dict:
    return {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": list(containers) or [{"name": "c", "image": "nginx"}], **spec},
    }


def container(requests: dict | None = None, limits: dict | None = None) -> dict:
    return {
        "name": "c",
        "image": "x",
        "resources": {"requests": requests or {}, "limits": limits or {}},
    }


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        ([{"name": "c", "image": "x"}], "BestEffort"),
        (
            [
                container(
                    limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "1", "memory": "1Gi"}
                )
            ],
            "Guaranteed",
        ),
        (
            [
                container(
                    limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "500m", "memory": "1Gi"}
                )
            ],
            "Burstable",
        ),
        ([container(requests={"cpu": "100m"})], "Burstable"),
        ([container(requests={"ephemeral-storage": "1Gi"})], "BestEffort"),
        (
            [
                container(
                    limits={"cpu": "1", "memory": "1Gi"}, requests={"cpu": "1", "memory": "1Gi"}
                ),
                {"name": "d", "image": "x"},
            ],
            "Burstable",
        ),
    ],
)
def test_qos_class(containers: list, expected: str) -> None:
    assert pod_qos_class(pod(*containers)) == expected


def test_create_starts_pending_and_ignores_client_status(strategy) -> None:
    obj = pod()
    obj["status"] = {"phase": "Running", "podIP": "10.1.1.1"}
    strategy.prepare_for_create(obj)
    assert obj["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_scheduling_gates_show_as_condition(strategy) -> None:
    obj = pod(schedulingGates=[{"name": "wait"}])
    strategy.prepare_for_create(obj)
    assert obj["status"]["conditions"][0]["reason"] == "SchedulingGated"


def test_ephemeral_containers_refused_on_create_only(strategy) -> None:
    obj = pod(ephemeralContainers=[{"name": "debug", "image": "busybox"}])
    assert any(c.field == "spec.ephemeralContainers" for c in strategy.validate(obj))
    obj["metadata"]["resourceVersion"] = "5"
    assert not any(c.field == "spec.ephemeralContainers" for c in strategy.validate(obj))


def test_status_update_keeps_qos_class(strategy) -> None:
    old = pod()
    old["status"] = {"phase": "Pending", "qosClass": "Burstable"}
    new = pod()
    new["spec"]["nodeName"] = "sneaky"
    new["status"] = {"phase": "Running"}
    strategy.prepare_for_status_update(new, old)
    assert new["status"] == {"phase": "Running", "qosClass": "Burstable"}
    assert "nodeName" not in new["spec"]


@pytest.mark.parametrize(
    ("spec", "status", "options", "expected"),
    [
        ({"nodeName": "n1", "terminationGracePeriodSeconds": 30}, {}, {}, 30),
        ({"nodeName": "n1", "terminationGracePeriodSeconds": 30}, {}, {"gracePeriodSeconds": 5}, 5),
        (
            {"nodeName": "n1", "terminationGracePeriodSeconds": 30},
            {},
            {"gracePeriodSeconds": 0},
            None,
        ),
        ({"terminationGracePeriodSeconds": 30}, {}, {}, None),  # never scheduled
        ({"nodeName": "n1", "terminationGracePeriodSeconds": 30}, {"phase": "Succeeded"}, {}, None),
        ({"nodeName": "n1"}, {}, {"gracePeriodSeconds": -5}, 1),
    ],
)
def test_graceful_delete_seconds(strategy, spec, status, options, expected) -> None:
    obj = {"metadata": {"name": "p"}, "spec": spec, "status": status}
    assert strategy.graceful_delete_seconds(obj, options) == expected
    assert strategy.return_deleted_object


def test_field_selector_values(strategy) -> None:
    obj = pod(nodeName="n1")
    obj["status"] = {"phase": "Running", "podIPs": [{"ip": "10.1.0.5"}]}
    values = strategy.field_values(obj)
    assert values["spec.nodeName"] == "n1"
    assert values["status.podIP"] == "10.1.0.5"
    assert values["spec.hostNetwork"] == "false"
    assert values["metadata.namespace"] == "default"
    # The registry learns the supported fields from an empty object: it must not fail.
    assert "status.nominatedNodeName" in strategy.field_values({"metadata": {}})


def test_bind_sets_node_and_condition() -> None:
    obj = pod()
    obj["metadata"]["uid"] = "u1"
    binding = {
        "metadata": {"name": "web", "annotations": {"a": "b"}},
        "target": {"kind": "Node", "name": "n1"},
    }
    bound = bind(obj, binding, "2024-01-01T00:00:00Z")
    assert bound["spec"]["nodeName"] == "n1"
    assert bound["metadata"]["annotations"] == {"a": "b"}
    assert bound["status"]["conditions"][-1]["type"] == "PodScheduled"
    assert "nodeName" not in obj["spec"]  # the stored object is not changed in place
    with pytest.raises(Conflict) as err:
        bind(bound, binding, "2024-01-01T00:00:00Z")
    assert err.value.message == (
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"'
    )
