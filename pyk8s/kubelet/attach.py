"""`kubectl attach`: join the streams of a container's main process, as CRI's Attach does.

Output comes from the container's CRI log, followed from the moment of attaching (what was
printed before is `kubectl logs`' business), stdout and stderr kept apart, until the container
exits and its log is drained. The shim writes the exit record only after the last log line,
so "exited, and nothing more to read" really is the end.

Input needs the container to have asked for it (`stdin: true`): the runtime then hands over
the container's stdin itself (a pipe, or the terminal's master for `tty: true`; see the
shim's AttachPoint), and what the client types is written straight into it. On a terminal,
resizes set its window size. Without `stdin: true`, input is accepted and dropped, as CRI
runtimes do.

Known limit: output reaches the client a line at a time (the log holds complete lines), so a
shell prompt without a newline shows up only with the next line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable

from pyk8s.kubelet import logs
from pyk8s.kubelet.runtime import console

POLL_SECONDS = 0.1
_END = b""


class AttachedContainer:
    """A ContainerProcess (streaming.remotecommand) over a running container's main process."""

    def __init__(
        self,
        log_path: str,
        has_exited: Callable[[], Awaitable[bool]],
        input_fd: int | None = None,
        terminal: bool = False,
    ) -> None:
        self.log_path, self.has_exited = log_path, has_exited
        self.input_fd, self.terminal = input_fd, terminal
        if input_fd is not None:
            os.set_blocking(input_fd, False)
        self._outputs = {stream: asyncio.Queue[bytes]() for stream in logs.STREAMS}
        self._follower = asyncio.ensure_future(self._follow())

    async def _follow(self) -> None:
        try:
            await self._copy_log()
        finally:
            for queue in self._outputs.values():
                queue.put_nowait(_END)

    async def _copy_log(self) -> None:
        while not os.path.exists(self.log_path):
            if await self.has_exited():
                return
            await asyncio.sleep(POLL_SECONDS)
        with open(self.log_path, "rb") as file:
            file.seek(0, os.SEEK_END)
            partial, exited = b"", False
            while True:
                chunk = file.readline()
                if chunk:
                    partial += chunk
                    if partial.endswith(b"\n"):
                        self._deliver(partial)
                        partial = b""
                    continue
                if exited:
                    return  # one last pass after the exit found nothing more
                exited = await self.has_exited()
                if not exited:
                    await asyncio.sleep(POLL_SECONDS)

    def _deliver(self, line: bytes) -> None:
        with contextlib.suppress(ValueError):
            _, stream, tag, text = logs.parse_line(line)
            # A terminal's lines end in \r\n; the log dropped only the \n.
            self._outputs[stream].put_nowait(text + (b"\n" if tag == b"F" else b""))

    async def read_stdout(self) -> bytes:
        return await self._outputs["stdout"].get()

    async def read_stderr(self) -> bytes:
        return await self._outputs["stderr"].get()

    async def write_stdin(self, data: bytes) -> None:
        if self.input_fd is None:
            return
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.input_fd, view) :]
            except BlockingIOError:
                await asyncio.sleep(0.01)

    async def close_stdin(self) -> None:
        # Closing our copy of a pipe is end-of-file only with stdinOnce (the shim let go of
        # its own); a terminal stays open for the next attach.
        self._release_input()

    def resize(self, width: int, height: int) -> None:
        if self.terminal and self.input_fd is not None:
            console.set_window_size(self.input_fd, width, height)

    async def wait(self) -> int:
        await asyncio.gather(self._follower, return_exceptions=True)
        return 0  # attach reports success once the streams end, whatever the exit code

    async def kill(self) -> None:
        # Detaching leaves the container running: only our side of the streams ends.
        self._follower.cancel()
        await asyncio.gather(self._follower, return_exceptions=True)
        self._release_input()

    def _release_input(self) -> None:
        if self.input_fd is not None:
            console.close_quietly(self.input_fd)
            self.input_fd = None
