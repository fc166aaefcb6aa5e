"""Server-side printing: the `meta.k8s.io/v1` Table that human `kubectl get` asks for.

This is the generic printer every kind gets until it has its own columns: `Name` (format
"name", so `kubectl get all` can prefix `pod/`, `service/`, ...) and `Age`. kubectl prints
cells exactly as given, so the server computes `Age` the way Kubernetes does.

`build_table` is the only entry point the API server calls.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.errors import BadRequest

NAME_COLUMN = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "description": "Name must be unique within a namespace. It is required when creating "
    "resources, although some resources may allow a client to request the generation of an "
    "appropriate name automatically.",
    "priority": 0,
}
AGE_COLUMN = {
    "name": "Age",
    "type": "string",
    "format": "",
    "description": "How long ago the object was created (its metadata.creationTimestamp).",
    "priority": 0,
}


def human_duration(seconds: float) -> str:
    """A duration as kubectl shows ages: `45s`, `3m20s`, `5h`, `2d3h`, `3y` (coarser as it grows)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes, hours = whole // 60, whole // 3600
    if minutes < 10:
        return f"{minutes}m{whole % 60}s" if whole % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    years = days // 365
    if years < 8:
        return f"{years}y{days % 365}d" if days % 365 else f"{years}y"
    return f"{years}y"


def age(obj: dict[str, Any], now: datetime.datetime | None = None) -> str:
    created = obj.get("metadata", {}).get("creationTimestamp")
    if not created:
        return "<unknown>"
    when = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    now = now or datetime.datetime.now(datetime.UTC)
    return human_duration((now - when).total_seconds())


def row_object(obj: dict[str, Any], include_object: str) -> dict[str, Any] | None:
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
    raise BadRequest(f"unrecognized includeObject value: {include_object!r}")


def build_table(
    resource: Any, objects: list[dict[str, Any]], *, include_object: str = "Metadata"
) -> dict[str, Any]:
    """A Table of `objects` (all of `resource`'s kind). The caller adds list metadata."""
    now = datetime.datetime.now(datetime.UTC)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": [obj.get("metadata", {}).get("name", ""), age(obj, now)]}
        embedded = row_object(obj, include_object)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [NAME_COLUMN, AGE_COLUMN],
        "rows": rows,
    }
