"""Small builders for Service and EndpointSlice objects, as the API server returns them."""

from __future__ import annotations

from typing import Any


def service(
    name: str,
    cluster_ip: str,
    ports: list[dict[str, Any]],
    *,
    namespace: str = "default",
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "ports": ports, **spec},
    }


def port(port: int, name: str = "", protocol: str = "TCP", **extra: Any) -> dict[str, Any]:
    return {"name": name, "port": port, "protocol": protocol, **extra}


def endpoint(
    ip: str,
    node: str = "node-a",
    *,
    ready: bool | None = True,
    serving: bool | None = None,
    terminating: bool | None = None,
    zones: tuple[str, ...] = (),
) -> dict[str, Any]:
    conditions = {
        key: value
        for key, value in (("ready", ready), ("serving", serving), ("terminating", terminating))
        if value is not None
    }
    result: dict[str, Any] = {"addresses": [ip], "conditions": conditions, "nodeName": node}
    if zones:
        result["hints"] = {"forZones": [{"name": z} for z in zones]}
    return result


def endpoint_slice(
    service_name: str,
    endpoints: list[dict[str, Any]],
    ports: list[dict[str, Any]],
    *,
    name: str | None = None,
    namespace: str = "default",
    address_type: str = "IPv4",
) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{service_name}-abcde",
            "namespace": namespace,
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "addressType": address_type,
        "endpoints": endpoints,
        "ports": ports,
    }


def slice_port(port: int, name: str = "", protocol: str = "TCP") -> dict[str, Any]:
    return {"name": name, "port": port, "protocol": protocol}
