"""Server-side printing: the `meta.k8s.io/v1` Table that human `kubectl get` asks for.

kubectl 1.32 has no printers of its own for built-in kinds: the columns of `kubectl get pods`
(NAME READY STATUS RESTARTS AGE ...) are computed here, by the API server, exactly as
kube-apiserver computes them, and kubectl prints the cells as they come. Each kind's columns
live in the module of its API group (pods.py, core.py, apps.py, batch.py, ...). A kind without
columns of its own gets Kubernetes' default: its name and its creation time.

`build_table` is the only entry point the API server calls; it stays fast for long lists
(every per-kind decision is made once per table, not once per row).
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.errors import BadRequest
from pyk8s.api.printers import apps, batch, cluster, core, events, pods, storage  # noqa: F401
from pyk8s.api.printers.common import (
    NAME,
    PRINTERS,
    Obj,
    Printer,
    age,
    column,
    human_duration,
    name_of,
)

__all__ = ["PRINTERS", "age", "build_table", "human_duration", "printer_for", "row_object"]

CREATED_AT = column(
    "Created At", "When the server created the object (metadata.creationTimestamp).", type="date"
)


def _default_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), obj.get("metadata", {}).get("creationTimestamp") or ""]


DEFAULT_PRINTER = Printer([NAME, CREATED_AT], _default_cells)


def printer_for(resource: Any) -> Printer:
    """The printer of a resource's kind (by group and kind), or the default one."""
    return PRINTERS.get((resource.group, resource.kind), DEFAULT_PRINTER)


def row_object(obj: Obj, include_object: str) -> Obj | None:
    """What a row carries besides its cells (kube-apiserver's `includeObject` parameter)."""
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    if include_object in ("Metadata", ""):
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {}),
        }
    raise BadRequest(f'includeObject: Unsupported value: "{include_object}"')


def build_table(
    resource: Any, objects: list[dict[str, Any]], *, include_object: str = "Metadata"
) -> dict[str, Any]:
    """A Table of `objects` (all of `resource`'s kind). The caller adds list metadata."""
    printer = printer_for(resource)
    cells, conditions = printer.cells, printer.conditions
    now = datetime.datetime.now(datetime.UTC)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj, now)}
        if conditions is not None and (marks := conditions(obj)):
            row["conditions"] = marks
        embedded = row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": list(printer.columns),
        "rows": rows,
    }
