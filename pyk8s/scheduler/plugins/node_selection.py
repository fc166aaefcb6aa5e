"""Node selectors evaluated over label columns: which rows does a NodeSelector match?

A `nodeSelectorTerms` list matches a node when any term matches; a term matches when all of
its `matchExpressions` (on labels) and `matchFields` (only `metadata.name` exists) hold. An
empty term matches nothing. Each requirement is one numpy expression over the label column of
its key (NodeTable keeps one int column of value ids per label key), so a term costs a few
vector operations whatever the number of nodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyk8s.scheduler.nodetable import MISSING, NodeTable


def match_selector_terms(
    table: NodeTable, terms: list[dict[str, Any]], rows: np.ndarray
) -> np.ndarray:
    matched = np.zeros(len(rows), bool)
    for term in terms:
        matched |= match_term(table, term, rows)
    return matched


def match_term(table: NodeTable, term: dict[str, Any], rows: np.ndarray) -> np.ndarray:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return np.zeros(len(rows), bool)
    matched = np.ones(len(rows), bool)
    for requirement in expressions:
        matched &= match_label_requirement(table, requirement, rows)
    for requirement in fields:
        matched &= _match_name_requirement(table, requirement, rows)
    return matched


def match_node_selector(table: NodeTable, selector: dict[str, str], rows: np.ndarray) -> np.ndarray:
    """`spec.nodeSelector`: every key must carry exactly the given value."""
    matched = np.ones(len(rows), bool)
    for key, value in selector.items():
        matched &= match_label_requirement(
            table, {"key": key, "operator": "In", "values": [value]}, rows
        )
    return matched


def match_label_requirement(
    table: NodeTable, requirement: dict[str, Any], rows: np.ndarray
) -> np.ndarray:
    key, operator = requirement.get("key", ""), requirement.get("operator", "")
    values = requirement.get("values") or []
    column = table.label_column(key)[rows]
    if operator in ("In", "NotIn"):
        inside = np.isin(column, table.label_value_ids(key, values))
        return inside if operator == "In" else ~inside
    if operator == "Exists":
        return column != MISSING
    if operator == "DoesNotExist":
        return column == MISSING
    if operator in ("Gt", "Lt") and len(values) == 1:
        try:
            bound = int(values[0])
        except ValueError:
            return np.zeros(len(rows), bool)
        numbers = table.label_ints(key)
        present = column != MISSING
        as_numbers = np.full(len(rows), np.nan)
        as_numbers[present] = numbers[column[present]]
        with np.errstate(invalid="ignore"):
            return as_numbers > bound if operator == "Gt" else as_numbers < bound
    return np.zeros(len(rows), bool)


def _match_name_requirement(
    table: NodeTable, requirement: dict[str, Any], rows: np.ndarray
) -> np.ndarray:
    if requirement.get("key") != "metadata.name":
        return np.zeros(len(rows), bool)
    wanted = set(requirement.get("values") or [])
    inside = np.fromiter((table.names[row] in wanted for row in rows), bool, len(rows))
    operator = requirement.get("operator")
    if operator == "In":
        return inside
    if operator == "NotIn":
        return ~inside
    return np.zeros(len(rows), bool)


def required_node_affinity_terms(affinity: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The pod's required node selector terms, or None when it has none."""
    node_affinity = affinity.get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return None
    return required.get("nodeSelectorTerms") or []


def pod_matches_node_rows(
    table: NodeTable, pod_node_selector: dict[str, str], affinity: dict[str, Any], rows: np.ndarray
) -> np.ndarray:
    """nodeSelector AND required node affinity: what NodeAffinity's Filter enforces."""
    matched = match_node_selector(table, pod_node_selector, rows)
    terms = required_node_affinity_terms(affinity)
    if terms is not None:
        matched &= match_selector_terms(table, terms, rows)
    return matched
