"""Columns of the smaller kinds of the other API groups: access control (role bindings),
scheduling (priority classes), disruption budgets, leases, autoscalers and networking.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import (
    AGE,
    NAME,
    Obj,
    age,
    column,
    format_selector,
    list_with_more,
    name_of,
    printer,
)

BINDING_COLUMNS = [
    NAME,
    column("Role", "The role granted, as Kind/name."),
    AGE,
    column("Users", "Users the role is granted to.", priority=1),
    column("Groups", "Groups the role is granted to.", priority=1),
    column("ServiceAccounts", "Service accounts the role is granted to.", priority=1),
]


@printer("rbac.authorization.k8s.io", "RoleBinding", BINDING_COLUMNS)
@printer("rbac.authorization.k8s.io", "ClusterRoleBinding", BINDING_COLUMNS)
def binding_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    role = obj.get("roleRef", {})
    subjects: dict[str, list[str]] = {"User": [], "Group": [], "ServiceAccount": []}
    for subject in obj.get("subjects") or ():
        kind, name = subject.get("kind"), subject.get("name", "")
        if kind == "ServiceAccount":
            name = f"{subject.get('namespace', '')}:{name}"
        if kind in subjects:
            subjects[kind].append(name)
    return [
        name_of(obj),
        f"{role.get('kind', '')}/{role.get('name', '')}",
        age(obj, now),
        ", ".join(subjects["User"]),
        ", ".join(subjects["Group"]),
        ", ".join(subjects["ServiceAccount"]),
    ]


@printer(
    "scheduling.k8s.io",
    "PriorityClass",
    [
        NAME,
        column("Value", "The priority pods of this class get.", type="integer"),
        column("Global-Default", "Whether pods without a class get this one.", type="boolean"),
        AGE,
        column("PreemptionPolicy", "Whether these pods may preempt others.", priority=1),
    ],
)
def priority_class_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [
        name_of(obj),
        obj.get("value", 0),
        bool(obj.get("globalDefault")),
        age(obj, now),
        obj.get("preemptionPolicy", ""),
    ]


@printer(
    "policy",
    "PodDisruptionBudget",
    [
        NAME,
        column("Min Available", "Pods that must stay available."),
        column("Max Unavailable", "Pods that may be unavailable."),
        column("Allowed Disruptions", "Pods that may be evicted now.", type="integer"),
        AGE,
    ],
)
def pod_disruption_budget_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec", {})
    minimum, maximum = spec.get("minAvailable"), spec.get("maxUnavailable")
    return [
        name_of(obj),
        "N/A" if minimum is None else str(minimum),
        "N/A" if maximum is None else str(maximum),
        obj.get("status", {}).get("disruptionsAllowed", 0),
        age(obj, now),
    ]


@printer("coordination.k8s.io", "Lease", [NAME, column("Holder", "Who holds the lease."), AGE])
def lease_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    return [name_of(obj), obj.get("spec", {}).get("holderIdentity") or "", age(obj, now)]


HPA_COLUMNS = [
    NAME,
    column("Reference", "The scaled object, as Kind/name."),
    column("Targets", "Current and target values of the metrics."),
    column("MinPods", "The fewest replicas."),
    column("MaxPods", "The most replicas."),
    column("Replicas", "Replicas now."),
    AGE,
]


@printer("autoscaling", "HorizontalPodAutoscaler", HPA_COLUMNS)
def horizontal_pod_autoscaler_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    target = spec.get("scaleTargetRef", {})
    minimum = spec.get("minReplicas")
    return [
        name_of(obj),
        f"{target.get('kind', '')}/{target.get('name', '')}",
        _cpu_target(spec, status),
        "<unset>" if minimum is None else str(minimum),
        spec.get("maxReplicas", 0),
        status.get("currentReplicas", 0),
        age(obj, now),
    ]


def _cpu_target(spec: dict[str, Any], status: dict[str, Any]) -> str:
    # autoscaling/v1 has one metric: average CPU utilisation, 80% unless set.
    current = status.get("currentCPUUtilizationPercentage")
    target = spec.get("targetCPUUtilizationPercentage") or 80
    return f"cpu: {'<unknown>' if current is None else f'{current}%'}/{target}%"


@printer(
    "discovery.k8s.io",
    "EndpointSlice",
    [
        NAME,
        column("AddressType", "IPv4, IPv6 or FQDN."),
        column("Ports", "The ports of the endpoints."),
        column("Endpoints", "The endpoints' addresses."),
        AGE,
    ],
)
def endpoint_slice_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    ports = []
    for port in obj.get("ports") or ():
        if port.get("port") is not None:
            ports.append(str(port["port"]))
        else:
            ports.append("*" if port.get("name") is None else port["name"])
    addresses = [a for e in obj.get("endpoints") or () for a in e.get("addresses") or ()]
    return [
        name_of(obj),
        obj.get("addressType", ""),
        list_with_more(ports, len(ports)),
        list_with_more(addresses, len(addresses)),
        age(obj, now),
    ]


@printer(
    "networking.k8s.io",
    "NetworkPolicy",
    [NAME, column("Pod-Selector", "The pods the policy applies to."), AGE],
)
def network_policy_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    selector = format_selector(obj.get("spec", {}).get("podSelector") or {})
    return [name_of(obj), selector, age(obj, now)]


@printer(
    "networking.k8s.io",
    "Ingress",
    [
        NAME,
        column("Class", "The ingress class that implements it."),
        column("Hosts", "The host names it routes."),
        column("Address", "Where the load balancer listens."),
        column("Ports", "80, and 443 with TLS."),
        AGE,
    ],
)
def ingress_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec", {})
    rules = spec.get("rules") or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        more = more or len(hosts) == 3
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    host_text = ",".join(hosts) or "*"
    if hosts and more:
        host_text += f" + {len(rules) - 3} more..."
    ingress = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    address = ",".join(sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""}))
    return [
        name_of(obj),
        spec.get("ingressClassName") or "<none>",
        host_text,
        address,
        "80, 443" if spec.get("tls") else "80",
        age(obj, now),
    ]
