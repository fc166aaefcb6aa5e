"""A real, local ContainerIO for the kubelet server's tests: no runtime, no mocks.

A "container" here is a name with a CRI-format log directory and a port map. exec runs the
command as a local process (with a pseudo-terminal when a TTY is asked for), logs are read
from the CRI files (pyk8s.kubelet.logs), and port-forward connects to a 127.0.0.1 port.
Every process started is remembered and killed, by PID, in `close()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import termios
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyk8s.kubelet import logs as cri
from pyk8s.kubelet.server import LogOptions, NotFoundError


@dataclass
class LocalContainer:
    log_dir: Path
    # container port -> 127.0.0.1 port that stands in for it
    ports: dict[int, int] = field(default_factory=dict)
    restarts: int = 0


class LocalProcess:
    """A local process behind the ContainerProcess protocol, with pipes or a pty."""

    def __init__(self, process: asyncio.subprocess.Process, master: int | None) -> None:
        self.process = process
        self.master = master
        self._pty_reader: asyncio.StreamReader | None = None

    @classmethod
    async def start(cls, command: list[str], *, stdin: bool, tty: bool) -> LocalProcess:
        if not tty:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            return cls(process, None)
        master, slave = pty.openpty()
        try:
            process = await asyncio.create_subprocess_exec(
                *command, stdin=slave, stdout=slave, stderr=slave, preexec_fn=_controlling_tty
            )
        finally:
            os.close(slave)
        local = cls(process, master)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(master), "rb", 0)
        )
        local._pty_reader = reader
        return local

    async def write_stdin(self, data: bytes) -> None:
        if self.master is not None:
            os.write(self.master, data)
        elif self.process.stdin is not None:
            self.process.stdin.write(data)
            await self.process.stdin.drain()

    async def close_stdin(self) -> None:
        if self.master is not None:
            os.write(self.master, b"\x04")  # end of input, as a terminal says it
        elif self.process.stdin is not None:
            self.process.stdin.close()

    async def read_stdout(self) -> bytes:
        if self._pty_reader is not None:
            try:
                return await self._pty_reader.read(65536)
            except OSError:  # EIO: the terminal's last user has gone
                return b""
        assert self.process.stdout is not None
        return await self.process.stdout.read(65536)

    async def read_stderr(self) -> bytes:
        if self.process.stderr is None:
            return b""
        return await self.process.stderr.read(65536)

    def resize(self, width: int, height: int) -> None:
        if self.master is not None:
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    async def wait(self) -> int:
        return await self.process.wait()

    async def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        if self.master is not None:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = None


def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class LocalContainerIO:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.containers: dict[tuple[str, str, str], LocalContainer] = {}
        self.processes: list[LocalProcess] = []

    def add(self, namespace: str, pod: str, container: str, ports: dict[int, int] | None = None):
        log_dir = self.root / f"{namespace}_{pod}" / container
        log_dir.mkdir(parents=True, exist_ok=True)
        entry = LocalContainer(log_dir, dict(ports or {}))
        self.containers[(namespace, pod, container)] = entry
        return entry

    def log_path(self, namespace: str, pod: str, container: str, restart: int | None = None):
        entry = self._find(namespace, pod, container)
        return str(entry.log_dir / f"{entry.restarts if restart is None else restart}.log")

    def write_log(self, namespace: str, pod: str, container: str, lines: list[str],
                  stream: str = "stdout", clock_ns: Any = time.time_ns) -> None:  # fmt: skip
        writer = cri.CRILogWriter(self.log_path(namespace, pod, container), clock_ns=clock_ns)
        writer.write(stream, "".join(line + "\n" for line in lines).encode())
        writer.close()

    def restart(self, namespace: str, pod: str, container: str) -> None:
        self._find(namespace, pod, container).restarts += 1

    def _find(self, namespace: str, pod: str, container: str) -> LocalContainer:
        entry = self.containers.get((namespace, pod, container))
        if entry is None:
            raise NotFoundError(f'container "{container}" in pod "{pod}" is not available')
        return entry

    # ---- ContainerIO ---------------------------------------------------------------

    async def logs(self, namespace: str, pod: str, container: str, options: LogOptions
                   ) -> AsyncIterator[bytes]:  # fmt: skip
        entry = self._find(namespace, pod, container)
        restart = entry.restarts
        if options.previous:
            if restart == 0:
                raise NotFoundError(
                    f'previous terminated container "{container}" in pod "{pod}" not found'
                )
            restart -= 1
        path = self.log_path(namespace, pod, container, restart)
        since_ns = None
        if options.since_seconds is not None:
            since_ns = time.time_ns() - options.since_seconds * 1_000_000_000
        elif options.since_time:
            since_ns = cri.parse_rfc3339(options.since_time)
        seen = len(cri.read_log(path))
        for entry_line in cri.read_log(path, tail=options.tail_lines, since_ns=since_ns):
            yield entry_line.render(options.timestamps)
        if not options.follow:
            return
        skipped = 0
        async for entry_line in cri.follow_log(path):
            skipped += 1
            if skipped > seen:
                yield entry_line.render(options.timestamps)

    async def exec(self, namespace: str, pod: str, container: str, command: list[str], *,
                   stdin: bool, tty: bool) -> LocalProcess:  # fmt: skip
        self._find(namespace, pod, container)
        process = await LocalProcess.start(command, stdin=stdin, tty=tty)
        self.processes.append(process)
        return process

    async def attach(self, namespace: str, pod: str, container: str, *, stdin: bool, tty: bool):
        raise NotImplementedError("attach is not offered by the local test backend")

    async def port_forward(self, namespace: str, pod: str, port: int):
        for (ns, name, _), candidate in self.containers.items():
            if (ns, name) == (namespace, pod) and port in candidate.ports:
                return await asyncio.open_connection("127.0.0.1", candidate.ports[port])
        raise OSError(f"connect: connection refused (nothing listens on port {port})")

    def pods(self) -> list[dict[str, Any]]:
        names = sorted({(ns, pod) for ns, pod, _ in self.containers})
        return [{"metadata": {"namespace": ns, "name": pod}} for ns, pod in names]

    async def close(self) -> None:
        for process in self.processes:
            await process.kill()
