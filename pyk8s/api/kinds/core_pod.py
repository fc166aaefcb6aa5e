"""core/v1 pods: Pod, its spec and status, pod templates, replication controllers, bindings.

The parts a pod is made of live beside this module: containers (core_container.py), security
settings (core_security.py), volumes (core_volume.py, core_volume_legacy.py) and scheduling
constraints (core_affinity.py). Defaults and validation rules are in core_pod_rules.py. The
object references every group uses (ObjectReference, LocalObjectReference, ...) are here too.

Field facts (names, protobuf numbers, pointers, merge keys, list types) follow k8s.io/api
core/v1 for Kubernetes v1.32; alpha fields of later releases are left out.
"""

from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import BOOL, INT32, INT64, QUANTITY, STRING, TIME, F, ListOf, MapOf, define

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def _kind_fields(what: str) -> list:
    # apiVersion/kind travel in the protobuf envelope, not in the message: number 0.
    return [
        F("apiVersion", 0, STRING, f"The versioned schema of this {what}."),
        F("kind", 0, STRING, f"The type of this {what}, in CamelCase."),
    ]


def _metadata() -> list:
    return [F("metadata", 1, META + "ObjectMeta", "Standard object metadata.")]


# --- references ---------------------------------------------------------------------------

define(
    CORE + "LocalObjectReference",
    "Names an object in the same namespace.",
    F("name", 1, STRING, "Name of the object."),
)

define(
    CORE + "ObjectReference",
    "Points at an object (or a part of one, with fieldPath) anywhere in the cluster.",
    F("kind", 1, STRING, "Kind of the object."),
    F("namespace", 2, STRING, "Namespace of the object."),
    F("name", 3, STRING, "Name of the object."),
    F("uid", 4, STRING, "UID of the object."),
    F("apiVersion", 5, STRING, "API version of the object."),
    F("resourceVersion", 6, STRING, "The version of the object this reference was made at."),
    F("fieldPath", 7, STRING, "The part of the object meant, such as spec.containers{web}."),
)

define(
    CORE + "TypedLocalObjectReference",
    "Names an object of a given kind in the same namespace.",
    F("apiGroup", 1, STRING, "API group of the kind; empty for the core group.", pointer=True),
    F("kind", 2, STRING, "Kind of the object.", required=True),
    F("name", 3, STRING, "Name of the object.", required=True),
)

define(
    CORE + "TypedObjectReference",
    "Names an object of a given kind, possibly in another namespace.",
    F("apiGroup", 1, STRING, "API group of the kind; empty for the core group.", pointer=True),
    F("kind", 2, STRING, "Kind of the object.", required=True),
    F("name", 3, STRING, "Name of the object.", required=True),
    F("namespace", 4, STRING, "Namespace of the object; the referrer's when unset.", pointer=True),
)

# --- spec ---------------------------------------------------------------------------------

define(
    CORE + "HostAlias",
    "An extra entry of the pod's /etc/hosts.",
    F("ip", 1, STRING, "IP address of the entry.", required=True),
    F("hostnames", 2, ListOf(STRING), "Host names for that address.", list_type="atomic"),
)

define(
    CORE + "PodDNSConfigOption",
    "One resolver option of /etc/resolv.conf.",
    F("name", 1, STRING, "Option name, such as ndots."),
    F("value", 2, STRING, "Option value.", pointer=True),
)

define(
    CORE + "PodDNSConfig",
    "DNS settings added to those that dnsPolicy produces.",
    F("nameservers", 1, ListOf(STRING), "Extra name server IPs.", list_type="atomic"),
    F("searches", 2, ListOf(STRING), "Extra search domains.", list_type="atomic"),
    F("options", 3, ListOf(CORE + "PodDNSConfigOption"), "Resolver options.", list_type="atomic"),
)

define(
    CORE + "PodReadinessGate",
    "A pod condition that must be True for the pod to count as ready.",
    F("conditionType", 1, STRING, "Type of the condition.", required=True),
)

define(
    CORE + "PodSchedulingGate",
    "A gate that keeps the pod from being scheduled until it is removed.",
    F("name", 1, STRING, "Name of the gate, unique in the pod.", required=True),
)

define(
    CORE + "PodOS",
    "The operating system the pod's containers need.",
    F("name", 1, STRING, "linux or windows.", required=True),
)

define(
    CORE + "PodResourceClaim",
    "A resource claim the pod uses, named for its containers to refer to.",
    F("name", 1, STRING, "Name of the claim within the pod, a DNS label.", required=True),
    F("resourceClaimName", 3, STRING, "Use this existing ResourceClaim.", pointer=True),
    F(
        "resourceClaimTemplateName",
        4,
        STRING,
        "Create a ResourceClaim for the pod from this template.",
        pointer=True,
    ),
)

_BY_NAME = {
    "patch_strategy": "merge",
    "patch_merge_key": "name",
    "list_type": "map",
    "list_map_keys": ("name",),
}

define(
    CORE + "PodSpec",
    "What a pod runs and how: containers, volumes, scheduling and security settings.",
    F(
        "volumes",
        1,
        ListOf(CORE + "Volume"),
        "Volumes the containers may mount.",
        **(_BY_NAME | {"patch_strategy": "merge,retainKeys"}),
    ),
    F(
        "initContainers",
        20,
        ListOf(CORE + "Container"),
        "Containers run one by one, each to completion, before the others start.",
        **_BY_NAME,
    ),
    F(
        "containers",
        2,
        ListOf(CORE + "Container"),
        "The containers; at least one.",
        required=True,
        **_BY_NAME,
    ),
    F(
        "ephemeralContainers",
        34,
        ListOf(CORE + "EphemeralContainer"),
        "Debugging containers, added only through the ephemeralcontainers subresource.",
        **_BY_NAME,
    ),
    F(
        "restartPolicy",
        3,
        STRING,
        "Always (default), OnFailure or Never.",
        default="Always",
        enum=("Always", "OnFailure", "Never"),
    ),
    F(
        "terminationGracePeriodSeconds",
        4,
        INT64,
        "Seconds between the stop signal and the kill; 30 by default.",
        pointer=True,
        default=30,
    ),
    F(
        "activeDeadlineSeconds",
        5,
        INT64,
        "Seconds the pod may run before it is failed and stopped.",
        pointer=True,
    ),
    F(
        "dnsPolicy",
        6,
        STRING,
        "ClusterFirst (default), ClusterFirstWithHostNet, Default or None.",
        default="ClusterFirst",
        enum=("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
    ),
    F(
        "nodeSelector",
        7,
        MapOf(STRING),
        "Labels a node must have for the pod to run there.",
        map_type="atomic",
    ),
    F("serviceAccountName", 8, STRING, "Service account the pod runs as."),
    F("serviceAccount", 9, STRING, "Deprecated alias of serviceAccountName."),
    F(
        "automountServiceAccountToken",
        21,
        BOOL,
        "Whether to mount an API token of the service account.",
        pointer=True,
    ),
    F("nodeName", 10, STRING, "The node the pod is bound to; set by the scheduler."),
    F("hostNetwork", 11, BOOL, "Use the node's network namespace."),
    F("hostPID", 12, BOOL, "Use the node's PID namespace."),
    F("hostIPC", 13, BOOL, "Use the node's IPC namespace."),
    F(
        "shareProcessNamespace",
        27,
        BOOL,
        "Put all containers in one PID namespace, so they see each other's processes.",
        pointer=True,
    ),
    F(
        "securityContext",
        14,
        CORE + "PodSecurityContext",
        "Pod-wide security settings.",
        pointer=True,
        default={},
    ),
    F(
        "imagePullSecrets",
        15,
        ListOf(CORE + "LocalObjectReference"),
        "Secrets with registry credentials for pulling the images.",
        **_BY_NAME,
    ),
    F("hostname", 16, STRING, "Host name of the pod; the pod's name by default."),
    F("subdomain", 17, STRING, "Makes the FQDN <hostname>.<subdomain>.<namespace>.svc.<domain>."),
    F("affinity", 18, CORE + "Affinity", "Affinity rules for scheduling.", pointer=True),
    F(
        "schedulerName",
        19,
        STRING,
        "Scheduler that places the pod; default-scheduler by default.",
        default="default-scheduler",
    ),
    F(
        "tolerations",
        22,
        ListOf(CORE + "Toleration"),
        "Taints the pod tolerates.",
        list_type="atomic",
    ),
    F(
        "hostAliases",
        23,
        ListOf(CORE + "HostAlias"),
        "Extra /etc/hosts entries.",
        patch_strategy="merge",
        patch_merge_key="ip",
        list_type="map",
        list_map_keys=("ip",),
    ),
    F("priorityClassName", 24, STRING, "PriorityClass giving the pod its priority."),
    F("priority", 25, INT32, "The priority, filled in from priorityClassName.", pointer=True),
    F("dnsConfig", 26, CORE + "PodDNSConfig", "Extra DNS settings.", pointer=True),
    F(
        "readinessGates",
        28,
        ListOf(CORE + "PodReadinessGate"),
        "Extra conditions required for readiness.",
        list_type="atomic",
    ),
    F("runtimeClassName", 29, STRING, "RuntimeClass to run the pod with.", pointer=True),
    F(
        "enableServiceLinks",
        30,
        BOOL,
        "Inject Docker-link-style variables for Services; true by default.",
        pointer=True,
    ),
    F(
        "preemptionPolicy",
        31,
        STRING,
        "PreemptLowerPriority (default) or Never.",
        pointer=True,
        enum=("Never", "PreemptLowerPriority"),
    ),
    F("overhead", 32, MapOf(QUANTITY), "Resources the runtime itself uses for this pod."),
    F(
        "topologySpreadConstraints",
        33,
        ListOf(CORE + "TopologySpreadConstraint"),
        "How to spread the pod among topology domains.",
        patch_strategy="merge",
        patch_merge_key="topologyKey",
        list_type="map",
        list_map_keys=("topologyKey", "whenUnsatisfiable"),
    ),
    F("setHostnameAsFQDN", 35, BOOL, "Set the kernel host name to the pod's FQDN.", pointer=True),
    F("os", 36, CORE + "PodOS", "The OS the pod needs.", pointer=True),
    F("hostUsers", 37, BOOL, "Use the node's user namespace; true by default.", pointer=True),
    F(
        "schedulingGates",
        38,
        ListOf(CORE + "PodSchedulingGate"),
        "Gates that hold the pod back from scheduling while present.",
        **_BY_NAME,
    ),
    F(
        "resourceClaims",
        39,
        ListOf(CORE + "PodResourceClaim"),
        "Resource claims (dynamic resource allocation) the pod needs.",
        **(_BY_NAME | {"patch_strategy": "merge,retainKeys"}),
    ),
    F(
        "resources",
        40,
        CORE + "ResourceRequirements",
        "Pod-level CPU and memory (alpha PodLevelResources).",
        pointer=True,
    ),
)

define(
    CORE + "Pod",
    "A group of containers that run together on one node, sharing network and volumes.",
    *_kind_fields("object"),
    *_metadata(),
    F("spec", 2, CORE + "PodSpec", "What the pod should run."),
    F("status", 3, CORE + "PodStatus", "What the pod is doing; read-only for users."),
)

define(
    CORE + "PodTemplateSpec",
    "The metadata and spec from which pods are made.",
    *_metadata(),
    F("spec", 2, CORE + "PodSpec", "Spec of the pods made."),
)

define(
    CORE + "PodTemplate",
    "A stored pod template.",
    *_kind_fields("object"),
    *_metadata(),
    F("template", 2, CORE + "PodTemplateSpec", "The template."),
)

# --- bindings and the options of streaming subresources ------------------------------

define(
    CORE + "Binding",
    "Binds an object to another; the scheduler binds pods to nodes with it.",
    *_kind_fields("object"),
    *_metadata(),
    F("target", 2, CORE + "ObjectReference", "The object bound to (a Node).", required=True),
)

# The query options of the streaming subresources, named as discovery's response kinds.
_STREAMS = (
    ("stdin", 1, "Stream standard input."),
    ("stdout", 2, "Stream standard output."),
    ("stderr", 3, "Stream standard error."),
    ("tty", 4, "Allocate a terminal."),
)
define(
    CORE + "PodExecOptions",
    "Options of running a command in a container (pods/exec).",
    *_kind_fields("options object"),
    *(F(name, number, BOOL, doc) for name, number, doc in _STREAMS),
    F("container", 5, STRING, "Container to run in; the only one by default."),
    F("command", 6, ListOf(STRING), "The argv to run.", required=True, list_type="atomic"),
)
define(
    CORE + "PodAttachOptions",
    "Options of attaching to a running container (pods/attach).",
    *_kind_fields("options object"),
    *(F(name, number, BOOL, doc) for name, number, doc in _STREAMS),
    F("container", 5, STRING, "Container to attach to; the only one by default."),
)
define(
    CORE + "PodLogOptions",
    "Options of reading a container's log (pods/log).",
    *_kind_fields("options object"),
    F("container", 1, STRING, "Container to read; the only one by default."),
    F("follow", 2, BOOL, "Keep streaming new lines."),
    F("previous", 3, BOOL, "Read the previous, terminated run."),
    F("sinceSeconds", 4, INT64, "Only lines from the last this many seconds.", pointer=True),
    F("sinceTime", 5, TIME, "Only lines from this time on.", pointer=True),
    F("timestamps", 6, BOOL, "Prefix each line with its timestamp."),
    F("tailLines", 7, INT64, "Only this many lines from the end.", pointer=True),
    F("limitBytes", 8, INT64, "Stop after this many bytes.", pointer=True),
    F("insecureSkipTLSVerifyBackend", 9, BOOL, "Do not verify the kubelet's serving certificate."),
    F("stream", 10, STRING, "All, Stdout or Stderr.", pointer=True),
)
define(
    CORE + "PodPortForwardOptions",
    "Options of forwarding ports to a pod (pods/portforward).",
    *_kind_fields("options object"),
    F("ports", 1, ListOf(INT32), "Ports to forward.", list_type="atomic"),
)
define(
    CORE + "PodProxyOptions",
    "Options of proxying HTTP to a pod (pods/proxy).",
    *_kind_fields("options object"),
    F("path", 1, STRING, "URL path to request on the pod."),
)

# --- resources ----------------------------------------------------------------------------

_GPU = ("get", "patch", "update")

register(
    Resource(
        group="",
        version="v1",
        kind="Pod",
        plural="pods",
        singular="pod",
        namespaced=True,
        schema=CORE + "Pod",
        short_names=("po",),
        categories=("all",),
        subresources=(
            Subresource("attach", "PodAttachOptions", ("create", "get")),
            Subresource("binding", "Binding", ("create",)),
            Subresource("ephemeralcontainers", "Pod", _GPU),
            Subresource("eviction", "Eviction", ("create",), group="policy", version="v1"),
            Subresource("exec", "PodExecOptions", ("create", "get")),
            Subresource("log", "Pod", ("get",)),
            Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
            Subresource("proxy", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
            Subresource("status", "Pod", _GPU),
        ),
    )
)

register(
    Resource(
        group="",
        version="v1",
        kind="PodTemplate",
        plural="podtemplates",
        singular="podtemplate",
        namespaced=True,
        schema=CORE + "PodTemplate",
    )
)

register(
    Resource(
        group="",
        version="v1",
        kind="Binding",
        plural="bindings",
        singular="binding",
        namespaced=True,
        schema=CORE + "Binding",
        verbs=("create",),
        # Creating a binding sets a pod's spec.nodeName; the binding itself is never stored.
        stored=False,
    )
)

# What pods are made of, and their rules, live in sibling modules; importing this module
# brings them all in, so the package's import list names only core_pod.
from pyk8s.api.kinds import (  # noqa: E402, F401  (imported for their definitions and hooks)
    core_affinity,
    core_container,
    core_container_validation,
    core_pod_defaults,
    core_pod_status,
    core_pod_update,
    core_pod_validation,
    core_replication,
    core_security,
    core_volume,
    core_volume_legacy,
)
