"""DefaultPreemption: when no node fits, make room by evicting pods of lower priority.

PostFilter, run only after Filter rejected every node:

1. Is the pod allowed to preempt? Not with preemptionPolicy: Never.
2. Which nodes might help? Only those rejected as plain Unschedulable (lack of cpu, a port in
   use...), never those rejected as unresolvable (a taint, a node selector): evicting pods
   cannot change a label.
3. On each such node: take away every lower-priority pod; if the pod still does not fit, the
   node is no candidate. Otherwise give back as many as possible, most important first, and
   the ones that cannot be given back are the victims.
4. Among candidates pick the node whose victims matter least: the lowest top victim priority,
   then the lowest priority sum, the fewest victims, the most recently started top victims.

The result names the node (set as the pod's status.nominatedNodeName) and the victims; the
scheduler deletes them and the pod is retried when their deletion is observed. PodDisruption-
Budgets are not consulted.

The what-if of step 3 is done on the real cache (pods lifted out and put back) with PreFilter
re-run, instead of kube-scheduler's AddPod/RemovePod extensions: simpler, and only the
preempting pod pays for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler import status as st
from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.plugin import CycleState, Handle, PostFilterResult
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Diagnosis, FitError, Status

NAME = "DefaultPreemption"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."
DISRUPTION_TARGET, PREEMPTION_BY_SCHEDULER = "DisruptionTarget", "PreemptionByScheduler"
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100


class DefaultPreemption:
    name = NAME

    def __init__(self, args: dict[str, Any], handle: Handle) -> None:
        self.handle = handle
        self.cache: SchedulerCache = handle.cache
        self.min_percentage = int(
            args.get("minCandidateNodesPercentage", MIN_CANDIDATE_NODES_PERCENTAGE)
        )
        self.min_absolute = int(args.get("minCandidateNodesAbsolute", MIN_CANDIDATE_NODES_ABSOLUTE))

    def post_filter(
        self, state: CycleState, pod: PodInfo, diagnosis: Diagnosis
    ) -> PostFilterResult:
        if pod.preemption_policy == "Never":
            return PostFilterResult(None, st.unschedulable("preemption: " + NEVER))
        if self._victim_still_terminating(pod, diagnosis):
            # Room is being made already; preempting again would evict more than needed.
            return PostFilterResult(None, st.unschedulable("preemption: " + TERMINATING))
        table = self.cache.table
        verdicts = Diagnosis()
        candidates: list[tuple[str, list[PodInfo]]] = []
        wanted = self._candidates_wanted(table.count)
        for node in list(table.names):
            if diagnosis.status_of(node).code != Code.UNSCHEDULABLE:
                verdicts.reject(node, st.unresolvable(NOT_HELPFUL))
                continue
            if len(candidates) >= wanted:
                continue
            victims, status = self.select_victims(pod, node)
            if status.ok:
                candidates.append((node, victims))
            else:
                verdicts.reject(node, status)
        if not candidates:
            message = FitError(pod.key, table.count, verdicts).message()
            return PostFilterResult("", st.unschedulable("preemption: " + message))
        node, victims = min(candidates, key=lambda c: _cost(c[1]))
        return PostFilterResult(node, st.SUCCESS, victims)

    def _victim_still_terminating(self, pod: PodInfo, diagnosis: Diagnosis) -> bool:
        node = pod.nominated_node_name
        row = self.cache.table.row_of.get(node)
        if row is None or diagnosis.status_of(node).code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
            return False
        return any(
            placed.priority < pod.priority and terminating_by_preemption(placed.pod)
            for placed in self.cache.table.pods[row].values()
        )

    def select_victims(self, pod: PodInfo, node: str) -> tuple[list[PodInfo], Status]:
        row = self.cache.table.row_of[node]
        lower = [p for p in self.cache.table.pods[row].values() if p.priority < pod.priority]
        if not lower:
            return [], st.unresolvable(NO_VICTIMS)
        lifted = [self.cache.lift(p.key) for p in lower]
        try:
            status = self._fits(pod, node)
            if not status.ok:
                return [], status
            victims = []
            # Give back the most important pods first: they are the last we want to evict.
            for placed in sorted(lifted, key=lambda p: (-p.info.priority, p.info.start_time)):
                self.cache.put_back(placed)
                if not self._fits(pod, node).ok:
                    self.cache.lift(placed.info.key)
                    victims.append(placed.info)
            return victims, st.SUCCESS
        finally:
            for placed in lifted:
                if placed.info.key not in self.cache.placed:
                    self.cache.put_back(placed)

    def _fits(self, pod: PodInfo, node: str) -> Status:
        framework = self.handle.framework
        state = CycleState()
        status, _ = framework.run_pre_filter(state, pod)
        if not status.ok:
            return status
        row = np.array([self.cache.table.row_of[node]])
        outcome = framework.run_filter(state, pod, row)
        if outcome.feasible[0]:
            return st.SUCCESS
        found = Diagnosis()
        outcome.record(self.cache.table.names, found)
        return found.status_of(node)

    def _candidates_wanted(self, nodes: int) -> int:
        wanted = max(nodes * self.min_percentage // 100, self.min_absolute)
        return min(wanted, nodes)


def terminating_by_preemption(pod: dict[str, Any]) -> bool:
    """Deleted by a scheduler's preemption: the condition the scheduler writes before deleting."""
    if not pod["metadata"].get("deletionTimestamp"):
        return False
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(
        c.get("type") == DISRUPTION_TARGET
        and c.get("status") == "True"
        and c.get("reason") == PREEMPTION_BY_SCHEDULER
        for c in conditions
    )


def _cost(victims: list[PodInfo]) -> tuple[int, int, int, str]:
    top = max(v.priority for v in victims)
    # Offsetting by 2^31 keeps negative priorities from making more victims look cheaper.
    priority_sum = sum(v.priority + 2**31 for v in victims)
    top_started = min((v.start_time for v in victims if v.priority == top), default="")
    return (top, priority_sum, len(victims), _reversed(top_started))


def _reversed(timestamp: str) -> str:
    # Later start times sort first: map each digit d to 9-d (RFC 3339 text compares as time).
    return timestamp.translate(str.maketrans("0123456789", "9876543210"))


def factory(args: dict[str, Any], handle: Handle) -> DefaultPreemption:
    return DefaultPreemption(args, handle)
