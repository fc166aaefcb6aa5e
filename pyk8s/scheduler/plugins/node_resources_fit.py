"""NodeResourcesFit: does the node have room for the pod's requests? And how full would it be?

Filter: a node is rejected for every resource where request > allocatable - already requested
("Insufficient cpu", "Insufficient example.com/gpu"), and when it already runs as many pods as
it allows ("Too many pods"). A request larger than the node's whole allocatable can never fit
there, so that rejection is unresolvable (preemption will not try that node).

Score, by `scoringStrategy.type`: LeastAllocated (default; prefer emptier nodes, spreading
pods) or MostAllocated (prefer fuller nodes, packing pods), weighted over `resources`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.plugin import (
    MAX_NODE_SCORE,
    NODE_ADD,
    NODE_UPDATE,
    POD_DELETE,
    POD_UPDATE,
    CycleState,
    Handle,
)
from pyk8s.scheduler.plugins.resource_scoring import (
    requested_and_allocatable,
    scored_resources,
    weighted_average,
)
from pyk8s.scheduler.podinfo import CPU, EPHEMERAL_STORAGE, MEMORY, PODS, PodInfo
from pyk8s.scheduler.status import Code, Rejection

NAME = "NodeResourcesFit"
LEAST_ALLOCATED, MOST_ALLOCATED = "LeastAllocated", "MostAllocated"
TOO_MANY_PODS = "Too many pods"


class NodeResourcesFit:
    name = NAME

    def __init__(self, args: dict[str, Any], handle: Handle) -> None:
        self.table = handle.cache.table
        strategy = (args.get("scoringStrategy") or {}).get("type") or LEAST_ALLOCATED
        if strategy not in (LEAST_ALLOCATED, MOST_ALLOCATED):
            raise ValueError(f"scoringStrategy.type {strategy!r} is not supported")
        self.strategy = strategy
        self.resources = scored_resources(args)
        self.weights = np.array([weight for _, weight in self.resources], np.int64)
        self.ignored = set(args.get("ignoredResources") or [])
        self.ignored_groups = set(args.get("ignoredResourceGroups") or [])

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        table = self.table
        pods_column = table.resource_index[PODS]
        allowed_pods = table.allocatable[rows, pods_column]
        rejections = []
        too_many = table.requested[rows, pods_column] + 1 > allowed_pods
        if too_many.any():
            rejections.append(Rejection(too_many, TOO_MANY_PODS))
        for name, amount in pod.requests.items():
            if amount <= 0 or name == PODS or self._ignored(name):
                continue
            column = table.resource_column(name)
            allocatable = table.allocatable[rows, column]
            short = amount > allocatable - table.requested[rows, column]
            if not short.any():
                continue
            never = short & (amount > allocatable)
            reason = f"Insufficient {name}"
            if never.any():
                rejections.append(Rejection(never, reason, Code.UNSCHEDULABLE_AND_UNRESOLVABLE))
                short = short & ~never
            if short.any():
                rejections.append(Rejection(short, reason))
        return rejections

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        requested, allocatable = requested_and_allocatable(
            self.table, pod, self.resources, rows, use_requested=False
        )
        capacity = np.maximum(allocatable, 1)
        if self.strategy == LEAST_ALLOCATED:
            scores = np.where(
                requested > allocatable, 0, (allocatable - requested) * MAX_NODE_SCORE // capacity
            )
        else:
            scores = np.minimum(requested, allocatable) * MAX_NODE_SCORE // capacity
        return weighted_average(scores, allocatable, self.weights)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE, POD_DELETE, POD_UPDATE}

    def _ignored(self, name: str) -> bool:
        if name in (CPU, MEMORY, EPHEMERAL_STORAGE):
            return False
        return name in self.ignored or name.split("/", 1)[0] in self.ignored_groups


def factory(args: dict[str, Any], handle: Handle) -> NodeResourcesFit:
    return NodeResourcesFit(args, handle)
