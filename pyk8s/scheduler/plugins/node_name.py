"""NodeName: a pod that names its node (`spec.nodeName`) fits only that node."""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.plugin import NODE_ADD, CycleState, Handle
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"


class NodeName:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.table = handle.cache.table

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        if not pod.node_name:
            return []
        wanted = self.table.row_of.get(pod.node_name, -1)
        return [Rejection(rows != wanted, REASON, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)]

    def events(self) -> set[str]:
        return {NODE_ADD}


def factory(args: dict[str, Any], handle: Handle) -> NodeName:
    return NodeName(handle)
