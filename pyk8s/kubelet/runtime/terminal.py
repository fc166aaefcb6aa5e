"""A container process on a terminal, seen from the kubelet: the master side of its pty.

`start_tty_exec` starts the helper in tty_exec.py and receives the terminal's master from it;
`TerminalProcess` is then what exec and attach stream (streaming.remotecommand's
ContainerProcess): reading the master gives everything the process prints (stdout and stderr
are one stream on a terminal), writing it is typing, and `resize` sets the window size, which
the kernel announces to the process with SIGWINCH.

The master reads EIO once no process holds the terminal any more: that is the end of output.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence

from pyk8s.kubelet.runtime import console
from pyk8s.kubelet.runtime.interface import ContainerRuntimeError

_CHUNK = 65536


class TerminalProcess:
    """Streams over a pty master; `exit_code` tells how the process ended."""

    def __init__(
        self,
        master: int,
        exit_code: Callable[[], Awaitable[int]],
        kill: Callable[[], None] = lambda: None,
    ) -> None:
        self.master = master
        os.set_blocking(master, False)
        self._exit_code, self._kill = exit_code, kill
        self._code: int | None = None
        self._closed = False

    async def _until(self, ready: str) -> None:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        add, remove = (
            (loop.add_reader, loop.remove_reader)
            if ready == "read"
            else (loop.add_writer, loop.remove_writer)
        )
        add(self.master, lambda: waiter.done() or waiter.set_result(None))
        try:
            await waiter
        finally:
            remove(self.master)

    async def read_stdout(self) -> bytes:
        while not self._closed:
            try:
                return os.read(self.master, _CHUNK)
            except BlockingIOError:
                await self._until("read")
            except OSError as err:
                if err.errno == errno.EIO:  # the last holder of the terminal is gone
                    return b""
                raise
        return b""

    async def read_stderr(self) -> bytes:
        return b""  # a terminal merges stderr into stdout

    async def write_stdin(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._closed:
            try:
                view = view[os.write(self.master, view) :]
            except BlockingIOError:
                await self._until("write")

    async def close_stdin(self) -> None:
        # A terminal has no end of input; ^D at the start of a line is how a user says it.
        await self.write_stdin(b"\x04")

    def resize(self, width: int, height: int) -> None:
        if not self._closed:
            console.set_window_size(self.master, width, height)

    async def wait(self) -> int:
        if self._code is None:
            self._code = await self._exit_code()
        return self._code

    async def kill(self) -> None:
        if self._code is None:
            self._kill()
            self._code = await self._exit_code()
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            console.close_quietly(self.master)


async def start_tty_exec(
    runc: str, runc_root: str, container_id: str, command: Sequence[str], env: dict[str, str]
) -> TerminalProcess:
    """`command` in the container on a new terminal (see tty_exec.py for how)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with theirs:
        helper = await asyncio.create_subprocess_exec(
            sys.executable, "-S", "-m", "pyk8s.kubelet.runtime.tty_exec",
            "--runc", runc, "--root", runc_root, "--id", container_id,
            "--control-fd", str(theirs.fileno()), "--", *command,
            pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL, env=env,
        )  # fmt: skip
    try:
        message, fds = await asyncio.to_thread(_first_message, ours)
    except BaseException:
        ours.close()
        helper.kill()
        await helper.wait()
        raise
    if not message.startswith("started "):
        ours.close()
        await helper.wait()
        raise ContainerRuntimeError(message.partition(" ")[2] or "exec with a terminal failed")
    pid = int(message.split()[1])
    reader, writer = await asyncio.open_unix_connection(sock=ours)

    async def exit_code() -> int:
        line = (await reader.readline()).decode()
        await helper.wait()
        writer.close()
        return int(line.split()[1]) if line.startswith("exit ") else 255

    def kill() -> None:
        # Until our helper reaps it, the pid cannot be reused: killing it is safe.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    return TerminalProcess(fds[0], exit_code, kill)


def _first_message(control: socket.socket) -> tuple[str, list[int]]:
    control.settimeout(30)
    data, fds, _, _ = socket.recv_fds(control, 4096, 1)
    return data.decode().strip(), fds
