"""scheduling.k8s.io/v1: PriorityClass, the named priorities pods refer to.

The scheduler orders and preempts pods by the integer a PriorityClass maps their
priorityClassName to. Names starting with "system-" are reserved for the two built-in
classes below; user classes stay at or below one billion.
"""

from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.apps_rules import child, immutable
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import BOOL, INT32, STRING, F, define, update_validator, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
SCHEDULING = "io.k8s.api.scheduling.v1."
HIGHEST_USER_PRIORITY = 1_000_000_000
SYSTEM_PREFIX = "system-"
# The classes the API server itself creates, with their fixed values.
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": 2_000_000_000,
    "system-node-critical": 2_000_001_000,
}
PREEMPTION_POLICIES = ("Never", "PreemptLowerPriority")

define(
    SCHEDULING + "PriorityClass",
    "Maps a priority class name to the integer priority of the pods that use it.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("value", 2, INT32, "The priority; higher runs first."),
    F("globalDefault", 3, BOOL, "When true, pods without a class get this one."),
    F("description", 4, STRING, "When to use this class, for people."),
    F(
        "preemptionPolicy",
        5,
        STRING,
        "Whether these pods may evict lower-priority pods.",
        pointer=True,
        enum=PREEMPTION_POLICIES,
        default="PreemptLowerPriority",
    ),
)
register(
    Resource(
        group="scheduling.k8s.io",
        version="v1",
        kind="PriorityClass",
        plural="priorityclasses",
        singular="priorityclass",
        namespaced=False,
        schema=SCHEDULING + "PriorityClass",
        short_names=("pc",),
    )
)


@validator(SCHEDULING + "PriorityClass")
def validate_priority_class(pc: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    name = (pc.get("metadata") or {}).get("name") or ""
    value = pc.get("value", 0)
    if name.startswith(SYSTEM_PREFIX):
        problem = _system_class_problem(name, value, bool(pc.get("globalDefault")))
        if problem:
            detail = (
                f"priority class names with '{SYSTEM_PREFIX}' prefix are reserved for system "
                f"use only. error: {problem}"
            )
            causes.append(validation.forbidden(child(path, "metadata", "name"), detail))
    elif value > HIGHEST_USER_PRIORITY:
        detail = f"maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}"
        causes.append(validation.forbidden(child(path, "value"), detail))
    policy = pc.get("preemptionPolicy")
    if policy is not None and policy not in PREEMPTION_POLICIES:
        policy_path = child(path, "preemptionPolicy")
        causes.append(validation.not_supported(policy_path, policy, list(PREEMPTION_POLICIES)))
    return causes


def _system_class_problem(name: str, value: int, global_default: bool) -> str:
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return ""


@update_validator(SCHEDULING + "PriorityClass")
def priority_value_is_fixed(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:

    causes = []
    if new.get("value") != old.get("value"):
        causes.append(validation.forbidden("value", "may not be changed in an update."))
    policy, old_policy = new.get("preemptionPolicy"), old.get("preemptionPolicy")
    causes += immutable(policy, old_policy, "preemptionPolicy")
    return causes
