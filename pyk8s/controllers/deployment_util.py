"""Pure rules of the Deployment controller: template hashes, revisions, surge, status.

These are the rules `kubectl rollout` depends on: the `pod-template-hash` label that ties a
ReplicaSet to one pod template, the `deployment.kubernetes.io/revision` annotation that
`rollout history` and `rollout undo` read, and the status counts and conditions that
`rollout status` waits on. No I/O here.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime
from typing import Any

import orjson

from pyk8s.client.cache import Object

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Annotations of the Deployment that are not copied onto its ReplicaSets.
NOT_COPIED = {
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
}
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels: no accidental words


def _without_empties(value: Any) -> Any:
    """The value with null, {} and [] members dropped, at every depth.

    Kubernetes compares templates as decoded Go structs, where an empty map or list equals a
    missing one and `resources: {}` is what every template holds anyway. kubectl sends such
    empties (`rollout undo` copies a ReplicaSet's template back verbatim), so comparing the
    JSON as it comes would see a new template where Kubernetes sees the old one.
    """
    if isinstance(value, dict):
        cleaned = {key: _without_empties(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [_without_empties(item) for item in value]
    return value


def template_hash(template: dict[str, Any], collision_count: int | None) -> str:
    """A short, stable, DNS-safe hash of a pod template (FNV-1a 32 over canonical JSON)."""
    data = orjson.dumps(_without_empties(template), option=orjson.OPT_SORT_KEYS)
    if collision_count:
        data += str(collision_count).encode()
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in str(value))


def without_hash(template: dict[str, Any]) -> dict[str, Any]:
    stripped = copy.deepcopy(template)
    labels = (stripped.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(HASH_LABEL, None)
        if not labels:
            del stripped["metadata"]["labels"]
    if "metadata" in stripped and not stripped["metadata"]:
        del stripped["metadata"]
    return stripped


def same_template(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from the pod-template-hash label and empty members (see _without_empties)."""
    return _without_empties(without_hash(a)) == _without_empties(without_hash(b))


def revision(obj: Object) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def replicas(rs: Object) -> int:
    return rs["spec"].get("replicas") or 0


def resolve_percent(value: int | str | None, total: int, round_up: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    percent = int(value.rstrip("%")) * total / 100
    return math.ceil(percent) if round_up else math.floor(percent)


def surge_and_unavailable(deployment: Object) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in pods; never both zero. Recreate: (0, replicas)."""
    spec = deployment["spec"]
    wanted = spec.get("replicas", 1)
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, wanted
    rolling = strategy.get("rollingUpdate") or {}
    surge = resolve_percent(rolling.get("maxSurge", "25%"), wanted, round_up=True)
    unavailable = resolve_percent(rolling.get("maxUnavailable", "25%"), wanted, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # otherwise a rollout could never make progress
    return surge, min(unavailable, wanted)


def new_rs_replicas(deployment: Object, all_rss: list[Object], new_rs: Object) -> int:
    """How big the new ReplicaSet may be now (rolling: within maxSurge of the total)."""
    wanted = deployment["spec"].get("replicas", 1)
    if (deployment["spec"].get("strategy") or {}).get("type") == "Recreate":
        return wanted
    surge, _ = surge_and_unavailable(deployment)
    current = sum(replicas(rs) for rs in all_rss)
    room = wanted + surge - current
    if room <= 0:
        return replicas(new_rs)
    return replicas(new_rs) + min(room, max(wanted - replicas(new_rs), 0))


def _condition(kind: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
    }


def set_condition(status: dict[str, Any], condition: dict[str, Any]) -> None:
    """Replace the condition of that type; keep lastTransitionTime if status is unchanged."""
    conditions = status.setdefault("conditions", [])
    for i, existing in enumerate(conditions):
        if existing["type"] == condition["type"]:
            if existing["status"] == condition["status"]:
                condition["lastTransitionTime"] = existing.get("lastTransitionTime")
            conditions[i] = condition
            return
    conditions.append(condition)


def get_condition(status: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in status.get("conditions") or [] if c["type"] == kind), None)


def compute_status(
    deployment: Object, all_rss: list[Object], new_rs: Object | None
) -> dict[str, Any]:
    """Counts summed over the ReplicaSets' own status, plus the Available condition."""
    old = deployment.get("status") or {}
    wanted = deployment["spec"].get("replicas", 1)
    available = sum((rs.get("status") or {}).get("availableReplicas", 0) for rs in all_rss)
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 0),
        "replicas": sum((rs.get("status") or {}).get("replicas", 0) for rs in all_rss),
        "updatedReplicas": ((new_rs or {}).get("status") or {}).get("replicas", 0),
        "readyReplicas": sum((rs.get("status") or {}).get("readyReplicas", 0) for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(wanted - available, 0),
        "conditions": copy.deepcopy(old.get("conditions") or []),
    }
    if old.get("collisionCount"):
        status["collisionCount"] = old["collisionCount"]
    return status


def available_condition(deployment: Object, status: dict[str, Any], now: str) -> dict[str, Any]:
    _, unavailable = surge_and_unavailable(deployment)
    wanted = deployment["spec"].get("replicas", 1)
    if status["availableReplicas"] >= wanted - unavailable:
        return _condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
        )
    return _condition(
        "Available",
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        now,
    )


def progressing(reason: str, status: str, message: str, now: str) -> dict[str, Any]:
    return _condition("Progressing", status, reason, message, now)


def is_complete(deployment: Object, status: dict[str, Any]) -> bool:
    wanted = deployment["spec"].get("replicas", 1)
    return (
        status["updatedReplicas"] == wanted
        and status["replicas"] == wanted
        and status["availableReplicas"] == wanted
        and status["observedGeneration"] >= deployment["metadata"].get("generation", 0)
    )


def made_progress(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return (
        new["updatedReplicas"] > old.get("updatedReplicas", 0)
        or new["readyReplicas"] > old.get("readyReplicas", 0)
        or new["availableReplicas"] > old.get("availableReplicas", 0)
        or new["replicas"] - new["updatedReplicas"]
        < old.get("replicas", 0) - old.get("updatedReplicas", 0)
    )


def parse_time(text: str | None) -> float:
    if not text:
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
