"""The scheduler's picture of the cluster: nodes, and the pods placed on them.

Fed by the node and pod informers, and by the scheduler itself through `assume`: the moment a
pod is chosen for a node it is counted there, before the bind request is even sent, so the
next pod (scheduled while that bind is in flight) already sees the cpu, memory and ports it
takes. Then one of three things happens:

- the informer reports the pod bound (`add_pod`/`update_pod`): the assumption is *confirmed*;
- the bind fails: the scheduler calls `forget` and the resources are released;
- the bind succeeded (`finish_binding`): the pod stays assumed until the informer reports it.
  Like kube-scheduler since kubernetes#106361, assumptions never expire by default (a slow
  watch must not make a bound pod's resources look free); a positive `assumed_ttl` makes
  `cleanup_expired` drop those not confirmed within that many seconds.

Everything runs on one asyncio event loop and a scheduling cycle never awaits between reading
the cache and assuming, so the cache itself is the snapshot kube-scheduler copies each cycle.
Pods whose node is not (yet) known are kept aside and counted once the node arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyk8s.api.labels import Selector
from pyk8s.scheduler.affinity_terms import AffinityTerm, all_terms_of
from pyk8s.scheduler.nodetable import NodeTable
from pyk8s.scheduler.podinfo import PodInfo


@dataclass
class _PlacedPod:
    info: PodInfo
    terms: list[tuple[str, AffinityTerm]]
    assumed: bool = False
    binding_finished: bool = False
    deadline: float = 0.0


class SchedulerCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic, assumed_ttl: float = 0.0):
        self.clock = clock
        self.assumed_ttl = assumed_ttl
        self.table = NodeTable()
        self.placed: dict[str, _PlacedPod] = {}
        # Assumed pods whose binding finished, oldest first, with their expiry: expiry is
        # checked before every cycle, so it must not cost a walk over every placed pod.
        self._expiring: dict[str, float] = {}
        self.orphans: dict[str, dict[str, PodInfo]] = {}
        self.namespace_labels: dict[str, dict[str, str]] = {}
        # Indexes so that "pods matching app=web" does not scan every pod in the cluster.
        self._by_label: dict[tuple[str, str, str], set[str]] = {}
        self._by_namespace: dict[str, set[str]] = {}
        # (kind, which) -> term -> node name -> how many placed pods carry that term there.
        # Pods of one Deployment share their terms, so there are few distinct terms to check.
        self.term_index: dict[str, dict[AffinityTerm, dict[str, int]]] = {}

    # --- nodes -------------------------------------------------------------------------------

    def add_node(self, node: dict[str, Any]) -> None:
        name = node["metadata"]["name"]
        if name in self.table.row_of:
            self.update_node(node)
            return
        row = self.table.add_node(node)
        for pod in self.orphans.pop(name, {}).values():
            self.table.add_pod(row, pod)

    def update_node(self, node: dict[str, Any]) -> None:
        row = self.table.row_of.get(node["metadata"]["name"])
        if row is None:
            self.add_node(node)
        else:
            self.table.set_node(row, node)

    def remove_node(self, name: str) -> None:
        if name in self.table.row_of:
            self.orphans[name] = self.table.remove_node(name)

    @property
    def node_count(self) -> int:
        return self.table.count

    # --- pods --------------------------------------------------------------------------------

    def add_pod(self, pod: dict[str, Any], info: PodInfo | None = None) -> None:
        """A pod the informer reports with a node: count it (confirming it if it was assumed).
        `info` is `PodInfo.of(pod)` when the caller has it already."""
        info = info or PodInfo.of(pod)
        current = self.placed.get(info.key)
        if current is not None and current.assumed and not info.node_name:
            return  # an older view of a pod we just assumed: its binding is not visible yet
        if current is not None:
            self._unplace(info.key)
        if info.node_name and not _finished(pod):
            self._place(info)

    def update_pod(self, pod: dict[str, Any], info: PodInfo | None = None) -> None:
        # A pod that has finished no longer holds resources on its node: add_pod drops it.
        self.add_pod(pod, info)

    def remove_pod(self, key: str) -> None:
        if key in self.placed:
            self._unplace(key)

    def assume(self, pod: PodInfo, node_name: str) -> PodInfo:
        """Count `pod` on `node_name` now, before its binding is confirmed."""
        if pod.key in self.placed:
            raise ValueError(f"pod {pod.key} is already in the cache")
        assumed = pod.with_node(node_name)
        self._place(assumed, assumed=True)
        return assumed

    def finish_binding(self, key: str) -> None:
        placed = self.placed.get(key)
        if placed is not None and placed.assumed:
            placed.binding_finished = True
            if self.assumed_ttl <= 0:
                return  # never expires: only the informer confirms it
            placed.deadline = self.clock() + self.assumed_ttl
            self._expiring.pop(key, None)
            self._expiring[key] = placed.deadline

    def forget(self, key: str) -> None:
        placed = self.placed.get(key)
        if placed is not None and placed.assumed:
            self._unplace(key)

    def is_assumed(self, key: str) -> bool:
        placed = self.placed.get(key)
        return placed is not None and placed.assumed

    def cleanup_expired(self) -> list[str]:
        """Drop assumed pods whose binding finished `assumed_ttl` ago and was never confirmed."""
        now, expired = self.clock(), []
        # Deadlines grow with insertion order (a monotonic clock plus a constant TTL).
        while self._expiring:
            key, deadline = next(iter(self._expiring.items()))
            if deadline > now:
                break
            del self._expiring[key]
            placed = self.placed.get(key)
            if placed is not None and placed.assumed and placed.deadline == deadline:
                self._unplace(key)
                expired.append(key)
        return expired

    def lift(self, key: str) -> _PlacedPod:
        """Take a placed pod out, as if deleted, to be put back with `put_back` (preemption's
        what-if: would the preemptor fit without these pods?)."""
        placed = self.placed[key]
        self._unplace(key)
        return placed

    def put_back(self, placed: _PlacedPod) -> None:
        self._place(placed.info, assumed=placed.assumed)
        self.placed[placed.info.key] = placed

    # --- queries -----------------------------------------------------------------------------

    def pods_matching(self, namespaces: set[str] | None, selector: Selector) -> Iterable[PodInfo]:
        """Placed pods in `namespaces` (None: all) whose labels match `selector`."""
        if selector.nothing:
            return []
        candidates = self._candidates(namespaces, selector)
        pods = (self.placed[key].info for key in candidates)
        return [
            pod
            for pod in pods
            if (namespaces is None or pod.namespace in namespaces) and selector.matches(pod.labels)
        ]

    def row_of(self, pod: PodInfo) -> int | None:
        return self.table.row_of.get(pod.node_name)

    def placed_terms(self, kind: str) -> dict[AffinityTerm, dict[str, int]]:
        """Pod (anti-)affinity terms of placed pods (`kind` as in affinity_terms.all_terms_of),
        with the nodes where pods carrying them run."""
        return self.term_index.get(kind, {})

    # --- internals ---------------------------------------------------------------------------

    def _candidates(self, namespaces: set[str] | None, selector: Selector) -> set[str]:
        pinned = [
            (r.key, value)
            for r in selector.requirements
            if (value := selector.requires_exact_match(r.key)) is not None
        ]
        if pinned:
            key, value = pinned[0]
            spaces = namespaces if namespaces is not None else self._by_namespace.keys()
            found: set[str] = set()
            for namespace in spaces:
                found |= self._by_label.get((namespace, key, value), set())
            return found
        if namespaces is None:
            return set(self.placed)
        return set().union(*(self._by_namespace.get(ns, set()) for ns in namespaces))

    def _place(self, info: PodInfo, *, assumed: bool = False) -> None:
        terms = all_terms_of(info, self.namespace_labels)
        self.placed[info.key] = _PlacedPod(info, terms, assumed)
        for kind, term in terms:
            nodes = self.term_index.setdefault(kind, {}).setdefault(term, {})
            nodes[info.node_name] = nodes.get(info.node_name, 0) + 1
        row = self.table.row_of.get(info.node_name)
        if row is None:
            self.orphans.setdefault(info.node_name, {})[info.key] = info
        else:
            self.table.add_pod(row, info)
        self._by_namespace.setdefault(info.namespace, set()).add(info.key)
        for key, value in info.labels.items():
            self._by_label.setdefault((info.namespace, key, value), set()).add(info.key)

    def _unplace(self, key: str) -> None:
        placed = self.placed.pop(key)
        info = placed.info
        for kind, term in placed.terms:
            nodes = self.term_index[kind][term]
            nodes[info.node_name] -= 1
            if not nodes[info.node_name]:
                del nodes[info.node_name]
                if not nodes:
                    del self.term_index[kind][term]
        row = self.table.row_of.get(info.node_name)
        if row is None:
            self.orphans.get(info.node_name, {}).pop(key, None)
        else:
            self.table.remove_pod(row, info)
        self._by_namespace.get(info.namespace, set()).discard(key)
        for label, value in info.labels.items():
            self._by_label.get((info.namespace, label, value), set()).discard(key)


def _finished(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
