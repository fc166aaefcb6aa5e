"""Pure helpers of the ReplicaSet controller: new pods, which pods to delete, the status.

Nothing here does I/O, so the rules that decide what a user sees (which pod goes first
when scaling down, how ready/available are counted) are unit-tested directly.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from pyk8s.client.cache import Object
from pyk8s.controllers.base import is_pod_ready, owner_reference, pod_condition

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


def deletion_rank(pod: Object) -> tuple:
    """Sort key: the pod that should be deleted first sorts first (Kubernetes' order).

    Unscheduled before scheduled; Pending before Unknown before Running; lower
    pod-deletion-cost first; not ready before ready; ready for less time first; more
    restarts first; newer before older.
    """
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    annotations = pod["metadata"].get("annotations") or {}
    try:
        cost = int(annotations.get(DELETION_COST, "0"))
    except ValueError:
        cost = 0
    ready = is_pod_ready(pod)
    return (
        1 if spec.get("nodeName") else 0,
        _PHASE_RANK.get(status.get("phase", "Pending"), 0),
        cost,
        1 if ready else 0,
        -ready_since(pod) if ready else 0.0,
        -_restarts(pod),
        -_parse_time(pod["metadata"].get("creationTimestamp")),
    )


def pods_to_delete(pods: list[Object], count: int) -> list[Object]:
    return sorted(pods, key=deletion_rank)[:count]


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
