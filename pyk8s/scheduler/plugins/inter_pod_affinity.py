"""InterPodAffinity: place pods near (affinity) or away from (anti-affinity) other pods.

"Near" means in the same topology domain: nodes sharing the value of the term's topologyKey
(the same node for kubernetes.io/hostname, the same zone for topology.kubernetes.io/zone).

Filter, in kube-scheduler's order, a node is rejected when
1. for some required affinity term, no matching pod runs in the node's domain (unless no pod
   anywhere matches and the pod matches its own terms: the first of a group must go somewhere);
2. for some required anti-affinity term, a matching pod runs in the node's domain;
3. an existing pod's required anti-affinity term matches this pod, in the node's domain.

Score: preferred terms of this pod (+weight / -weight per matching pod in the domain), and the
terms of existing pods that match this pod (their required affinity counts 1), rescaled from
the lowest to the highest node to 0..100.

Per-term counts are numpy arrays indexed by the topology label's value ids (NodeTable), built
once per pod in PreFilter/PreScore; judging all nodes is then one lookup per term.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler import status as st
from pyk8s.scheduler.affinity_terms import PREFERRED, REQUIRED, AffinityTerm, terms_of
from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.nodetable import MISSING
from pyk8s.scheduler.plugin import (
    MAX_NODE_SCORE,
    NODE_ADD,
    NODE_UPDATE,
    POD_ADD,
    POD_DELETE,
    POD_UPDATE,
    CycleState,
    Handle,
)
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Rejection, Status

NAME = "InterPodAffinity"
AFFINITY_NOT_MATCH = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1
# Terms of pods already placed that count towards this pod's score, and their sign.
EXISTING_TERM_WEIGHTS = (
    ("podAffinity/required", 1),
    ("podAffinity/preferred", 1),
    ("podAntiAffinity/preferred", -1),
)


class InterPodAffinity:
    name = NAME

    def __init__(self, args: dict[str, Any], handle: Handle) -> None:
        self.cache: SchedulerCache = handle.cache
        self.hard_weight = int(args.get("hardPodAffinityWeight", HARD_POD_AFFINITY_WEIGHT))

    def _terms(self, pod: PodInfo, kind: str, which: str) -> list[AffinityTerm]:
        return terms_of(pod, kind, which, self.cache.namespace_labels)

    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status:
        affinity = self._terms(pod, "podAffinity", REQUIRED)
        anti = self._terms(pod, "podAntiAffinity", REQUIRED)
        existing = self.cache.placed_terms("podAntiAffinity/required")
        if not affinity and not anti and not existing:
            return Status(Code.SKIP)
        forbidden: dict[str, np.ndarray] = {}
        for term, nodes in existing.items():
            if term.matches(pod):
                self._add_at(forbidden, term.topology_key, nodes, 1)
        state.write(
            NAME + "/filter",
            (
                [(t, self._domain_counts(t)) for t in affinity],
                [(t, self._domain_counts(t)) for t in anti],
                forbidden,
                all(t.matches(pod) for t in affinity),
            ),
        )
        return st.SUCCESS

    def filter(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> list[Rejection]:
        affinity, anti, forbidden, matches_itself = state.read(NAME + "/filter")
        rejections = []
        decided = np.zeros(len(rows), bool)
        if affinity:
            has_all_keys = np.ones(len(rows), bool)
            pods_exist = np.ones(len(rows), bool)
            for term, counts in affinity:
                here, present = self._lookup(term.topology_key, counts, rows)
                has_all_keys &= present
                pods_exist &= here > 0
            nobody_matches = all(not counts.any() for _, counts in affinity)
            allowed = has_all_keys & (pods_exist | (nobody_matches and matches_itself))
            decided = ~allowed
            rejections.append(
                Rejection(decided.copy(), AFFINITY_NOT_MATCH, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)
            )
        clash = np.zeros(len(rows), bool)
        for term, counts in anti:
            clash |= self._lookup(term.topology_key, counts, rows)[0] > 0
        if clash.any():
            rejections.append(Rejection(clash & ~decided, ANTI_AFFINITY_NOT_MATCH))
            decided |= clash
        unwelcome = np.zeros(len(rows), bool)
        for key, counts in forbidden.items():
            unwelcome |= self._lookup(key, counts, rows)[0] > 0
        if unwelcome.any():
            rejections.append(Rejection(unwelcome & ~decided, EXISTING_ANTI_AFFINITY_NOT_MATCH))
        return [r for r in rejections if r.mask.any()]

    def pre_score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> Status:
        scores: dict[str, np.ndarray] = {}
        weighted = [
            *((t, t.weight) for t in self._terms(pod, "podAffinity", PREFERRED)),
            *((t, -t.weight) for t in self._terms(pod, "podAntiAffinity", PREFERRED)),
        ]
        for term, weight in weighted:
            counts = self._domain_counts(term)
            target = scores.setdefault(term.topology_key, np.zeros(len(counts), np.int64))
            target += weight * counts
        for kind, sign in EXISTING_TERM_WEIGHTS:
            for term, nodes in self.cache.placed_terms(kind).items():
                weight = self.hard_weight if kind == "podAffinity/required" else term.weight
                if weight and term.matches(pod):
                    self._add_at(scores, term.topology_key, nodes, sign * weight)
        if not scores:
            return Status(Code.SKIP)
        state.write(NAME + "/score", scores)
        return st.SUCCESS

    def score(self, state: CycleState, pod: PodInfo, rows: np.ndarray) -> np.ndarray:
        total = np.zeros(len(rows), np.int64)
        for key, per_domain in state.read(NAME + "/score").items():
            total += self._lookup(key, per_domain, rows)[0]
        return total

    def normalize_score(self, state: CycleState, pod: PodInfo, scores: np.ndarray) -> np.ndarray:
        if not len(scores):
            return scores
        lowest, highest = int(scores.min()), int(scores.max())
        if highest == lowest:
            return np.zeros(len(scores), np.int64)
        return (MAX_NODE_SCORE * (scores - lowest) / (highest - lowest)).astype(np.int64)

    def events(self) -> set[str]:
        return {NODE_ADD, NODE_UPDATE, POD_ADD, POD_UPDATE, POD_DELETE}

    # --- helpers -----------------------------------------------------------------------------

    def _domain_counts(self, term: AffinityTerm) -> np.ndarray:
        """Matching pods per value id of the term's topology key."""
        table = self.cache.table
        size = len(table.label_vocab.get(term.topology_key, {}))
        pods = self.cache.pods_matching(term.namespaces and set(term.namespaces), term.selector)
        rows = [row for p in pods if (row := table.row_of.get(p.node_name)) is not None]
        values = table.label_column(term.topology_key)[np.array(rows, int)]
        return np.bincount(values[values != MISSING], minlength=size).astype(np.int64)

    def _add_at(
        self, per_key: dict[str, np.ndarray], key: str, nodes: dict[str, int], amount: int
    ) -> None:
        """Add `amount` per pod to the domains (of `key`) of the nodes where the pods run."""
        table = self.cache.table
        column = table.label_column(key)
        counts = per_key.setdefault(key, np.zeros(len(table.label_vocab.get(key, {})), np.int64))
        for node_name, pods in nodes.items():
            row = table.row_of.get(node_name)
            if row is not None and column[row] != MISSING:
                counts[column[row]] += amount * pods

    def _lookup(
        self, key: str, per_domain: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        values = self.cache.table.label_column(key)[rows]
        present = values != MISSING
        found = np.zeros(len(rows), np.int64)
        if len(per_domain):
            found[present] = per_domain[values[present]]
        return found, present


def factory(args: dict[str, Any], handle: Handle) -> InterPodAffinity:
    return InterPodAffinity(args, handle)
