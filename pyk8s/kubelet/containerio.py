"""The kubelet API's backend (server.ContainerIO) over the runtime and the pod workers.

It finds a container by namespace, pod name and container name among the pods this kubelet
runs (the newest attempt; `previous` asks for the one before), then:

- logs: reads the CRI log file the runtime wrote (logs.py), filtered and followed as
  `kubectl logs --tail/--since/-f/--previous/--timestamps` ask;
- exec: starts the command inside the container through the runtime (`runc exec`) with
  piped stdin/stdout/stderr (no terminal yet: `-t` is accepted and ignored);
- port-forward: connects to the port on the pod's IP;
- attach: not offered (the runc runtime does not keep a container's stdin open).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from pyk8s.kubelet import logs
from pyk8s.kubelet.podworkers import PodWorkers
from pyk8s.kubelet.runtime.interface import ContainerStatus, Runtime
from pyk8s.kubelet.server import LogOptions, NotFoundError


class _Process:
    """A ContainerProcess over an asyncio subprocess (no terminal: resize is ignored)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def write_stdin(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def close_stdin(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()

    async def read_stdout(self) -> bytes:
        assert self.process.stdout is not None
        return await self.process.stdout.read(65536)

    async def read_stderr(self) -> bytes:
        assert self.process.stderr is not None
        return await self.process.stderr.read(65536)

    def resize(self, width: int, height: int) -> None:
        return None

    async def wait(self) -> int:
        return await self.process.wait()

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


class RuntimeContainerIO:
    def __init__(self, runtime: Runtime, workers: PodWorkers) -> None:
        self.runtime, self.workers = runtime, workers

    def pods(self) -> list[dict[str, Any]]:
        return [dict(pod) for pod in self.workers.pods()]

    def _pod(self, namespace: str, name: str) -> dict[str, Any]:
        for pod in self.workers.pods():
            meta = pod["metadata"]
            if meta.get("namespace") == namespace and meta["name"] == name:
                return dict(pod)
        raise NotFoundError(f'pod "{name}" not found in namespace "{namespace}"')

    async def _containers(self, namespace: str, pod: str, container: str) -> list[ContainerStatus]:
        uid = self._pod(namespace, pod)["metadata"]["uid"]
        sandboxes = {s.id for s in await self.runtime.list_sandboxes() if s.pod_uid == uid}
        found = [
            c
            for c in await self.runtime.list_containers()
            if c.sandbox_id in sandboxes and c.name == container
        ]
        if not found:
            raise NotFoundError(f'container "{container}" in pod "{pod}" is not available')
        return sorted(found, key=lambda c: (c.attempt, c.created_at))

    async def logs(
        self, namespace: str, pod: str, container: str, options: LogOptions
    ) -> AsyncIterator[bytes]:
        history = await self._containers(namespace, pod, container)
        if options.previous and len(history) < 2:
            raise NotFoundError(
                f'previous terminated container "{container}" in pod "{pod}" not found'
            )
        chosen = history[-2] if options.previous else history[-1]
        since_ns = None
        if options.since_seconds is not None:
            since_ns = time.time_ns() - options.since_seconds * 1_000_000_000
        elif options.since_time:
            since_ns = logs.parse_rfc3339(options.since_time)
        entries = logs.read_log(chosen.log_path, tail=options.tail_lines, since_ns=since_ns)
        for entry in entries:
            yield entry.render(options.timestamps)
        if options.follow and not options.previous:
            async for entry in logs.follow_log(chosen.log_path, start_at_end=True):
                yield entry.render(options.timestamps)

    async def exec(
        self,
        namespace: str,
        pod: str,
        container: str,
        command: list[str],
        *,
        stdin: bool,
        tty: bool,
    ) -> _Process:
        latest = (await self._containers(namespace, pod, container))[-1]
        exec_process = getattr(self.runtime, "exec_process", None)
        if exec_process is None:
            raise NotFoundError(f"the {self.runtime.name} runtime cannot exec")
        if latest.state != "running":  # not started yet, or exited: nothing to exec in
            raise NotFoundError(f'container not found ("{container}")')
        return _Process(await exec_process(latest.id, command))

    async def attach(
        self, namespace: str, pod: str, container: str, *, stdin: bool, tty: bool
    ) -> _Process:
        raise NotFoundError("attach is not supported by this kubelet's runtime")

    async def port_forward(
        self, namespace: str, pod: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        ip = (self._pod(namespace, pod).get("status") or {}).get("podIP")
        uid = self._pod(namespace, pod)["metadata"]["uid"]
        for sandbox in await self.runtime.list_sandboxes():
            if sandbox.pod_uid == uid and sandbox.state == "ready" and sandbox.ip:
                ip = sandbox.ip
        if not ip:
            raise NotFoundError(f'pod "{pod}" has no IP yet')
        return await asyncio.open_connection(ip, port)
