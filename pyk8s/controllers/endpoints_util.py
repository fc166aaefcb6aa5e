"""What Endpoints and EndpointSlices are made of: which pods back a Service, on which ports.

Shared by endpoints.py and endpointslice.py, and pure. A pod backs a Service when the
Service's selector matches it, it has an IP and it is not finished; it is *ready* when
its Ready condition is True (or always, with `publishNotReadyAddresses`). A Service port
whose `targetPort` is a name resolves, per pod, to that pod's container port of that name;
a pod without such a port is left out of that port's endpoints.
"""

from __future__ import annotations

from typing import Any

from pyk8s.client.cache import Object
from pyk8s.controllers.base import is_being_deleted, is_pod_ready

Ports = tuple[tuple[str, int, str, str | None], ...]  # (name, port, protocol, appProtocol)


def pod_ports(service: Object, pod: Object) -> Ports:
    """The endpoint ports of `pod` for `service`, in the Service's port order."""
    resolved = []
    for port in service["spec"].get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        protocol = port.get("protocol", "TCP")
        number = target if isinstance(target, int) else _named_port(pod, target, protocol)
        if number is None:
            continue
        resolved.append((port.get("name", ""), number, protocol, port.get("appProtocol")))
    return tuple(resolved)


def _named_port(pod: Object, name: str, protocol: str) -> int | None:
    if name.isdigit():
        return int(name)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == name and port.get("protocol", "TCP") == protocol:
                return port.get("containerPort")
    return None


def backing_pods(service: Object, pods: list[Object]) -> list[Object]:
    """Pods that belong in the Service's endpoints: selected, with an IP, not finished."""
    from pyk8s.api.labels import selector_from_label_selector

    selector = selector_from_label_selector({"matchLabels": service["spec"]["selector"]})
    chosen = []
    for pod in pods:
        status = pod.get("status") or {}
        if not status.get("podIP") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        if selector.matches(pod["metadata"].get("labels") or {}):
            chosen.append(pod)
    return chosen


def pod_is_ready(service: Object, pod: Object) -> bool:
    if service["spec"].get("publishNotReadyAddresses"):
        return True
    return is_pod_ready(pod) and not is_being_deleted(pod)


def address(pod: Object) -> dict[str, Any]:
    meta = pod["metadata"]
    entry: dict[str, Any] = {
        "ip": pod["status"]["podIP"],
        "targetRef": {
            "kind": "Pod",
            "namespace": meta["namespace"],
            "name": meta["name"],
            "uid": meta["uid"],
        },
    }
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        entry["nodeName"] = node
    return entry


def port_dicts(ports: Ports) -> list[dict[str, Any]]:
    out = []
    for name, number, protocol, app_protocol in ports:
        port: dict[str, Any] = {"port": number, "protocol": protocol}
        if name:
            port["name"] = name
        if app_protocol:
            port["appProtocol"] = app_protocol
        out.append(port)
    return out


def is_headless(service: Object) -> bool:
    return service["spec"].get("clusterIP") == "None"


def selects_pods(service: Object) -> bool:
    """Services without a selector have hand-managed endpoints; ExternalName has none."""
    return bool(service["spec"].get("selector")) and service["spec"].get("type") != "ExternalName"
