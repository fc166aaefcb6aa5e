"""The proxy's options, and the per-service decision of where each kind of traffic goes.

A ServicePlan is computed once per service port from its endpoints (see topology.py) and
then read by every rule writer, so that "does this service have endpoints for internal
traffic?" is answered in one place — the same questions, with the same answers, that
kube-proxy's syncProxyRules asks before writing a service's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.proxy import chains as c
from pyk8s.proxy.model import ServicePort
from pyk8s.proxy.topology import Categorized

REJECT = "REJECT --reject-with icmp-port-unreachable"


@dataclass(frozen=True)
class ProxyOptions:
    masquerade_bit: int = 14  # --iptables-masquerade-bit
    masquerade_all: bool = False  # --masquerade-all
    cluster_cidr: str | None = None  # --cluster-cidr: traffic from elsewhere is masqueraded
    nodeport_addresses: tuple[str, ...] = ()  # --nodeport-addresses; empty: every local IP
    # NodePorts on 127.0.0.1 need the route_localnet sysctl, which pyk8s does not set.
    localhost_nodeports: bool = False
    conntrack_tcp_liberal: bool = False  # nf_conntrack_tcp_be_liberal is set: no INVALID drop


@dataclass(frozen=True)
class ServicePlan:
    """Where one service port's traffic goes, decided once from its endpoints."""

    port: ServicePort
    endpoints: Categorized
    internal_chain: str  # where cluster IP traffic goes: KUBE-SVC- or KUBE-SVL-
    external_policy_chain: str  # where KUBE-EXT- finally sends external traffic
    has_internal: bool  # cluster IP traffic has somewhere to go
    has_external: bool  # node port / external IP / LB traffic from outside has too
    no_internal: tuple[str, str]  # filter (target, comment) used when has_internal is false
    no_external: tuple[str, str]  # the same for external traffic

    @property
    def protocol(self) -> str:
        return self.port.protocol.lower()

    def chain(self, prefix: str) -> str:
        return c.service_chain(prefix, self.port.name, self.port.protocol)

    @property
    def cluster_chain(self) -> str:
        return self.chain(c.SERVICE_CLUSTER_PREFIX)

    @property
    def local_chain(self) -> str:
        return self.chain(c.SERVICE_LOCAL_PREFIX)

    @property
    def external_chain(self) -> str:
        return self.chain(c.SERVICE_EXTERNAL_PREFIX)

    @property
    def firewall_chain(self) -> str:
        return self.chain(c.SERVICE_FIREWALL_PREFIX)

    @property
    def uses_firewall(self) -> bool:
        port = self.port
        return self.endpoints.has_any and bool(port.load_balancer_ips and port.source_ranges)


def plan_service(port: ServicePort, found: Categorized) -> ServicePlan:
    cluster = c.service_chain(c.SERVICE_CLUSTER_PREFIX, port.name, port.protocol)
    local = c.service_chain(c.SERVICE_LOCAL_PREFIX, port.name, port.protocol)
    # No endpoints at all: REJECT, so clients get "connection refused" at once. Endpoints,
    # but none on this node for a Local policy: DROP, as kube-proxy does.
    refusal = (
        (REJECT, f"{port.name} has no endpoints")
        if not found.has_any
        else ("DROP", f"{port.name} has no local endpoints")
    )
    return ServicePlan(
        port=port,
        endpoints=found,
        internal_chain=local if port.internal_local else cluster,
        external_policy_chain=local if port.external_local else cluster,
        has_internal=found.has_any and (not port.internal_local or bool(found.local)),
        has_external=found.has_any and (not port.external_local or bool(found.local)),
        no_internal=refusal,
        no_external=refusal,
    )
