"""core/v1 containers: Container, EphemeralContainer and what a container is made of.

Ports, environment, resources, volume mounts, probes and lifecycle hooks. The security
contexts are in core_security.py, volumes in core_volume.py; defaults and checks in
core_pod_rules.py.

Two Go embeddings shape the wire format here. EphemeralContainer inlines
EphemeralContainerCommon (every Container field) and Probe inlines ProbeHandler: in JSON
those fields sit in the parent, in protobuf they travel in nested message 1, hence
`embedded_in=1` below. Both field lists are built once, by `container_fields`, because an
ephemeral container has exactly a container's fields (Kubernetes keeps them in sync by hand).
"""

from dataclasses import replace

from pyk8s.api.schema import (
    BOOL,
    INT32,
    INT64,
    INT_OR_STRING,
    QUANTITY,
    STRING,
    F,
    Field,
    ListOf,
    MapOf,
    define,
)

CORE = "io.k8s.api.core.v1."
LOCAL_REF = CORE + "LocalObjectReference"

define(
    CORE + "ContainerPort",
    "A network port the container listens on (informational, but named ports are referable).",
    F("name", 1, STRING, "IANA service name for the port, unique in the pod."),
    F("hostPort", 2, INT32, "Port to open on the node and forward here; rarely needed."),
    F("containerPort", 3, INT32, "Port number on the pod's IP, 1 to 65535.", required=True),
    F(
        "protocol",
        4,
        STRING,
        "TCP (default), UDP or SCTP.",
        default="TCP",
        enum=("SCTP", "TCP", "UDP"),
    ),
    F("hostIP", 5, STRING, "Node address to bind the host port to."),
)

define(
    CORE + "ConfigMapKeySelector",
    "One key of a ConfigMap.",
    F("name", 1, STRING, "Name of the ConfigMap.", embedded_in=1),
    F("key", 2, STRING, "The key.", required=True),
    F("optional", 3, BOOL, "When true a missing ConfigMap or key is not an error.", pointer=True),
)

define(
    CORE + "SecretKeySelector",
    "One key of a Secret.",
    F("name", 1, STRING, "Name of the Secret.", embedded_in=1),
    F("key", 2, STRING, "The key.", required=True),
    F("optional", 3, BOOL, "When true a missing Secret or key is not an error.", pointer=True),
)

define(
    CORE + "EnvVarSource",
    "Where an environment variable's value comes from; exactly one field is set.",
    F(
        "fieldRef",
        1,
        CORE + "ObjectFieldSelector",
        "A field of the pod, such as metadata.name or status.podIP.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "resourceFieldRef",
        2,
        CORE + "ResourceFieldSelector",
        "A resource limit or request of the container.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "configMapKeyRef",
        3,
        CORE + "ConfigMapKeySelector",
        "A key of a ConfigMap.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "secretKeyRef",
        4,
        CORE + "SecretKeySelector",
        "A key of a Secret.",
        pointer=True,
        map_type="atomic",
    ),
)

define(
    CORE + "EnvVar",
    "One environment variable of the container.",
    F("name", 1, STRING, "Name of the variable.", required=True),
    F("value", 2, STRING, "Its value; $(VAR) expands earlier variables, $$ escapes."),
    F("valueFrom", 3, CORE + "EnvVarSource", "Where to read the value instead.", pointer=True),
)

for _kind in ("ConfigMap", "Secret"):
    define(
        CORE + f"{_kind}EnvSource",
        f"Every key of a {_kind}, as environment variables.",
        F("name", 1, STRING, f"Name of the {_kind}.", embedded_in=1),
        F("optional", 2, BOOL, f"When true a missing {_kind} is not an error.", pointer=True),
    )

define(
    CORE + "EnvFromSource",
    "A ConfigMap or Secret whose keys all become environment variables.",
    F("prefix", 1, STRING, "Text prepended to every variable name."),
    F("configMapRef", 2, CORE + "ConfigMapEnvSource", "The ConfigMap.", pointer=True),
    F("secretRef", 3, CORE + "SecretEnvSource", "The Secret.", pointer=True),
)

define(
    CORE + "ResourceClaim",
    "Names one of the pod's resource claims for this container to use.",
    F("name", 1, STRING, "Name of an entry of the pod's spec.resourceClaims.", required=True),
    F("request", 2, STRING, "One request of the claim; all of it when empty."),
)

define(
    CORE + "ResourceRequirements",
    "Compute resources a container asks for (requests) and may not exceed (limits).",
    F("limits", 1, MapOf(QUANTITY), "Most of each resource the container may use."),
    F("requests", 2, MapOf(QUANTITY), "Resources reserved for scheduling; limits by default."),
    F(
        "claims",
        3,
        ListOf(CORE + "ResourceClaim"),
        "Resource claims of the pod this container uses.",
        list_type="map",
        list_map_keys=("name",),
    ),
)

define(
    CORE + "ContainerResizePolicy",
    "Whether resizing one resource in place restarts the container.",
    F("resourceName", 1, STRING, "cpu or memory.", required=True),
    F(
        "restartPolicy",
        2,
        STRING,
        "NotRequired or RestartContainer.",
        required=True,
        enum=("NotRequired", "RestartContainer"),
    ),
)

define(
    CORE + "VolumeMount",
    "Where one of the pod's volumes appears inside the container.",
    F("name", 1, STRING, "Name of the pod volume.", required=True),
    F("readOnly", 2, BOOL, "Mount read-only when true."),
    F(
        "recursiveReadOnly",
        7,
        STRING,
        "With readOnly: Disabled, IfPossible or Enabled to make sub-mounts read-only too.",
        pointer=True,
        enum=("Disabled", "Enabled", "IfPossible"),
    ),
    F("mountPath", 3, STRING, "Path in the container; may not contain ':'.", required=True),
    F("subPath", 4, STRING, "Mount this path of the volume instead of its root."),
    F(
        "mountPropagation",
        5,
        STRING,
        "How mounts propagate between host and container: None, HostToContainer or Bidirectional.",
        pointer=True,
        enum=("Bidirectional", "HostToContainer", "None"),
    ),
    F("subPathExpr", 6, STRING, "Like subPath, with $(VAR) expanded from the environment."),
)

define(
    CORE + "VolumeDevice",
    "Where a raw block volume appears as a device inside the container.",
    F("name", 1, STRING, "Name of a persistentVolumeClaim volume of the pod.", required=True),
    F("devicePath", 2, STRING, "Device path in the container.", required=True),
)

define(
    CORE + "ExecAction",
    "Runs a command in the container; exit status 0 means success.",
    F("command", 1, ListOf(STRING), "The argv; not run in a shell.", list_type="atomic"),
)

define(
    CORE + "HTTPHeader",
    "One HTTP header of a probe request.",
    F("name", 1, STRING, "Header name.", required=True),
    F("value", 2, STRING, "Header value.", required=True),
)

define(
    CORE + "HTTPGetAction",
    "An HTTP GET to the container; a 2xx or 3xx reply means success.",
    F("path", 1, STRING, "Path of the request; / by default.", default="/"),
    F("port", 2, INT_OR_STRING, "Port number or name of the container port.", required=True),
    F("host", 3, STRING, "Host to connect to; the pod IP by default."),
    F("scheme", 4, STRING, "HTTP (default) or HTTPS.", default="HTTP", enum=("HTTP", "HTTPS")),
    F("httpHeaders", 5, ListOf(CORE + "HTTPHeader"), "Extra request headers.", list_type="atomic"),
)

define(
    CORE + "TCPSocketAction",
    "Opens a TCP connection to the container; connecting means success.",
    F("port", 1, INT_OR_STRING, "Port number or name of the container port.", required=True),
    F("host", 2, STRING, "Host to connect to; the pod IP by default."),
)

define(
    CORE + "GRPCAction",
    "Calls the gRPC health checking service of the container.",
    F("port", 1, INT32, "Port number of the gRPC service.", required=True),
    F("service", 2, STRING, "Service name sent in the health check request.", pointer=True),
)

define(
    CORE + "SleepAction",
    "Waits a number of seconds.",
    F("seconds", 1, INT64, "How long to sleep.", required=True),
)


def _handler(embedded_in: int, *extra: Field) -> list[Field]:
    # exec/httpGet/tcpSocket are shared by probes and lifecycle hooks with the same numbers.
    return [
        F(
            "exec",
            1,
            CORE + "ExecAction",
            "Run a command in the container.",
            pointer=True,
            embedded_in=embedded_in,
        ),
        F(
            "httpGet",
            2,
            CORE + "HTTPGetAction",
            "Send an HTTP GET request.",
            pointer=True,
            embedded_in=embedded_in,
        ),
        F(
            "tcpSocket",
            3,
            CORE + "TCPSocketAction",
            "Open a TCP connection.",
            pointer=True,
            embedded_in=embedded_in,
        ),
        *extra,
    ]


define(
    CORE + "LifecycleHandler",
    "The action of a lifecycle hook; exactly one field is set.",
    *_handler(0, F("sleep", 4, CORE + "SleepAction", "Sleep for a while.", pointer=True)),
)

define(
    CORE + "Lifecycle",
    "Actions run right after a container starts and right before it is stopped.",
    F(
        "postStart",
        1,
        CORE + "LifecycleHandler",
        "Runs after the container is created.",
        pointer=True,
    ),
    F(
        "preStop",
        2,
        CORE + "LifecycleHandler",
        "Runs before the container is terminated.",
        pointer=True,
    ),
)

define(
    CORE + "Probe",
    "A periodic health check of a container; exactly one action is set.",
    *_handler(
        1,
        F("grpc", 4, CORE + "GRPCAction", "Call a gRPC health check.", pointer=True, embedded_in=1),
    ),
    F("initialDelaySeconds", 2, INT32, "Seconds after start before the first probe."),
    F("timeoutSeconds", 3, INT32, "Seconds before a probe times out; 1 by default.", default=1),
    F("periodSeconds", 4, INT32, "Seconds between probes; 10 by default.", default=10),
    F(
        "successThreshold",
        5,
        INT32,
        "Successes in a row to count as healthy again; 1 by default (and for liveness).",
        default=1,
    ),
    F(
        "failureThreshold",
        6,
        INT32,
        "Failures in a row to count as failed; 3 by default.",
        default=3,
    ),
    F(
        "terminationGracePeriodSeconds",
        7,
        INT64,
        "Grace period when this probe kills the container; the pod's when unset.",
        pointer=True,
    ),
)


_PROBE_DOC = "Periodic check; {} Not allowed in ephemeral containers."

# Every field of a container, in Kubernetes' order. EphemeralContainer has the very same
# fields, inlined: `container_fields(1)` only marks them as embedded in message 1.
CONTAINER_FIELDS: list[Field] = [
    F(
        "name",
        1,
        STRING,
        "Name of the container, a DNS label unique in the pod.",
        required=True,
    ),
    F("image", 2, STRING, "Container image reference."),
    F(
        "command",
        3,
        ListOf(STRING),
        "Entrypoint argv, replacing the image's ENTRYPOINT; not run in a shell.",
        list_type="atomic",
    ),
    F(
        "args",
        4,
        ListOf(STRING),
        "Arguments, replacing the image's CMD; $(VAR) expands.",
        list_type="atomic",
    ),
    F("workingDir", 5, STRING, "Working directory; the image's by default."),
    F(
        "ports",
        6,
        ListOf(CORE + "ContainerPort"),
        "Ports the container exposes.",
        patch_strategy="merge",
        patch_merge_key="containerPort",
        list_type="map",
        list_map_keys=("containerPort", "protocol"),
    ),
    F(
        "envFrom",
        19,
        ListOf(CORE + "EnvFromSource"),
        "ConfigMaps and Secrets whose keys become variables.",
        list_type="atomic",
    ),
    F(
        "env",
        7,
        ListOf(CORE + "EnvVar"),
        "Environment variables; these win over envFrom.",
        patch_strategy="merge",
        patch_merge_key="name",
        list_type="map",
        list_map_keys=("name",),
    ),
    F(
        "resources",
        8,
        CORE + "ResourceRequirements",
        "Compute resources requested and allowed.",
    ),
    F(
        "resizePolicy",
        23,
        ListOf(CORE + "ContainerResizePolicy"),
        "Whether an in-place resize restarts the container.",
        list_type="atomic",
    ),
    F(
        "restartPolicy",
        24,
        STRING,
        "Always makes an init container a sidecar that keeps running.",
        pointer=True,
    ),
    F(
        "volumeMounts",
        9,
        ListOf(CORE + "VolumeMount"),
        "Pod volumes mounted into the container.",
        patch_strategy="merge",
        patch_merge_key="mountPath",
        list_type="map",
        list_map_keys=("mountPath",),
    ),
    F(
        "volumeDevices",
        21,
        ListOf(CORE + "VolumeDevice"),
        "Raw block volumes exposed as devices.",
        patch_strategy="merge",
        patch_merge_key="devicePath",
        list_type="map",
        list_map_keys=("devicePath",),
    ),
    F(
        "livenessProbe",
        10,
        CORE + "Probe",
        _PROBE_DOC.format("failure restarts the container."),
        pointer=True,
    ),
    F(
        "readinessProbe",
        11,
        CORE + "Probe",
        _PROBE_DOC.format("failure removes the pod from Services."),
        pointer=True,
    ),
    F(
        "startupProbe",
        22,
        CORE + "Probe",
        _PROBE_DOC.format("other probes wait for its success."),
        pointer=True,
    ),
    F(
        "lifecycle",
        12,
        CORE + "Lifecycle",
        "Hooks run after start and before stop.",
        pointer=True,
    ),
    F(
        "terminationMessagePath",
        13,
        STRING,
        "File whose content becomes the termination message.",
        default="/dev/termination-log",
    ),
    F(
        "terminationMessagePolicy",
        20,
        STRING,
        "File, or FallbackToLogsOnError to use the log tail when the file is empty.",
        default="File",
        enum=("File", "FallbackToLogsOnError"),
    ),
    F(
        "imagePullPolicy",
        14,
        STRING,
        "Always, Never or IfNotPresent; Always for :latest or untagged images.",
        enum=("Always", "IfNotPresent", "Never"),
    ),
    F(
        "securityContext",
        15,
        CORE + "SecurityContext",
        "Security settings, overriding the pod's.",
        pointer=True,
    ),
    F("stdin", 16, BOOL, "Keep a stdin buffer open, for attach."),
    F("stdinOnce", 17, BOOL, "Close stdin after the first attach session ends."),
    F("tty", 18, BOOL, "Allocate a TTY; needs stdin."),
]


def container_fields(embedded_in: int) -> list[Field]:
    """The container fields, marked as embedded in protobuf message `embedded_in` (0: not)."""
    return [replace(field, embedded_in=embedded_in) for field in CONTAINER_FIELDS]


define(
    CORE + "Container", "One container of a pod: an image and how to run it.", *container_fields(0)
)

define(
    CORE + "EphemeralContainer",
    "A container added to a running pod, for debugging; never restarted, no ports or probes.",
    *container_fields(1),
    F(
        "targetContainerName",
        2,
        STRING,
        "Container whose namespaces (PID, IPC, ...) this one joins.",
    ),
)
