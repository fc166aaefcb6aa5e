"""The real runtime: pods as runc containers on overlayfs, in namespaces networked by CNI.

Each container has a directory <root>/containers/<id>/ (runc's "bundle"):

    container.json   who it is: name, sandbox, image, attempt, log path, cgroup
    config.json      the OCI spec (ocispec.build_spec)
    rootfs/          the overlay mount of the image's layers; upper/ and work/ beside it
    init.pid         the container's init process, written by runc
    started          the time `runc start` returned
    exit.json        written by the shim once the container exited and its logs are complete

A container is created by starting its shim (shim.py), which runs `runc create` and then owns
the container: it logs its output and records its exit. The runtime itself keeps no state in
memory; every status comes from those files, so a new RuncRuntime over the same root adopts
the containers a previous one left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from pyk8s.kubelet import ocispec
from pyk8s.kubelet.images import registry
from pyk8s.kubelet.images.reference import InvalidReference
from pyk8s.kubelet.images.store import Image, ImageError, ImageStore
from pyk8s.kubelet.network import namespaces
from pyk8s.kubelet.network.cni import CNI, DEFAULT_BIN_DIRS, DEFAULT_CONF_DIR, ensure_conflist
from pyk8s.kubelet.runtime import console, runc_bundle
from pyk8s.kubelet.runtime.interface import (
    ContainerConfig,
    ContainerRuntimeError,
    ContainerStats,
    ContainerStatus,
    ExecResult,
    ImageInfo,
    NotFound,
    Sandbox,
    SandboxConfig,
)
from pyk8s.kubelet.runtime.runc_sandboxes import RuncSandboxes
from pyk8s.kubelet.runtime.terminal import TerminalProcess, start_tty_exec

EXIT_POLL_SECONDS = 0.02
# The shim needs only the standard library and pyk8s: it runs without site-packages (-S), with
# the directory holding the pyk8s package on its path, and so starts in a few tens of ms.
_SHIM_ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
log = logging.getLogger("pyk8s.kubelet.runtime")


def _image_info(image: Image) -> ImageInfo:
    return ImageInfo(image.id, image.repo_tags, image.repo_digests, image.size)


class RuncRuntime:
    name = "runc"

    def __init__(
        self,
        root_dir: str,
        *,
        images: ImageStore,
        cni: CNI | None,
        log_root: str = "/var/log/pods",
        cgroup_parent: str = "/pyk8s",
        netns_prefix: str = "pyk8s-",
        runc: str = "runc",
        pids_limit: int | None = None,
    ) -> None:
        self.root_dir = os.path.abspath(root_dir)
        self.containers_dir = os.path.join(self.root_dir, "containers")
        self.runc_root = os.path.join(self.root_dir, "runc")
        for path in (self.containers_dir, self.runc_root):
            os.makedirs(path, exist_ok=True)
        self.images, self.cni, self.log_root, self.runc = images, cni, log_root, runc
        self.pids_limit = pids_limit
        self.sandboxes = RuncSandboxes(
            self.root_dir, cni, netns_prefix=netns_prefix, cgroup_parent=cgroup_parent
        )

    @classmethod
    def for_node(
        cls,
        root_dir: str = "/var/lib/kubelet",
        *,
        pod_cidr: str | None = None,
        cni_conf_dir: str = DEFAULT_CONF_DIR,
        cni_bin_dirs: Sequence[str] = DEFAULT_BIN_DIRS,
        cni_exec_prefix: Sequence[str] = (),
        **options: Any,
    ) -> RuncRuntime:
        """The runtime as `pyk8s kubelet --container-runtime runc` sets it up.

        Images live in <root>/images and CNI results and address leases in <root>/cni; with a
        pod CIDR, the default conflist is written into `cni_conf_dir` unless a network config
        is there.
        """
        if pod_cidr:
            # Address leases live with the node's other state, not in a directory shared by
            # every CNI user on the machine.
            ensure_conflist(cni_conf_dir, pod_cidr, data_dir=os.path.join(root_dir, "cni", "ipam"))
        cni = CNI(
            cni_conf_dir,
            cni_bin_dirs,
            cache_dir=os.path.join(root_dir, "cni"),
            exec_prefix=cni_exec_prefix,
        )
        images = ImageStore(os.path.join(root_dir, "images"))
        return cls(os.path.join(root_dir, "runtime"), images=images, cni=cni, **options)

    def not_ready_reason(self) -> str | None:
        if shutil.which(self.runc) is None:
            return f"container runtime is down: {self.runc} not found"
        if self.cni is None:
            return "network plugin is not ready: no CNI configured"
        return self.cni.not_ready_reason()

    # -- images --------------------------------------------------------------------------
    async def pull_image(self, image: str) -> ImageInfo:
        # The Runtime interface promises ContainerRuntimeError; the registry client's own
        # errors (and the network's) are translated here, their message kept for the pod.
        try:
            pulled = await registry.pull(self.images, image)
        except registry.NotFound as err:
            raise NotFound(str(err)) from err
        except (ImageError, InvalidReference, aiohttp.ClientError, OSError) as err:
            raise ContainerRuntimeError(str(err) or f"pulling {image}: {err!r}") from err
        return _image_info(pulled)

    async def image_status(self, image: str) -> ImageInfo | None:
        found = self.images.get(image)
        return _image_info(found) if found else None

    async def list_images(self) -> list[ImageInfo]:
        return [_image_info(image) for image in self.images.list()]

    # -- sandboxes -----------------------------------------------------------------------
    async def run_sandbox(self, config: SandboxConfig) -> Sandbox:
        return await self.sandboxes.run(config)

    async def stop_sandbox(self, sandbox_id: str) -> None:
        for container in await self.list_containers(sandbox_id):
            await self.stop_container(container.id, 0)
        await self.sandboxes.stop(sandbox_id)

    async def remove_sandbox(self, sandbox_id: str) -> None:
        for container in await self.list_containers(sandbox_id):
            await self.remove_container(container.id)
        await self.sandboxes.remove(sandbox_id)

    async def sandbox_status(self, sandbox_id: str) -> Sandbox:
        return self.sandboxes.status(sandbox_id)

    async def list_sandboxes(self) -> list[Sandbox]:
        return self.sandboxes.list()

    # -- containers ----------------------------------------------------------------------
    def _path(self, container_id: str, *names: str) -> str:
        return os.path.join(self.containers_dir, container_id, *names)

    async def create_container(self, sandbox_id: str, config: ContainerConfig) -> str:
        sandbox = self.sandboxes.status(sandbox_id)
        image = self.images.get(config.image)
        if image is None:
            raise NotFound(f"image {config.image} is not present on the node")
        container_id = secrets.token_hex(32)
        bundle = self._path(container_id)
        os.makedirs(bundle)
        log_path = config.log_path or os.path.join(
            self.log_root,
            f"{sandbox.pod_namespace}_{sandbox.pod_name}_{sandbox.pod_uid}",
            config.name,
            f"{config.attempt}.log",
        )
        record = {
            "id": container_id,
            "name": config.name,
            "sandboxId": sandbox_id,
            "image": config.image,
            "imageId": (image.repo_digests or (image.id,))[0],
            "attempt": config.attempt,
            "createdAt": time.time(),
            "logPath": log_path,
            "cgroupsPath": f"{self.sandboxes.pod_cgroup(sandbox.pod_uid)}/{container_id}",
            "stdin": bool(config.container.get("stdin")),
            "stdinOnce": bool(config.container.get("stdinOnce")),
            "tty": bool(config.container.get("tty")),
        }
        try:
            await self._prepare_bundle(sandbox_id, config, image, record)
            await self._start_shim(record)
        except BaseException:
            await self.remove_container(container_id)
            raise
        log.info(
            "created container %s (%s) in sandbox %s",
            config.name,
            container_id[:12],
            sandbox_id[:12],
        )
        return container_id

    async def _prepare_bundle(
        self, sandbox_id: str, config: ContainerConfig, image: Image, record: dict
    ) -> None:
        bundle = self._path(record["id"])
        with open(os.path.join(bundle, "container.json"), "w") as file:
            json.dump(record, file)
        rootfs = await asyncio.to_thread(self.images.mount_rootfs, image, bundle)
        try:
            spec = ocispec.build_spec(
                pod=config.pod,
                container=config.container,
                image_config=image.runtime_config,
                rootfs=rootfs,
                env=config.env,
                sandbox=self.sandboxes.paths(sandbox_id),
                mounts=config.mounts,
                cgroups_path=record["cgroupsPath"],
                pids_limit=self.pids_limit,
            )
        except ValueError as err:
            raise ContainerRuntimeError(str(err)) from None
        with open(os.path.join(bundle, "config.json"), "w") as file:
            json.dump(spec, file, indent=1)

    async def _start_shim(self, record: dict) -> None:
        bundle = self._path(record["id"])
        io_flags = [f"--{flag}" for flag, key in (("stdin", "stdin"), ("stdin-once", "stdinOnce"),
                    ("tty", "tty")) if record.get(key)]  # fmt: skip
        with open(os.path.join(bundle, "shim.log"), "wb") as shim_log:
            shim = await asyncio.create_subprocess_exec(
                sys.executable, "-S", "-m", "pyk8s.kubelet.runtime.shim",
                "--runc", self.runc, "--root", self.runc_root, "--bundle", bundle, "--id", record["id"],
                "--log", record["logPath"], "--exit-file", os.path.join(bundle, "exit.json"),
                "--memory-cgroup", runc_bundle.memory_cgroup_dir(record["cgroupsPath"]), *io_flags,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=shim_log,
                start_new_session=True,  # the shim outlives a kubelet restart
                env=_SHIM_ENV,
            )  # fmt: skip
        assert shim.stdout is not None
        first_line = (await shim.stdout.readline()).decode().strip()
        await shim.wait()  # the shim detached itself; this reaps the process we started
        if not first_line.startswith("created"):
            raise ContainerRuntimeError(
                first_line.partition(" ")[2] or "container shim failed to start"
            )

    async def _runc(self, *args: str, check: bool = True) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            self.runc,
            "--root",
            self.runc_root,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if check and process.returncode != 0:
            raise ContainerRuntimeError(f"runc {args[0]}: {output.decode().strip()}")
        return process.returncode or 0, output.decode()

    async def start_container(self, container_id: str) -> None:
        status = await self.container_status(container_id)
        if status.state != "created":
            raise ContainerRuntimeError(f"container {container_id} is {status.state}, not created")
        # The moment `runc start` releases the process: a container that exits at once may
        # be reported finished (by its shim) before `runc start` has even returned.
        started_at = time.time()
        await self._runc("start", container_id)
        with open(self._path(container_id, "started"), "w") as file:
            file.write(str(started_at))
        log.info("started container %s (%s)", status.name, container_id[:12])

    async def _wait_for_exit(self, container_id: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not os.path.exists(self._path(container_id, "exit.json")):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(EXIT_POLL_SECONDS)
        return True

    async def stop_container(self, container_id: str, grace_period: float) -> None:
        status = await self.container_status(container_id)
        if status.state == "exited":
            return
        if status.state == "running" and grace_period > 0:
            await self._runc("kill", container_id, "TERM", check=False)
            if await self._wait_for_exit(container_id, grace_period):
                return
            log.info(
                "container %s outlived its %ss grace period: SIGKILL", status.name, grace_period
            )
        killed, _ = await self._runc("kill", "--all", container_id, "KILL", check=False)
        if (
            killed != 0
            and status.pid is None
            and not os.path.exists(self._path(container_id, "init.pid"))
        ):
            return  # runc never created it (create failed): there is nothing to stop
        if not await self._wait_for_exit(container_id, 10.0):
            raise ContainerRuntimeError(f"container {container_id} did not exit after SIGKILL")

    async def remove_container(self, container_id: str) -> None:
        if not os.path.isdir(self._path(container_id)):
            return
        # Removal goes on even when stopping fails: a pod being deleted must not get stuck.
        with contextlib.suppress(NotFound, ContainerRuntimeError):
            if (await self.container_status(container_id)).state in ("created", "running"):
                await self.stop_container(container_id, 0)
        await self._runc("delete", "--force", container_id, check=False)
        self.images.unmount_rootfs(self._path(container_id))
        shutil.rmtree(self._path(container_id), ignore_errors=True)

    async def container_status(self, container_id: str) -> ContainerStatus:
        return runc_bundle.read_status(self._path(container_id))

    async def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        found = []
        for container_id in sorted(os.listdir(self.containers_dir)):
            with contextlib.suppress(NotFound, ValueError):
                status = await self.container_status(container_id)
                if sandbox_id is None or status.sandbox_id == sandbox_id:
                    found.append(status)
        return found

    async def exec_process(
        self, container_id: str, command: Sequence[str]
    ) -> asyncio.subprocess.Process:
        """A process inside the container with piped stdin/stdout/stderr, for streaming callers."""
        if (await self.container_status(container_id)).state != "running":
            raise ContainerRuntimeError(f"container {container_id} is not running")
        return await asyncio.create_subprocess_exec(
            self.runc, "--root", self.runc_root, "exec", container_id, *command,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def exec_terminal(self, container_id: str, command: Sequence[str]) -> TerminalProcess:
        """A process inside the container on a new terminal, for `kubectl exec -t`."""
        if (await self.container_status(container_id)).state != "running":
            raise ContainerRuntimeError(f"container {container_id} is not running")
        return await start_tty_exec(self.runc, self.runc_root, container_id, command, _SHIM_ENV)

    async def attach_input(self, container_id: str) -> tuple[str, int]:
        """The container's input, from its shim: ("stdin", pipe) or ("tty", terminal master)."""
        directory = os.open(self._path(container_id), os.O_PATH | os.O_DIRECTORY)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                # Through /proc/self/fd: the bundle's own path is too long for a socket address.
                await asyncio.to_thread(
                    connection.connect, f"/proc/self/fd/{directory}/attach.sock"
                )
                message, fd = await asyncio.to_thread(console.receive_fd, connection)
        except OSError:
            raise NotFound(f"container {container_id} keeps no stdin open") from None
        finally:
            os.close(directory)
        return message.decode().strip(), fd

    async def container_stats(self, container_id: str) -> ContainerStats:
        return runc_bundle.read_stats(self._path(container_id))

    async def port_forward(
        self, sandbox_id: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        sandbox = self.sandboxes.status(sandbox_id)
        if sandbox.netns is None:  # hostNetwork: the pod's localhost is the node's
            return await asyncio.open_connection("127.0.0.1", port)
        return await namespaces.open_connection_in_netns(sandbox.netns, port)

    async def exec(
        self,
        container_id: str,
        command: Sequence[str],
        *,
        stdin: bytes = b"",
        timeout: float = 60.0,
    ) -> ExecResult:
        process = await self.exec_process(container_id, command)
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(stdin), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ContainerRuntimeError(
                f"command {list(command)} timed out after {timeout}s"
            ) from None
        return ExecResult(process.returncode or 0, stdout, stderr)
