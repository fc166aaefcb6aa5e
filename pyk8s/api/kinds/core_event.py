"""core/v1 Event: a record that something happened to an object (scheduled, pulled, killed).

Components report events through this API; `kubectl describe` and `kubectl get events` read
them. The same objects are also served as events.k8s.io/v1 Events (events.py), under the same
"/events" storage prefix: Kubernetes keeps a single store for both.

Validation follows legacyValidateEvent (pkg/apis/core/validation/events.go, v1.32): an old-style
event (no eventTime) must live in its object's namespace; a new-style one must also name the
reporting controller and instance, an action and a reason, within length limits.
"""

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import INT32, MICROTIME, STRING, TIME, F, define, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

REASON_MAX = 128
ACTION_MAX = 128
REPORTING_INSTANCE_MAX = 128
NOTE_MAX = 1024

define(
    CORE + "EventSource",
    "The component, and node, that reported an event.",
    F("component", 1, STRING, "The reporting component."),
    F("host", 2, STRING, "The node the event was reported on."),
)

define(
    CORE + "EventSeries",
    "A run of identical events, counted instead of repeated.",
    F("count", 1, INT32, "Occurrences so far."),
    F("lastObservedTime", 2, MICROTIME, "When the last occurrence was seen."),
)

define(
    CORE + "Event",
    "A report that something happened to an object; kept for a limited time.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata.", required=True),
    F(
        "involvedObject",
        2,
        CORE + "ObjectReference",
        "The object the event is about.",
        required=True,
    ),
    F("reason", 3, STRING, "A short CamelCase reason, for machines."),
    F("message", 4, STRING, "A human-readable description."),
    F("source", 5, CORE + "EventSource", "Who reported the event (old-style events)."),
    F("firstTimestamp", 6, TIME, "When the event was first recorded."),
    F("lastTimestamp", 7, TIME, "When the event was last recorded."),
    F("count", 8, INT32, "How many times the event happened."),
    F("type", 9, STRING, "Normal or Warning."),
    F("eventTime", 10, MICROTIME, "When the event was first observed (new-style events)."),
    F("series", 11, CORE + "EventSeries", "The series this event belongs to.", pointer=True),
    F("action", 12, STRING, "What was done, or failed, about the object."),
    F("related", 13, CORE + "ObjectReference", "A second object involved.", pointer=True),
    F("reportingComponent", 14, STRING, "The reporting controller, e.g. kubernetes.io/kubelet."),
    F("reportingInstance", 15, STRING, "The reporting controller's instance, e.g. kubelet-node1."),
)

register(
    Resource(
        group="",
        version="v1",
        kind="Event",
        plural="events",
        singular="event",
        namespaced=True,
        schema=CORE + "Event",
        short_names=("ev",),
    )
)


def report_causes(event: dict, controller_field: str) -> list[Cause]:
    """What a new-style event must say about who reported what (legacyValidateEvent).

    `controller_field` is where the reporting controller sits in the request's own version:
    reportingComponent in core/v1, reportingController in events.k8s.io/v1. The other paths
    are core/v1's names in both versions, as Kubernetes reports them.
    """

    controller = event.get(controller_field) or ""
    causes = [] if controller else [validation.required(controller_field)]
    causes += [
        validation.invalid(controller_field, controller, message)
        for message in names.is_qualified_name(controller)
    ]
    note_field = "message" if "message" in event else "note"
    limits = (
        ("reportingInstance", "reportingInstance", REPORTING_INSTANCE_MAX, True),
        ("action", "action", ACTION_MAX, True),
        ("reason", "reason", REASON_MAX, True),
        (note_field, "message", NOTE_MAX, False),
    )
    for name, path, limit, required in limits:
        value = event.get(name) or ""
        if required and not value:
            causes.append(validation.required(path))
        if len(value) > limit:
            causes.append(validation.invalid(path, "", f"can have at most {limit} characters"))
    return causes


def namespace_causes(event_namespace: str, object_namespace: str, new_style: bool) -> list[Cause]:
    """An event lives in the namespace of its object (cluster objects: default, kube-system)."""

    if new_style:
        allowed = {object_namespace} if object_namespace else {"default", "kube-system"}
    else:
        allowed = {object_namespace} if object_namespace else {"", "default"}
    causes = []
    if event_namespace not in allowed:
        path = "involvedObject.namespace"
        causes.append(validation.invalid(path, object_namespace, "does not match event.namespace"))
    messages = names.is_dns1123_subdomain(event_namespace)
    return causes + [validation.invalid("namespace", event_namespace, m) for m in messages]


@validator(CORE + "Event")
def validate_event(event: dict, path: str) -> list[Cause]:
    namespace = (event.get("metadata") or {}).get("namespace", "")
    involved = (event.get("involvedObject") or {}).get("namespace", "")
    new_style = bool(event.get("eventTime"))
    causes = namespace_causes(namespace, involved, new_style)
    if new_style:
        causes += report_causes(event, "reportingComponent")
    return causes
