"""PodTopologySpread: keep matching pods evenly spread over zones, nodes or any topology key.

For each constraint, the pods matching its selector (in the pod's namespace) are counted per
*domain*: a value of the constraint's topologyKey among the nodes the pod could use (those
passing its nodeSelector/affinity and carrying every constraint's key). Then:

- Filter (whenUnsatisfiable: DoNotSchedule): placing the pod on a node must not make its domain
  exceed the emptiest domain by more than maxSkew. With fewer domains than minDomains, the
  emptiest count is taken as 0. A node without the key is rejected as unresolvable.
- Score (ScheduleAnyway): fewer matching pods in the node's domain is better; counts are
  weighted by log(number of domains + 2) and inverted so the emptiest domain scores highest.

Counts are per-domain numpy arrays indexed by the label's value ids, so judging a node is an
array lookup. kube-scheduler's system-default constraints (for pods of Services and
ReplicaSets without their own) are not applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyk8s.api.labels import EQUALS, Requirement, Selector, selector_from_label_selector
from pyk8s.scheduler import status as st
from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.nodetable import MISSING
from pyk8s.scheduler.plugin import (
    MAX_NODE_SCORE,
    NODE_ADD,
    NODE_UPDATE,
    POD_ADD,
    POD_DELETE,
    POD_UPDATE,
    CycleState,
    Handle,
)
from pyk8s.scheduler.plugins.node_selection import pod_matches_node_rows
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection, Status

NAME = "PodTopologySpread"
CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
HOSTNAME = "kubernetes.io/hostname"


@dataclass
class Constraint:
    key: str
    max_skew: int
    min_domains: int
    selector: Selector
    self_match: int
    counts: np.ndarray  # matching pods per value id of `key`
    domains: np.ndarray  # value ids present among eligible nodes


class PodTopologySpread:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.cache: SchedulerCache = handle.cache

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status:
        constraints = _constraints_of(pod, "DoNotSchedule")
        if not constraints:
            return Status(Code.SKIP)
        state.write(NAME + "/filter", self._count(pod, constraints))
        return st.SUCCESS

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        constraints: list[Constraint] = state.read(NAME + "/filter") or []
        decided = np.zeros(len(rows), bool)
        missing_label = np.zeros(len(rows), bool)
        too_skewed = np.zeros(len(rows), bool)
        for c in constraints:
            values = self.cache.table.label_column(c.key)[rows]
            lacks = (values == MISSING) & ~decided
            emptiest = 0 if len(c.domains) < c.min_domains else _min_count(c)
            here = np.where(values == MISSING, 0, c.counts[np.maximum(values, 0)])
            skewed = (here + c.self_match - emptiest > c.max_skew) & ~decided & ~lacks
            missing_label |= lacks
            too_skewed |= skewed
            decided |= lacks | skewed
        rejections = []
        if missing_label.any():
            rejections.append(
                Rejection(missing_label, MISSING_LABEL, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)
            )
        if too_skewed.any():
            rejections.append(Rejection(too_skewed, CONSTRAINTS_NOT_MATCH))
        return rejections

    def pre_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> Status:
        constraints = _constraints_of(pod, "ScheduleAnyway")
        if not constraints:
            return Status(Code.SKIP)
        state.write(NAME + "/score", self._count(pod, constraints))
        return st.SUCCESS

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        constraints: list[Constraint] = state.read(NAME + "/score") or []
        table = self.cache.table
        columns = [table.label_column(c.key)[rows] for c in constraints]
        ignored = np.logical_or.reduce([column == MISSING for column in columns])
        total = np.zeros(len(rows))
        for c, values in zip(constraints, columns, strict=True):
            if c.key == HOSTNAME:
                size = int((~ignored).sum())
            else:
                size = len(np.unique(values[~ignored]))
            weight = math.log(size + 2)
            here = c.counts[np.maximum(values, 0)] * weight + (c.max_skew - 1)
            total += np.where(values == MISSING, 0.0, here)
        scores = np.round(total).astype(np.int64)
        state.write(NAME + "/ignored", ignored)
        return scores

    def normalize_score(self, state: CycleState, pod: PodInfo, scores: np.ndarray) -> np.ndarray:
        ignored = state.read(NAME + "/ignored")
        if ignored is None or ignored.all():
            return np.zeros(len(scores), np.int64)
        valid = scores[~ignored]
        lowest, highest = int(valid.min()), int(valid.max())
        if highest == 0:
            normalized = np.full(len(scores), MAX_NODE_SCORE, np.int64)
        else:
            normalized = MAX_NODE_SCORE * (highest + lowest - scores) // highest
        return np.where(ignored, 0, normalized)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE}

    def _count(self, pod: PodInfo, raw: list[dict[str, Any]]) -> list[Constraint]:
        table = self.cache.table
        every_row = np.arange(table.count)
        eligible = pod_matches_node_rows(table, pod.node_selector, pod.affinity, every_row)
        for spec in raw:
            eligible &= table.label_column(spec.get("topologyKey", "")) != MISSING
        constraints = []
        for spec in raw:
            key = spec.get("topologyKey", "")
            selector = _selector(spec, pod)
            column = table.label_column(key)
            pods = self.cache.pods_matching({pod.namespace}, selector)
            found = [table.row_of.get(p.node_name) for p in pods if not p.terminating]
            rows = np.array([row for row in found if row is not None], int)
            rows = rows[eligible[rows]]
            size = len(table.label_vocab.get(key, {})) + 1
            counts = np.bincount(column[rows], minlength=size).astype(np.int64)
            constraints.append(
                Constraint(
                    key=key,
                    max_skew=int(spec.get("maxSkew") or 1),
                    min_domains=int(spec.get("minDomains") or 1),
                    selector=selector,
                    self_match=int(selector.matches(pod.labels)),
                    counts=counts,
                    domains=np.unique(column[eligible]),
                )
            )
        return constraints


def _constraints_of(pod: PodInfo, when: str) -> list[dict[str, Any]]:
    return [c for c in pod.spread_constraints if c.get("whenUnsatisfiable") == when]


def _selector(spec: dict[str, Any], pod: PodInfo) -> Selector:
    selector = selector_from_label_selector(spec.get("labelSelector"))
    extra = [
        Requirement(key, EQUALS, (pod.labels[key],))
        for key in spec.get("matchLabelKeys") or []
        if key in pod.labels
    ]
    if not extra or selector.nothing:
        return selector
    return Selector([*selector.requirements, *extra])


def _min_count(c: Constraint) -> int:
    return int(c.counts[c.domains].min()) if len(c.domains) else 0


def factory(args: dict[str, Any], handle: Handle) -> PodTopologySpread:
    return PodTopologySpread(handle)
