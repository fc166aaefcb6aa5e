"""Pure rules of node health, taint eviction, daemon placement, revisions and pod GC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyk8s.controllers import daemonset_nodes as placement
from pyk8s.controllers.daemonset_revisions import revision_data, revision_hash, safe_encode
from pyk8s.controllers.node_lifecycle import with_health_taints
from pyk8s.controllers.node_lifecycle_eviction import tainted_since, toleration_window
from pyk8s.controllers.podgc import oldest_terminated
from pyk8s.controllers.statefulset_pods import claims_for, new_pod, ordinal_of

UNREACHABLE = "node.kubernetes.io/unreachable"


def node(
    name: str = "n1", labels: dict[str, str] | None = None, taints: list[Any] | None = None
) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


def test_health_taints_follow_ready_and_keep_their_time() -> None:
    custom = {"key": "dedicated", "effect": "NoSchedule"}
    tainted = with_health_taints([custom], "Unknown", "T1")
    assert tainted == [custom, {"key": UNREACHABLE, "effect": "NoSchedule"},
                       {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": "T1"}]  # fmt: skip
    assert with_health_taints(tainted, "Unknown", "T2") == tainted  # timeAdded kept
    not_ready = with_health_taints(tainted, "False", "T3")
    assert {t["key"] for t in not_ready} == {"dedicated", "node.kubernetes.io/not-ready"}
    assert with_health_taints(tainted, "True", "T4") == [custom]


def test_toleration_window() -> None:
    taint = {"key": UNREACHABLE, "effect": "NoExecute"}
    pod = lambda *tolerations: {"spec": {"tolerations": list(tolerations)}}  # noqa: E731
    assert toleration_window(pod(), [taint]) == 0.0
    assert toleration_window(pod({"operator": "Exists"}), [taint]) is None
    short = {"key": UNREACHABLE, "operator": "Exists", "tolerationSeconds": 30}
    longer = {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
    assert toleration_window(pod(short, longer), [taint]) == 30
    other = {"key": "other", "effect": "NoExecute"}
    assert toleration_window(pod(short), [taint, other]) == 0.0


def test_tainted_since_uses_the_newest_taint() -> None:
    taints = [{"timeAdded": "2025-01-01T00:00:00Z"}, {"timeAdded": "2025-01-01T00:01:00Z"}]
    assert tainted_since(taints, datetime.now(UTC)) == datetime(2025, 1, 1, 0, 1, tzinfo=UTC)


def test_daemon_eligibility() -> None:
    spec: dict[str, Any] = {"nodeSelector": {"disk": "ssd"}}
    assert placement.node_eligibility(spec, node(labels={"disk": "ssd"})) == (True, True)
    assert placement.node_eligibility(spec, node(labels={"disk": "hdd"})) == (False, False)
    cordoned = node(taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    assert placement.node_eligibility({}, cordoned) == (True, True)  # daemons tolerate it
    dedicated = node(taints=[{"key": "dedicated", "effect": "NoSchedule"}])
    assert placement.node_eligibility({}, dedicated) == (False, True)
    evicting = node(taints=[{"key": "dedicated", "effect": "NoExecute"}])
    assert placement.node_eligibility({}, evicting) == (False, False)
    term = {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
    affinity = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
            }
        }
    }
    assert placement.node_eligibility(affinity, node(labels={"zone": "a"}))[0]
    assert not placement.node_eligibility(affinity, node(labels={"zone": "b"}))[0]


def test_pinned_pods_know_their_node() -> None:
    spec = placement.pin_to_node({"containers": [], "hostNetwork": True}, "n7")
    assert placement.target_node({"spec": spec}) == "n7"
    keys = {t["key"] for t in spec["tolerations"]}
    assert "node.kubernetes.io/network-unavailable" in keys
    assert placement.node_matches_term(node("n7"), spec["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0])  # fmt: skip
    assert placement.target_node({"spec": {"nodeName": "n2", **spec}}) == "n2"


def test_revision_hash_is_stable_and_safe() -> None:
    template = {"spec": {"containers": [{"name": "c", "image": "a"}]}}
    first = revision_hash(revision_data(template))
    assert first == revision_hash(revision_data(template))
    assert first != revision_hash(revision_data(template), collision_count=1)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert safe_encode("0123") == "4567"  # each byte modulo the 27-letter alphabet


def test_statefulset_identity() -> None:
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": "db", "namespace": "ns", "uid": "u"},
           "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}}  # fmt: skip
    pod = new_pod(sts, {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}}, 4, "h")
    assert pod["metadata"]["name"] == "db-4" and ordinal_of(sts, pod) == 4
    assert pod["spec"]["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-4"}}
    ]
    assert ordinal_of(sts, {"metadata": {"name": "db-x"}}) is None
    assert ordinal_of(sts, {"metadata": {"name": "dbb-1"}}) is None
    [claim] = claims_for(sts, 4)
    assert claim["metadata"]["name"] == "data-db-4" and claim["metadata"]["labels"] == {"app": "db"}


def test_pod_gc_takes_the_oldest_terminated() -> None:
    def pod(name: str, created: str, phase: str) -> dict[str, Any]:
        return {
            "metadata": {"name": name, "creationTimestamp": created},
            "status": {"phase": phase},
        }

    pods = [pod("new", "2025-01-03T00:00:00Z", "Failed"), pod("old", "2025-01-01T00:00:00Z", "Succeeded"),
            pod("mid", "2025-01-02T00:00:00Z", "Succeeded"), pod("live", "2024-01-01T00:00:00Z", "Running")]  # fmt: skip
    assert [p["metadata"]["name"] for p in oldest_terminated(pods, 1)] == ["old", "mid"]
    assert oldest_terminated(pods, 0) == []  # 0 turns it off
