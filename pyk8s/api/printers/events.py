"""Columns of `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE.

Both event APIs print alike: core/v1 Events and events.k8s.io/v1 Events carry the same facts
under different field names (`involvedObject`/`regarding`, `message`/`note`, ...), so each is
first read into one shape. An event repeated in a series shows the series' last observation
and count; a singleton event counts 1.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import NAME, Obj, column, name_of, printer, since

COLUMNS = [
    column("Last Seen", "How long ago the event last happened."),
    column("Type", "Normal or Warning."),
    column("Reason", "A short CamelCase reason for the event."),
    column("Object", "The object the event is about, as kind/name."),
    column("Subobject", "The part of the object, such as one container.", priority=1),
    column("Source", "The component (and host) that reported the event.", priority=1),
    column("Message", "What happened, for humans."),
    column("First Seen", "How long ago the event first happened.", priority=1),
    column("Count", "How often the event happened.", priority=1),
    {**NAME, "priority": 1},
]


def _core_fields(obj: Obj) -> dict[str, Any]:
    source = obj.get("source") or {}
    return {
        "regarding": obj.get("involvedObject") or {},
        "message": obj.get("message", ""),
        "first": obj.get("firstTimestamp"),
        "last": obj.get("lastTimestamp"),
        "count": obj.get("count") or 0,
        "component": source.get("component", ""),
        "host": source.get("host", ""),
    }


def _events_v1_fields(obj: Obj) -> dict[str, Any]:
    source = obj.get("deprecatedSource") or {}
    return {
        "regarding": obj.get("regarding") or {},
        "message": obj.get("note", ""),
        "first": obj.get("deprecatedFirstTimestamp"),
        "last": obj.get("deprecatedLastTimestamp"),
        "count": obj.get("deprecatedCount") or 0,
        "component": source.get("component", ""),
        "host": source.get("host", ""),
    }


def event_cells(fields: dict[str, Any], obj: Obj, now: datetime.datetime) -> list[Any]:
    first = since(fields["first"], now) if fields["first"] else since(obj.get("eventTime"), now)
    last = since(fields["last"], now) if fields["last"] else first
    count = fields["count"]
    series = obj.get("series")
    if series is not None:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count", 0)
    elif count == 0:
        count = 1
    regarding = fields["regarding"]
    target = (regarding.get("kind") or "").lower()
    if regarding.get("name"):
        target = f"{target}/{regarding['name']}"
    component = fields["component"] or obj.get("reportingController", "")
    host = fields["host"] or obj.get("reportingInstance", "")
    return [
        last,
        obj.get("type", ""),
        obj.get("reason", ""),
        target,
        regarding.get("fieldPath", ""),
        f"{component}, {host}" if host else component,
        fields["message"].strip(),
        first,
        count,
        name_of(obj),
    ]


@printer("", "Event", COLUMNS)
def core_event_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return event_cells(_core_fields(obj), obj, now)


@printer("events.k8s.io", "Event", COLUMNS)
def events_v1_event_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return event_cells(_events_v1_fields(obj), obj, now)
