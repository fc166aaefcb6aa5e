"""core/v1 ReplicationController: the original "keep N copies of this pod running" object.

ReplicaSet (apps/v1) replaced it, but kubectl still lists it in `get all` and Kubernetes
still serves it, stored under the historical key prefix /registry/controllers. Its defaults
and checks are in core_pod_defaults.py and core_pod_update.py.
"""

from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import INT32, INT64, STRING, TIME, F, ListOf, MapOf, define

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_GET_PATCH_UPDATE = ("get", "patch", "update")

define(
    CORE + "ReplicationControllerSpec",
    "How many copies of which pod to keep running.",
    F("replicas", 1, INT32, "Desired number of pods; 1 by default.", pointer=True, default=1),
    F("minReadySeconds", 4, INT32, "Seconds a pod must be ready to count as available."),
    F(
        "selector",
        2,
        MapOf(STRING),
        "Labels of the pods counted; the template's labels by default.",
        map_type="atomic",
    ),
    F("template", 3, CORE + "PodTemplateSpec", "Pods are made from this.", pointer=True),
)

define(
    CORE + "ReplicationControllerCondition",
    "One aspect of a replication controller's state.",
    F("type", 1, STRING, "Type of the condition, such as ReplicaFailure.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("lastTransitionTime", 3, TIME, "When the status last changed."),
    F("reason", 4, STRING, "CamelCase reason of the last transition."),
    F("message", 5, STRING, "Human-readable details."),
)

define(
    CORE + "ReplicationControllerStatus",
    "What the replication controller last observed.",
    F("replicas", 1, INT32, "Pods counted.", required=True),
    F("fullyLabeledReplicas", 2, INT32, "Pods carrying all the template's labels."),
    F("readyReplicas", 4, INT32, "Pods that are ready."),
    F("availableReplicas", 5, INT32, "Pods ready for at least minReadySeconds."),
    F("observedGeneration", 3, INT64, "The generation this status is about."),
    F(
        "conditions",
        6,
        ListOf(CORE + "ReplicationControllerCondition"),
        "Detailed conditions.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
)

define(
    CORE + "ReplicationController",
    "Keeps a number of identical pods running (the ancestor of ReplicaSet).",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "ReplicationControllerSpec", "Desired state."),
    F("status", 3, CORE + "ReplicationControllerStatus", "Observed state; read-only."),
)

register(
    Resource(
        group="",
        version="v1",
        kind="ReplicationController",
        plural="replicationcontrollers",
        singular="replicationcontroller",
        namespaced=True,
        schema=CORE + "ReplicationController",
        short_names=("rc",),
        categories=("all",),
        subresources=(
            Subresource("scale", "Scale", _GET_PATCH_UPDATE, group="autoscaling", version="v1"),
            Subresource("status", "ReplicationController", _GET_PATCH_UPDATE),
        ),
        # Kubernetes stores replication controllers under their historical name.
        storage_prefix="/controllers",
    )
)
