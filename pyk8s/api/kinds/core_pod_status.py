"""core/v1 pod status: what the scheduler and the kubelet report about a pod.

PodStatus and the per-container statuses the kubelet writes through the pods/status
subresource (users cannot change them with a normal update). Field facts follow k8s.io/api
core/v1 for Kubernetes v1.32.
"""

from pyk8s.api.schema import BOOL, INT32, INT64, QUANTITY, STRING, TIME, F, ListOf, MapOf, define

CORE = "io.k8s.api.core.v1."

_BY_NAME = {
    "patch_strategy": "merge",
    "patch_merge_key": "name",
    "list_type": "map",
    "list_map_keys": ("name",),
}

define(
    CORE + "PodCondition",
    "One aspect of the pod's state, such as Ready or PodScheduled.",
    F("type", 1, STRING, "Type of the condition.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("lastProbeTime", 3, TIME, "When the condition was last checked."),
    F("lastTransitionTime", 4, TIME, "When the status last changed."),
    F("reason", 5, STRING, "CamelCase reason of the last transition."),
    F("message", 6, STRING, "Human-readable details of the last transition."),
)

define(
    CORE + "PodIP", "One IP address of the pod.", F("ip", 1, STRING, "The address.", required=True)
)
define(
    CORE + "HostIP",
    "One IP address of the pod's node.",
    F("ip", 1, STRING, "The address.", required=True),
)

define(
    CORE + "ContainerStateWaiting",
    "A container that is not running yet.",
    F("reason", 1, STRING, "Why, briefly, such as ContainerCreating or ImagePullBackOff."),
    F("message", 2, STRING, "Why, in words."),
)
define(
    CORE + "ContainerStateRunning",
    "A running container.",
    F("startedAt", 1, TIME, "When it last (re)started."),
)
define(
    CORE + "ContainerStateTerminated",
    "A container that has exited.",
    F("exitCode", 1, INT32, "Exit status.", required=True),
    F("signal", 2, INT32, "Signal that ended it, if any."),
    F("reason", 3, STRING, "Why, briefly, such as Completed or OOMKilled."),
    F("message", 4, STRING, "Why, in words."),
    F("startedAt", 5, TIME, "When that run started."),
    F("finishedAt", 6, TIME, "When it ended."),
    F("containerID", 7, STRING, "ID of the container, as <runtime>://<id>."),
)
define(
    CORE + "ContainerState",
    "The state of a container; one field is set (waiting when none is).",
    F("waiting", 1, CORE + "ContainerStateWaiting", "Not running yet.", pointer=True),
    F("running", 2, CORE + "ContainerStateRunning", "Running.", pointer=True),
    F("terminated", 3, CORE + "ContainerStateTerminated", "Exited.", pointer=True),
)

define(
    CORE + "LinuxContainerUser",
    "The Linux identity of a container's first process.",
    F("uid", 1, INT64, "Primary UID.", required=True),
    F("gid", 2, INT64, "Primary GID.", required=True),
    F("supplementalGroups", 3, ListOf(INT64), "Supplemental groups.", list_type="atomic"),
)
define(
    CORE + "ContainerUser",
    "The identity a container's first process started with.",
    F("linux", 1, CORE + "LinuxContainerUser", "On Linux.", pointer=True),
)

define(
    CORE + "VolumeMountStatus",
    "How one volume mount of a container was actually done.",
    F("name", 1, STRING, "Name of the volume mount.", required=True),
    F("mountPath", 2, STRING, "Path of the mount.", required=True),
    F("readOnly", 3, BOOL, "Whether it is read-only."),
    F("recursiveReadOnly", 4, STRING, "Disabled or Enabled, for read-only mounts.", pointer=True),
)

define(
    CORE + "ResourceHealth",
    "The health of one device allocated to the pod.",
    F("resourceID", 1, STRING, "Identifier of the device.", required=True),
    F("health", 2, STRING, "Healthy, Unhealthy or Unknown."),
)
define(
    CORE + "ResourceStatus",
    "The health of the devices behind one resource of a container.",
    F("name", 1, STRING, "Name of the resource (or claim:<name>/<request>).", required=True),
    F(
        "resources",
        2,
        ListOf(CORE + "ResourceHealth"),
        "Health of each device.",
        list_type="map",
        list_map_keys=("resourceID",),
    ),
)

define(
    CORE + "ContainerStatus",
    "What the kubelet last saw of one container.",
    F("name", 1, STRING, "Name of the container.", required=True),
    F("state", 2, CORE + "ContainerState", "Current state."),
    F("lastState", 3, CORE + "ContainerState", "State of the previous run, after a restart."),
    F("ready", 4, BOOL, "Whether it passes its readiness check.", required=True),
    F("restartCount", 5, INT32, "How often it has been restarted.", required=True),
    F("image", 6, STRING, "Image it runs.", required=True),
    F("imageID", 7, STRING, "ID (digest) of that image.", required=True),
    F("containerID", 8, STRING, "ID of the container, as <runtime>://<id>."),
    F(
        "started",
        9,
        BOOL,
        "Whether it has passed its startup probe and postStart hook.",
        pointer=True,
    ),
    F("allocatedResources", 10, MapOf(QUANTITY), "Resources the node allocated to it."),
    F(
        "resources",
        11,
        CORE + "ResourceRequirements",
        "Resources actually applied to it.",
        pointer=True,
    ),
    F(
        "volumeMounts",
        12,
        ListOf(CORE + "VolumeMountStatus"),
        "Its volume mounts.",
        patch_strategy="merge",
        patch_merge_key="mountPath",
        list_type="map",
        list_map_keys=("mountPath",),
    ),
    F("user", 13, CORE + "ContainerUser", "Identity of its first process.", pointer=True),
    F(
        "allocatedResourcesStatus",
        14,
        ListOf(CORE + "ResourceStatus"),
        "Health of the devices allocated to it.",
        **_BY_NAME,
    ),
)

define(
    CORE + "PodResourceClaimStatus",
    "The ResourceClaim generated for one of the pod's resource claims.",
    F("name", 1, STRING, "Name of the entry in spec.resourceClaims.", required=True),
    F("resourceClaimName", 2, STRING, "Name of the generated ResourceClaim.", pointer=True),
)

_STATUSES = "Status of each {}, as the kubelet last saw it."

define(
    CORE + "PodStatus",
    "What is known of the pod's state; written by the scheduler and the kubelet.",
    F("phase", 1, STRING, "Pending, Running, Succeeded, Failed or Unknown."),
    F(
        "conditions",
        2,
        ListOf(CORE + "PodCondition"),
        "Detailed conditions, such as Ready.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
    F("message", 3, STRING, "Why the pod is in this state, in words."),
    F("reason", 4, STRING, "Why the pod is in this state, briefly, such as Evicted."),
    F("nominatedNodeName", 11, STRING, "Node the pod is expected to land on after preemption."),
    F("hostIP", 5, STRING, "IP of the node the pod runs on."),
    F(
        "hostIPs",
        16,
        ListOf(CORE + "HostIP"),
        "IPs of the node; the first is hostIP.",
        patch_strategy="merge",
        patch_merge_key="ip",
        list_type="atomic",
    ),
    F("podIP", 6, STRING, "IP of the pod."),
    F(
        "podIPs",
        12,
        ListOf(CORE + "PodIP"),
        "IPs of the pod, at most one per family; the first is podIP.",
        patch_strategy="merge",
        patch_merge_key="ip",
        list_type="map",
        list_map_keys=("ip",),
    ),
    F("startTime", 7, TIME, "When the kubelet accepted the pod.", pointer=True),
    F(
        "initContainerStatuses",
        10,
        ListOf(CORE + "ContainerStatus"),
        _STATUSES.format("init container"),
        list_type="atomic",
    ),
    F(
        "containerStatuses",
        8,
        ListOf(CORE + "ContainerStatus"),
        _STATUSES.format("container"),
        list_type="atomic",
    ),
    F("qosClass", 9, STRING, "Quality of service class: Guaranteed, Burstable or BestEffort."),
    F(
        "ephemeralContainerStatuses",
        13,
        ListOf(CORE + "ContainerStatus"),
        _STATUSES.format("ephemeral container"),
        list_type="atomic",
    ),
    F("resize", 14, STRING, "State of a pending in-place resize, if any."),
    F(
        "resourceClaimStatuses",
        15,
        ListOf(CORE + "PodResourceClaimStatus"),
        "The ResourceClaims generated for the pod.",
        **(_BY_NAME | {"patch_strategy": "merge,retainKeys"}),
    ),
)
