"""Which pods a ReplicaSet deletes first, how it counts ready and available, its new pods."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyk8s.controllers.replicaset_pods import (
    is_pod_available,
    pod_from_template,
    pods_to_delete,
    replica_status,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC).timestamp()


def stamp(seconds_ago: float) -> str:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name: str, *, node: str = "n1", phase: str = "Running", ready_for: float | None = 600,
        cost: str | None = None, restarts: int = 0, age: float = 3600) -> dict[str, Any]:  # fmt: skip
    conditions = []
    if ready_for is not None:
        conditions.append(
            {"type": "Ready", "status": "True", "lastTransitionTime": stamp(ready_for)}
        )
    annotations = {"controller.kubernetes.io/pod-deletion-cost": cost} if cost else {}
    return {
        "metadata": {"name": name, "uid": f"uid-{name}", "annotations": annotations,
                     "creationTimestamp": stamp(age), "labels": {"app": "web"}},
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "conditions": conditions,
                   "containerStatuses": [{"name": "c", "restartCount": restarts}]},
    }  # fmt: skip


def first(*pods: dict[str, Any]) -> str:
    return pods_to_delete(list(pods), 1, NOW)[0]["metadata"]["name"]


def test_unscheduled_pods_go_before_scheduled_ones() -> None:
    assert first(pod("placed"), pod("unplaced", node="", phase="Pending", ready_for=None)) == (
        "unplaced"
    )


def test_pending_before_unknown_before_running() -> None:
    running, unknown = pod("running"), pod("unknown", phase="Unknown")
    pending = pod("pending", phase="Pending", ready_for=None)
    ranked = pods_to_delete([running, unknown, pending], 3, NOW)
    assert [p["metadata"]["name"] for p in ranked] == ["pending", "unknown", "running"]


def test_not_ready_goes_first_whatever_its_deletion_cost() -> None:
    # Readiness outranks pod-deletion-cost, as in Kubernetes.
    assert first(pod("ready", cost="-100"), pod("not-ready", ready_for=None, cost="100")) == (
        "not-ready"
    )


def test_lower_deletion_cost_first_and_malformed_costs_count_as_zero() -> None:
    assert first(pod("cheap", cost="-5"), pod("default")) == "cheap"
    assert first(pod("plus", cost="+7"), pod("negative", cost="-1")) == "negative"
    assert first(pod("leading-zero", cost="007"), pod("one", cost="1")) == "leading-zero"


def test_pods_doubled_up_on_a_node_go_first() -> None:
    crowded = [pod("a", node="busy"), pod("b", node="busy")]
    alone = pod("alone", node="quiet", age=10, ready_for=5)  # newer, yet not doubled up
    assert first(alone, *crowded) in {"a", "b"}


def test_ready_for_less_time_goes_first_on_a_log_scale() -> None:
    assert first(pod("old-hand", ready_for=86400), pod("newcomer", ready_for=30)) == "newcomer"
    # 600 s and 700 s are in the same power-of-two bucket: the uid decides, not the time.
    assert first(pod("b", ready_for=600), pod("a", ready_for=700)) == "a"


def test_more_restarts_first_then_newer_first() -> None:
    flaky, steady = pod("flaky", restarts=5, ready_for=None), pod("steady", ready_for=None)
    assert first(steady, flaky) == "flaky"
    young, old = pod("young", ready_for=None, age=60), pod("old", ready_for=None, age=86400)
    assert first(old, young) == "young"


def test_count_limits_the_victims() -> None:
    pods = [pod(f"p{i}", age=100 * (i + 1)) for i in range(5)]
    assert len(pods_to_delete(pods, 2, NOW)) == 2


def test_available_needs_ready_for_min_ready_seconds() -> None:
    fresh = pod("fresh", ready_for=5)
    assert is_pod_available(fresh, 0, NOW)
    assert not is_pod_available(fresh, 10, NOW)
    assert is_pod_available(fresh, 5, NOW)
    assert not is_pod_available(pod("unready", ready_for=None), 0, NOW)


def test_status_counts() -> None:
    owner = {"metadata": {"name": "web", "generation": 3},
             "spec": {"template": {"metadata": {"labels": {"app": "web", "tier": "fe"}}}}}  # fmt: skip
    labelled = pod("labelled", ready_for=5)
    labelled["metadata"]["labels"]["tier"] = "fe"
    status = replica_status(owner, [labelled, pod("other"), pod("x", ready_for=None)], 10, NOW)
    assert status == {"replicas": 3, "fullyLabeledReplicas": 1, "readyReplicas": 2,
                      "availableReplicas": 1, "observedGeneration": 3}  # fmt: skip


def test_new_pods_are_named_after_and_controlled_by_their_owner() -> None:
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
             "metadata": {"name": "web-abc", "uid": "u1"}}  # fmt: skip
    template = {"metadata": {"labels": {"app": "web"}, "name": "ignored"},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}  # fmt: skip
    new = pod_from_template(owner, template)
    assert new["metadata"]["generateName"] == "web-abc-"
    assert "name" not in new["metadata"]
    (ref,) = new["metadata"]["ownerReferences"]
    assert ref == {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u1",
                   "controller": True, "blockOwnerDeletion": True}  # fmt: skip
    assert new["spec"] == template["spec"] and new["spec"] is not template["spec"]
