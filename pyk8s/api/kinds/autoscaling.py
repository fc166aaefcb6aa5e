"""autoscaling/v1: Scale (what the `/scale` subresources speak) and HorizontalPodAutoscaler.

`kubectl scale` reads and writes a Scale; the registry turns it into the owner's
spec.replicas and reports the owner's pod selector as a string in status.selector.
"""

from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.apps_rules import child, nonnegative
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import INT32, INT64, STRING, TIME, F, Field, define, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
AUTOSCALING = "io.k8s.api.autoscaling.v1."


def _top_level(kind: str, doc: str, spec: str, status: str) -> None:
    define(
        AUTOSCALING + kind,
        doc,
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        F("spec", 2, AUTOSCALING + spec, "The desired state."),
        F("status", 3, AUTOSCALING + status, "The observed state."),
    )


# --- Scale ----------------------------------------------------------------------------------

define(
    AUTOSCALING + "ScaleSpec",
    "The desired size of a scalable object.",
    F("replicas", 1, INT32, "The desired number of pods."),
)
define(
    AUTOSCALING + "ScaleStatus",
    "The observed size of a scalable object.",
    F("replicas", 1, INT32, "The number of pods that exist."),
    F("selector", 2, STRING, 'The pod label selector, in query form ("app=web").'),
)
_top_level("Scale", "The replica count of a scalable object.", "ScaleSpec", "ScaleStatus")


@validator(AUTOSCALING + "ScaleSpec")
def validate_scale_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    return nonnegative(spec.get("replicas", 0), child(path, "replicas"))


# --- HorizontalPodAutoscaler ----------------------------------------------------------------


def _replicas(name: str, number: int, doc: str, **options: Any) -> Field:
    return F(name, number, INT32, doc, **options)


define(
    AUTOSCALING + "CrossVersionObjectReference",
    "Names the object to scale, in any API version.",
    F("kind", 1, STRING, "The kind of the object, like Deployment.", required=True),
    F("name", 2, STRING, "The name of the object.", required=True),
    F("apiVersion", 3, STRING, "The API version of the object, like apps/v1."),
)
define(
    AUTOSCALING + "HorizontalPodAutoscalerSpec",
    "How an autoscaler sizes its target.",
    F(
        "scaleTargetRef",
        1,
        AUTOSCALING + "CrossVersionObjectReference",
        "The object whose replica count is set.",
        required=True,
    ),
    _replicas("minReplicas", 2, "The fewest pods to scale down to.", pointer=True, default=1),
    _replicas("maxReplicas", 3, "The most pods to scale up to."),
    _replicas("targetCPUUtilizationPercentage", 4, "Average CPU use to aim for.", pointer=True),
)
define(
    AUTOSCALING + "HorizontalPodAutoscalerStatus",
    "What an autoscaler last observed and decided.",
    F("observedGeneration", 1, INT64, "The generation last acted on.", pointer=True),
    F("lastScaleTime", 2, TIME, "When the target was last resized.", pointer=True),
    _replicas("currentReplicas", 3, "Pods the target has now."),
    _replicas("desiredReplicas", 4, "Pods the autoscaler wants."),
    _replicas("currentCPUUtilizationPercentage", 5, "Average CPU use now.", pointer=True),
)
_top_level(
    "HorizontalPodAutoscaler",
    "Resizes a scalable object to keep its pods' CPU use near a target.",
    "HorizontalPodAutoscalerSpec",
    "HorizontalPodAutoscalerStatus",
)
register(
    Resource(
        group="autoscaling",
        version="v1",
        kind="HorizontalPodAutoscaler",
        plural="horizontalpodautoscalers",
        singular="horizontalpodautoscaler",
        namespaced=True,
        schema=AUTOSCALING + "HorizontalPodAutoscaler",
        short_names=("hpa",),
        categories=("all",),
        subresources=(
            Subresource("status", "HorizontalPodAutoscaler", ("get", "patch", "update")),
        ),
    )
)


@validator(AUTOSCALING + "HorizontalPodAutoscalerSpec")
def validate_hpa_spec(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = []
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
    if low < 1:
        detail = "must be greater than or equal to 1"
        causes.append(validation.invalid(child(path, "minReplicas"), low, detail))
    if high < 1:
        detail = "must be greater than or equal to 1"
        causes.append(validation.invalid(child(path, "maxReplicas"), high, detail))
    if high < low:
        detail = "must be greater than or equal to `minReplicas`"
        causes.append(validation.invalid(child(path, "maxReplicas"), high, detail))
    target = spec.get("scaleTargetRef") or {}
    for key in ("kind", "name"):
        if not target.get(key):
            causes.append(validation.required(child(path, "scaleTargetRef", key)))
    cpu = spec.get("targetCPUUtilizationPercentage")
    if cpu is not None and cpu < 1:
        detail = "must be greater than or equal to 1"
        causes.append(
            validation.invalid(child(path, "targetCPUUtilizationPercentage"), cpu, detail)
        )
    return causes
