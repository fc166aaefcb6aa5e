"""The Node object: registered when the kubelet starts, its status kept current.

`machine_resources()` reads the machine (cpu count, MemTotal, the root directory's disk)
and `NodeStatusManager` turns it into what `kubectl describe node` shows:

- capacity (cpu, memory, pods = --max-pods, ephemeral-storage, hugepages) and
  allocatable (memory less the 100Mi hard-eviction threshold, ephemeral-storage less its
  10 %, as the kubelet's defaults reserve);
- addresses (InternalIP from --node-ip, Hostname), nodeInfo, daemonEndpoints;
- conditions MemoryPressure, DiskPressure, PIDPressure (False) and Ready, which is False with
  reason KubeletNotReady and the runtime's or the network's complaint in its message until
  both are usable.

Registration creates the Node with the labels (kubernetes.io/hostname, os, arch and
--node-labels), --register-with-taints and the pod CIDR; a Node that already exists is
adopted. Afterwards the status is recomputed every `update_period` (10 s) and PATCHed when
anything other than the heartbeat changed, or at least every `report_period` (5 min, as the
kubelet does once Leases carry the heartbeat).
"""

from __future__ import annotations

import logging
import os
import platform
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyk8s.api.errors import AlreadyExists
from pyk8s.api.quantity import Quantity
from pyk8s.client.rest import Client

logger = logging.getLogger("pyk8s.kubelet.node")

KUBELET_VERSION = "v1.32.4+pyk8s"
EVICTION_MEMORY = Quantity.parse("100Mi")


@dataclass(frozen=True)
class NodeOptions:
    name: str
    node_ip: str
    pod_cidr: str = ""
    max_pods: int = 110
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Mapping[str, str], ...] = ()
    kubelet_port: int = 10250
    root_dir: str = "/var/lib/kubelet"


def _read(path: str) -> str:
    try:
        with open(path) as file:
            return file.read().strip()
    except OSError:
        return ""


def machine_resources(root_dir: str) -> dict[str, str]:
    memory_kib = 0
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    probe_dir = root_dir if os.path.isdir(root_dir) else "/"
    disk = os.statvfs(probe_dir)
    return {
        "cpu": str(os.cpu_count() or 1),
        "memory": f"{memory_kib}Ki",
        "ephemeral-storage": f"{disk.f_blocks * disk.f_frsize // 1024}Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
    }


def _os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return "Linux"


def node_info(runtime_version: str) -> dict[str, str]:
    return {
        "machineID": _read("/etc/machine-id"),
        "systemUUID": _read("/sys/class/dmi/id/product_uuid") or _read("/etc/machine-id"),
        "bootID": _read("/proc/sys/kernel/random/boot_id"),
        "kernelVersion": platform.release(),
        "osImage": _os_image(),
        "containerRuntimeVersion": runtime_version,
        "kubeletVersion": KUBELET_VERSION,
        "kubeProxyVersion": KUBELET_VERSION,
        "operatingSystem": "linux",
        "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(
            platform.machine(), platform.machine()
        ),
    }


def parse_taint(text: str) -> dict[str, str]:
    """`key=value:Effect` (or `key:Effect`), as --register-with-taints takes them."""
    head, _, effect = text.rpartition(":")
    if not head or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
        raise ValueError(f"invalid taint {text!r}: want key=value:Effect")
    key, _, value = head.partition("=")
    return (
        {"key": key, "value": value, "effect": effect} if value else {"key": key, "effect": effect}
    )


def _condition(kind: str, ok: bool, reason: str, message: str, now: str) -> dict[str, str]:
    return {
        "type": kind, "status": "True" if ok else "False", "reason": reason,
        "message": message, "lastHeartbeatTime": now, "lastTransitionTime": now,
    }  # fmt: skip


class NodeStatusManager:
    def __init__(
        self,
        client: Client,
        options: NodeOptions,
        *,
        not_ready_reason: Callable[[], str | None],
        runtime_version: str,
        resources: Mapping[str, str] | None = None,
        report_period: float = 300.0,
    ) -> None:
        self.nodes = client.resource("", "v1", "nodes")
        self.options = options
        self.not_ready_reason = not_ready_reason
        self.runtime_version = runtime_version
        self.resources = dict(resources or machine_resources(options.root_dir))
        self.report_period = report_period
        self.node: dict[str, Any] | None = None
        self._reported: dict[str, Any] | None = None
        self._reported_at = 0.0

    def labels(self) -> dict[str, str]:
        arch = node_info(self.runtime_version)["architecture"]
        return {
            "beta.kubernetes.io/arch": arch, "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": arch, "kubernetes.io/hostname": self.options.name,
            "kubernetes.io/os": "linux", **self.options.labels,
        }  # fmt: skip

    def initial_node(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if self.options.pod_cidr:
            spec["podCIDR"], spec["podCIDRs"] = self.options.pod_cidr, [self.options.pod_cidr]
        if self.options.taints:
            spec["taints"] = [dict(t) for t in self.options.taints]
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": self.options.name, "labels": self.labels()},
            "spec": spec,
        }

    async def register(self) -> dict[str, Any]:
        """Create the Node (or adopt the existing one); returns it."""
        try:
            self.node = await self.nodes.create(self.initial_node())
            logger.info("node %s registered", self.options.name)
        except AlreadyExists:
            self.node = await self.nodes.get(self.options.name)
            missing = {
                k: v
                for k, v in self.labels().items()
                if k not in self.node["metadata"].get("labels", {})
            }
            if missing:
                patch = {"metadata": {"labels": missing}}
                self.node = await self.nodes.patch(self.options.name, patch)
            logger.info("node %s already registered: adopted", self.options.name)
        return self.node

    def status(self, now: datetime) -> dict[str, Any]:
        stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        capacity = {**self.resources, "pods": str(self.options.max_pods)}
        allocatable = dict(capacity)
        allocatable["memory"] = (Quantity.parse(capacity["memory"]) - EVICTION_MEMORY).canonical()
        disk = Quantity.parse(capacity["ephemeral-storage"]).value()
        allocatable["ephemeral-storage"] = str(disk * 9 // 10)
        reason = self.not_ready_reason()
        ready = _condition("Ready", True, "KubeletReady", "kubelet is posting ready status", stamp)
        if reason:
            ready = _condition("Ready", False, "KubeletNotReady", reason, stamp)
        return {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                _condition(
                    "MemoryPressure",
                    False,
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                    stamp,
                ),
                _condition(
                    "DiskPressure",
                    False,
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                    stamp,
                ),
                _condition(
                    "PIDPressure",
                    False,
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                    stamp,
                ),
                ready,
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.options.node_ip},
                {"type": "Hostname", "address": self.options.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.options.kubelet_port}},
            "nodeInfo": node_info(self.runtime_version),
        }

    def _carry_times(self, status: dict[str, Any]) -> None:
        before = {c["type"]: c for c in (self._reported or {}).get("conditions", [])}
        for condition in status["conditions"]:
            old = before.get(condition["type"])
            if old and old["status"] == condition["status"]:
                condition["lastTransitionTime"] = old["lastTransitionTime"]

    async def update(self, now: datetime, monotonic: float) -> bool:
        """Recompute the status; PATCH it when it changed or a report is due. True if sent."""
        status = self.status(now)
        self._carry_times(status)
        due = monotonic - self._reported_at >= self.report_period
        if not due and _without_heartbeats(status) == _without_heartbeats(self._reported):
            return False
        self.node = await self.nodes.patch(
            self.options.name, {"status": status}, subresource="status"
        )
        self._reported, self._reported_at = status, monotonic
        return True


def _without_heartbeats(status: Mapping[str, Any] | None) -> Any:
    if status is None:
        return None
    conditions = [
        {k: v for k, v in c.items() if k != "lastHeartbeatTime"} for c in status["conditions"]
    ]
    return {**status, "conditions": conditions}


def default_node_ip() -> str:
    """The address the host name resolves to, else loopback (the only safe guess)."""
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
    return address
