"""NodeAffinity: `spec.nodeSelector` and required node affinity filter nodes; preferred node
affinity terms add their weight to the score of every node they match.

Evaluated over label columns (node_selection.py), so a term costs a few numpy operations
however many nodes there are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler import status as st
from pyk8s.scheduler.plugin import NODE_ADD, NODE_UPDATE, CycleState, Handle, default_normalize
from pyk8s.scheduler.plugins.node_selection import (
    match_term,
    pod_matches_node_rows,
    required_node_affinity_terms,
)
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection, Status

NAME = "NodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.table = handle.cache.table

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status:
        if not pod.node_selector and required_node_affinity_terms(pod.affinity) is None:
            return Status(Code.SKIP)
        return st.SUCCESS

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        matched = pod_matches_node_rows(self.table, pod.node_selector, pod.affinity, rows)
        return [Rejection(~matched, REASON, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)]

    def pre_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> Status:
        return st.SUCCESS if _preferred_terms(pod) else Status(Code.SKIP)

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        total = np.zeros(len(rows), np.int64)
        for preference in _preferred_terms(pod):
            weight = int(preference.get("weight") or 0)
            if weight:
                total += weight * match_term(self.table, preference.get("preference") or {}, rows)
        return total

    def normalize_score(self, state: CycleState, pod: PodInfo, scores: np.ndarray) -> np.ndarray:
        return default_normalize(scores)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE}


def _preferred_terms(pod: PodInfo) -> list[dict[str, Any]]:
    node_affinity = pod.affinity.get("nodeAffinity") or {}
    return node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []


def factory(args: dict[str, Any], handle: Handle) -> NodeAffinity:
    return NodeAffinity(handle)
