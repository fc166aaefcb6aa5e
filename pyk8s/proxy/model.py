"""What the proxy needs from Services and EndpointSlices, as small immutable values.

`service_ports()` turns Service objects into one ServicePort per port that the proxy
should serve; `endpoints_by_port()` turns EndpointSlice objects into the endpoints of each
service port. Both are pure and keep kube-proxy's rules:

- only IPv4 is handled (one proxier per IP family, as kube-proxy runs them); headless
  (`clusterIP: None`) and ExternalName services, and services labelled
  `service.kubernetes.io/service-proxy-name` (served by another proxy), get no rules;
- an EndpointSlice belongs to the service named by its `kubernetes.io/service-name`
  label; a slice's port is matched to a service port by name and protocol. Named target
  ports need nothing more: the EndpointSlice controller already resolved them per pod
  (pods that resolve a name differently land in different slices);
- a missing `ready` or `serving` condition means true, a missing `terminating` false;
- one endpoint appearing in two slices is kept once, preferring the non-terminating copy;
  endpoints are sorted by "ip:port" text, so the rendered rules are stable.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name"
ZONE_LABEL = "topology.kubernetes.io/zone"
DEFAULT_AFFINITY_SECONDS = 10800  # the API server's default for ClientIP timeoutSeconds

Key = tuple[str, str, str, str]  # namespace, service name, port name, protocol


@dataclass(frozen=True)
class NodeInfo:
    """The node this proxy runs on: its name (for Local policies), labels and addresses."""

    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)  # compared, not hashed
    ip: str | None = None  # the node's primary IPv4 address (its InternalIP)
    addresses: tuple[str, ...] = ()  # every IPv4 address of the node's interfaces


@dataclass(frozen=True)
class ServicePort:
    namespace: str
    service: str
    port_name: str
    protocol: str  # TCP, UDP or SCTP
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    load_balancer_ips: tuple[str, ...] = ()
    source_ranges: tuple[str, ...] = ()
    health_check_node_port: int = 0
    affinity_seconds: int = 0  # 0: no session affinity
    internal_local: bool = False  # internalTrafficPolicy: Local
    external_local: bool = False  # externalTrafficPolicy: Local (externally reachable only)

    @property
    def key(self) -> Key:
        return (self.namespace, self.service, self.port_name, self.protocol)

    @functools.cached_property
    def name(self) -> str:
        """kube-proxy's ServicePortName text: "default/web:http" ("default/web" if unnamed)."""
        suffix = f":{self.port_name}" if self.port_name else ""
        return f"{self.namespace}/{self.service}{suffix}"

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.load_balancer_ips or self.external_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        # Externally reachable services need them even with externalTrafficPolicy Local:
        # the node's and pods' own traffic to an external address is short-circuited there.
        return not self.internal_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.externally_accessible and self.external_local)


@dataclass(frozen=True, slots=True)
class Endpoint:
    address: str  # "ip:port": its identity in chain hashes, comments and the DNAT
    ip: str
    is_local: bool = False
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    zone_hints: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.address

    @property
    def serving_terminating(self) -> bool:
        return self.serving and self.terminating


@functools.lru_cache(maxsize=1 << 16)
def _ipv4(value: str | None) -> str | None:
    try:
        return str(ipaddress.IPv4Address(value or ""))
    except ValueError:
        return None


def _cluster_ip(spec: dict[str, Any]) -> str | None:
    for candidate in [spec.get("clusterIP"), *(spec.get("clusterIPs") or [])]:
        if ip := _ipv4(candidate):
            return ip
    return None


def _load_balancer_ips(service: dict[str, Any]) -> tuple[str, ...]:
    if (service.get("spec") or {}).get("type") != "LoadBalancer":
        return ()
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    # ipMode Proxy means the load balancer itself proxies: no VIP rules on the node.
    ips = (_ipv4(i.get("ip")) for i in ingress if i.get("ipMode", "VIP") == "VIP")
    return tuple(ip for ip in ips if ip)


def _policies(spec: dict[str, Any], externally: bool) -> dict[str, Any]:
    service_type = spec.get("type", "ClusterIP")
    external_type = service_type in ("NodePort", "LoadBalancer") or bool(spec.get("externalIPs"))
    affinity = 0
    if spec.get("sessionAffinity") == "ClientIP":
        config = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
        affinity = config.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS
    external_local = external_type and spec.get("externalTrafficPolicy") == "Local"
    health = spec.get("healthCheckNodePort") or 0
    return {
        "affinity_seconds": affinity,
        "internal_local": spec.get("internalTrafficPolicy") == "Local",
        "external_local": external_local and externally,
        "health_check_node_port": health
        if service_type == "LoadBalancer" and external_local
        else 0,
    }


def service_ports(services: Iterable[dict[str, Any]]) -> list[ServicePort]:
    """One ServicePort per port of every Service the proxy serves, sorted by name."""
    result = []
    for service in services:
        meta, spec = service["metadata"], service.get("spec") or {}
        cluster_ip = _cluster_ip(spec)
        skip = spec.get("type") == "ExternalName" or PROXY_NAME_LABEL in (meta.get("labels") or {})
        if skip or cluster_ip is None:
            continue
        external_ips = tuple(ip for ip in map(_ipv4, spec.get("externalIPs") or []) if ip)
        lb_ips = _load_balancer_ips(service)
        source_ranges = tuple(spec.get("loadBalancerSourceRanges") or ())
        for port in spec.get("ports") or []:
            node_port = port.get("nodePort") or 0
            externally = bool(node_port or lb_ips or external_ips)
            result.append(
                ServicePort(
                    namespace=meta.get("namespace", "default"),
                    service=meta["name"],
                    port_name=port.get("name") or "",
                    protocol=port.get("protocol") or "TCP",
                    cluster_ip=cluster_ip,
                    port=port["port"],
                    node_port=node_port,
                    external_ips=external_ips,
                    load_balancer_ips=lb_ips,
                    source_ranges=source_ranges,
                    **_policies(spec, externally),
                )
            )
    return sorted(result, key=lambda p: (p.name, p.protocol))


NO_HINTS: frozenset[str] = frozenset()


def _endpoint(raw: dict[str, Any], port: int, node_name: str) -> Endpoint | None:
    ip = _ipv4((raw.get("addresses") or [None])[0])
    if ip is None:
        return None
    conditions = raw.get("conditions") or {}
    ready = conditions.get("ready") is not False
    hints = (raw.get("hints") or {}).get("forZones")
    return Endpoint(
        f"{ip}:{port}",
        ip,
        bool(node_name) and raw.get("nodeName") == node_name,
        ready,
        conditions.get("serving") is not False,
        conditions.get("terminating") is True,
        frozenset(h["name"] for h in hints if h.get("name")) if hints else NO_HINTS,
    )


def endpoints_by_port(
    slices: Iterable[dict[str, Any]], node_name: str
) -> dict[Key, list[Endpoint]]:
    """The endpoints of every service port, from IPv4 EndpointSlices, sorted by "ip:port"."""
    found: dict[Key, dict[str, Endpoint]] = {}
    for eps in slices:
        meta = eps["metadata"]
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if not service or eps.get("addressType") != "IPv4":
            continue
        for port in eps.get("ports") or []:
            if not port.get("port"):
                continue
            # An unnamed port may arrive as "" or without the field; both mean "".
            port_name = port.get("name") or ""
            key = (
                meta.get("namespace", "default"),
                service,
                port_name,
                port.get("protocol") or "TCP",
            )
            known = found.setdefault(key, {})
            for raw in eps.get("endpoints") or []:
                endpoint = _endpoint(raw, port["port"], node_name)
                if endpoint and (endpoint.address not in known or not endpoint.terminating):
                    known[endpoint.address] = endpoint
    return {key: sorted(eps.values(), key=lambda e: e.address) for key, eps in found.items() if eps}
