"""core/v1 Service and Endpoints: a stable virtual address in front of a changing set of pods.

A Service selects pods by label; the endpoints controller lists the selected pods' addresses
in an Endpoints object of the same name, and kube-proxy turns both into routing rules.
Services are stored under "/services/specs" and Endpoints under "/services/endpoints", the
historical keys.

Defaults follow SetDefaults_Service (pkg/apis/core/v1/defaults.go, v1.32). Allocating cluster
IPs and node ports is the API server's job and must happen before validation, as Kubernetes'
service registry does; the defaulter below only keeps clusterIP and clusterIPs in step, which
that registry also does first. Validation lives in core_service_rules.py.
"""

from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import (
    BOOL,
    INT32,
    INT_OR_STRING,
    STRING,
    F,
    ListOf,
    MapOf,
    defaulter,
    define,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

PROTOCOLS = ("SCTP", "TCP", "UDP")
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
TRAFFIC_POLICIES = ("Cluster", "Local")
DEFAULT_CLIENT_IP_TIMEOUT = 10800  # three hours

define(
    CORE + "ServicePort",
    "One port a service exposes and where its traffic goes.",
    F("name", 1, STRING, "The port's name, required and unique when there are several."),
    F(
        "protocol",
        2,
        STRING,
        "The IP protocol: TCP (default), UDP or SCTP.",
        default="TCP",
        enum=PROTOCOLS,
    ),
    F("port", 3, INT32, "The port the service listens on.", required=True),
    F(
        "targetPort",
        4,
        INT_OR_STRING,
        "The pods' port, by number or by container port name; defaults to port.",
    ),
    F("nodePort", 5, INT32, "The port opened on every node (NodePort and LoadBalancer)."),
    F(
        "appProtocol",
        6,
        STRING,
        "The application protocol, as a hint to implementations.",
        pointer=True,
    ),
)

define(
    CORE + "ClientIPConfig",
    "Settings of client-IP session affinity.",
    F(
        "timeoutSeconds",
        1,
        INT32,
        "How long a client sticks to one endpoint, 1 to 86400 seconds (default 10800).",
        pointer=True,
    ),
)

define(
    CORE + "SessionAffinityConfig",
    "Settings of session affinity.",
    F("clientIP", 1, CORE + "ClientIPConfig", "Client-IP affinity settings.", pointer=True),
)

define(
    CORE + "ServiceSpec",
    "What a service exposes and which pods serve it.",
    F(
        "ports",
        1,
        ListOf(CORE + "ServicePort"),
        "The ports the service exposes.",
        patch_strategy="merge",
        patch_merge_key="port",
        list_type="map",
        list_map_keys=("port", "protocol"),
    ),
    F(
        "selector",
        2,
        MapOf(STRING),
        "Labels of the pods that serve the service; none means endpoints are managed by hand.",
        map_type="atomic",
    ),
    F("clusterIP", 3, STRING, "The virtual IP; None for a headless service. Usually assigned."),
    F("type", 4, STRING, "How the service is exposed.", default="ClusterIP", enum=SERVICE_TYPES),
    F(
        "externalIPs",
        5,
        ListOf(STRING),
        "Extra IPs, not managed by Kubernetes, on which nodes accept the service's traffic.",
        list_type="atomic",
    ),
    F(
        "sessionAffinity",
        7,
        STRING,
        "None, or ClientIP to send each client to the same endpoint.",
        default="None",
        enum=("ClientIP", "None"),
    ),
    F("loadBalancerIP", 8, STRING, "Deprecated: a requested load balancer IP."),
    F(
        "loadBalancerSourceRanges",
        9,
        ListOf(STRING),
        "Client CIDRs allowed through the load balancer.",
        list_type="atomic",
    ),
    F("externalName", 10, STRING, "The DNS name an ExternalName service aliases."),
    F(
        "externalTrafficPolicy",
        11,
        STRING,
        "Cluster, or Local to keep external traffic on nodes with endpoints.",
        enum=TRAFFIC_POLICIES,
    ),
    F("healthCheckNodePort", 12, INT32, "The node port load balancers probe (Local policy)."),
    F(
        "publishNotReadyAddresses",
        13,
        BOOL,
        "Publish endpoints whether or not their pods are ready.",
    ),
    F(
        "sessionAffinityConfig",
        14,
        CORE + "SessionAffinityConfig",
        "Session affinity settings.",
        pointer=True,
    ),
    F(
        "ipFamilyPolicy",
        17,
        STRING,
        "SingleStack, PreferDualStack or RequireDualStack.",
        pointer=True,
        enum=("PreferDualStack", "RequireDualStack", "SingleStack"),
    ),
    F(
        "clusterIPs",
        18,
        ListOf(STRING),
        "The virtual IPs, one per IP family; the first equals clusterIP.",
        list_type="atomic",
    ),
    F("ipFamilies", 19, ListOf(STRING), "IPv4 and/or IPv6, in order.", list_type="atomic"),
    F(
        "allocateLoadBalancerNodePorts",
        20,
        BOOL,
        "Whether a LoadBalancer service gets node ports (default true).",
        pointer=True,
    ),
    F(
        "loadBalancerClass",
        21,
        STRING,
        "Which load balancer implementation handles the service.",
        pointer=True,
    ),
    F(
        "internalTrafficPolicy",
        22,
        STRING,
        "Cluster, or Local to keep in-cluster traffic on the client's node.",
        pointer=True,
        enum=TRAFFIC_POLICIES,
    ),
    F(
        "trafficDistribution",
        23,
        STRING,
        "A routing preference; PreferClose favours endpoints in the same zone.",
        pointer=True,
        enum=("PreferClose",),
    ),
)

define(
    CORE + "PortStatus",
    "The state of one port of a load balancer.",
    F("port", 1, INT32, "The port number.", required=True),
    F("protocol", 2, STRING, "The port's protocol.", required=True, enum=PROTOCOLS),
    F("error", 3, STRING, "What went wrong with the port, CamelCase.", pointer=True),
)

define(
    CORE + "LoadBalancerIngress",
    "One entry point of a load balancer.",
    F("ip", 1, STRING, "The IP of an IP-based entry point."),
    F("hostname", 2, STRING, "The DNS name of a DNS-based entry point."),
    F(
        "ipMode",
        3,
        STRING,
        "VIP (traffic arrives for the load balancer IP) or Proxy.",
        pointer=True,
        enum=("Proxy", "VIP"),
    ),
    F("ports", 4, ListOf(CORE + "PortStatus"), "The state of each port.", list_type="atomic"),
)

define(
    CORE + "LoadBalancerStatus",
    "The state of a load balancer.",
    F(
        "ingress",
        1,
        ListOf(CORE + "LoadBalancerIngress"),
        "Where traffic for the service should be sent.",
        list_type="atomic",
    ),
)

define(
    CORE + "ServiceStatus",
    "The observed state of a service.",
    F("loadBalancer", 1, CORE + "LoadBalancerStatus", "The load balancer, if any."),
    F(
        "conditions",
        2,
        ListOf(META + "Condition"),
        "The latest observations of the service's state.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
)

define(
    CORE + "Service",
    "A stable name and virtual IP in front of a set of pods chosen by label.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "ServiceSpec", "What the service exposes."),
    F("status", 3, CORE + "ServiceStatus", "The observed state of the service."),
)

define(
    CORE + "EndpointAddress",
    "One address serving a service.",
    F("ip", 1, STRING, "The endpoint's IP.", required=True),
    F(
        "targetRef",
        2,
        CORE + "ObjectReference",
        "The object behind the address (a pod).",
        pointer=True,
    ),
    F("hostname", 3, STRING, "The endpoint's hostname."),
    F("nodeName", 4, STRING, "The node hosting the endpoint.", pointer=True),
)

define(
    CORE + "EndpointPort",
    "One port of a set of endpoints.",
    F("name", 1, STRING, "Matches the service port's name; required when there are several."),
    F("port", 2, INT32, "The port number.", required=True),
    F("protocol", 3, STRING, "TCP (default), UDP or SCTP.", default="TCP", enum=PROTOCOLS),
    F("appProtocol", 4, STRING, "The application protocol.", pointer=True),
)

define(
    CORE + "EndpointSubset",
    "Addresses sharing the same ports: every address serves every port.",
    F(
        "addresses",
        1,
        ListOf(CORE + "EndpointAddress"),
        "Addresses ready to take traffic.",
        list_type="atomic",
    ),
    F(
        "notReadyAddresses",
        2,
        ListOf(CORE + "EndpointAddress"),
        "Addresses not ready yet (starting, or failing readiness).",
        list_type="atomic",
    ),
    F("ports", 3, ListOf(CORE + "EndpointPort"), "The ports.", list_type="atomic"),
)

define(
    CORE + "Endpoints",
    "The addresses currently serving a service, kept under the service's name.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F(
        "subsets",
        2,
        ListOf(CORE + "EndpointSubset"),
        "Groups of addresses with their ports.",
        list_type="atomic",
    ),
)

_PROXY_VERBS = ("create", "delete", "get", "patch", "update")

register(
    Resource(
        group="",
        version="v1",
        kind="Service",
        plural="services",
        singular="service",
        namespaced=True,
        schema=CORE + "Service",
        short_names=("svc",),
        categories=("all",),
        subresources=(
            Subresource("proxy", "ServiceProxyOptions", _PROXY_VERBS),
            Subresource("status", "Service", ("get", "patch", "update")),
        ),
        storage_prefix="/services/specs",
    )
)

register(
    Resource(
        group="",
        version="v1",
        kind="Endpoints",
        plural="endpoints",
        singular="endpoints",
        namespaced=True,
        schema=CORE + "Endpoints",
        short_names=("ep",),
        storage_prefix="/services/endpoints",
    )
)


def externally_accessible(spec: dict) -> bool:
    """Whether traffic can reach the service from outside the cluster."""
    kind = spec.get("type")
    return kind in ("LoadBalancer", "NodePort") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )


@defaulter(CORE + "Service")
def default_service(service: dict) -> None:
    spec = service.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig") or {}
        client_ip = config.get("clientIP") or {}
        client_ip.setdefault("timeoutSeconds", DEFAULT_CLIENT_IP_TIMEOUT)
        config["clientIP"] = client_ip
        spec["sessionAffinityConfig"] = config
    for port in spec.get("ports") or []:
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    if externally_accessible(spec) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and spec["type"] != "ExternalName":
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
        ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        for entry in ingress:
            if entry.get("ip") and entry.get("ipMode") is None:
                entry["ipMode"] = "VIP"
    _sync_cluster_ips(spec)


def _sync_cluster_ips(spec: dict) -> None:
    # Users may set either field; Kubernetes' service registry fills in the other one.
    cluster_ip, cluster_ips = spec.get("clusterIP"), spec.get("clusterIPs")
    if cluster_ip and not cluster_ips:
        spec["clusterIPs"] = [cluster_ip]
    elif cluster_ips and not cluster_ip:
        spec["clusterIP"] = cluster_ips[0]


define(
    CORE + "ServiceProxyOptions",
    "Query options of a request proxied to a service.",
    F("path", 1, STRING, "The path, with query, to request from the service."),
)
