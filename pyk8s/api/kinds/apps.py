"""apps/v1 kinds: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision.

These are the workload controllers' objects: each one owns a pod template and a label
selector, and its controller (pyk8s/controllers) makes the pods match. This module only
describes their fields and REST names; defaults and validation live in apps_rules.py.
"""

from pyk8s.api.kinds import apps_rules  # noqa: F401  (registers the apps defaults and validators)
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import (
    BOOL,
    INT32,
    INT64,
    INT_OR_STRING,
    RAW,
    STRING,
    TIME,
    F,
    Field,
    ListOf,
    define,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
APPS = "io.k8s.api.apps.v1."

CONDITION_STATUS = ("True", "False", "Unknown")


def _top_level(kind: str, doc: str, *body: Field) -> None:
    """Define a top-level object: apiVersion and kind (protobuf envelope), metadata, body."""
    define(
        APPS + kind,
        doc,
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        *body,
    )


def _spec_and_status(kind: str) -> tuple[Field, Field]:
    return (
        F("spec", 2, APPS + kind + "Spec", f"The desired state of the {kind}."),
        F("status", 3, APPS + kind + "Status", f"The observed state of the {kind}."),
    )


def _condition(kind: str) -> None:
    """Conditions of the apps kinds share one layout (Deployment's adds lastUpdateTime)."""
    is_deployment = kind == "Deployment"
    fields = [
        F("type", 1, STRING, f"The kind of {kind} condition.", required=True),
        F(
            "status",
            2,
            STRING,
            "Whether the condition holds.",
            required=True,
            enum=CONDITION_STATUS,
        ),
        F("lastTransitionTime", 7 if is_deployment else 3, TIME, "When the status last changed."),
        F("reason", 4, STRING, "A one-word CamelCase reason for the last transition."),
        F("message", 5, STRING, "A human-readable account of the last transition."),
    ]
    if is_deployment:
        fields.insert(2, F("lastUpdateTime", 6, TIME, "When the condition was last written."))
    define(APPS + kind + "Condition", f"One aspect of a {kind}'s observed state.", *fields)


def _conditions(kind: str, number: int) -> Field:
    return F(
        "conditions",
        number,
        ListOf(APPS + kind + "Condition"),
        "The latest observations of the object's state.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    )


def _selector(number: int) -> Field:
    return F(
        "selector",
        number,
        META + "LabelSelector",
        "Which pods belong to this object; must match the template's labels.",
        required=True,
    )


def _template(number: int) -> Field:
    return F("template", number, CORE + "PodTemplateSpec", "The pods to create.", required=True)


def _ready_seconds(number: int) -> Field:
    return F("minReadySeconds", number, INT32, "Seconds a new pod must stay ready to be available.")


def _history_limit(number: int, what: str) -> Field:
    return F(
        "revisionHistoryLimit",
        number,
        INT32,
        f"How many old {what} to keep for rollback.",
        pointer=True,
        default=10,
    )


def _collision_count(number: int) -> Field:
    return F("collisionCount", number, INT32, "Hash collisions met naming revisions.", pointer=True)


def _register(kind: str, plural: str, short: str, *, scalable: bool = True) -> None:
    subresources = [Subresource("status", kind, ("get", "patch", "update"))]
    if scalable:
        scale = Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1")
        subresources.insert(0, scale)
    register(
        Resource(
            group="apps",
            version="v1",
            kind=kind,
            plural=plural,
            singular=kind.lower(),
            namespaced=True,
            schema=APPS + kind,
            short_names=(short,),
            categories=("all",),
            subresources=tuple(subresources),
        )
    )


# --- Deployment -----------------------------------------------------------------------------

define(
    APPS + "RollingUpdateDeployment",
    "How fast a rolling update may replace old pods with new ones.",
    F("maxUnavailable", 1, INT_OR_STRING, "Pods (or %) that may be unavailable.", pointer=True),
    F("maxSurge", 2, INT_OR_STRING, "Pods (or %) allowed above the desired count.", pointer=True),
)
define(
    APPS + "DeploymentStrategy",
    "How a Deployment replaces running pods with pods from a new template.",
    F(
        "type",
        1,
        STRING,
        "Recreate (all at once) or RollingUpdate (gradually).",
        enum=("Recreate", "RollingUpdate"),
    ),
    F("rollingUpdate", 2, APPS + "RollingUpdateDeployment", "Rolling update limits.", pointer=True),
)
define(
    APPS + "DeploymentSpec",
    "The desired state of a Deployment.",
    F("replicas", 1, INT32, "How many pods to run.", pointer=True, default=1),
    _selector(2),
    _template(3),
    F(
        "strategy",
        4,
        APPS + "DeploymentStrategy",
        "How to roll out a new template.",
        patch_strategy="retainKeys",
    ),
    _ready_seconds(5),
    _history_limit(6, "ReplicaSets"),
    F("paused", 7, BOOL, "When true, template changes are not rolled out."),
    F(
        "progressDeadlineSeconds",
        9,
        INT32,
        "Seconds without progress before the rollout is reported as failed.",
        pointer=True,
        default=600,
    ),
)
_condition("Deployment")
define(
    APPS + "DeploymentStatus",
    "The observed state of a Deployment.",
    F("observedGeneration", 1, INT64, "The generation the controller last acted on."),
    F("replicas", 2, INT32, "Non-terminating pods selected by the Deployment."),
    F("updatedReplicas", 3, INT32, "Non-terminating pods that run the current template."),
    F("readyReplicas", 7, INT32, "Selected pods that are ready."),
    F("availableReplicas", 4, INT32, "Selected pods that have been ready for minReadySeconds."),
    F("unavailableReplicas", 5, INT32, "Pods still missing to reach full availability."),
    _conditions("Deployment", 6),
    _collision_count(8),
)
_top_level(
    "Deployment", "Declarative updates of a set of identical pods.", *_spec_and_status("Deployment")
)
_register("Deployment", "deployments", "deploy")

# --- ReplicaSet -----------------------------------------------------------------------------

define(
    APPS + "ReplicaSetSpec",
    "The desired state of a ReplicaSet.",
    F("replicas", 1, INT32, "How many pods to run.", pointer=True, default=1),
    _ready_seconds(4),
    _selector(2),
    F("template", 3, CORE + "PodTemplateSpec", "The pods to create when too few exist."),
)
_condition("ReplicaSet")
define(
    APPS + "ReplicaSetStatus",
    "The observed state of a ReplicaSet.",
    F("replicas", 1, INT32, "Non-terminating pods selected by the ReplicaSet."),
    F("fullyLabeledReplicas", 2, INT32, "Selected pods that carry all the template's labels."),
    F("readyReplicas", 4, INT32, "Selected pods that are ready."),
    F("availableReplicas", 5, INT32, "Selected pods that have been ready for minReadySeconds."),
    F("observedGeneration", 3, INT64, "The generation the controller last acted on."),
    _conditions("ReplicaSet", 6),
)
_top_level(
    "ReplicaSet", "Keeps a given number of identical pods running.", *_spec_and_status("ReplicaSet")
)
_register("ReplicaSet", "replicasets", "rs")

# --- StatefulSet ----------------------------------------------------------------------------

define(
    APPS + "RollingUpdateStatefulSetStrategy",
    "Parameters of a StatefulSet rolling update.",
    F(
        "partition",
        1,
        INT32,
        "Only pods with an ordinal at or above this are updated.",
        pointer=True,
    ),
    F("maxUnavailable", 2, INT_OR_STRING, "Pods (or %) that may be down at once.", pointer=True),
)
define(
    APPS + "StatefulSetUpdateStrategy",
    "How a StatefulSet replaces its pods when the template changes.",
    F(
        "type",
        1,
        STRING,
        "RollingUpdate (in ordinal order) or OnDelete (only when a pod is deleted).",
        enum=("OnDelete", "RollingUpdate"),
    ),
    F(
        "rollingUpdate",
        2,
        APPS + "RollingUpdateStatefulSetStrategy",
        "Rolling update parameters.",
        pointer=True,
    ),
)
define(
    APPS + "StatefulSetPersistentVolumeClaimRetentionPolicy",
    "What happens to the claims made from volumeClaimTemplates.",
    F(
        "whenDeleted",
        1,
        STRING,
        "Retain or Delete the claims when the set is deleted.",
        enum=("Delete", "Retain"),
    ),
    F(
        "whenScaled",
        2,
        STRING,
        "Retain or Delete the claims of pods removed by scale-down.",
        enum=("Delete", "Retain"),
    ),
)
define(
    APPS + "StatefulSetOrdinals",
    "How the pods of a StatefulSet are numbered.",
    F("start", 1, INT32, "The number of the first pod (0 when unset)."),
)
define(
    APPS + "StatefulSetSpec",
    "The desired state of a StatefulSet.",
    F("replicas", 1, INT32, "How many pods to run.", pointer=True, default=1),
    _selector(2),
    _template(3),
    F(
        "volumeClaimTemplates",
        4,
        ListOf(CORE + "PersistentVolumeClaim"),
        "Claims made for each pod, named after it.",
        list_type="atomic",
    ),
    F("serviceName", 5, STRING, "The headless Service that gives the pods their DNS names."),
    F(
        "podManagementPolicy",
        6,
        STRING,
        "OrderedReady (one pod at a time) or Parallel.",
        enum=("OrderedReady", "Parallel"),
        default="OrderedReady",
    ),
    F("updateStrategy", 7, APPS + "StatefulSetUpdateStrategy", "How to roll out a new template."),
    _history_limit(8, "revisions"),
    _ready_seconds(9),
    F(
        "persistentVolumeClaimRetentionPolicy",
        10,
        APPS + "StatefulSetPersistentVolumeClaimRetentionPolicy",
        "When the claims made from volumeClaimTemplates are deleted.",
        pointer=True,
    ),
    F("ordinals", 11, APPS + "StatefulSetOrdinals", "How the pods are numbered.", pointer=True),
)
_condition("StatefulSet")
define(
    APPS + "StatefulSetStatus",
    "The observed state of a StatefulSet.",
    F("observedGeneration", 1, INT64, "The generation the controller last acted on."),
    F("replicas", 2, INT32, "Pods created by the controller."),
    F("readyReplicas", 3, INT32, "Pods that are ready."),
    F("currentReplicas", 4, INT32, "Pods running the currentRevision."),
    F("updatedReplicas", 5, INT32, "Pods running the updateRevision."),
    F("currentRevision", 6, STRING, "The revision of the pods below currentReplicas."),
    F("updateRevision", 7, STRING, "The revision being rolled out."),
    _collision_count(9),
    _conditions("StatefulSet", 10),
    F(
        "availableReplicas",
        11,
        INT32,
        "Pods that have been ready for minReadySeconds.",
    ),
)
_top_level(
    "StatefulSet",
    "Pods with stable names, network identities and storage.",
    *_spec_and_status("StatefulSet"),
)
_register("StatefulSet", "statefulsets", "sts")

# --- DaemonSet ------------------------------------------------------------------------------

define(
    APPS + "RollingUpdateDaemonSet",
    "How fast a DaemonSet rolling update proceeds.",
    F(
        "maxUnavailable",
        1,
        INT_OR_STRING,
        "Nodes (or %) whose pod may be down at once.",
        pointer=True,
    ),
    F("maxSurge", 2, INT_OR_STRING, "Nodes (or %) that may briefly run two pods.", pointer=True),
)
define(
    APPS + "DaemonSetUpdateStrategy",
    "How a DaemonSet replaces its pods when the template changes.",
    F(
        "type",
        1,
        STRING,
        "RollingUpdate or OnDelete (replace only deleted pods).",
        enum=("OnDelete", "RollingUpdate"),
    ),
    F("rollingUpdate", 2, APPS + "RollingUpdateDaemonSet", "Rolling update limits.", pointer=True),
)
define(
    APPS + "DaemonSetSpec",
    "The desired state of a DaemonSet.",
    _selector(1),
    F(
        "template",
        2,
        CORE + "PodTemplateSpec",
        "The pod to run on every eligible node.",
        required=True,
    ),
    F("updateStrategy", 3, APPS + "DaemonSetUpdateStrategy", "How to roll out a new template."),
    _ready_seconds(4),
    _history_limit(6, "revisions"),
)
_condition("DaemonSet")
define(
    APPS + "DaemonSetStatus",
    "The observed state of a DaemonSet.",
    F("currentNumberScheduled", 1, INT32, "Eligible nodes running the pod."),
    F("numberMisscheduled", 2, INT32, "Nodes running the pod that should not."),
    F("desiredNumberScheduled", 3, INT32, "Nodes that should run the pod."),
    F("numberReady", 4, INT32, "Nodes whose pod is ready."),
    F("observedGeneration", 5, INT64, "The generation the controller last acted on."),
    F("updatedNumberScheduled", 6, INT32, "Nodes running the current template."),
    F("numberAvailable", 7, INT32, "Nodes whose pod has been ready for minReadySeconds."),
    F("numberUnavailable", 8, INT32, "Eligible nodes without an available pod."),
    _collision_count(9),
    _conditions("DaemonSet", 10),
)
_top_level(
    "DaemonSet", "Runs one copy of a pod on every eligible node.", *_spec_and_status("DaemonSet")
)
_register("DaemonSet", "daemonsets", "ds", scalable=False)

# --- ControllerRevision ---------------------------------------------------------------------

_top_level(
    "ControllerRevision",
    "An immutable snapshot of a controller's template, kept for rollback.",
    F("data", 2, RAW, "The saved state, as the owning controller serialised it."),
    F("revision", 3, INT64, "The revision number of this snapshot."),
)
register(
    Resource(
        group="apps",
        version="v1",
        kind="ControllerRevision",
        plural="controllerrevisions",
        singular="controllerrevision",
        namespaced=True,
        schema=APPS + "ControllerRevision",
    )
)
