"""Which nodes a DaemonSet's pod belongs on, and what makes its pod go to exactly that node.

Pure functions, as Kubernetes' `NodeShouldRunDaemonPod`: a node is eligible when the pod's
nodeSelector and required node affinity match it and the pod tolerates its NoSchedule and
NoExecute taints, after adding the tolerations every daemon pod gets (a node that is
not ready, unreachable, under pressure or cordoned still runs its daemons).

A daemon pod is not placed by setting `spec.nodeName`: it gets a required node affinity on
`metadata.name`, so the scheduler binds it, and its resources, preemption and ports are
accounted for like any other pod's.
"""

from __future__ import annotations

import copy
from typing import Any

from pyk8s.client.cache import Object
from pyk8s.scheduler.plugins.taint_toleration import tolerates

DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
NETWORK_UNAVAILABLE = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}


def daemon_tolerations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod's tolerations plus the daemon ones it does not already have."""
    tolerations = list(spec.get("tolerations") or [])
    extra = DAEMON_TOLERATIONS + ([NETWORK_UNAVAILABLE] if spec.get("hostNetwork") else [])
    for toleration in extra:
        if toleration not in tolerations:
            tolerations.append(dict(toleration))
    return tolerations


def _requirement_matches(requirement: dict[str, Any], value: str | None) -> bool:
    operator, values = requirement.get("operator"), requirement.get("values") or []
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    try:
        have, want = int(value or ""), int(values[0])
    except (ValueError, IndexError):
        return False
    return have > want if operator == "Gt" else operator == "Lt" and have < want


def node_matches_term(node: Object, term: dict[str, Any]) -> bool:
    """A NodeSelectorTerm: all its expressions (labels) and fields (metadata.name) hold."""
    expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term matches nothing
    labels = node["metadata"].get("labels") or {}
    if not all(_requirement_matches(r, labels.get(r.get("key", ""))) for r in expressions):
        return False
    name = node["metadata"]["name"]
    return all(r.get("key") == "metadata.name" and _requirement_matches(r, name) for r in fields)


def required_terms(spec: dict[str, Any]) -> list[dict[str, Any]] | None:
    affinity = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    return None if affinity is None else affinity.get("nodeSelectorTerms") or []


def node_eligibility(spec: dict[str, Any], node: Object) -> tuple[bool, bool]:
    """(should run a new pod here, may keep a pod already running here)."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False, False
    terms = required_terms(spec)
    if terms is not None and not any(node_matches_term(node, term) for term in terms):
        return False, False
    tolerations = daemon_tolerations(spec)
    taints = (node.get("spec") or {}).get("taints") or []
    for taint in taints:
        if taint.get("effect") == "NoExecute" and not tolerates(tolerations, taint):
            return False, False
    for taint in taints:
        if taint.get("effect") == "NoSchedule" and not tolerates(tolerations, taint):
            return False, True  # new pods stay off, a running one may stay
    return True, True


def target_node(pod: Object) -> str | None:
    """The node a daemon pod runs on, or is bound for by its metadata.name affinity."""
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        return str(node)
    for term in required_terms(pod.get("spec") or {}) or []:
        for field in term.get("matchFields") or []:
            values = field.get("values") or []
            if (
                field.get("key") == "metadata.name"
                and field.get("operator") == "In"
                and len(values) == 1
            ):
                return str(values[0])
    return None


def pin_to_node(spec: dict[str, Any], node_name: str) -> dict[str, Any]:
    """The pod spec, placed on `node_name` through required node affinity, with daemon tolerations.

    Other required terms are dropped: the node has been chosen already, and kept terms
    could only make the scheduler disagree with that choice.
    """
    spec = copy.deepcopy(spec)
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    spec["tolerations"] = daemon_tolerations(spec)
    return spec
