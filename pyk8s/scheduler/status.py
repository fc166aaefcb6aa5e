"""What plugins answer, and how a failed attempt is explained to the user.

A plugin's verdict is a `Status`: a code plus human-readable reasons. Filter plugins judge
thousands of nodes at once, so instead of one Status per node they return `Rejection`s: one
reason and code with a boolean mask of the nodes it applies to. `Diagnosis` collects, per node,
the reasons of the first plugin that rejected it (as kube-scheduler stops at the first failing
Filter plugin), and `FitError.message()` renders the exact text Kubernetes puts in the
FailedScheduling event and the PodScheduled condition:

    0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.
    preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class Code(IntEnum):
    """Status codes; the order matters: a larger code is a stronger "no"."""

    SUCCESS = 0
    SKIP = 1
    WAIT = 2
    UNSCHEDULABLE = 3
    # No amount of preemption on this node can help (a taint, a label mismatch...).
    UNSCHEDULABLE_AND_UNRESOLVABLE = 4
    ERROR = 5


@dataclass(frozen=True)
class Status:
    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def ok(self) -> bool:
        return self.code == Code.SUCCESS

    @property
    def rejected(self) -> bool:
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def message(self) -> str:
        return ", ".join(self.reasons)


SUCCESS = Status()


def unschedulable(*reasons: str, plugin: str = "") -> Status:
    return Status(Code.UNSCHEDULABLE, reasons, plugin)


def unresolvable(*reasons: str, plugin: str = "") -> Status:
    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons, plugin)


def error(message: str, plugin: str = "") -> Status:
    return Status(Code.ERROR, (message,), plugin)


@dataclass(frozen=True)
class Rejection:
    """One Filter reason, for the nodes (rows of the evaluated set) where `mask` is True."""

    mask: np.ndarray
    reason: str
    code: Code = Code.UNSCHEDULABLE


@dataclass
class Diagnosis:
    """Why each rejected node was rejected: its reasons and its code, by node name."""

    node_reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    node_codes: dict[str, Code] = field(default_factory=dict)
    node_plugins: dict[str, str] = field(default_factory=dict)
    # Set when a PreFilter plugin rejected the pod outright: then every node shares it.
    pre_filter_message: str = ""
    post_filter_message: str = ""

    def reject(self, node: str, status: Status) -> None:
        self.node_reasons[node] = status.reasons
        self.node_codes[node] = status.code
        self.node_plugins[node] = status.plugin

    def status_of(self, node: str) -> Status:
        code = self.node_codes.get(node)
        if code is None:
            # Nodes never evaluated count as hopeless, as kube-scheduler's absent-node default.
            return unresolvable()
        return Status(code, self.node_reasons[node], self.node_plugins.get(node, ""))

    @property
    def rejecting_plugins(self) -> set[str]:
        return {plugin for plugin in self.node_plugins.values() if plugin}


def reason_histogram(reasons_per_node: list[tuple[str, ...]]) -> str:
    """ "2 Insufficient cpu, 1 node(s) were unschedulable": counts, sorted as text (as Go does)."""
    counts = Counter(reason for reasons in reasons_per_node for reason in reasons)
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))


@dataclass
class FitError(Exception):
    """No node fits the pod. `message()` is the FailedScheduling text."""

    pod_key: str
    total_nodes: int
    diagnosis: Diagnosis

    def message(self) -> str:
        text = f"0/{self.total_nodes} nodes are available:"
        if self.diagnosis.pre_filter_message:
            # A PreFilter rejection applies to every node; listing it per node would repeat it.
            text += f" {self.diagnosis.pre_filter_message}."
        else:
            histogram = reason_histogram(list(self.diagnosis.node_reasons.values()))
            if histogram:
                text += f" {histogram}."
        if self.diagnosis.post_filter_message:
            # One full stop, even when the PostFilter message is a sentence of its own.
            text += f" {self.diagnosis.post_filter_message.rstrip('.')}."
        return text

    def __str__(self) -> str:
        return self.message()


NO_NODES_AVAILABLE = "no nodes available to schedule pods"
