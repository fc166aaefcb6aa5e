"""Columns of the core/v1 kinds other than pods and events.

Services show how they are reached (`80/TCP`, `80:30080/TCP`, `<pending>` while a load
balancer is being made), nodes their readiness (`Ready,SchedulingDisabled`) and roles (from
`node-role.kubernetes.io/<role>` labels), volumes and claims their binding.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    Obj,
    age,
    column,
    container_cells,
    format_labels,
    name_of,
    printer,
    quantity_text,
    template_spec,
)


@printer("", "Namespace", [NAME, column("Status", "Active, or Terminating while deleted."), AGE])
def namespace_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), obj.get("status", {}).get("phase", ""), age(obj, now)]


@printer("", "ConfigMap", [NAME, column("Data", "How many keys the data holds."), AGE])
def config_map_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    keys = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [name_of(obj), keys, age(obj, now)]


@printer(
    "",
    "Secret",
    [NAME, column("Type", "What the secret holds."), column("Data", "How many keys."), AGE],
)
def secret_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), obj.get("type", ""), len(obj.get("data") or {}), age(obj, now)]


@printer("", "ServiceAccount", [NAME, column("Secrets", "How many secrets it lists."), AGE])
def service_account_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), len(obj.get("secrets") or []), age(obj, now)]


@printer(
    "",
    "ComponentStatus",
    [
        NAME,
        column("Status", "Healthy or Unhealthy, from the Healthy condition."),
        column("Message", "What the health check answered."),
        column("Error", "Why the health check failed."),
    ],
)
def component_status_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    status, message, error = "Unknown", "", ""
    for condition in obj.get("conditions") or ():
        if condition.get("type") == "Healthy":
            status = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            message, error = condition.get("message", ""), condition.get("error", "")
            break
    return [name_of(obj), status, message, error]


@printer(
    "",
    "Service",
    [
        NAME,
        column("Type", "ClusterIP, NodePort, LoadBalancer or ExternalName."),
        column("Cluster-IP", "The virtual IP clients inside the cluster connect to."),
        column("External-IP", "Addresses from outside the cluster, if any."),
        column("Port(s)", "Service ports, with the node port after a colon."),
        AGE,
        column("Selector", "Labels of the pods the service sends traffic to.", priority=1),
    ],
)
def service_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec", {})
    cluster_ips = spec.get("clusterIPs") or []
    ports = ",".join(_service_port(port) for port in spec.get("ports") or ())
    return [
        name_of(obj),
        spec.get("type", ""),
        cluster_ips[0] if cluster_ips else "<none>",
        service_external_ip(obj),
        ports or "<none>",
        age(obj, now),
        format_labels(spec.get("selector")),
    ]


def _service_port(port: dict[str, Any]) -> str:
    protocol = port.get("protocol", "")
    if port.get("nodePort"):
        return f"{port.get('port')}:{port['nodePort']}/{protocol}"
    return f"{port.get('port')}/{protocol}"


def service_external_ip(obj: Obj) -> str:
    spec = obj.get("spec", {})
    kind, external_ips = spec.get("type"), spec.get("externalIPs") or []
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if kind == "LoadBalancer":
        ingress = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
        addresses = sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""})
        return ",".join(addresses + external_ips) or "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


@printer("", "Endpoints", [NAME, column("Endpoints", "Ready addresses, with ports."), AGE])
def endpoints_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), _format_endpoints(obj.get("subsets") or []), age(obj, now)]


def _format_endpoints(subsets: list[dict[str, Any]], limit: int = 3) -> str:
    if not subsets:
        return "<none>"
    shown: list[str] = []
    total = 0
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or ()]
        # Headless services may have no ports: then the bare addresses are shown.
        ports = [p.get("port") for p in subset.get("ports") or ()] or [None]
        for port in ports:
            total += len(addresses)
            for ip in addresses:
                if len(shown) < limit:
                    shown.append(ip if port is None else _host_port(ip, port))
    text = ",".join(shown)
    return f"{text} + {total - limit} more..." if total > limit else text


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


@printer(
    "",
    "Node",
    [
        NAME,
        column("Status", "Ready or NotReady, and SchedulingDisabled when cordoned."),
        column("Roles", "Roles from node-role.kubernetes.io/<role> labels."),
        AGE,
        column("Version", "The kubelet's version."),
        column("Internal-IP", "The node's first InternalIP address.", priority=1),
        column("External-IP", "The node's first ExternalIP address.", priority=1),
        column("OS-Image", "The operating system the node reports.", priority=1),
        column("Kernel-Version", "The node's kernel version.", priority=1),
        column("Container-Runtime", "The container runtime and its version.", priority=1),
    ],
)
def node_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    status = obj.get("status", {})
    info = status.get("nodeInfo", {})
    return [
        name_of(obj),
        node_status(obj),
        ",".join(node_roles(obj.get("metadata", {}).get("labels") or {})) or "<none>",
        age(obj, now),
        info.get("kubeletVersion", ""),
        _address(status, "InternalIP"),
        _address(status, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def node_status(obj: Obj) -> str:
    states = []
    for condition in obj.get("status", {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    states = states or ["Unknown"]
    if obj.get("spec", {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(labels: dict[str, str]) -> list[str]:
    roles = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/") and len(key) > len(
            "node-role.kubernetes.io/"
        ):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _address(status: dict[str, Any], kind: str) -> str:
    for address in status.get("addresses") or ():
        if address.get("type") == kind:
            return address.get("address", "")
    return "<none>"


@printer(
    "",
    "PodTemplate",
    [
        NAME,
        column("Containers", "The names of the template's containers."),
        column("Images", "The images of the template's containers."),
        column("Pod Labels", "The labels pods made from the template get."),
    ],
)
def pod_template_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    template = obj.get("template", {})
    labels = format_labels(template.get("metadata", {}).get("labels"))
    return [name_of(obj), *container_cells(template.get("spec")), labels]


@printer(
    "",
    "ReplicationController",
    [
        NAME,
        column("Desired", "Pods wanted (spec.replicas).", type="integer"),
        column("Current", "Pods that exist (status.replicas).", type="integer"),
        column("Ready", "Pods that are ready.", type="integer"),
        AGE,
        CONTAINERS,
        IMAGES,
        column("Selector", "Labels of the pods it manages.", priority=1),
    ],
)
def replication_controller_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [
        name_of(obj),
        spec.get("replicas", 0),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(obj, now),
        *container_cells(template_spec(obj)),
        format_labels(spec.get("selector")),
    ]


@printer(
    "",
    "ResourceQuota",
    [
        NAME,
        column("Request", "Used and hard amounts of the quota's request resources."),
        column("Limit", "Used and hard amounts of the quota's limits.* resources."),
        AGE,
    ],
)
def resource_quota_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    status = obj.get("status", {})
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests, limits = [], []
    for resource in sorted(hard):
        text = (
            f"{resource}: {quantity_text(used.get(resource, '0'))}/{quantity_text(hard[resource])}"
        )
        (limits if resource.startswith("limits.") else requests).append(text)
    return [name_of(obj), ", ".join(requests), ", ".join(limits), age(obj, now)]
