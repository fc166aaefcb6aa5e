"""The pieces every kind's columns are made of: column definitions, ages, label text.

A kind's printer is a list of columns plus one function from an object to the row's cells,
registered for its (group, kind) with `@printer(...)`. The API server always computes every
cell, the `-o wide` ones included (priority 1): kubectl decides which columns to show.

The formatting helpers reproduce apimachinery's exactly, because kubectl prints cells as they
come: `human_duration` is duration.HumanDuration, `format_labels` is labels.FormatLabels,
`format_selector` is metav1.FormatLabelSelector.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyk8s.api.errors import BadRequest
from pyk8s.api.labels import selector_from_label_selector
from pyk8s.api.quantity import QuantityError, canonical

Obj = dict[str, Any]
Cells = Callable[[Obj, datetime.datetime], list[Any]]


def column(
    name: str, description: str, *, type: str = "string", priority: int = 0, format: str = ""
) -> dict[str, Any]:
    """A meta.k8s.io/v1 TableColumnDefinition; priority 1 columns appear with -o wide."""
    return {
        "name": name,
        "type": type,
        "format": format,
        "description": description,
        "priority": priority,
    }


NAME = column(
    "Name",
    "The object's name, unique among objects of its kind in its namespace (or in the cluster).",
    format="name",
)
AGE = column("Age", "How long ago the server created the object (metadata.creationTimestamp).")
CONTAINERS = column("Containers", "The names of the template's containers.", priority=1)
IMAGES = column("Images", "The images of the template's containers.", priority=1)


@dataclass(frozen=True, slots=True)
class Printer:
    columns: list[dict[str, Any]]
    cells: Cells
    # Extra row conditions (kube-apiserver marks finished pods "Completed").
    conditions: Callable[[Obj], list[dict[str, str]] | None] | None = None


PRINTERS: dict[tuple[str, str], Printer] = {}


def printer(group: str, kind: str, columns: list[dict[str, Any]]) -> Callable[[Cells], Cells]:
    """Register the decorated cell function, with `columns`, as the printer of a kind."""

    def register(cells: Cells) -> Cells:
        PRINTERS[(group, kind)] = Printer(columns, cells)
        return cells

    return register


def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """A duration as Kubernetes prints ages: `45s`, `3m20s`, `5h`, `2d3h`, `3y` (coarser as it
    grows). A little negative is "0s": clocks of different machines drift."""
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
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        years, rest = divmod(days, 365)
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{days // 365}y"


def since(timestamp: str | None, now: datetime.datetime) -> str:
    """How long ago `timestamp` was, or `<unknown>` when it is not set."""
    when = parse_time(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())


def age(obj: Obj, now: datetime.datetime) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)


def name_of(obj: Obj) -> str:
    return obj.get("metadata", {}).get("name", "")


def format_labels(labels: dict[str, str] | None) -> str:
    """`a=1,b=2` sorted by key, or `<none>`."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def selector_text(label_selector: dict[str, Any] | None) -> str | None:
    """A LabelSelector as selector text (`app=web,tier in (a,b)`); None if it is invalid."""
    try:
        return str(selector_from_label_selector(label_selector))
    except BadRequest:
        return None


def format_selector(label_selector: dict[str, Any] | None) -> str:
    """Selector text, `<none>` when it selects everything or nothing, `<error>` if invalid."""
    text = selector_text(label_selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def container_cells(pod_spec: dict[str, Any] | None) -> list[str]:
    """The Containers and Images cells of a pod template: comma-separated, in order."""
    containers = (pod_spec or {}).get("containers") or []
    names = ",".join(c.get("name", "") for c in containers)
    images = ",".join(c.get("image", "") for c in containers)
    return [names, images]


def template_spec(obj: Obj) -> dict[str, Any]:
    return obj.get("spec", {}).get("template", {}).get("spec", {})


def list_with_more(items: list[str], total: int, limit: int = 3, empty: str = "<unset>") -> str:
    """`a,b,c + 2 more...` when there are more than `limit` items; `empty` when none."""
    text = ",".join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text or empty


def quantity_text(value: Any) -> str:
    """A quantity in canonical form (`1Gi`, `500m`), or as given if it is not one."""
    try:
        return canonical(value)
    except (QuantityError, TypeError, ValueError):
        return str(value)
