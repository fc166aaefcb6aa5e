"""core/v1 Node: a machine that runs pods, as its kubelet registers and reports it.

The spec is what administrators and controllers set (taints, unschedulable, the pod CIDR the
node IPAM controller hands out); the status is what the kubelet reports (capacity, conditions,
addresses, system info, images). Nodes are stored under "/minions", their historical name.

Validation follows ValidateNode / ValidateNodeUpdate (pkg/apis/core/validation, v1.32):
taints must have valid keys, values and effects and be unique per key and effect; podCIDRs and
providerID may be set once but never changed.
"""

import ipaddress
import json

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import (
    BOOL,
    INT32,
    INT64,
    QUANTITY,
    STRING,
    TIME,
    F,
    ListOf,
    MapOf,
    defaulter,
    define,
    update_validator,
    validator,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

define(
    CORE + "Taint",
    "A mark on a node that repels pods which do not tolerate it.",
    F("key", 1, STRING, "The taint key, in label-key syntax.", required=True),
    F("value", 2, STRING, "The taint value, in label-value syntax."),
    F(
        "effect",
        3,
        STRING,
        "What happens to pods that do not tolerate the taint.",
        required=True,
        enum=TAINT_EFFECTS,
    ),
    F("timeAdded", 4, TIME, "When the taint was added (NoExecute taints only).", pointer=True),
)

define(
    CORE + "ConfigMapNodeConfigSource",
    "A ConfigMap holding kubelet configuration (deprecated dynamic config).",
    F("namespace", 1, STRING, "The ConfigMap's namespace.", required=True),
    F("name", 2, STRING, "The ConfigMap's name.", required=True),
    F("uid", 3, STRING, "The ConfigMap's UID (status only)."),
    F("resourceVersion", 4, STRING, "The ConfigMap's resourceVersion (status only)."),
    F("kubeletConfigKey", 5, STRING, "The key holding the kubelet configuration.", required=True),
)

define(
    CORE + "NodeConfigSource",
    "Where a node's kubelet configuration came from (deprecated).",
    F("configMap", 2, CORE + "ConfigMapNodeConfigSource", "A ConfigMap source.", pointer=True),
)

define(
    CORE + "NodeSpec",
    "How a node is set up for scheduling and networking.",
    F("podCIDR", 1, STRING, "The pod IP range assigned to the node."),
    F("externalID", 2, STRING, "Deprecated; no longer used."),
    F("providerID", 3, STRING, "The cloud provider's ID for the node: <provider>://<id>."),
    F("unschedulable", 4, BOOL, "When true, no new pods are scheduled onto the node."),
    F(
        "taints",
        5,
        ListOf(CORE + "Taint"),
        "Taints that repel pods without matching tolerations.",
        list_type="atomic",
    ),
    F(
        "configSource",
        6,
        CORE + "NodeConfigSource",
        "Deprecated dynamic kubelet configuration.",
        pointer=True,
    ),
    F(
        "podCIDRs",
        7,
        ListOf(STRING),
        "The pod IP ranges assigned to the node, at most one per IP family.",
        patch_strategy="merge",
        list_type="set",
    ),
)

define(
    CORE + "NodeCondition",
    "One observed aspect of a node's health (Ready, MemoryPressure, ...).",
    F("type", 1, STRING, "The kind of condition.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("lastHeartbeatTime", 3, TIME, "When the kubelet last reported this condition."),
    F("lastTransitionTime", 4, TIME, "When the condition last changed status."),
    F("reason", 5, STRING, "A one-word CamelCase reason for the last transition."),
    F("message", 6, STRING, "A human-readable explanation of the last transition."),
)

define(
    CORE + "NodeAddress",
    "One address of a node.",
    F(
        "type",
        1,
        STRING,
        "Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.",
        required=True,
    ),
    F("address", 2, STRING, "The address itself.", required=True),
)

define(
    CORE + "DaemonEndpoint",
    "A port a node daemon listens on.",
    # The one capitalised JSON name of the API, kept as Kubernetes spells it.
    F("Port", 1, INT32, "The port number.", required=True),
)

define(
    CORE + "NodeDaemonEndpoints",
    "Ports of the daemons running on a node.",
    F("kubeletEndpoint", 1, CORE + "DaemonEndpoint", "Where the kubelet listens."),
)

define(
    CORE + "NodeSwapStatus",
    "Swap memory of a node.",
    F("capacity", 1, INT64, "Total swap memory, in bytes.", pointer=True),
)

define(
    CORE + "NodeSystemInfo",
    "Identifiers and versions a node reports about itself.",
    F("machineID", 1, STRING, "The machine-id of the host."),
    F("systemUUID", 2, STRING, "The system UUID of the host."),
    F("bootID", 3, STRING, "The ID of the current boot."),
    F("kernelVersion", 4, STRING, "The kernel version (uname -r)."),
    F("osImage", 5, STRING, "The OS image, from /etc/os-release."),
    F("containerRuntimeVersion", 6, STRING, "The container runtime and its version."),
    F("kubeletVersion", 7, STRING, "The kubelet version."),
    F("kubeProxyVersion", 8, STRING, "Deprecated: the kube-proxy version."),
    F("operatingSystem", 9, STRING, "The operating system (linux, windows)."),
    F("architecture", 10, STRING, "The CPU architecture (amd64, arm64, ...)."),
    F("swap", 11, CORE + "NodeSwapStatus", "Swap memory information.", pointer=True),
)

define(
    CORE + "ContainerImage",
    "An image present on a node.",
    F("names", 1, ListOf(STRING), "The names the image is known by.", list_type="atomic"),
    F("sizeBytes", 2, INT64, "The image size in bytes."),
)

define(
    CORE + "AttachedVolume",
    "A volume attached to a node.",
    F("name", 1, STRING, "The volume's unique name.", required=True),
    F("devicePath", 2, STRING, "Where the volume's device appears on the node.", required=True),
)

define(
    CORE + "NodeConfigStatus",
    "Which kubelet configuration a node uses (deprecated dynamic config).",
    F(
        "assigned",
        1,
        CORE + "NodeConfigSource",
        "The configuration the node will try.",
        pointer=True,
    ),
    F("active", 2, CORE + "NodeConfigSource", "The configuration in use.", pointer=True),
    F(
        "lastKnownGood",
        3,
        CORE + "NodeConfigSource",
        "The configuration to fall back to.",
        pointer=True,
    ),
    F("error", 4, STRING, "Why the assigned configuration could not be used."),
)

define(
    CORE + "NodeRuntimeHandlerFeatures",
    "Features a container runtime handler supports.",
    F("recursiveReadOnlyMounts", 1, BOOL, "Recursive read-only mounts.", pointer=True),
    F("userNamespaces", 2, BOOL, "User namespaces, volumes included.", pointer=True),
)

define(
    CORE + "NodeRuntimeHandler",
    "A container runtime handler available on the node.",
    F("name", 1, STRING, "The handler name; empty for the default handler."),
    F(
        "features",
        2,
        CORE + "NodeRuntimeHandlerFeatures",
        "What the handler supports.",
        pointer=True,
    ),
)

define(
    CORE + "NodeFeatures",
    "Features the node's container runtime implements.",
    F(
        "supplementalGroupsPolicy",
        1,
        BOOL,
        "Whether the runtime honours supplementalGroupsPolicy.",
        pointer=True,
    ),
)

define(
    CORE + "NodeStatus",
    "What a node's kubelet reports about it.",
    F("capacity", 1, MapOf(QUANTITY), "Total resources of the node."),
    F("allocatable", 2, MapOf(QUANTITY), "Resources available to pods; defaults to capacity."),
    F("phase", 3, STRING, "Deprecated and never set."),
    F(
        "conditions",
        4,
        ListOf(CORE + "NodeCondition"),
        "The latest observations of the node's health.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
    F(
        "addresses",
        5,
        ListOf(CORE + "NodeAddress"),
        "The node's addresses; replace the whole list rather than merging it.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
    F("daemonEndpoints", 6, CORE + "NodeDaemonEndpoints", "Ports of the node's daemons."),
    F("nodeInfo", 7, CORE + "NodeSystemInfo", "Identifiers and versions of the node."),
    F("images", 8, ListOf(CORE + "ContainerImage"), "Images on the node.", list_type="atomic"),
    F(
        "volumesInUse",
        9,
        ListOf(STRING),
        "Attachable volumes mounted on the node.",
        list_type="atomic",
    ),
    F(
        "volumesAttached",
        10,
        ListOf(CORE + "AttachedVolume"),
        "Volumes attached to the node.",
        list_type="atomic",
    ),
    F(
        "config",
        11,
        CORE + "NodeConfigStatus",
        "Dynamic kubelet configuration status.",
        pointer=True,
    ),
    F(
        "runtimeHandlers",
        12,
        ListOf(CORE + "NodeRuntimeHandler"),
        "The runtime handlers available.",
        list_type="atomic",
    ),
    F("features", 13, CORE + "NodeFeatures", "Features of the container runtime.", pointer=True),
)

define(
    CORE + "Node",
    "A machine, physical or virtual, that runs pods.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "NodeSpec", "How the node is set up."),
    F("status", 3, CORE + "NodeStatus", "What the node's kubelet reports."),
)

register(
    Resource(
        group="",
        version="v1",
        kind="Node",
        plural="nodes",
        singular="node",
        namespaced=False,
        schema=CORE + "Node",
        short_names=("no",),
        subresources=(
            Subresource(
                "proxy", "NodeProxyOptions", ("create", "delete", "get", "patch", "update")
            ),
            Subresource("status", "Node", ("get", "patch", "update")),
        ),
        storage_prefix="/minions",
    )
)


@defaulter(CORE + "NodeStatus")
def default_allocatable(status: dict) -> None:
    if "allocatable" not in status and status.get("capacity"):
        status["allocatable"] = dict(status["capacity"])


def _duplicate_taint(taint: dict, path: str) -> Cause:
    # Kubernetes prints the whole internal struct, Go style, then explains the rule.
    def quoted(name: str) -> str:
        return json.dumps(taint.get(name, ""))

    added = "(*v1.Time)(nil)" if taint.get("timeAdded") is None else f"{taint['timeAdded']!r}"
    shown = (
        f"core.Taint{{Key:{quoted('key')}, Value:{quoted('value')}, "
        f"Effect:{quoted('effect')}, TimeAdded:{added}}}"
    )
    message = f"Duplicate value: {shown}: taints must be unique by key and effect pair"
    return Cause("FieldValueDuplicate", message, path)


@validator(CORE + "NodeSpec")
def validate_node_spec(spec: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for index, taint in enumerate(spec.get("taints") or []):
        where = f"{path}.taints[{index}]"
        key, value = taint.get("key", ""), taint.get("value", "")
        causes += [validation.invalid(f"{where}.key", key, m) for m in names.is_qualified_name(key)]
        if errors := names.is_valid_label_value(value):
            causes.append(validation.invalid(f"{where}.value", value, ";".join(errors)))
        if (key, taint.get("effect", "")) in seen:
            causes.append(_duplicate_taint(taint, where))
        seen.add((key, taint.get("effect", "")))
    cidrs = spec.get("podCIDRs") or []
    for index, cidr in enumerate(cidrs):
        if not _is_cidr(cidr):
            detail = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
            causes.append(validation.invalid(f"{path}.podCIDRs[{index}]", cidr, detail))
    if len(cidrs) > 2:
        causes.append(validation.too_many(f"{path}.podCIDRs", len(cidrs), 2))
    return causes


def _is_cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return "/" in value


@update_validator(CORE + "Node")
def validate_node_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = []
    # The node IPAM controller may assign a range once; after that it is fixed.
    old_cidrs = old_spec.get("podCIDRs") or []
    if old_cidrs and old_cidrs != (new_spec.get("podCIDRs") or []):
        detail = 'node updates may not change podCIDR except from "" to valid'
        causes.append(validation.forbidden("spec.podCIDRs", detail))
    old_provider = old_spec.get("providerID", "")
    if old_provider and old_provider != new_spec.get("providerID", ""):
        detail = 'node updates may not change providerID except from "" to valid'
        causes.append(validation.forbidden("spec.providerID", detail))
    return causes


define(
    CORE + "NodeProxyOptions",
    "Query options of a request proxied to a node's kubelet.",
    F("path", 1, STRING, "The path to request on the kubelet."),
)
