"""Pod (anti-)affinity terms, parsed: which pods a term selects and over which topology.

A term selects pods by label selector within a set of namespaces: those it lists, plus those
whose labels match its namespaceSelector ({} meaning all); with neither, the namespace of the
pod that carries the term. The topologyKey names the node label that defines "the same place".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api.labels import EQUALS, NOT_IN, Requirement, Selector, selector_from_label_selector
from pyk8s.scheduler.podinfo import PodInfo

REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
AFFINITY, ANTI_AFFINITY = "podAffinity", "podAntiAffinity"
# The four kinds of terms, named for indexing: "podAffinity/required" ...
KINDS = {
    f"{kind}/{short}": (kind, which)
    for kind in (AFFINITY, ANTI_AFFINITY)
    for short, which in (("required", REQUIRED), ("preferred", PREFERRED))
}


@dataclass(frozen=True)
class AffinityTerm:
    selector: Selector
    namespaces: frozenset[str] | None  # None: every namespace
    topology_key: str
    weight: int = 0

    def matches(self, pod: PodInfo) -> bool:
        if self.namespaces is not None and pod.namespace not in self.namespaces:
            return False
        return self.selector.matches(pod.labels)


def all_terms_of(
    owner: PodInfo, namespace_labels: dict[str, dict[str, str]]
) -> list[tuple[str, AffinityTerm]]:
    """Every pod (anti-)affinity term of `owner`, with its kind ("podAntiAffinity/required")."""
    if not owner.affinity.get(AFFINITY) and not owner.affinity.get(ANTI_AFFINITY):
        return []
    return [
        (name, term)
        for name, (kind, which) in KINDS.items()
        for term in terms_of(owner, kind, which, namespace_labels)
    ]


def terms_of(
    owner: PodInfo, kind: str, which: str, namespace_labels: dict[str, dict[str, str]]
) -> list[AffinityTerm]:
    """The owner's `kind` (podAffinity/podAntiAffinity) terms of `which` (REQUIRED/PREFERRED)."""
    if not owner.affinity.get(kind):
        return []
    section = owner.affinity.get(kind) or {}
    terms = []
    for entry in section.get(which) or []:
        weight = 0
        if which == PREFERRED:
            weight = int(entry.get("weight") or 0)
            entry = entry.get("podAffinityTerm") or {}
        terms.append(_parse(owner, entry, weight, namespace_labels))
    return terms


def _parse(
    owner: PodInfo, term: dict[str, Any], weight: int, namespace_labels: dict[str, dict[str, str]]
) -> AffinityTerm:
    selector = selector_from_label_selector(term.get("labelSelector"))
    extra = []
    for key in term.get("matchLabelKeys") or []:
        if key in owner.labels:
            extra.append(Requirement(key, EQUALS, (owner.labels[key],)))
    for key in term.get("mismatchLabelKeys") or []:
        if key in owner.labels:
            extra.append(Requirement(key, NOT_IN, (owner.labels[key],)))
    if extra and not selector.nothing:
        selector = Selector([*selector.requirements, *extra])
    return AffinityTerm(
        selector, _namespaces(owner, term, namespace_labels), term.get("topologyKey", ""), weight
    )


def _namespaces(
    owner: PodInfo, term: dict[str, Any], namespace_labels: dict[str, dict[str, str]]
) -> frozenset[str] | None:
    listed = set(term.get("namespaces") or [])
    ns_selector = term.get("namespaceSelector")
    if ns_selector is None:
        return frozenset(listed or {owner.namespace})
    selector = selector_from_label_selector(ns_selector)
    if selector.empty:
        return None
    chosen = {name for name, labels in namespace_labels.items() if selector.matches(labels)}
    return frozenset(listed | chosen)
