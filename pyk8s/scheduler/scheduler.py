"""The scheduling loop: take a pod, find it a node, bind it — kube-scheduler's schedule_one.

    queue.pop() ─▶ scheduling cycle (synchronous, one pod at a time)
                     PreFilter → Filter (all nodes) → PostFilter if none fit
                     → PreScore → Score → pick the best → assume in cache → Reserve → Permit
                   ─▶ binding cycle (asyncio task; the next pod is scheduled meanwhile)
                     wait on Permit → PreBind → Bind → PostBind
                     on failure: Unreserve, forget the assumed pod, retry after backoff

The scheduling cycle never awaits, so it sees one consistent cache and the next pod sees this
pod's assumed resources. Talking to the API server is left to `ApiSeam`, four async callables
injected by the server (or by a test): bind, evict, report success, report failure.

On failure the pod gets the PodScheduled=False condition (reason Unschedulable when no node
fits, SchedulerError otherwise) and a FailedScheduling event, both with FitError's message.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyk8s.scheduler import plugin as events
from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.config import SchedulerConfiguration, build_framework
from pyk8s.scheduler.framework import Framework
from pyk8s.scheduler.plugin import CycleState, Handle
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.queue import QueuedPod, SchedulingQueue
from pyk8s.scheduler.status import NO_NODES_AVAILABLE, Code, Diagnosis, FitError, Status

log = logging.getLogger("pyk8s.scheduler")

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
UNSCHEDULABLE, SCHEDULER_ERROR = "Unschedulable", "SchedulerError"


@dataclass
class ApiSeam:
    """How the scheduler acts on the cluster. Each is `async`; None means "do nothing"."""

    bind: Callable[[PodInfo, str], Awaitable[None]] | None = None
    evict: Callable[[PodInfo, PodInfo], Awaitable[None]] | None = None
    # (pod, node) after a successful bind: the "Scheduled" event.
    scheduled: Callable[[PodInfo, str], Awaitable[None]] | None = None
    # (pod, reason, message, nominated node or None): condition, event, nominatedNodeName.
    failed: Callable[[PodInfo, str, str, str | None], Awaitable[None]] | None = None


class SchedulingError(Exception):
    pass


def feasible_nodes_to_find(total: int, percentage: int) -> int:
    """How many feasible nodes are enough to score (percentageOfNodesToScore; 0 = adaptive)."""
    if total < MIN_FEASIBLE_NODES_TO_FIND:
        return total
    if percentage <= 0:
        percentage = max(50 - total // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    if percentage >= 100:
        return total
    return max(total * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


class Scheduler:
    def __init__(
        self,
        config: SchedulerConfiguration,
        api: ApiSeam,
        *,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.cache = SchedulerCache(**kwargs)
        self.api = api
        self.rng = rng or random.Random()
        self.frameworks: dict[str, Framework] = {}
        for profile in config.profiles:
            handle = Handle(self.cache, bind_pod=api.bind, evict_pod=api.evict)
            framework = build_framework(profile, handle, config.percentage_of_nodes_to_score)
            self.frameworks[profile.scheduler_name] = framework
        self.queue = SchedulingQueue(
            **kwargs,
            initial_backoff=config.pod_initial_backoff_seconds,
            max_backoff=config.pod_max_backoff_seconds,
            events_for_plugin=self._events_for_plugin,
        )
        self.next_start_row = 0
        self._binding_tasks: set[asyncio.Task[None]] = set()

    def _events_for_plugin(self, name: str) -> frozenset[str] | None:
        for framework in self.frameworks.values():
            if name in framework.all_plugins:
                return framework.events_for(name)
        return None

    # --- informer events ---------------------------------------------------------------------

    def responsible_for(self, pod: PodInfo) -> bool:
        return pod.scheduler_name in self.frameworks

    def on_pod(self, pod: dict[str, Any]) -> None:
        """A pod was added or updated."""
        info = PodInfo.of(pod)
        if info.node_name:
            self.queue.delete(info.key)
            was_placed = info.key in self.cache.placed
            confirming = self.cache.is_assumed(info.key)
            self.cache.update_pod(pod, info)
            if not confirming:  # our own binding coming back changes nothing for other pods
                self.queue.move_on_event(events.POD_UPDATE if was_placed else events.POD_ADD)
        elif self.cache.is_assumed(info.key):
            return  # our own bind is in flight; this is the pod as it was before it
        elif self.responsible_for(info) and not info.terminating and not info.scheduling_gates:
            self.queue.add(info)

    def on_pod_deleted(self, pod: dict[str, Any]) -> None:
        info = PodInfo.of(pod)
        self.queue.delete(info.key)
        if info.key in self.cache.placed:
            self.cache.remove_pod(info.key)
            self.queue.move_on_event(events.POD_DELETE)

    def on_node(self, node: dict[str, Any], *, added: bool) -> None:
        self.cache.add_node(node) if added else self.cache.update_node(node)
        self.queue.move_on_event(events.NODE_ADD if added else events.NODE_UPDATE)

    def on_node_deleted(self, node: dict[str, Any]) -> None:
        self.cache.remove_node(node["metadata"]["name"])

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        while (entry := await self.queue.pop()) is not None:
            self.cache.cleanup_expired()
            try:
                self.schedule_one(entry)
            except Exception as failure:  # a plugin bug on one pod must not stop the loop
                log.exception("scheduling %s failed unexpectedly", entry.info.key)
                self.cache.forget(entry.info.key)  # only if it got as far as being assumed
                self._fail(entry, SCHEDULER_ERROR, str(failure))
            # Let binding tasks and informer events run between pods.
            await asyncio.sleep(0)

    async def wait_for_bindings(self) -> None:
        while self._binding_tasks:
            await asyncio.gather(*list(self._binding_tasks), return_exceptions=True)

    def schedule_one(self, entry: QueuedPod) -> None:
        pod = entry.info
        framework = self.frameworks.get(pod.scheduler_name)
        if framework is None:
            self.queue.delete(pod.key)
            return
        state = CycleState()
        try:
            node = self.schedule_pod(framework, state, pod)
        except FitError as fit:
            self._handle_fit_error(framework, state, entry, fit)
            return
        except SchedulingError as failure:
            if str(failure) == NO_NODES_AVAILABLE:
                # Not an error: the pod waits (unschedulable) until a node appears.
                self.queue.add_unschedulable(entry, set())
                self._report_failure(pod, UNSCHEDULABLE, NO_NODES_AVAILABLE, None)
            else:
                self._fail(entry, SCHEDULER_ERROR, str(failure))
            return
        assumed = self.cache.assume(pod, node)
        status = framework.run_reserve(state, assumed, node)
        if status.ok or status.code == Code.WAIT:
            status = framework.run_permit(state, assumed, node)
        if not (status.ok or status.code == Code.WAIT):
            framework.run_unreserve(state, assumed, node)
            self.cache.forget(pod.key)
            self._fail(entry, SCHEDULER_ERROR, status.message())
            return
        task = asyncio.get_running_loop().create_task(
            self._binding_cycle(framework, state, entry, assumed, node)
        )
        self._binding_tasks.add(task)
        task.add_done_callback(self._binding_tasks.discard)

    def schedule_pod(self, framework: Framework, state: CycleState, pod: PodInfo) -> str:
        """Pick a node for `pod`: its name, or FitError saying why no node fits."""
        table = self.cache.table
        if table.count == 0:
            raise SchedulingError(NO_NODES_AVAILABLE)
        status, allowed = framework.run_pre_filter(state, pod)
        if status.code == Code.ERROR:
            raise SchedulingError(status.message())
        if not status.ok:
            diagnosis = Diagnosis(pre_filter_message=status.message())
            diagnosis.node_plugins = dict.fromkeys(table.names, status.plugin)
            raise FitError(pod.key, table.count, diagnosis)
        if allowed is None:
            rows = np.arange(table.count)
        else:
            rows = np.array(sorted(table.row_of[n] for n in allowed if n in table.row_of), int)
        outcome = framework.run_filter(state, pod, rows)
        feasible = self._enough_feasible(framework, rows, outcome.feasible)
        if len(feasible) == 0:
            diagnosis = Diagnosis()
            outcome.record(table.names, diagnosis)
            raise FitError(pod.key, table.count, diagnosis)
        if len(feasible) == 1:
            return table.names[int(feasible[0])]
        scores = framework.run_score(state, pod, feasible)
        best = np.flatnonzero(scores == scores.max())
        return table.names[int(feasible[best[self.rng.randrange(len(best))]])]

    def _enough_feasible(
        self, framework: Framework, rows: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The first N feasible rows, starting where the previous pod stopped (round robin)."""
        wanted = feasible_nodes_to_find(len(rows), framework.percentage_of_nodes_to_score or 0)
        positions = np.flatnonzero(mask)
        if len(positions) <= wanted or len(rows) == 0:
            return rows[positions]
        start = self.next_start_row % len(rows)
        rotated = np.concatenate([positions[positions >= start], positions[positions < start]])
        chosen = rotated[:wanted]
        processed = (int(chosen[-1]) - start) % len(rows) + 1
        self.next_start_row = (start + processed) % len(rows)
        return rows[np.sort(chosen)]

    def _handle_fit_error(
        self, framework: Framework, state: CycleState, entry: QueuedPod, fit: FitError
    ) -> None:
        nominated = None
        if framework.post_filter_plugins:
            result = framework.run_post_filter(state, entry.info, fit.diagnosis)
            if not result.status.ok and result.status.reasons:
                fit.diagnosis.post_filter_message = result.status.message()
            nominated = result.nominated_node_name
            for victim in result.victims:
                self._spawn(self._evict(victim, entry.info))
        self.queue.add_unschedulable(entry, fit.diagnosis.rejecting_plugins)
        self._report_failure(entry.info, UNSCHEDULABLE, fit.message(), nominated)

    async def _binding_cycle(
        self, framework: Framework, state: CycleState, entry: QueuedPod, pod: PodInfo, node: str
    ) -> None:
        try:
            status = await framework.wait_on_permit(pod)
            if status.ok:
                status = await framework.run_pre_bind(state, pod, node)
            if status.ok:
                status = await framework.run_bind(state, pod, node)
        except Exception as failure:  # else the pod would stay assumed, and never be retried
            log.exception("binding %s to %s failed unexpectedly", pod.key, node)
            self._abandon_binding(framework, state, entry, pod, node, str(failure))
            return
        if not status.ok:
            message = status.message()
            if status.code == Code.ERROR:
                message = f"running Bind plugin {status.plugin!r}: {message}"
            self._abandon_binding(framework, state, entry, pod, node, message)
            return
        self.cache.finish_binding(pod.key)
        self.queue.done(pod.key)
        framework.run_post_bind(state, pod, node)
        log.debug("bound %s to %s", pod.key, node)
        if self.api.scheduled is not None:
            self._spawn(self.api.scheduled(pod, node))

    def _abandon_binding(
        self,
        framework: Framework,
        state: CycleState,
        entry: QueuedPod,
        assumed: PodInfo,
        node: str,
        message: str,
    ) -> None:
        """Undo the assumption that the pod sits on `node`, and retry it after backoff."""
        framework.run_unreserve(state, assumed, node)
        self.cache.forget(assumed.key)
        self._fail(entry, SCHEDULER_ERROR, message)

    def _fail(self, entry: QueuedPod, reason: str, message: str) -> None:
        self.queue.add_backoff(entry)
        self._report_failure(entry.info, reason, message, None)

    def _report_failure(
        self, pod: PodInfo, reason: str, message: str, nominated: str | None
    ) -> None:
        log.info("unable to schedule %s: %s", pod.key, message)
        if self.api.failed is not None:
            self._spawn(self.api.failed(pod, reason, message, nominated))

    async def _evict(self, victim: PodInfo, preemptor: PodInfo) -> None:
        if self.api.evict is not None:
            await self.api.evict(victim, preemptor)

    def _spawn(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:  # a failed report must not stop the scheduler
                log.exception("scheduler API call failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._binding_tasks.add(task)
        task.add_done_callback(self._binding_tasks.discard)


def pod_scheduled_condition(reason: str, message: str, now: str) -> dict[str, Any]:
    """The PodScheduled=False condition kube-scheduler writes on a pod it could not place."""
    return {
        "type": "PodScheduled",
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def scheduled_message(pod: PodInfo, node: str) -> str:
    return f"Successfully assigned {pod.key} to {node}"


__all__ = ["ApiSeam", "FitError", "Scheduler", "Status", "pod_scheduled_condition"]
