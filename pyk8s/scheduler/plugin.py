"""The plugin API: one protocol per extension point, as in kube-scheduler's framework.

A plugin is a class with a `name` and one method per extension point it takes part in; it is
built by `factory(args, handle)` and registered by name (plugins/registry.py). In the order a
pod meets them:

    PreFilter   once per pod: compute what Filter needs, or reject the pod outright
    Filter      which nodes cannot run the pod (all nodes at once: returns Rejections)
    PostFilter  only when no node fits: try to make room (preemption)
    PreScore    once per pod, before scoring
    Score       a 0-100 score for each feasible node (all at once: returns an array)
    NormalizeScore  rescale the plugin's scores to 0-100 (a method of the Score plugin)
    Reserve     the pod is assumed on the node: claim plugin-side state (Unreserve undoes it)
    Permit      approve, deny or hold (Wait) the pod before it is bound
    PreBind     async work before the binding (e.g. volumes)
    Bind        async: write the binding (the first Bind plugin that does not Skip wins)
    PostBind    informational, after a successful bind

Filter and Score work on `rows`, an array of node rows of the cache's NodeTable, and return
results aligned with it. This is the one departure from kube-scheduler (which calls Filter and
Score once per node): it is what lets a plugin decide for thousands of nodes in one numpy
expression.

`events()` (EnqueueExtensions) names the cluster events after which a pod this plugin rejected
may fit, so the queue moves unschedulable pods back only when it could help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Diagnosis, Rejection, Status

if TYPE_CHECKING:
    from pyk8s.scheduler.cache import SchedulerCache

MAX_NODE_SCORE = 100

# Cluster events (what changed) that may make an unschedulable pod schedulable.
NODE_ADD = "NodeAdd"
NODE_UPDATE = "NodeUpdate"
POD_ADD = "AssignedPodAdd"
POD_UPDATE = "AssignedPodUpdate"
POD_DELETE = "AssignedPodDelete"
ALL_EVENTS = frozenset({NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE})


class CycleState:
    """Per-pod scratch space shared by a plugin's extension points during one attempt."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()

    def write(self, key: str, value: Any) -> None:
        self._data[key] = value

    def read(self, key: str) -> Any:
        return self._data.get(key)

    def clone(self) -> CycleState:
        copy = CycleState()
        copy._data = dict(self._data)
        copy.skip_filter, copy.skip_score = set(self.skip_filter), set(self.skip_score)
        return copy


@dataclass
class Handle:
    """What plugins may use besides their arguments: the cache, and seams to the API server."""

    cache: SchedulerCache
    # async (pod, node_name) -> None: POST pods/<name>/binding. Injected by the server.
    bind_pod: Any = None
    # async (victim PodInfo, preemptor PodInfo) -> None: delete a pod chosen for preemption.
    evict_pod: Any = None
    # Filter all nodes again with the current cache; set by the framework (for preemption).
    framework: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreFilterResult:
    """A PreFilter answer that also narrows the nodes worth filtering (None: all of them)."""

    status: Status
    node_names: set[str] | None = None


@dataclass
class PostFilterResult:
    nominated_node_name: str | None
    status: Status
    # Pods to delete so that the pod fits on the nominated node (preemption).
    victims: list[PodInfo] = field(default_factory=list)


class Plugin(Protocol):
    name: str


@runtime_checkable
class PreFilterPlugin(Protocol):
    name: str

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | PreFilterResult: ...


@runtime_checkable
class FilterPlugin(Protocol):
    name: str

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]: ...


@runtime_checkable
class PostFilterPlugin(Protocol):
    name: str

    def post_filter(
        self, state: CycleState, pod: PodInfo, diagnosis: Diagnosis
    ) -> PostFilterResult: ...


@runtime_checkable
class PreScorePlugin(Protocol):
    name: str

    def pre_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> Status: ...


@runtime_checkable
class ScorePlugin(Protocol):
    name: str

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class NormalizeScorePlugin(Protocol):
    name: str

    def normalize_score(
        self, state: CycleState, pod: PodInfo, scores: np.ndarray
    ) -> np.ndarray: ...


@runtime_checkable
class ReservePlugin(Protocol):
    name: str

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status: ...

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None: ...


@runtime_checkable
class PermitPlugin(Protocol):
    name: str

    def permit(self, state: CycleState, pod: PodInfo, node_name: str) -> tuple[Status, float]: ...


@runtime_checkable
class PreBindPlugin(Protocol):
    name: str

    async def pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status: ...


@runtime_checkable
class BindPlugin(Protocol):
    name: str

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status: ...


@runtime_checkable
class PostBindPlugin(Protocol):
    name: str

    def post_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> None: ...


def default_normalize(scores: np.ndarray, *, reverse: bool = False) -> np.ndarray:
    """Scale so the best node gets 100 (kube-scheduler's DefaultNormalizeScore)."""
    highest = int(scores.max()) if len(scores) else 0
    if highest == 0:
        return np.full(len(scores), MAX_NODE_SCORE if reverse else 0, np.int64)
    scaled = MAX_NODE_SCORE * scores // highest
    return MAX_NODE_SCORE - scaled if reverse else scaled
