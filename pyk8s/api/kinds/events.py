"""events.k8s.io/v1 Event: the newer shape of the events API, over the same stored events.

Kubernetes keeps one store for core/v1 Events and events.k8s.io/v1 Events (both under
"/events"); the two versions differ only in field names. `to_core_event` and
`from_core_event` convert between them, so the API server can store core/v1 and serve either.

Validation follows ValidateEventCreate/Update (pkg/apis/core/validation/events.go, v1.32) for
requests made through events.k8s.io: stricter than core/v1 (eventTime required, type Normal
or Warning, the deprecated fields unset, events immutable once written). Error paths use the
core/v1 names, as Kubernetes reports them.
"""

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_event import namespace_causes, report_causes
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import INT32, MICROTIME, STRING, TIME, F, define, update_validator, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
EVENTS = "io.k8s.api.events.v1."

# events.k8s.io/v1 name -> core/v1 name, for every field whose name differs.
TO_CORE_NAMES = {
    "regarding": "involvedObject",
    "note": "message",
    "reportingController": "reportingComponent",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}
FROM_CORE_NAMES = {core: new for new, core in TO_CORE_NAMES.items()}

define(
    EVENTS + "EventSeries",
    "A run of identical events, counted instead of repeated.",
    F("count", 1, INT32, "Occurrences so far.", required=True),
    F("lastObservedTime", 2, MICROTIME, "When the last occurrence was seen.", required=True),
)

define(
    EVENTS + "Event",
    "A report that something happened to an object; kept for a limited time.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("eventTime", 2, MICROTIME, "When the event was first observed.", required=True),
    F("series", 3, EVENTS + "EventSeries", "The series this event belongs to.", pointer=True),
    F("reportingController", 4, STRING, "The reporting controller, e.g. kubernetes.io/kubelet."),
    F("reportingInstance", 5, STRING, "The reporting controller's instance, e.g. kubelet-node1."),
    F("action", 6, STRING, "What was done, or failed, about the object."),
    F("reason", 7, STRING, "A short CamelCase reason, for machines."),
    F("regarding", 8, CORE + "ObjectReference", "The object the event is about."),
    F("related", 9, CORE + "ObjectReference", "A second object involved.", pointer=True),
    F("note", 10, STRING, "A human-readable description, at most 1 kB."),
    F("type", 11, STRING, "Normal or Warning."),
    F("deprecatedSource", 12, CORE + "EventSource", "Deprecated: core/v1's source."),
    F("deprecatedFirstTimestamp", 13, TIME, "Deprecated: core/v1's firstTimestamp."),
    F("deprecatedLastTimestamp", 14, TIME, "Deprecated: core/v1's lastTimestamp."),
    F("deprecatedCount", 15, INT32, "Deprecated: core/v1's count."),
)

register(
    Resource(
        group="events.k8s.io",
        version="v1",
        kind="Event",
        plural="events",
        singular="event",
        namespaced=True,
        schema=EVENTS + "Event",
        short_names=("ev",),
        storage_prefix="/events",
    )
)


def to_core_event(event: dict) -> dict:
    """An events.k8s.io/v1 Event as the core/v1 Event Kubernetes stores."""
    core = {TO_CORE_NAMES.get(name, name): value for name, value in event.items()}
    core["apiVersion"], core["kind"] = "v1", "Event"
    return core


def from_core_event(event: dict) -> dict:
    """A stored core/v1 Event as events.k8s.io/v1 serves it."""
    new = {FROM_CORE_NAMES.get(name, name): value for name, value in event.items()}
    new["apiVersion"], new["kind"] = "events.k8s.io/v1", "Event"
    return new


def _strict_causes(event: dict) -> list[Cause]:
    """What only events.k8s.io requires: a known type, a real series, no deprecated fields."""

    causes = []
    event_type = event.get("type", "")
    if event_type not in ("Normal", "Warning"):
        causes.append(validation.invalid("type", "", f"has invalid value: {event_type}"))
    series = event.get("series")
    if series is not None and (series.get("count") or 0) < 2:
        causes.append(validation.invalid("series.count", "", "should be at least 2"))
    for name in ("deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"):
        if event.get(name):
            causes.append(validation.invalid(TO_CORE_NAMES[name], "", "needs to be unset"))
    source = event.get("deprecatedSource") or {}
    if source.get("component") or source.get("host"):
        causes.append(validation.invalid("source", "", "needs to be unset"))
    return causes


@validator(EVENTS + "Event")
def validate_event(event: dict, path: str) -> list[Cause]:
    namespace = (event.get("metadata") or {}).get("namespace", "")
    regarding = (event.get("regarding") or {}).get("namespace", "")
    causes = namespace_causes(namespace, regarding, new_style=bool(event.get("eventTime")))
    if event.get("eventTime"):
        causes += report_causes(event, "reportingController")
    return causes + _strict_causes(event)


@update_validator(EVENTS + "Event")
def validate_event_update(new: dict, old: dict) -> list[Cause]:
    """Events are records: only the series (and metadata) may change after creation."""

    fixed = (
        "regarding",
        "reason",
        "note",
        "deprecatedSource",
        "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp",
        "deprecatedCount",
        "type",
        "eventTime",
        "action",
        "related",
        "reportingController",
        "reportingInstance",
    )
    return [
        validation.immutable(TO_CORE_NAMES.get(name, name), new.get(name))
        for name in fixed
        if new.get(name) != old.get(name)
    ]
