"""The hollow runtime: pods that look real to the control plane but run nothing.

For scale tests in the way of kubemark and kwok: a sandbox gets an IP from the node's pod CIDR
after `startup_delay` seconds, containers are "running" as soon as they start and "exit" with
code 0 when stopped. Pulls always succeed. Everything lives in memory, so hundreds of hollow
nodes fit in one process; a restarted hollow runtime starts empty.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from pyk8s.kubelet.runtime.interface import (
    ContainerConfig,
    ContainerRuntimeError,
    ContainerStatus,
    ExecResult,
    ImageInfo,
    NotFound,
    Sandbox,
    SandboxConfig,
)


class HollowRuntime:
    name = "hollow"

    def __init__(
        self,
        pod_cidr: str,
        *,
        startup_delay: float = 0.0,
        clock: Callable[[], float] = time.time,
        images: Iterable[str] = (),
    ) -> None:
        network = ipaddress.ip_network(pod_cidr)
        # .1 is the bridge's gateway on a real node; hollow pods skip it too.
        self._free_ips = itertools.islice(network.hosts(), 1, None)
        self._released: list[str] = []
        self.startup_delay = startup_delay
        self._clock = clock
        self._sandboxes: dict[str, Sandbox] = {}
        self._containers: dict[str, ContainerStatus] = {}
        self._images: dict[str, ImageInfo] = {}
        for image in images:  # images "already present on the node"
            self._images[image] = ImageInfo("sha256:" + secrets.token_hex(32), (image,), (), 0)

    def not_ready_reason(self) -> str | None:
        return None

    def _allocate_ip(self) -> str:
        if self._released:
            return self._released.pop()
        try:
            return str(next(self._free_ips))
        except StopIteration:
            raise ContainerRuntimeError("no IP addresses left in the pod CIDR") from None

    async def pull_image(self, image: str) -> ImageInfo:
        info = ImageInfo("sha256:" + secrets.token_hex(32), (image,), (), 0)
        return self._images.setdefault(image, info)

    async def image_status(self, image: str) -> ImageInfo | None:
        return self._images.get(image)

    async def list_images(self) -> list[ImageInfo]:
        return list(self._images.values())

    async def run_sandbox(self, config: SandboxConfig) -> Sandbox:
        if self.startup_delay:
            await asyncio.sleep(self.startup_delay)
        metadata = config.pod["metadata"]
        sandbox = Sandbox(
            id=secrets.token_hex(16),
            pod_uid=config.uid,
            pod_name=metadata["name"],
            pod_namespace=metadata.get("namespace", "default"),
            state="ready",
            ips=() if config.host_network else (self._allocate_ip(),),
            created_at=self._clock(),
            netns=None,
        )
        self._sandboxes[sandbox.id] = sandbox
        return sandbox

    async def stop_sandbox(self, sandbox_id: str) -> None:
        sandbox = await self.sandbox_status(sandbox_id)
        for container in await self.list_containers(sandbox_id):
            await self.stop_container(container.id, 0)
        if sandbox.state == "ready":
            self._released.extend(sandbox.ips)
        self._sandboxes[sandbox_id] = replace(sandbox, state="notready", ips=())

    async def remove_sandbox(self, sandbox_id: str) -> None:
        if sandbox_id not in self._sandboxes:
            return
        await self.stop_sandbox(sandbox_id)
        for container in await self.list_containers(sandbox_id):
            self._containers.pop(container.id, None)
        del self._sandboxes[sandbox_id]

    async def sandbox_status(self, sandbox_id: str) -> Sandbox:
        try:
            return self._sandboxes[sandbox_id]
        except KeyError:
            raise NotFound(f"sandbox {sandbox_id} not found") from None

    async def list_sandboxes(self) -> list[Sandbox]:
        return list(self._sandboxes.values())

    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str:
        await self.sandbox_status(sandbox_id)
        image = self._images.get(config.image)
        status = ContainerStatus(
            id=secrets.token_hex(32),
            name=config.name,
            sandbox_id=sandbox_id,
            image=config.image,
            image_id=image.id if image else "",
            state="created",
            attempt=config.attempt,
            created_at=self._clock(),
            log_path=config.log_path,
        )
        self._containers[status.id] = status
        return status.id

    async def start_container(self, container_id: str) -> None:
        status = await self.container_status(container_id)
        if status.state != "created":
            raise ContainerRuntimeError(f"container {container_id} is {status.state}, not created")
        self._containers[container_id] = replace(status, state="running", started_at=self._clock())

    async def stop_container(self, container_id: str, grace_period: float) -> None:
        status = await self.container_status(container_id)
        if status.state in ("created", "running"):
            stopped = replace(
                status, state="exited", exit_code=0, reason="Completed", finished_at=self._clock()
            )
            self._containers[container_id] = stopped

    async def remove_container(self, container_id: str) -> None:
        self._containers.pop(container_id, None)

    async def container_status(self, container_id: str) -> ContainerStatus:
        try:
            return self._containers[container_id]
        except KeyError:
            raise NotFound(f"container {container_id} not found") from None

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        return [
            c for c in self._containers.values() if sandbox_id is None or c.sandbox_id == sandbox_id
        ]

    async def exec(
        self,
        container_id: str,
        command: Sequence[str],
        *,
        stdin: bytes = b"",
        timeout: float = 60.0,
    ) -> ExecResult:
        if (await self.container_status(container_id)).state != "running":
            raise ContainerRuntimeError(f"container {container_id} is not running")
        return ExecResult(0, b"", b"")
