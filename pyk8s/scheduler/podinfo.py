"""A pod as the scheduler sees it: parsed once from its JSON, then read many times.

`PodInfo.of(pod)` turns the API object into plain Python values: the resources it requests
(cpu in millicores, memory and storage in bytes, extended resources as counts), the host ports
it needs, its tolerations, affinity and spread rules, its priority. Every plugin reads these
fields rather than walking the JSON again, so parsing cost is paid once per pod, not once per
pod per node.

Resource requests follow kube-scheduler's rule for a pod's effective request: the sum of its
containers plus sidecars (init containers with restartPolicy Always), or the largest
single init container (plus the sidecars started before it) if that is bigger, plus overhead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from pyk8s.api.quantity import Quantity

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"
# What a container without requests counts as when *scoring* (never when filtering), so that
# nodes full of best-effort pods do not look empty.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
DEFAULT_SCHEDULER_NAME = "default-scheduler"


@functools.lru_cache(maxsize=4096)
def resource_amount(name: str, quantity: Any) -> int:
    """The integer amount kube-scheduler compares: millicores for cpu, whole units otherwise.

    Cached: every pod of a workload repeats the same few quantities, and parsing them was a
    tenth of the scheduler's time per pod."""
    parsed = Quantity.parse(quantity)
    return parsed.milli_value() if name == CPU else parsed.value()


def requests_of(resources: dict[str, Any] | None) -> dict[str, int]:
    requests = (resources or {}).get("requests") or {}
    return {name: resource_amount(name, value) for name, value in requests.items()}


@dataclass(frozen=True)
class HostPort:
    protocol: str
    port: int
    ip: str

    def conflicts_with(self, other: HostPort) -> bool:
        if (self.protocol, self.port) != (other.protocol, other.port):
            return False
        return self.ip == other.ip or "0.0.0.0" in (self.ip, other.ip)


@dataclass
class PodInfo:
    """The scheduling-relevant facts of one pod. `key` is "namespace/name"."""

    pod: dict[str, Any]
    key: str
    namespace: str
    name: str
    uid: str
    labels: dict[str, str]
    priority: int
    requests: dict[str, int]
    nonzero_cpu: int
    nonzero_memory: int
    host_ports: tuple[HostPort, ...]
    node_name: str
    scheduler_name: str
    tolerations: list[dict[str, Any]] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)
    affinity: dict[str, Any] = field(default_factory=dict)
    spread_constraints: list[dict[str, Any]] = field(default_factory=list)
    creation: str = ""
    start_time: str = ""
    terminating: bool = False

    @classmethod
    def of(cls, pod: dict[str, Any]) -> PodInfo:
        metadata, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        namespace, name = metadata.get("namespace", "default"), metadata.get("name", "")
        requests = effective_requests(spec)
        nonzero = effective_requests(spec, nonzero_defaults=True)
        return cls(
            pod=pod,
            key=f"{namespace}/{name}",
            namespace=namespace,
            name=name,
            uid=metadata.get("uid", ""),
            labels=metadata.get("labels") or {},
            priority=int(spec.get("priority") or 0),
            requests=requests,
            nonzero_cpu=nonzero.get(CPU, 0),
            nonzero_memory=nonzero.get(MEMORY, 0),
            host_ports=_host_ports(spec),
            node_name=spec.get("nodeName") or "",
            scheduler_name=spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME,
            tolerations=spec.get("tolerations") or [],
            node_selector=spec.get("nodeSelector") or {},
            affinity=spec.get("affinity") or {},
            spread_constraints=spec.get("topologySpreadConstraints") or [],
            creation=metadata.get("creationTimestamp") or "",
            start_time=(pod.get("status") or {}).get("startTime") or "",
            terminating=bool(metadata.get("deletionTimestamp")),
        )

    def with_node(self, node_name: str) -> PodInfo:
        """A copy placed on `node_name`, as the cache records an assumed pod."""
        spec = dict(self.pod.get("spec") or {}, nodeName=node_name)
        copy = PodInfo(**{**self.__dict__, "pod": dict(self.pod, spec=spec)})
        copy.node_name = node_name
        return copy

    @property
    def preemption_policy(self) -> str:
        return (self.pod.get("spec") or {}).get("preemptionPolicy") or "PreemptLowerPriority"

    @property
    def nominated_node_name(self) -> str:
        return (self.pod.get("status") or {}).get("nominatedNodeName") or ""

    @property
    def scheduling_gates(self) -> list[dict[str, Any]]:
        return (self.pod.get("spec") or {}).get("schedulingGates") or []


def effective_requests(spec: dict[str, Any], *, nonzero_defaults: bool = False) -> dict[str, int]:
    """The pod's request per resource, as kube-scheduler totals it (see module docstring)."""

    def container_requests(container: dict[str, Any]) -> dict[str, int]:
        requests = requests_of(container.get("resources"))
        if nonzero_defaults:
            requests.setdefault(CPU, DEFAULT_MILLI_CPU_REQUEST)
            requests.setdefault(MEMORY, DEFAULT_MEMORY_REQUEST)
        return requests

    total: dict[str, int] = {}
    for container in spec.get("containers") or []:
        _add(total, container_requests(container))
    sidecars: dict[str, int] = {}
    largest_init: dict[str, int] = {}
    for container in spec.get("initContainers") or []:
        requests = container_requests(container)
        if container.get("restartPolicy") == "Always":
            # A sidecar keeps running next to the app containers and the later init containers.
            _add(total, requests)
            _add(sidecars, requests)
            requests = dict(sidecars)
        else:
            requests = _added(requests, sidecars)
        for name, amount in requests.items():
            largest_init[name] = max(largest_init.get(name, 0), amount)
    for name, amount in largest_init.items():
        total[name] = max(total.get(name, 0), amount)
    _add(
        total, {name: resource_amount(name, q) for name, q in (spec.get("overhead") or {}).items()}
    )
    return total


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for name, amount in more.items():
        total[name] = total.get(name, 0) + amount


def _added(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    result = dict(first)
    _add(result, second)
    return result


def _host_ports(spec: dict[str, Any]) -> tuple[HostPort, ...]:
    ports = []
    for container in spec.get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                protocol = port.get("protocol") or "TCP"
                ports.append(
                    HostPort(protocol, int(port["hostPort"]), port.get("hostIP") or "0.0.0.0")
                )
    return tuple(ports)
