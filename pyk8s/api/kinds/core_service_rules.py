"""Validation of Services and Endpoints, with Kubernetes' messages and field paths.

Mirrors ValidateService, ValidateServiceUpdate and ValidateEndpoints from
pkg/apis/core/validation (v1.32): port names required and unique when a service has several
ports, valid port numbers and protocols, no duplicate port/protocol pairs, fields that only
make sense for some service types, clusterIP/clusterIPs agreement, and the rule that a
service's cluster IPs never change once assigned (except when switching to or from
ExternalName, or between headless forms).

The field enums (type, sessionAffinity, protocols, traffic policies) are checked generically
by the schema; this module adds the rules that span several fields.
"""

import ipaddress

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_service import externally_accessible
from pyk8s.api.schema import update_validator, validator
from pyk8s.api.validation import Verbatim

CORE = "io.k8s.api.core.v1."
MAX_AFFINITY_SECONDS = 86400
KUBELET_PORT = 10250
ONLY_LOAD_BALANCER = "may only be used when `type` is 'LoadBalancer'"


def dns_label_causes(value: str, path: str) -> list[Cause]:
    return [validation.invalid(path, value, m) for m in names.is_dns1123_label(value)]


def qualified_name_causes(value: str, path: str) -> list[Cause]:
    return [validation.invalid(path, value, m) for m in names.is_qualified_name(value)]


def port_num_causes(port: object, path: str) -> list[Cause]:
    if port is None:
        return []  # a missing port is reported as required by the schema
    number = port if isinstance(port, int) else 0
    return [validation.invalid(path, port, m) for m in names.is_valid_port_num(number)]


def cluster_ips(spec: dict) -> list[str]:
    ips = spec.get("clusterIPs")
    if ips:
        return ips
    return [spec["clusterIP"]] if spec.get("clusterIP") else []


def is_headless(spec: dict) -> bool:
    return cluster_ips(spec) == ["None"]


def _go_service_port(port: dict) -> Verbatim:
    # Kubernetes reports a duplicate port as its internal struct, printed by Go's %#v.
    return Verbatim(
        f'core.ServicePort{{Name:"", Protocol:"{port.get("protocol", "")}", '
        f"AppProtocol:(*string)(nil), Port:{port.get('port', 0)}, "
        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
    )


def _port_causes(ports: list[dict], spec: dict) -> list[Cause]:
    causes: list[Cause] = []
    seen_names: set[str] = set()
    seen_ports: set[tuple] = set()
    seen_node_ports: set[tuple] = set()
    for index, port in enumerate(ports):
        where = f"spec.ports[{index}]"
        name = port.get("name", "")
        if len(ports) > 1 and not name:
            causes.append(validation.required(f"{where}.name"))
        elif name:
            causes += dns_label_causes(name, f"{where}.name")
            if name in seen_names:
                causes.append(validation.duplicate(f"{where}.name", name))
            seen_names.add(name)
        causes += port_num_causes(port.get("port"), f"{where}.port")
        target = port.get("targetPort")
        if isinstance(target, int):
            causes += port_num_causes(target, f"{where}.targetPort")
        elif isinstance(target, str):
            messages = names.is_valid_port_name(target)
            causes += [validation.invalid(f"{where}.targetPort", target, m) for m in messages]
        if port.get("appProtocol") is not None:
            causes += qualified_name_causes(port["appProtocol"], f"{where}.appProtocol")
        if spec.get("type") == "LoadBalancer" and port.get("port") == KUBELET_PORT:
            detail = f"may not expose port {KUBELET_PORT} externally since it is used by kubelet"
            causes.append(validation.invalid(where, KUBELET_PORT, detail))
        if spec.get("type") == "ClusterIP" and port.get("nodePort"):
            detail = "may not be used when `type` is 'ClusterIP'"
            causes.append(validation.forbidden(f"{where}.nodePort", detail))
        if node_port := port.get("nodePort"):
            if (port.get("protocol"), node_port) in seen_node_ports:
                causes.append(validation.duplicate(f"{where}.nodePort", node_port))
            seen_node_ports.add((port.get("protocol"), node_port))
        if (port.get("protocol"), port.get("port")) in seen_ports:
            causes.append(validation.duplicate(where, _go_service_port(port)))
        seen_ports.add((port.get("protocol"), port.get("port")))
    return causes


def _type_causes(spec: dict) -> list[Cause]:
    """What each service type requires or forbids."""

    kind = spec.get("type")
    causes = []
    if kind in ("LoadBalancer", "NodePort") and is_headless(spec):
        detail = f"may not be set to 'None' for {kind} services"
        causes.append(validation.invalid("spec.clusterIPs[0]", "None", detail))
    if kind == "ExternalName":
        for name in ("clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if spec.get(name):
                detail = "may not be set for ExternalName services"
                causes.append(validation.forbidden(f"spec.{name}", detail))
        cname = (spec.get("externalName") or "").removesuffix(".")
        if not cname:
            causes.append(validation.required("spec.externalName"))
        for message in names.is_dns1123_subdomain(cname) if cname else ():
            causes.append(validation.invalid("spec.externalName", cname, message))
    if kind != "LoadBalancer":
        if spec.get("loadBalancerSourceRanges"):
            # Kubernetes spells this path with a capital L.
            causes.append(validation.forbidden("spec.LoadBalancerSourceRanges", ONLY_LOAD_BALANCER))
        if spec.get("allocateLoadBalancerNodePorts") is not None:
            path = "spec.allocateLoadBalancerNodePorts"
            causes.append(validation.forbidden(path, ONLY_LOAD_BALANCER))
        if spec.get("loadBalancerClass") is not None:
            detail = "may only be used when service type is 'LoadBalancer'"
            causes.append(validation.forbidden("spec.loadBalancerClass", detail))
    elif spec.get("loadBalancerClass") is not None:
        causes += qualified_name_causes(spec["loadBalancerClass"], "spec.loadBalancerClass")
    return causes


def _affinity_causes(spec: dict) -> list[Cause]:
    path = "spec.sessionAffinityConfig"
    config = spec.get("sessionAffinityConfig")
    if spec.get("sessionAffinity") == "None" and config is not None:
        return [validation.forbidden(path, "must not be set when session affinity is None")]
    if spec.get("sessionAffinity") != "ClientIP":
        return []
    detail = "when session affinity type is ClientIP"
    if config is None:
        return [validation.required(path, detail)]
    if config.get("clientIP") is None:
        return [validation.required(f"{path}.clientIP", detail)]
    timeout = config["clientIP"].get("timeoutSeconds")
    if timeout is None:
        return [validation.required(f"{path}.clientIP.timeoutSeconds", detail)]
    if not 0 < timeout <= MAX_AFFINITY_SECONDS:
        detail = f"must be greater than 0 and less than {MAX_AFFINITY_SECONDS}"
        return [validation.invalid(f"{path}.clientIP.timeoutSeconds", timeout, detail)]
    return []


def _cluster_ip_causes(spec: dict) -> list[Cause]:
    """clusterIP and clusterIPs agree, hold valid IPs, at most one per family."""

    if spec.get("type") == "ExternalName":
        return []
    ips = spec.get("clusterIPs") or []
    causes = []
    if spec.get("clusterIP"):
        if not ips:
            causes.append(validation.required("spec.clusterIPs"))
        elif ips[0] != spec["clusterIP"]:
            causes.append(
                validation.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`")
            )
    elif ips:
        detail = "must be empty when `clusterIP` is not specified"
        causes.append(validation.invalid("spec.clusterIPs", ips, detail))
    families = spec.get("ipFamilies") or []
    for index, family in enumerate(families):
        if family not in ("IPv4", "IPv6"):
            causes.append(
                validation.not_supported(f"spec.ipFamilies[{index}]", family, ["IPv4", "IPv6"])
            )
        if family in families[:index]:
            causes.append(validation.duplicate(f"spec.ipFamilies[{index}]", family))
    bad_ip = False
    for index, ip in enumerate(ips):
        if index == 0 and ip == "None":
            if len(ips) > 1:
                bad_ip = True
                detail = "'None' must be the first and only value"
                causes.append(validation.invalid("spec.clusterIPs", ips, detail))
            continue
        for message in names.is_valid_ip(ip):
            bad_ip = True
            causes.append(validation.invalid(f"spec.clusterIPs[{index}]", ip, message))
    if len(ips) > 2:
        causes.append(validation.invalid("spec.clusterIPs", ips, "may only hold up to 2 values"))
    if bad_ip or is_headless(spec) or not ips:
        return causes
    versions = [ipaddress.ip_address(ip).version for ip in ips]
    if len(ips) == 2 and versions[0] == versions[1]:
        detail = "may specify no more than one IP for each IP family"
        causes.append(validation.invalid("spec.clusterIPs", ips, detail))
    for index, (version, family) in enumerate(zip(versions, families, strict=False)):
        expected = 4 if family == "IPv4" else 6
        if family in ("IPv4", "IPv6") and version != expected:
            detail = f"expected an {family} value as indicated by `ipFamilies[{index}]`"
            causes.append(validation.invalid(f"spec.clusterIPs[{index}]", ips[index], detail))
    return causes


def _traffic_policy_causes(spec: dict) -> list[Cause]:
    causes = []
    policy = spec.get("externalTrafficPolicy", "")
    if not externally_accessible(spec):
        if policy:
            detail = "may only be set for externally-accessible services"
            causes.append(validation.invalid("spec.externalTrafficPolicy", policy, detail))
    elif not policy:
        causes.append(validation.required("spec.externalTrafficPolicy"))
    health_port = spec.get("healthCheckNodePort", 0)
    if spec.get("type") == "LoadBalancer" and policy == "Local":
        if not health_port:
            causes.append(validation.required("spec.healthCheckNodePort"))
        else:
            causes += port_num_causes(health_port, "spec.healthCheckNodePort")
    elif health_port:
        detail = (
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
        )
        causes.append(validation.invalid("spec.healthCheckNodePort", health_port, detail))
    if spec.get("internalTrafficPolicy") is None and spec.get("type") != "ExternalName":
        causes.append(validation.required("spec.internalTrafficPolicy"))
    return causes


@validator(CORE + "Service")
def validate_service(service: dict, path: str) -> list[Cause]:
    spec = service.get("spec") or {}
    ports = spec.get("ports") or []
    causes = []
    if not ports and not is_headless(spec) and spec.get("type") != "ExternalName":
        causes.append(validation.required("spec.ports"))
    causes += _type_causes(spec)
    causes += _port_causes(ports, spec)
    causes += validation.validate_labels(spec.get("selector") or {}, "spec.selector")
    causes += _affinity_causes(spec)
    causes += _cluster_ip_causes(spec)
    for index, ip in enumerate(spec.get("externalIPs") or []):
        where = f"spec.externalIPs[{index}]"
        errors = names.is_valid_ip(ip)
        causes += [validation.invalid(where, ip, m) for m in errors]
        causes += [] if errors else endpoint_ip_causes(ip, where)
    return causes + _traffic_policy_causes(spec)


def _cluster_ip_update_causes(new: dict, old: dict) -> list[Cause]:
    """Cluster IPs may gain or lose a secondary family, never change the primary."""

    if "ExternalName" in (new.get("type"), old.get("type")):
        return []
    if is_headless(new) and is_headless(old):
        return []
    new_ips, old_ips = cluster_ips(new), cluster_ips(old)
    path = "spec.clusterIPs[0]"
    if len(new_ips) == len(old_ips):
        return [
            validation.invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set")
            for i, ip in enumerate(old_ips)
            if ip != new_ips[i]
        ]
    causes = []
    if new_ips and old_ips and new_ips[0] != old_ips[0]:
        causes.append(validation.invalid(path, new_ips, "may not change once set"))
    if len(old_ips) > len(new_ips):
        if not new_ips:
            causes.append(validation.invalid(path, new_ips, "primary clusterIP can not be unset"))
        elif new.get("ipFamilyPolicy") != "SingleStack":
            detail = "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"
            causes.append(validation.invalid(path, new_ips, detail))
    return causes


@update_validator(CORE + "Service")
def validate_service_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = _cluster_ip_update_causes(new_spec, old_spec)
    both_load_balancers = new_spec.get("type") == old_spec.get("type") == "LoadBalancer"
    if both_load_balancers and new_spec.get("loadBalancerClass") != old_spec.get(
        "loadBalancerClass"
    ):
        value = new_spec.get("loadBalancerClass")
        causes.append(
            validation.invalid("spec.loadBalancerClass", value, "may not change once set")
        )
    new_families, old_families = new_spec.get("ipFamilies") or [], old_spec.get("ipFamilies") or []
    not_external = "ExternalName" not in (new_spec.get("type"), old_spec.get("type"))
    if not_external and new_families and old_families and new_families[0] != old_families[0]:
        causes.append(
            validation.invalid("spec.ipFamilies[0]", new_families, "may not change once set")
        )
    return causes


# --- Endpoints ------------------------------------------------------------------------------


def endpoint_ip_causes(ip: str, path: str) -> list[Cause]:
    """Addresses that make no sense as a service backend (Kubernetes' ValidateEndpointIP)."""

    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return [validation.invalid(path, ip, "must be a valid IP address")]
    causes = []
    if address.is_unspecified:
        causes.append(validation.invalid(path, ip, f"may not be unspecified ({ip})"))
    if address.is_loopback:
        detail = "may not be in the loopback range (127.0.0.0/8, ::1/128)"
        causes.append(validation.invalid(path, ip, detail))
    if address.is_link_local:
        detail = "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
        causes.append(validation.invalid(path, ip, detail))
    if _is_link_local_multicast(address):
        detail = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"
        causes.append(validation.invalid(path, ip, detail))
    return causes


def _is_link_local_multicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 4:
        return address in ipaddress.ip_network("224.0.0.0/24")
    return address in ipaddress.ip_network("ff02::/16")


def endpoint_address_causes(address: dict, path: str) -> list[Cause]:
    ip = address.get("ip", "")
    causes = [validation.invalid(f"{path}.ip", ip, m) for m in names.is_valid_ip(ip)]
    if address.get("hostname"):
        causes += dns_label_causes(address["hostname"], f"{path}.hostname")
    if address.get("nodeName") is not None:
        node = address["nodeName"]
        causes += [
            validation.invalid(f"{path}.nodeName", node, m)
            for m in names.is_dns1123_subdomain(node)
        ]
    return causes + endpoint_ip_causes(ip, f"{path}.ip")


@validator(CORE + "EndpointSubset")
def validate_endpoint_subset(subset: dict, path: str) -> list[Cause]:
    causes = []
    if not subset.get("addresses") and not subset.get("notReadyAddresses"):
        detail = "must specify `addresses` or `notReadyAddresses`"
        causes.append(validation.required(path, detail))
    for name in ("addresses", "notReadyAddresses"):
        for index, address in enumerate(subset.get(name) or []):
            causes += endpoint_address_causes(address, f"{path}.{name}[{index}]")
    ports = subset.get("ports") or []
    for index, port in enumerate(ports):
        where = f"{path}.ports[{index}]"
        if len(ports) > 1 and not port.get("name"):
            causes.append(validation.required(f"{where}.name"))
        elif port.get("name"):
            causes += dns_label_causes(port["name"], f"{where}.name")
        causes += port_num_causes(port.get("port"), f"{where}.port")
        if port.get("appProtocol") is not None:
            causes += qualified_name_causes(port["appProtocol"], f"{where}.appProtocol")
    return causes
