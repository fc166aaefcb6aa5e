"""kube-proxy's iptables mode as a pure function: (Services, EndpointSlices, node) -> rules.

`render()` builds the complete desired state every time; the applier installs it in one
`iptables-restore --noflush` transaction. Rebuilding everything is what keeps this simple
and safe: there is no partial update to get wrong, and a rule removed by hand comes back at
the next sync. The structure is kube-proxy's, so `iptables-save` reads as in the tutorials:

    nat PREROUTING/OUTPUT -> KUBE-SERVICES
      -d <clusterIP> --dport <port>            -> KUBE-SVC-<hash>  (or KUBE-SVL-, policy Local)
      -d <externalIP | LB IP> --dport <port>   -> KUBE-EXT-<hash>
      (last) destination is a local address    -> KUBE-NODEPORTS --dport <nodePort> -> KUBE-EXT-
    KUBE-EXT-<hash>  mark for masquerade (or keep the source for Local), then -> KUBE-SVC/SVL
    KUBE-SVC-<hash>  one rule per endpoint: rule i of n matches with probability 1/(n-i),
                     the last always, so every endpoint gets an equal share -> KUBE-SEP-<hash>
    KUBE-SEP-<hash>  mark hairpin traffic (pod to itself) for masquerade; DNAT to ip:port
    nat POSTROUTING -> KUBE-POSTROUTING: MASQUERADE what KUBE-MARK-MASQ marked
    filter: KUBE-SERVICES / KUBE-EXTERNAL-SERVICES REJECT services without endpoints (a
    clean "connection refused" instead of a timeout); KUBE-FORWARD accepts marked traffic.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from pyk8s.proxy import chains as c
from pyk8s.proxy.external import write_external_rules
from pyk8s.proxy.model import Endpoint, NodeInfo, ServicePort, endpoints_by_port, service_ports
from pyk8s.proxy.plan import ProxyOptions, ServicePlan, plan_service
from pyk8s.proxy.ruleset import RuleSet, comment
from pyk8s.proxy.topology import categorize

__all__ = ["NodeInfo", "ProxyOptions", "RuleSet", "node_port_ips", "render", "render_service"]

# Above this many endpoints kube-proxy drops per-endpoint comments: they can make up 40 % of
# the restore input, and at that size restore time matters more than readability.
LARGE_CLUSTER_ENDPOINTS = 1000
NODEPORTS_COMMENT = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"


class _Renderer:
    """Writes kube-proxy's rules into one RuleSet: the fixed ones, or one service's."""

    def __init__(self, rules: RuleSet, node: NodeInfo, options: ProxyOptions, large: bool):
        self.rules, self.node, self.options, self.large = rules, node, options, large
        self.mark = c.masquerade_mark(options.masquerade_bit)

    def _note(self, text: str) -> str:
        return "" if self.large else comment(text)

    def base_rules(self) -> None:
        nat, filt, mark = self.rules.nat, self.rules.filter, self.mark
        for table, names in c.FIXED_CHAINS.items():
            for name in names:
                self.rules.table(table).ensure_chain(name)
        nat.add(c.KUBE_POSTROUTING, matches=[f"-m mark ! --mark {mark}/{mark}"], jump="RETURN")
        # Clear the mark so a packet that loops through the stack is not masqueraded twice.
        nat.add(c.KUBE_POSTROUTING, jump=f"MARK --set-xmark {mark}/0x0")
        snat = comment("kubernetes service traffic requiring SNAT")
        nat.add(c.KUBE_POSTROUTING, matches=[snat], jump="MASQUERADE --random-fully")
        nat.add(c.KUBE_MARK_MASQ, jump=f"MARK --set-xmark {mark}/{mark}")
        if not self.options.conntrack_tcp_liberal:
            # A stray out-of-window packet would otherwise reach the pod un-NATed and reset
            # the connection.
            filt.add(c.KUBE_FORWARD, matches=["-m conntrack --ctstate INVALID"], jump="DROP")
        forwarding = [comment("kubernetes forwarding rules"), f"-m mark --mark {mark}/{mark}"]
        filt.add(c.KUBE_FORWARD, matches=forwarding, jump="ACCEPT")
        established = [
            comment("kubernetes forwarding conntrack rule"),
            "-m conntrack --ctstate RELATED,ESTABLISHED",
        ]
        filt.add(c.KUBE_FORWARD, matches=established, jump="ACCEPT")

    def service(self, plan: ServicePlan) -> None:
        self.capture_cluster_ip(plan)
        write_external_rules(self.rules, plan, self.node, self.options)
        self.internal_masquerade(plan)
        found = plan.endpoints
        if found.cluster and plan.port.uses_cluster_endpoints:
            self.balance(plan, plan.cluster_chain, found.cluster)
        if found.local and plan.port.uses_local_endpoints:
            self.balance(plan, plan.local_chain, found.local)
        for endpoint in found.reachable:
            self.endpoint_chain(plan.port, endpoint)

    def capture_cluster_ip(self, plan: ServicePlan) -> None:
        port, proto = plan.port, plan.port.protocol.lower()
        dport = f"-m {proto} --dport {port.port}"
        if plan.has_internal:
            matches = [comment(f"{port.name} cluster IP"), dport]
            self.rules.nat.add(
                c.KUBE_SERVICES,
                destination=port.cluster_ip,
                protocol=proto,
                matches=matches,
                jump=plan.internal_chain,
            )
        else:
            target, text = plan.no_internal
            self.rules.filter.add(
                c.KUBE_SERVICES,
                destination=port.cluster_ip,
                protocol=proto,
                matches=[comment(text), dport],
                jump=target,
            )

    def internal_masquerade(self, plan: ServicePlan) -> None:
        """Masquerade traffic to the cluster IP that did not come from a pod."""
        port, proto = plan.port, plan.port.protocol.lower()
        if not plan.has_internal or not (self.options.masquerade_all or self.options.cluster_cidr):
            return
        not_from_pods = None if self.options.masquerade_all else self.options.cluster_cidr
        self.rules.nat.add(
            plan.internal_chain,
            not_source=not_from_pods,
            destination=port.cluster_ip,
            protocol=proto,
            matches=[comment(f"{port.name} cluster IP"), f"-m {proto} --dport {port.port}"],
            jump=c.KUBE_MARK_MASQ,
        )

    def balance(self, plan: ServicePlan, chain: str, endpoints: list[Endpoint]) -> None:
        port, nat = plan.port, self.rules.nat
        nat.ensure_chain(chain)
        sep = {e.address: c.endpoint_chain(port.name, port.protocol, e.address) for e in endpoints}
        if port.affinity_seconds:
            for endpoint in endpoints:
                target = sep[endpoint.address]
                recent = (
                    f"-m recent --rcheck --seconds {port.affinity_seconds} --reap"
                    f" --name {target} --mask 255.255.255.255 --rsource"
                )
                note = self._note(f"{port.name} -> {endpoint.address}")
                nat.add(chain, matches=[note, recent], jump=target)
        for i, endpoint in enumerate(endpoints):
            remaining = len(endpoints) - i
            chance = (
                ""
                if remaining == 1
                else f"-m statistic --mode random --probability {c.probability(remaining)}"
            )
            note = self._note(f"{port.name} -> {endpoint.address}")
            nat.add(chain, matches=[note, chance], jump=sep[endpoint.address])

    def endpoint_chain(self, port: ServicePort, endpoint: Endpoint) -> None:
        nat, proto = self.rules.nat, port.protocol.lower()
        chain = c.endpoint_chain(port.name, port.protocol, endpoint.address)
        note = self._note(port.name)
        nat.ensure_chain(chain)
        # Hairpin: a pod reaching itself through the service must see the reply come from
        # the service, so its own address is masqueraded.
        nat.add(chain, source=endpoint.ip, matches=[note], jump=c.KUBE_MARK_MASQ)
        affinity = f"-m recent --set --name {chain} --mask 255.255.255.255 --rsource"
        nat.add(
            chain,
            protocol=proto,
            matches=[note, affinity if port.affinity_seconds else "", f"-m {proto}"],
            jump=f"DNAT --to-destination {endpoint.address}",
        )

    def node_ports_jump(self) -> None:
        """The last KUBE-SERVICES rule: anything addressed to this node goes to node ports."""
        options, nat, note = self.options, self.rules.nat, comment(NODEPORTS_COMMENT)
        if not options.nodeport_addresses:
            loopback = None if options.localhost_nodeports else "127.0.0.0/8"
            matches = [note, "-m addrtype --dst-type LOCAL"]
            nat.add(
                c.KUBE_SERVICES, not_destination=loopback, matches=matches, jump=c.KUBE_NODEPORTS
            )
            return
        for ip in node_port_ips(self.node, options.nodeport_addresses):
            if ipaddress.ip_address(ip).is_loopback and not options.localhost_nodeports:
                continue
            nat.add(c.KUBE_SERVICES, destination=ip, matches=[note], jump=c.KUBE_NODEPORTS)


def node_port_ips(node: NodeInfo, selectors: tuple[str, ...]) -> list[str]:
    """The node's addresses that serve NodePorts: those in a --nodeport-addresses CIDR,
    plus the node's primary IP for the special value "primary"."""
    chosen: list[str] = []
    for selector in selectors:
        if selector == "primary":
            candidates = [node.ip] if node.ip else []
        else:
            network = ipaddress.ip_network(selector, strict=False)
            candidates = [a for a in node.addresses if ipaddress.ip_address(a) in network]
        chosen += [a for a in candidates if a not in chosen]
    return chosen


@functools.lru_cache(maxsize=1 << 14)
def render_service(
    port: ServicePort,
    endpoints: tuple[Endpoint, ...],
    node: NodeInfo,
    options: ProxyOptions,
    large: bool,
) -> RuleSet:
    """Every rule of one service port. Pure, so it is cached: a service whose Service and
    endpoints did not change costs a lookup, not a re-render (kube-proxy skips unchanged
    services in the same way). The result is shared: read it, never change it."""
    rules = RuleSet()
    found = categorize(port, list(endpoints), node)
    _Renderer(rules, node, options, large).service(plan_service(port, found))
    return rules


def render(
    services: list[dict[str, Any]],
    endpoint_slices: list[dict[str, Any]],
    node: NodeInfo,
    options: ProxyOptions | None = None,
) -> RuleSet:
    """Every iptables chain and rule kube-proxy wants for this state, on this node."""
    options = options or ProxyOptions()
    ports = service_ports(services)
    endpoints = endpoints_by_port(endpoint_slices, node.name)
    large = sum(len(endpoints.get(p.key, ())) for p in ports) > LARGE_CLUSTER_ENDPOINTS
    rules = RuleSet()
    renderer = _Renderer(rules, node, options, large)
    renderer.base_rules()
    for port in ports:
        rules.extend(render_service(port, tuple(endpoints.get(port.key, ())), node, options, large))
    renderer.node_ports_jump()
    return rules
