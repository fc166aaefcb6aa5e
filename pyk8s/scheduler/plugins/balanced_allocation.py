"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be equally used.

For each scored resource the fraction requested/allocatable (capped at 1) is taken; the score is
(1 - standard deviation of those fractions) * 100, so a node at 50 % cpu and 50 % memory beats
one at 90 % cpu and 10 % memory. Best-effort pods (no requests) are not scored, since they
would otherwise all pile onto the same "balanced" node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler import status as st
from pyk8s.scheduler.plugin import MAX_NODE_SCORE, NODE_ADD, NODE_UPDATE, CycleState, Handle
from pyk8s.scheduler.plugins.resource_scoring import requested_and_allocatable, scored_resources
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Status

NAME = "NodeResourcesBalancedAllocation"


class BalancedAllocation:
    name = NAME

    def __init__(self, args: dict[str, Any], handle: Handle) -> None:
        self.table = handle.cache.table
        self.resources = scored_resources(args)

    def pre_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> Status:
        if not any(pod.requests.get(name, 0) for name, _ in self.resources):
            return Status(Code.SKIP)
        return st.SUCCESS

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        requested, allocatable = requested_and_allocatable(
            self.table, pod, self.resources, rows, use_requested=True
        )
        present = allocatable > 0
        fractions = np.where(present, np.minimum(requested / np.maximum(allocatable, 1), 1.0), 0.0)
        counts = present.sum(axis=1)
        mean = fractions.sum(axis=1) / np.maximum(counts, 1)
        spread = np.where(present, fractions - mean[:, None], 0.0)
        deviation = np.sqrt((spread**2).sum(axis=1) / np.maximum(counts, 1))
        # With exactly two resources kube-scheduler uses |a - b| / 2: same value, same rounding.
        highest = np.where(present, fractions, -np.inf).max(axis=1)
        lowest = np.where(present, fractions, np.inf).min(axis=1)
        with np.errstate(invalid="ignore"):
            deviation = np.where(counts == 2, (highest - lowest) / 2, deviation)
        deviation = np.where(counts >= 2, deviation, 0.0)
        return ((1 - deviation) * MAX_NODE_SCORE).astype(np.int64)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE}


def factory(args: dict[str, Any], handle: Handle) -> BalancedAllocation:
    return BalancedAllocation(args, handle)
