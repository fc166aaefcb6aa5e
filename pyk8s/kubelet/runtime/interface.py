"""The container runtime interface: what the kubelet's pod workers ask of a node's runtime.

It follows the shape of Kubernetes' CRI. A pod gets a *sandbox* first (its network namespace,
set up by CNI, plus the IPC/UTS namespaces and the /etc/hosts its containers share); then each
container is created in the sandbox, started, and eventually stopped and removed. Images are
pulled and listed through the same object. Every call is idempotent where CRI's is (stopping a
stopped container, removing a removed one), so a pod worker can simply retry after a crash.

Statuses are read from the runtime's own records, never from the kubelet's memory, which is
what lets a restarted kubelet *adopt* the containers it finds still running.

Implementations: `runc.RuncRuntime` (real containers) and `hollow.HollowRuntime` (no containers,
for scale tests), both registered by name in RUNTIMES.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pyk8s.kubelet.network.cni import PortMapping
from pyk8s.kubelet.ocispec import HostMount

ContainerState = Literal["created", "running", "exited", "unknown"]
SandboxState = Literal["ready", "notready"]


@dataclass(frozen=True)
class SandboxConfig:
    """What a pod's sandbox needs: its identity, its host name, published ports and DNS."""

    pod: Mapping  # the Pod object as JSON (metadata.uid/name/namespace, spec)
    port_mappings: Sequence[PortMapping] = ()
    dns_servers: Sequence[str] = ()
    dns_searches: Sequence[str] = ()
    dns_options: Sequence[str] = ()
    cluster_domain: str = "cluster.local"
    attempt: int = 0

    @property
    def uid(self) -> str:
        return self.pod["metadata"]["uid"]

    @property
    def host_network(self) -> bool:
        return bool((self.pod.get("spec") or {}).get("hostNetwork"))


@dataclass(frozen=True)
class Sandbox:
    id: str
    pod_uid: str
    pod_name: str
    pod_namespace: str
    state: SandboxState
    ips: tuple[str, ...]
    created_at: float
    netns: str | None  # the network namespace's path; None on the host network

    @property
    def ip(self) -> str | None:
        return self.ips[0] if self.ips else None


@dataclass(frozen=True)
class ContainerConfig:
    """One container of a pod, with everything the kubelet already resolved for it."""

    container: Mapping  # the pod spec's container object (name, image, command, …)
    pod: Mapping
    image: str  # the reference that was pulled
    env: Sequence[tuple[str, str]] = ()  # values already resolved (fieldRef, configMapKeyRef, …)
    mounts: Sequence[HostMount] = ()  # volumes already prepared on the node
    log_path: str = ""  # where the CRI log goes; empty: the runtime's default
    attempt: int = 0  # the restart count

    @property
    def name(self) -> str:
        return self.container["name"]


@dataclass(frozen=True)
class ContainerStatus:
    id: str
    name: str
    sandbox_id: str
    image: str
    image_id: str  # the repo digest, as a pod's containerStatuses[].imageID shows it
    state: ContainerState
    attempt: int
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""  # Completed, Error, OOMKilled (as Kubernetes spells them)
    message: str = ""
    pid: int | None = None
    log_path: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class ContainerStats:
    """Resource use, as stats/summary and `kubectl top` report it."""

    timestamp: float
    cpu_usage_core_nanoseconds: int  # cumulative CPU time
    memory_usage_bytes: int
    memory_working_set_bytes: int  # usage minus inactive file cache: what the OOM killer sees


@dataclass(frozen=True)
class ImageInfo:
    id: str  # sha256 of the image config
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    size: int


class ContainerRuntimeError(Exception):
    """A runtime operation failed; the message says why (it ends up in a pod's status)."""


class NotFound(ContainerRuntimeError):
    """No such sandbox, container or image."""


class Runtime(Protocol):
    name: str

    def not_ready_reason(self) -> str | None:
        """Why the node cannot run pods (NotReady's message), or None when it can."""

    # -- images
    async def pull_image(self, image: str) -> ImageInfo: ...
    async def image_status(self, image: str) -> ImageInfo | None: ...
    async def list_images(self) -> list[ImageInfo]: ...

    # -- sandboxes
    async def run_sandbox(self, config: SandboxConfig) -> Sandbox: ...
    async def stop_sandbox(self, sandbox_id: str) -> None:
        """Stop its containers (no grace) and tear its network down; keeps the records."""

    async def remove_sandbox(self, sandbox_id: str) -> None: ...
    async def sandbox_status(self, sandbox_id: str) -> Sandbox: ...
    async def list_sandboxes(self) -> list[Sandbox]: ...

    # -- containers
    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str: ...
    async def start_container(self, container_id: str) -> None: ...
    async def stop_container(self, container_id: str, grace_period: float) -> None:
        """SIGTERM, then SIGKILL once `grace_period` seconds pass without an exit."""

    async def remove_container(self, container_id: str) -> None: ...
    async def container_status(self, container_id: str) -> ContainerStatus: ...
    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]: ...
    async def exec(
        self,
        container_id: str,
        command: Sequence[str],
        *,
        stdin: bytes = b"",
        timeout: float = 60.0,
    ) -> ExecResult: ...

    async def container_stats(self, container_id: str) -> ContainerStats: ...

    async def exec_process(
        self, container_id: str, command: Sequence[str]
    ) -> asyncio.subprocess.Process:
        """A command in the container with piped stdin/stdout/stderr, for streaming `exec`."""

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP stream to localhost:port inside the pod's network namespace."""
