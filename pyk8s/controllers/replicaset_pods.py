"""Pure helpers of the ReplicaSet controller: new pods, which pods to delete, the status.

Nothing here does I/O, so the rules that decide what a user sees (which pod goes first
when scaling down, how ready/available are counted) are unit-tested directly.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections import Counter
from datetime import datetime
from typing import Any

from pyk8s.client.cache import Object
from pyk8s.controllers.base import is_pod_active, is_pod_ready, owner_reference, pod_condition

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def pod_from_template(owner: Object, template: dict[str, Any]) -> Object:
    """The pod a ReplicaSet/ReplicationController creates: named `<owner>-<random>`."""
    metadata = copy.deepcopy(template.get("metadata") or {})
    for server_set in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp"):
        metadata.pop(server_set, None)
    metadata["generateName"] = f"{owner['metadata']['name']}-"
    metadata["ownerReferences"] = [owner_reference(owner)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def _parse_time(text: str | None) -> float:
    if not text:
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ready_since(pod: Object) -> float:
    condition = pod_condition(pod, "Ready")
    return _parse_time((condition or {}).get("lastTransitionTime"))


def is_pod_available(pod: Object, min_ready_seconds: int, now: float) -> bool:
    """Ready for at least minReadySeconds (by the Ready condition's transition time)."""
    if not is_pod_ready(pod):
        return False
    return min_ready_seconds <= 0 or ready_since(pod) + min_ready_seconds <= now


def _restarts(pod: Object) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return max((s.get("restartCount") or 0 for s in statuses), default=0)


def _deletion_cost(pod: Object) -> int:
    """The pod-deletion-cost annotation; 0 when missing or not a plain integer ("+1", "01")."""
    text = (pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0")
    if not re.fullmatch(r"0|-?[1-9][0-9]*", text):
        return 0
    value = int(text)
    return value if -(2**31) <= value < 2**31 else 0


def _age_bucket(moment: float, pod: Object, now: float) -> tuple[int, str]:
    """Ages compare on a base-2 log scale of nanoseconds (Kubernetes' LogarithmicScaleDown):
    pods of about the same age tie, and the tie is broken by uid, which is random, so a
    scale-down does not always pick the very newest pods. Younger sorts first; a missing
    time sorts before all."""
    if not moment:
        return (-2, "")
    age_ns = (now - moment) * 1e9
    return (int(math.log2(age_ns)) if age_ns > 0 else -1, pod["metadata"].get("uid", ""))


def deletion_rank(pod: Object, colocated: int, now: float) -> tuple:
    """Sort key: the pod that should be deleted first sorts first (Kubernetes' order).

    1. unscheduled before scheduled; 2. Pending, then Unknown, then Running; 3. not ready
    before ready; 4. lower pod-deletion-cost first; 5. more active sibling pods on the same
    node (`colocated`) first; 6. ready for less time first; 7. more container restarts
    first; 8. newer before older.
    """
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    ready = is_pod_ready(pod)
    return (
        1 if spec.get("nodeName") else 0,
        _PHASE_RANK.get(status.get("phase", "Pending"), 0),
        1 if ready else 0,
        _deletion_cost(pod),
        -colocated,
        _age_bucket(ready_since(pod), pod, now) if ready else (0, ""),
        -_restarts(pod),
        _age_bucket(_parse_time(pod["metadata"].get("creationTimestamp")), pod, now),
    )


def pods_to_delete(pods: list[Object], count: int, now: float | None = None) -> list[Object]:
    """The `count` pods to delete first among `pods` (one owner's active pods).

    "Colocated" counts this owner's active pods per node; Kubernetes also counts those of
    the other ReplicaSets of the same Deployment.
    """
    now = time.time() if now is None else now
    per_node = Counter(
        (pod.get("spec") or {}).get("nodeName") for pod in pods if is_pod_active(pod)
    )

    def rank(pod: Object) -> tuple:
        node = (pod.get("spec") or {}).get("nodeName")
        return deletion_rank(pod, per_node[node] if node else 0, now)

    return sorted(pods, key=rank)[:count]


def replica_status(
    owner: Object, pods: list[Object], min_ready_seconds: int, now: float
) -> dict[str, Any]:
    """replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration."""
    template_labels = ((owner["spec"].get("template") or {}).get("metadata") or {}).get(
        "labels"
    ) or {}
    status: dict[str, Any] = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(
            1
            for pod in pods
            if template_labels.items() <= (pod["metadata"].get("labels") or {}).items()
        ),
        "readyReplicas": sum(1 for pod in pods if is_pod_ready(pod)),
        "availableReplicas": sum(
            1 for pod in pods if is_pod_available(pod, min_ready_seconds, now)
        ),
        "observedGeneration": owner["metadata"].get("generation", 0),
    }
    conditions = (owner.get("status") or {}).get("conditions")
    if conditions:
        status["conditions"] = conditions
    return status
