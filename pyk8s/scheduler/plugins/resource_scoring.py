"""Shared by NodeResourcesFit's scoring and NodeResourcesBalancedAllocation.

For each scored resource, the node's allocatable amount and what would be requested there if
the pod landed, one column per resource. cpu and memory may count best-effort containers at
the scheduler's default request ("non-zero" requests) so empty-looking nodes are not crowded;
an extended resource the pod does not request is left out of the score (allocatable 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.nodetable import NodeTable
from pyk8s.scheduler.podinfo import CPU, MEMORY, PodInfo

DEFAULT_RESOURCES = ({"name": CPU, "weight": 1}, {"name": MEMORY, "weight": 1})
_BASE = {CPU, MEMORY, "ephemeral-storage", "pods"}


def scored_resources(args: dict[str, Any]) -> list[tuple[str, int]]:
    strategy = args.get("scoringStrategy") or {}
    resources = args.get("resources") or strategy.get("resources") or DEFAULT_RESOURCES
    return [(r["name"], int(r.get("weight") or 1)) for r in resources]


def requested_and_allocatable(
    table: NodeTable,
    pod: PodInfo,
    resources: list[tuple[str, int]],
    rows: np.ndarray,
    *,
    use_requested: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Two (len(rows), len(resources)) arrays: requested-with-pod and allocatable."""
    requested = np.zeros((len(rows), len(resources)), np.int64)
    allocatable = np.zeros((len(rows), len(resources)), np.int64)
    for i, (name, _) in enumerate(resources):
        pod_request = pod.requests.get(name, 0)
        if name not in _BASE and pod_request == 0:
            continue
        column = table.resource_index.get(name)
        if column is None:
            continue
        allocatable[:, i] = table.allocatable[rows, column]
        if not use_requested and name in (CPU, MEMORY):
            nonzero_column = 0 if name == CPU else 1
            pod_request = pod.nonzero_cpu if name == CPU else pod.nonzero_memory
            requested[:, i] = table.nonzero_requested[rows, nonzero_column] + pod_request
        else:
            requested[:, i] = table.requested[rows, column] + pod_request
    return requested, allocatable


def weighted_average(
    scores: np.ndarray, allocatable: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Average of per-resource scores, counting only resources the node has (integer math)."""
    present = allocatable > 0
    weight_sums = (present * weights).sum(axis=1)
    totals = (np.where(present, scores, 0) * weights).sum(axis=1)
    return np.where(weight_sums > 0, totals // np.maximum(weight_sums, 1), 0)
