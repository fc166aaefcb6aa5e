"""Events (core/v1 and events.k8s.io/v1): what a field selector may pick them by.

Both versions are stored as one set of objects. core/v1 selects on `involvedObject.*`,
`reason`, `reportingComponent`, `source` (the source component, or else the reporting
controller) and `type`; events.k8s.io/v1 names the same fields `regarding.*` and
`reportingController`, as Kubernetes does. Each getter reads either shape of the object.

Kubernetes also expires events after `--event-ttl` (one hour) with a store lease; pyk8s
keeps them until deleted (an events garbage collector is future work).
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.selectable import Getter, SelectableStrategy

OBJECT_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")


def _first(*paths: str) -> Getter:
    split = [path.split(".") for path in paths]

    def get(obj: dict[str, Any]) -> str:
        for keys in split:
            value: Any = obj
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            if value:
                return str(value)
        return ""

    return get


def _object_field(field: str) -> Getter:
    return _first(f"involvedObject.{field}", f"regarding.{field}")


_REPORTER = _first("reportingComponent", "reportingController")
_SOURCE = _first("source.component", "deprecatedSource.component", "reportingComponent",
                 "reportingController")  # fmt: skip


class EventStrategy(SelectableStrategy):
    selectable_fields = {
        **{f"involvedObject.{field}": _object_field(field) for field in OBJECT_FIELDS},
        "reason": _first("reason"),
        "reportingComponent": _REPORTER,
        "source": _SOURCE,
        "type": _first("type"),
    }


class EventsV1Strategy(SelectableStrategy):
    selectable_fields = {
        **{f"regarding.{field}": _object_field(field) for field in OBJECT_FIELDS},
        "reason": _first("reason"),
        "reportingController": _REPORTER,
        "source": _SOURCE,
        "type": _first("type"),
    }


register_strategy("", "events", EventStrategy)
register_strategy("events.k8s.io", "events", EventsV1Strategy)
