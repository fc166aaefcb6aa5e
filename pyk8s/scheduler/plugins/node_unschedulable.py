"""NodeUnschedulable: cordoned nodes (`spec.unschedulable`) take only pods that tolerate it.

`kubectl cordon` sets the flag; a pod tolerating the taint
node.kubernetes.io/unschedulable:NoSchedule (as DaemonSet pods do) may still go there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.plugin import NODE_ADD, NODE_UPDATE, CycleState, Handle
from pyk8s.scheduler.plugins.taint_toleration import tolerates
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


class NodeUnschedulable:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.table = handle.cache.table

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        if tolerates(pod.tolerations, UNSCHEDULABLE_TAINT):
            return []
        cordoned = self.table.unschedulable[rows]
        return [Rejection(cordoned, REASON, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)]

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE}


def factory(args: dict[str, Any], handle: Handle) -> NodeUnschedulable:
    return NodeUnschedulable(handle)
