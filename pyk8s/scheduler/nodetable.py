"""Node state as columns, so that a Filter or Score plugin judges every node in one step.

kube-scheduler keeps one NodeInfo struct per node and calls each plugin once per node. In Python
a call per node per pod is the cost that dominates, so pyk8s keeps the same facts column-wise
in numpy arrays, one row per node:

    allocatable[row, resource]   requested[row, resource]   nonzero_requested[row, cpu|memory]
    unschedulable[row]           taint_signature[row] -> signatures[id] (the node's taints)
    label_columns[key][row] -> id of the node's value for that label key (-1: no such label)

"Insufficient cpu on which nodes?" is then `pod_cpu > allocatable[:, 0] - requested[:, 0]`.
Rows are dense (0..count-1): removing a node moves the last row into its place. What does not fit
in columns (the pods on each node, the host ports in use) is kept in per-row Python lists.

Resource columns 0-3 are cpu (millicores), memory, ephemeral-storage (bytes) and pods (count);
an extended resource gets a new column the first time a node or pod mentions it.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

import numpy as np

from pyk8s.scheduler.podinfo import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    PODS,
    HostPort,
    PodInfo,
    resource_amount,
)

BASE_RESOURCES = (CPU, MEMORY, EPHEMERAL_STORAGE, PODS)
MISSING = -1


class NodeTable:
    def __init__(self, capacity: int = 64) -> None:
        self.count = 0
        self.names: list[str] = []
        self.nodes: list[dict[str, Any]] = []
        self.row_of: dict[str, int] = {}
        self.resources: list[str] = list(BASE_RESOURCES)
        self.resource_index = {name: i for i, name in enumerate(self.resources)}
        self.allocatable = np.zeros((capacity, len(self.resources)), np.int64)
        self.requested = np.zeros((capacity, len(self.resources)), np.int64)
        self.nonzero_requested = np.zeros((capacity, 2), np.int64)
        self.unschedulable = np.zeros(capacity, bool)
        self.taint_signature = np.zeros(capacity, np.int32)
        self.signatures: list[tuple[dict[str, str], ...]] = [()]
        self._signature_ids: dict[tuple, int] = {(): 0}
        self.label_columns: dict[str, np.ndarray] = {}
        self.label_vocab: dict[str, dict[str, int]] = {}
        self._label_ints: dict[str, np.ndarray] = {}
        self.pods: list[dict[str, PodInfo]] = []
        self.ports: list[Counter[HostPort]] = []
        # (protocol, port) -> names of nodes where some pod holds it: NodePorts looks only there.
        self.nodes_using_port: dict[tuple[str, int], set[str]] = {}

    # --- nodes -------------------------------------------------------------------------------

    def add_node(self, node: dict[str, Any]) -> int:
        name = node["metadata"]["name"]
        row = self.count
        self._grow(row + 1)
        self.count += 1
        self.names.append(name)
        self.nodes.append(node)
        self.row_of[name] = row
        self.pods.append({})
        self.ports.append(Counter())
        self.allocatable[row] = 0
        self.requested[row] = 0
        self.nonzero_requested[row] = 0
        for column in self.label_columns.values():
            column[row] = MISSING
        self.set_node(row, node)
        return row

    def set_node(self, row: int, node: dict[str, Any]) -> None:
        """Refresh the columns that come from the Node object (not from its pods)."""
        self.nodes[row] = node
        spec, status = node.get("spec") or {}, node.get("status") or {}
        allocatable = status.get("allocatable") or status.get("capacity") or {}
        self.allocatable[row] = 0
        for name, quantity in allocatable.items():
            column = self.resource_column(name)  # first: it may widen the arrays
            self.allocatable[row, column] = resource_amount(name, quantity)
        self.unschedulable[row] = bool(spec.get("unschedulable"))
        self.taint_signature[row] = self._signature_id(spec.get("taints") or [])
        self._set_labels(row, (node.get("metadata") or {}).get("labels") or {})

    def remove_node(self, name: str) -> dict[str, PodInfo]:
        """Drop the node's row; returns the pods that were on it."""
        row = self.row_of.pop(name)
        pods = self.pods[row]
        for pod in pods.values():
            self._forget_ports(name, pod)
        last = self.count - 1
        if row != last:
            self._move_row(last, row)
        for column in (self.names, self.nodes, self.pods, self.ports):
            column.pop()
        self.count -= 1
        return pods

    # --- pods on nodes -----------------------------------------------------------------------

    def add_pod(self, row: int, pod: PodInfo) -> None:
        self.pods[row][pod.key] = pod
        self._account(row, pod, +1)
        for port in pod.host_ports:
            self.ports[row][port] += 1
            self.nodes_using_port.setdefault((port.protocol, port.port), set()).add(self.names[row])

    def remove_pod(self, row: int, pod: PodInfo) -> None:
        del self.pods[row][pod.key]
        self._account(row, pod, -1)
        self._forget_ports(self.names[row], pod)

    def resource_column(self, name: str) -> int:
        column = self.resource_index.get(name)
        if column is None:
            column = self.resource_index[name] = len(self.resources)
            self.resources.append(name)
            extra = np.zeros((self.allocatable.shape[0], 1), np.int64)
            self.allocatable = np.hstack([self.allocatable, extra])
            self.requested = np.hstack([self.requested, extra])
        return column

    # --- labels ------------------------------------------------------------------------------

    def label_column(self, key: str) -> np.ndarray:
        """Value ids of label `key` for rows 0..count-1 (MISSING where the node lacks it)."""
        column = self.label_columns.get(key)
        if column is None:
            return np.full(self.count, MISSING, np.int32)
        return column[: self.count]

    def label_value_ids(self, key: str, values: list[str] | tuple[str, ...]) -> list[int]:
        vocab = self.label_vocab.get(key, {})
        return [vocab[value] for value in values if value in vocab]

    def label_ints(self, key: str) -> np.ndarray:
        """For each value id of `key`, the value as a number (NaN if not an integer)."""
        vocab = self.label_vocab.get(key, {})
        cached = self._label_ints.get(key)
        if cached is None or len(cached) != len(vocab):
            cached = np.full(len(vocab), np.nan)
            for value, value_id in vocab.items():
                with contextlib.suppress(ValueError):
                    cached[value_id] = int(value)
            self._label_ints[key] = cached
        return cached

    def node_label(self, row: int, key: str) -> str | None:
        return ((self.nodes[row].get("metadata") or {}).get("labels") or {}).get(key)

    # --- internals ---------------------------------------------------------------------------

    def _account(self, row: int, pod: PodInfo, sign: int) -> None:
        for name, amount in pod.requests.items():
            column = self.resource_column(name)  # first: it may widen the arrays
            self.requested[row, column] += sign * amount
        self.requested[row, 3] += sign
        self.nonzero_requested[row, 0] += sign * pod.nonzero_cpu
        self.nonzero_requested[row, 1] += sign * pod.nonzero_memory

    def _forget_ports(self, node_name: str, pod: PodInfo) -> None:
        row = self.row_of.get(node_name)
        for port in pod.host_ports:
            if row is not None:
                self.ports[row][port] -= 1
                if self.ports[row][port] <= 0:
                    del self.ports[row][port]
            key = (port.protocol, port.port)
            still_used = row is not None and any(
                (p.protocol, p.port) == key for p in self.ports[row]
            )
            if not still_used:
                self.nodes_using_port.get(key, set()).discard(node_name)

    def _signature_id(self, taints: list[dict[str, str]]) -> int:
        key = tuple((t.get("key", ""), t.get("value", ""), t.get("effect", "")) for t in taints)
        signature_id = self._signature_ids.get(key)
        if signature_id is None:
            signature_id = self._signature_ids[key] = len(self.signatures)
            self.signatures.append(tuple(taints))
        return signature_id

    def _set_labels(self, row: int, labels: dict[str, str]) -> None:
        for key, column in self.label_columns.items():
            if key not in labels:
                column[row] = MISSING
        for key, value in labels.items():
            column = self.label_columns.get(key)
            if column is None:
                column = np.full(self.unschedulable.shape[0], MISSING, np.int32)
                self.label_columns[key] = column
            vocab = self.label_vocab.setdefault(key, {})
            column[row] = vocab.setdefault(value, len(vocab))

    def _move_row(self, source: int, target: int) -> None:
        for array in self._arrays():
            array[target] = array[source]
        for column in (self.names, self.nodes, self.pods, self.ports):
            column[target] = column[source]
        self.row_of[self.names[target]] = target

    def _arrays(self) -> list[np.ndarray]:
        return [
            self.allocatable,
            self.requested,
            self.nonzero_requested,
            self.unschedulable,
            self.taint_signature,
            *self.label_columns.values(),
        ]

    def _grow(self, needed: int) -> None:
        capacity = self.unschedulable.shape[0]
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)

        def grown(array: np.ndarray, fill: int = 0) -> np.ndarray:
            bigger = np.full((new_capacity, *array.shape[1:]), fill, array.dtype)
            bigger[:capacity] = array
            return bigger

        self.allocatable = grown(self.allocatable)
        self.requested = grown(self.requested)
        self.nonzero_requested = grown(self.nonzero_requested)
        self.unschedulable = grown(self.unschedulable)
        self.taint_signature = grown(self.taint_signature)
        for key, column in self.label_columns.items():
            self.label_columns[key] = grown(column, MISSING)
