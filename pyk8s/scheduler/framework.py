"""One profile's plugins, run extension point by extension point.

`Framework` holds, for each extension point, the ordered list of plugins enabled there (built
from a profile of the KubeSchedulerConfiguration) and runs them with kube-scheduler's rules:

- PreFilter: the first rejection stops the pod for this attempt; Skip means "do not run my
  Filter"; results naming node sets are intersected.
- Filter: a node is judged by the plugins in order and is out at the first that rejects it;
  its reasons are that plugin's reasons. Every plugin sees every row (numpy makes judging a
  node that is already out cheaper than tracking which are left).
- Score: each plugin's scores, normalized if it has NormalizeScore, times its weight, summed.
- Reserve in order, Unreserve in reverse; Permit may hold a pod (Wait) until allowed, rejected
  or timed out; the first Bind plugin that does not Skip binds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from pyk8s.scheduler import status as st
from pyk8s.scheduler.plugin import (
    BindPlugin,
    CycleState,
    FilterPlugin,
    NormalizeScorePlugin,
    PermitPlugin,
    PostBindPlugin,
    PostFilterPlugin,
    PostFilterResult,
    PreBindPlugin,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ReservePlugin,
    ScorePlugin,
)
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Diagnosis, Rejection, Status


@dataclass
class FilterOutcome:
    """What Filter decided for `rows`: which are feasible, and each plugin's rejections."""

    rows: np.ndarray
    feasible: np.ndarray
    # (plugin name, its rejections, the rows it was the first to reject)
    verdicts: list[tuple[str, list[Rejection], np.ndarray]] = field(default_factory=list)

    def record(self, names: list[str], diagnosis: Diagnosis) -> None:
        """Write the per-node reasons into `diagnosis` (only needed when the pod fails)."""
        for plugin, rejections, first_rejected in self.verdicts:
            for position in np.flatnonzero(first_rejected):
                reasons = tuple(r.reason for r in rejections if r.mask[position])
                code = max(r.code for r in rejections if r.mask[position])
                node = names[int(self.rows[position])]
                diagnosis.reject(node, Status(code, reasons, plugin))


class WaitingPod:
    """A pod held at Permit: the binding cycle awaits `decision` (allow, or reject)."""

    def __init__(self, pod: PodInfo, pending_plugins: dict[str, float]) -> None:
        self.pod = pod
        self.pending = dict(pending_plugins)
        self.decision: asyncio.Future[Status] = asyncio.get_running_loop().create_future()

    def allow(self, plugin: str) -> None:
        self.pending.pop(plugin, None)
        if not self.pending and not self.decision.done():
            self.decision.set_result(st.SUCCESS)

    def reject(self, plugin: str, message: str) -> None:
        if not self.decision.done():
            self.decision.set_result(st.unschedulable(message, plugin=plugin))


class Framework:
    def __init__(
        self,
        scheduler_name: str,
        plugins: dict[str, list[object]],
        weights: dict[str, int],
        percentage_of_nodes_to_score: int | None = None,
    ) -> None:
        self.scheduler_name = scheduler_name
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.weights = weights
        point = plugins.get
        self.pre_filter_plugins: list[PreFilterPlugin] = point("preFilter", [])  # type: ignore[assignment]
        self.filter_plugins: list[FilterPlugin] = point("filter", [])  # type: ignore[assignment]
        self.post_filter_plugins: list[PostFilterPlugin] = point("postFilter", [])  # type: ignore[assignment]
        self.pre_score_plugins: list[PreScorePlugin] = point("preScore", [])  # type: ignore[assignment]
        self.score_plugins: list[ScorePlugin] = point("score", [])  # type: ignore[assignment]
        self.reserve_plugins: list[ReservePlugin] = point("reserve", [])  # type: ignore[assignment]
        self.permit_plugins: list[PermitPlugin] = point("permit", [])  # type: ignore[assignment]
        self.pre_bind_plugins: list[PreBindPlugin] = point("preBind", [])  # type: ignore[assignment]
        self.bind_plugins: list[BindPlugin] = point("bind", [])  # type: ignore[assignment]
        self.post_bind_plugins: list[PostBindPlugin] = point("postBind", [])  # type: ignore[assignment]
        self.all_plugins = {p.name: p for group in plugins.values() for p in group}  # type: ignore[attr-defined]
        # Decided once: a runtime Protocol check costs more than most score plugins do.
        self._normalizers = {
            p.name for p in self.score_plugins if isinstance(p, NormalizeScorePlugin)
        }
        self.waiting_pods: dict[str, WaitingPod] = {}

    def events_for(self, plugin_name: str) -> frozenset[str] | None:
        plugin = self.all_plugins.get(plugin_name)
        events = getattr(plugin, "events", None)
        return frozenset(events()) if events else None

    # --- scheduling cycle --------------------------------------------------------------------

    def run_pre_filter(self, state: CycleState, pod: PodInfo) -> tuple[Status, set[str] | None]:
        allowed: set[str] | None = None
        for plugin in self.pre_filter_plugins:
            answer = plugin.pre_filter(state, pod)
            result = answer if isinstance(answer, PreFilterResult) else PreFilterResult(answer)
            if result.status.code == Code.SKIP:
                state.skip_filter.add(plugin.name)
                continue
            if not result.status.ok:
                return Status(result.status.code, result.status.reasons, plugin.name), None
            if result.node_names is not None:
                names = result.node_names
                allowed = set(names) if allowed is None else allowed & names
        return st.SUCCESS, allowed

    def run_filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> FilterOutcome:
        outcome = FilterOutcome(rows, np.ones(len(rows), bool))
        for plugin in self.filter_plugins:
            if plugin.name in state.skip_filter or not outcome.feasible.any():
                continue
            rejections = plugin.filter(state, pod, rows)
            if not rejections:
                continue
            rejected = np.logical_or.reduce([r.mask for r in rejections])
            first_rejected = rejected & outcome.feasible
            outcome.verdicts.append((plugin.name, rejections, first_rejected))
            outcome.feasible &= ~rejected
        return outcome

    def run_post_filter(
        self, state: CycleState, pod: PodInfo, diagnosis: Diagnosis
    ) -> PostFilterResult:
        messages: list[str] = []
        nominated = None
        for plugin in self.post_filter_plugins:
            result = plugin.post_filter(state, pod, diagnosis)
            if result.status.ok or result.status.code == Code.ERROR:
                return result
            if result.status.reasons:
                messages.append(result.status.message())
            # "" asks to clear a nomination left over from an earlier attempt.
            nominated = result.nominated_node_name
        return PostFilterResult(nominated, st.unschedulable(*messages))

    def run_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        for plugin in self.pre_score_plugins:
            status = plugin.pre_score(state, pod, rows)
            if status.code == Code.SKIP:
                state.skip_score.add(plugin.name)
            elif not status.ok:
                raise RuntimeError(f"running PreScore plugin {plugin.name}: {status.message()}")
        total = np.zeros(len(rows), np.int64)
        for plugin in self.score_plugins:
            if plugin.name in state.skip_score:
                continue
            scores = np.asarray(plugin.score(state, pod, rows), np.int64)
            if plugin.name in self._normalizers:
                scores = plugin.normalize_score(state, pod, scores)  # type: ignore[attr-defined]
            total += scores * self.weights.get(plugin.name, 1)
        return total

    def run_reserve(self, state: CycleState, pod: PodInfo, node: str) -> Status:
        for plugin in self.reserve_plugins:
            status = plugin.reserve(state, pod, node)
            if not status.ok:
                return Status(status.code, status.reasons, plugin.name)
        return st.SUCCESS

    def run_unreserve(self, state: CycleState, pod: PodInfo, node: str) -> None:
        for plugin in reversed(self.reserve_plugins):
            plugin.unreserve(state, pod, node)

    def run_permit(self, state: CycleState, pod: PodInfo, node: str) -> Status:
        waiting: dict[str, float] = {}
        for plugin in self.permit_plugins:
            status, timeout = plugin.permit(state, pod, node)
            if status.code == Code.WAIT:
                waiting[plugin.name] = timeout
            elif not status.ok:
                return Status(status.code, status.reasons, plugin.name)
        if waiting:
            self.waiting_pods[pod.uid] = WaitingPod(pod, waiting)
            return Status(Code.WAIT)
        return st.SUCCESS

    # --- binding cycle -----------------------------------------------------------------------

    async def wait_on_permit(self, pod: PodInfo) -> Status:
        waiting = self.waiting_pods.get(pod.uid)
        if waiting is None:
            return st.SUCCESS
        timeout = min(waiting.pending.values())
        try:
            return await asyncio.wait_for(asyncio.shield(waiting.decision), timeout)
        except TimeoutError:
            plugin = min(waiting.pending, key=waiting.pending.__getitem__)
            return st.unschedulable(
                f"rejected due to timeout after waiting {timeout:g}s at plugin {plugin}",
                plugin=plugin,
            )
        finally:
            self.waiting_pods.pop(pod.uid, None)

    async def run_pre_bind(self, state: CycleState, pod: PodInfo, node: str) -> Status:
        for plugin in self.pre_bind_plugins:
            status = await plugin.pre_bind(state, pod, node)
            if not status.ok:
                return Status(status.code, status.reasons, plugin.name)
        return st.SUCCESS

    async def run_bind(self, state: CycleState, pod: PodInfo, node: str) -> Status:
        for plugin in self.bind_plugins:
            status = await plugin.bind(state, pod, node)
            if status.code != Code.SKIP:
                return Status(status.code, status.reasons, plugin.name)
        return st.error("no bind plugin bound the pod")

    def run_post_bind(self, state: CycleState, pod: PodInfo, node: str) -> None:
        for plugin in self.post_bind_plugins:
            plugin.post_bind(state, pod, node)
