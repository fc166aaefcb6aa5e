"""Rules for traffic that reaches a service from outside its cluster IP.

That is node ports, `spec.externalIPs` and load balancer IPs. All of it is captured into
the service's KUBE-EXT-<hash> chain, which decides about the client's source address:

- externalTrafficPolicy Cluster: mark for masquerade (the endpoint may be on another node,
  and its reply must come back through this one), then KUBE-SVC-;
- externalTrafficPolicy Local: keep the client's address and use only this node's
  endpoints (KUBE-SVL-), except for traffic from this node or from pods, which is
  short-circuited to KUBE-SVC- as if it had gone out to a load balancer and come back.

When no endpoint can take the traffic, the filter table rejects (no endpoints anywhere) or
drops (none on this node, Local policy) it in KUBE-EXTERNAL-SERVICES.
"""

from __future__ import annotations

import ipaddress

from pyk8s.proxy import chains as c
from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.plan import ProxyOptions, ServicePlan
from pyk8s.proxy.ruleset import RuleSet, comment


def _capture(rules: RuleSet, plan: ServicePlan, ip: str, label: str, chain: str) -> None:
    if plan.endpoints.has_any:
        proto = plan.protocol
        rules.nat.add(
            c.KUBE_SERVICES,
            destination=ip,
            protocol=proto,
            matches=[comment(f"{plan.port.name} {label}"), f"-m {proto} --dport {plan.port.port}"],
            jump=chain,
        )


def _refuse(rules: RuleSet, plan: ServicePlan, ip: str) -> None:
    proto = plan.protocol
    target, text = plan.no_external
    rules.filter.add(
        c.KUBE_EXTERNAL_SERVICES,
        destination=ip,
        protocol=proto,
        matches=[comment(text), f"-m {proto} --dport {plan.port.port}"],
        jump=target,
    )


def capture_external_ips(rules: RuleSet, plan: ServicePlan) -> None:
    for ip in plan.port.external_ips:
        _capture(rules, plan, ip, "external IP", plan.external_chain)
        if not plan.has_external:
            _refuse(rules, plan, ip)


def capture_load_balancer_ips(rules: RuleSet, plan: ServicePlan) -> None:
    port, proto = plan.port, plan.protocol
    lb_chain = plan.firewall_chain if plan.uses_firewall else plan.external_chain
    for ip in port.load_balancer_ips:
        _capture(rules, plan, ip, "loadbalancer IP", lb_chain)
        if plan.uses_firewall:
            text = f"{port.name} traffic not accepted by {plan.firewall_chain}"
            rules.filter.add(
                c.KUBE_PROXY_FIREWALL,
                destination=ip,
                protocol=proto,
                matches=[comment(text), f"-m {proto} --dport {port.port}"],
                jump="DROP",
            )
    if not plan.has_external:
        for ip in port.load_balancer_ips:
            _refuse(rules, plan, ip)


def capture_node_port(rules: RuleSet, plan: ServicePlan) -> None:
    port, proto = plan.port, plan.protocol
    if port.node_port:
        dport = f"-m {proto} --dport {port.node_port}"
        if plan.endpoints.has_any:
            matches = [comment(port.name), dport]
            rules.nat.add(
                c.KUBE_NODEPORTS, protocol=proto, matches=matches, jump=plan.external_chain
            )
        if not plan.has_external:
            target, text = plan.no_external
            matches = [comment(text), "-m addrtype --dst-type LOCAL", dport]
            rules.filter.add(c.KUBE_EXTERNAL_SERVICES, protocol=proto, matches=matches, jump=target)
    if port.health_check_node_port:
        # Load balancers probe this port to learn which nodes have local endpoints; it must
        # be open whether or not this node has any.
        text = f"{port.name} health check node port"
        matches = [comment(text), f"-m tcp --dport {port.health_check_node_port}"]
        rules.filter.add(c.KUBE_NODEPORTS, protocol="tcp", matches=matches, jump="ACCEPT")


def external_chain(rules: RuleSet, plan: ServicePlan, options: ProxyOptions) -> None:
    port, nat, chain = plan.port, rules.nat, plan.external_chain
    if not (plan.endpoints.has_any and port.externally_accessible):
        return
    nat.ensure_chain(chain)
    if not port.external_local:
        text = f"masquerade traffic for {port.name} external destinations"
        nat.add(chain, matches=[comment(text)], jump=c.KUBE_MARK_MASQ)
    else:
        if options.cluster_cidr:
            text = f"pod traffic for {port.name} external destinations"
            matches = [comment(text)]
            nat.add(chain, source=options.cluster_cidr, matches=matches, jump=plan.cluster_chain)
        # The node's own traffic needs masquerading: its source would be the external
        # address itself, which the endpoint cannot answer.
        local = "-m addrtype --src-type LOCAL"
        text = f"masquerade LOCAL traffic for {port.name} external destinations"
        nat.add(chain, matches=[comment(text), local], jump=c.KUBE_MARK_MASQ)
        text = f"route LOCAL traffic for {port.name} external destinations"
        nat.add(chain, matches=[comment(text), local], jump=plan.cluster_chain)
    if plan.has_external:
        nat.add(chain, jump=plan.external_policy_chain)


def firewall_chain(rules: RuleSet, plan: ServicePlan, node: NodeInfo) -> None:
    """KUBE-FW-<hash>: only loadBalancerSourceRanges may reach the load balancer IPs."""
    port, nat, chain = plan.port, rules.nat, plan.firewall_chain
    if not plan.uses_firewall:
        return
    note = comment(f"{port.name} loadbalancer IP")
    allow_node = False
    for cidr in port.source_ranges:
        nat.add(chain, source=cidr, matches=[note], jump=plan.external_chain)
        network = ipaddress.ip_network(cidr, strict=False)
        allow_node |= bool(node.ip) and ipaddress.ip_address(node.ip or "0.0.0.0") in network
    if allow_node:
        # A VIP load balancer often loops the node's own requests straight back, with the
        # VIP itself as their source.
        for ip in port.load_balancer_ips:
            nat.add(chain, source=ip, matches=[note], jump=plan.external_chain)
    # What falls through was not DNATed, so KUBE-PROXY-FIREWALL (filter) drops it.
    text = f"other traffic to {port.name} will be dropped by KUBE-PROXY-FIREWALL"
    nat.add(chain, matches=[comment(text)])


def write_external_rules(
    rules: RuleSet, plan: ServicePlan, node: NodeInfo, options: ProxyOptions
) -> None:
    capture_external_ips(rules, plan)
    capture_load_balancer_ips(rules, plan)
    capture_node_port(rules, plan)
    external_chain(rules, plan, options)
    firewall_chain(rules, plan, node)
