"""policy/v1: PodDisruptionBudget (how many pods voluntary evictions must leave running)
and Eviction (the body of POST pods/<name>/eviction, as `kubectl drain` sends it).
"""

from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.apps_rules import child, not_more_than_100_percent, positive_int_or_percent
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import (
    INT32,
    INT64,
    INT_OR_STRING,
    STRING,
    TIME,
    F,
    ListOf,
    MapOf,
    define,
    validator,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
POLICY = "io.k8s.api.policy.v1."
EVICTION_POLICIES = ("AlwaysAllow", "IfHealthyBudget")


def _type_meta() -> list:
    return [
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    ]


define(
    POLICY + "PodDisruptionBudgetSpec",
    "How many of the selected pods must survive voluntary disruptions.",
    F("minAvailable", 1, INT_OR_STRING, "Pods (or %) that must stay available.", pointer=True),
    F(
        "selector",
        2,
        META + "LabelSelector",
        "The pods this budget protects; empty selects every pod of the namespace.",
        pointer=True,
        patch_strategy="replace",
    ),
    F("maxUnavailable", 3, INT_OR_STRING, "Pods (or %) that may be unavailable.", pointer=True),
    F(
        "unhealthyPodEvictionPolicy",
        4,
        STRING,
        "Whether not-ready pods may always be evicted, or only within the budget.",
        pointer=True,
        enum=EVICTION_POLICIES,
    ),
)
define(
    POLICY + "PodDisruptionBudgetStatus",
    "What the disruption controller last computed for a budget.",
    F("observedGeneration", 1, INT64, "The generation last acted on."),
    F(
        "disruptedPods",
        2,
        MapOf(TIME),
        "Pods being evicted and when, until the controller sees them go.",
    ),
    F("disruptionsAllowed", 3, INT32, "Evictions allowed right now."),
    F("currentHealthy", 4, INT32, "Selected pods that are healthy."),
    F("desiredHealthy", 5, INT32, "Healthy pods the budget requires."),
    F("expectedPods", 6, INT32, "Pods the budget counts."),
    F(
        "conditions",
        7,
        ListOf(META + "Condition"),
        "The latest observations, such as DisruptionAllowed.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
)
define(
    POLICY + "PodDisruptionBudget",
    "Limits how many pods of a set voluntary evictions may take down at once.",
    *_type_meta(),
    F("spec", 2, POLICY + "PodDisruptionBudgetSpec", "The desired budget."),
    F("status", 3, POLICY + "PodDisruptionBudgetStatus", "The observed state of the budget."),
)
register(
    Resource(
        group="policy",
        version="v1",
        kind="PodDisruptionBudget",
        plural="poddisruptionbudgets",
        singular="poddisruptionbudget",
        namespaced=True,
        schema=POLICY + "PodDisruptionBudget",
        short_names=("pdb",),
        subresources=(Subresource("status", "PodDisruptionBudget", ("get", "patch", "update")),),
    )
)

define(
    POLICY + "Eviction",
    "A request to evict a pod while honouring its disruption budgets.",
    *_type_meta(),
    F("deleteOptions", 2, META + "DeleteOptions", "How to delete the pod.", pointer=True),
)


@validator(POLICY + "PodDisruptionBudgetSpec")
def validate_pdb_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if low is not None and high is not None:
        detail = "minAvailable and maxUnavailable cannot be both set"
        causes.append(validation.invalid(path, spec, detail))
    for name, value in (("minAvailable", low), ("maxUnavailable", high)):
        causes += positive_int_or_percent(value, child(path, name))
        causes += not_more_than_100_percent(value, child(path, name))
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in EVICTION_POLICIES:
        policy_path = child(path, "unhealthyPodEvictionPolicy")
        causes.append(validation.not_supported(policy_path, policy, list(EVICTION_POLICIES)))
    return causes
