"""TaintToleration: a node's NoSchedule/NoExecute taints keep out pods that do not tolerate
them; PreferNoSchedule taints only lower the node's score.

Nodes usually share a handful of distinct taint lists, so NodeTable gives every node a taint
*signature* id; the pod is checked against each distinct signature once and the answer is
spread to all nodes with numpy indexing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.plugin import NODE_ADD, NODE_UPDATE, CycleState, Handle, default_normalize
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection

NAME = "TaintToleration"


def tolerates_one(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    return any(tolerates_one(toleration, taint) for toleration in tolerations)


def untolerated_reason(
    tolerations: list[dict[str, Any]], taints: tuple[dict[str, Any], ...]
) -> str | None:
    for taint in taints:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"
    return None


class TaintToleration:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.table = handle.cache.table

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        signatures = self.table.taint_signature[rows]
        by_reason: dict[str, list[int]] = {}
        for signature_id in np.unique(signatures):
            taints = self.table.signatures[signature_id]
            reason = untolerated_reason(pod.tolerations, taints)
            if reason is not None:
                by_reason.setdefault(reason, []).append(int(signature_id))
        return [
            Rejection(np.isin(signatures, ids), reason, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)
            for reason, ids in by_reason.items()
        ]

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        """How many PreferNoSchedule taints the pod does not tolerate (fewer is better)."""
        preferences = [
            t
            for t in pod.tolerations
            if (t.get("effect") or "PreferNoSchedule") == "PreferNoSchedule"
        ]
        signatures = self.table.taint_signature[rows]
        unique = np.unique(signatures)
        counts = np.zeros(int(unique.max()) + 1 if len(unique) else 1, np.int64)
        for signature_id in unique:
            counts[signature_id] = sum(
                1
                for taint in self.table.signatures[signature_id]
                if taint.get("effect") == "PreferNoSchedule" and not tolerates(preferences, taint)
            )
        return counts[signatures]

    def normalize_score(self, state: CycleState, pod: PodInfo, scores: np.ndarray) -> np.ndarray:
        return default_normalize(scores, reverse=True)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE}


def factory(args: dict[str, Any], handle: Handle) -> TaintToleration:
    return TaintToleration(handle)
