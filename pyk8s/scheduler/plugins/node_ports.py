"""NodePorts: two pods cannot hold the same host port (same protocol, overlapping host IP).

NodeTable indexes which nodes use each (protocol, port), so only those nodes are examined.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.plugin import NODE_ADD, POD_DELETE, CycleState, Handle
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"


class NodePorts:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.table = handle.cache.table

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        if not pod.host_ports:
            return []
        table = self.table
        busy_rows = set()
        for wanted in pod.host_ports:
            for node_name in table.nodes_using_port.get((wanted.protocol, wanted.port), ()):
                row = table.row_of.get(node_name)
                if row is not None and any(
                    wanted.conflicts_with(used) for used in table.ports[row]
                ):
                    busy_rows.add(row)
        if not busy_rows:
            return []
        return [Rejection(np.isin(rows, list(busy_rows)), REASON, Code.UNSCHEDULABLE)]

    def events(self) -> set[str]:
        return {NODE_ADD, POD_DELETE}


def factory(args: dict[str, Any], handle: Handle) -> NodePorts:
    return NodePorts(handle)
