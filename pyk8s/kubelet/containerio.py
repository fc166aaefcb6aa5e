"""The kubelet API's backend (server.ContainerIO) over the runtime and the pod workers.

It finds a container by namespace, pod name and container name among the pods this kubelet
runs (the newest attempt; `previous` asks for the one before), then:

- logs: reads the CRI log file the runtime wrote (logs.py), filtered and followed as
  `kubectl logs --tail/--since/-f/--previous/--timestamps` ask;
- exec: starts the command inside the container through the runtime: with `-t` on a new
  terminal of its own (runtime/terminal.py), otherwise with piped stdin/stdout/stderr;
- port-forward: connects to the port on the pod's IP;
- attach: follows the container's output and, for `stdin: true`, writes into its stdin
  (attach.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from pyk8s.kubelet import logs
from pyk8s.kubelet.attach import AttachedContainer
from pyk8s.kubelet.podworkers import PodWorkers
from pyk8s.kubelet.runtime.interface import (
    ContainerRuntimeError,
    ContainerStatus,
    NotFound,
    Runtime,
)
from pyk8s.kubelet.server import LogOptions, NotFoundError
from pyk8s.kubelet.summary import SummaryProvider


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
    def __init__(self, runtime: Runtime, workers: PodWorkers, node_name: str | None = None) -> None:
        self.runtime, self.workers = runtime, workers
        self.stats = SummaryProvider(runtime, workers.pods, node_name)

    async def summary(self) -> dict[str, Any]:
        """The stats/v1alpha1 Summary (summary.py)."""
        return await self.stats.summary()

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
        exec_terminal = getattr(self.runtime, "exec_terminal", None)
        if tty and exec_terminal is not None:
            try:
                return await exec_terminal(latest.id, command)
            except ContainerRuntimeError as err:
                raise OSError(str(err)) from None
        return _Process(await exec_process(latest.id, command))

    async def attach(
        self, namespace: str, pod: str, container: str, *, stdin: bool, tty: bool
    ) -> AttachedContainer:
        latest = (await self._containers(namespace, pod, container))[-1]
        if latest.state != "running":
            raise NotFoundError(f'container "{container}" in pod "{pod}" is not running')
        input_fd, kind = None, ""
        attach_input = getattr(self.runtime, "attach_input", None)
        if stdin and attach_input is not None:
            with contextlib.suppress(NotFound):  # no `stdin: true`: input goes nowhere
                kind, input_fd = await attach_input(latest.id)

        async def has_exited() -> bool:
            try:
                return (await self.runtime.container_status(latest.id)).state != "running"
            except NotFound:
                return True

        return AttachedContainer(latest.log_path, has_exited, input_fd, terminal=kind == "tty")

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
