"""exec and attach, whatever carries them: join a container process to a client's streams.

The client's side is a `SessionStreams` (WebSocket channels in wsstream.py, SPDY streams in
spdy_exec.py); the container's side is a `ContainerProcess` from the kubelet's backend.
`run_session` copies stdin in, stdout and stderr out, passes terminal resizes on, and when
the process has exited and its output is drained, reports the end as kubectl expects:

- exit 0: `{"metadata":{},"status":"Success"}`;
- exit n: a Failure with reason `NonZeroExitCode` and a cause `ExitCode` whose message is n
  (kubectl prints "command terminated with exit code n" and exits n);
- could not start: a Failure with reason `InternalError`, code 500.

If the client goes away first, the process is killed: nobody is left to read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger("pyk8s.streaming")


class ContainerProcess(Protocol):
    """A process running in a container, as exec and attach see it."""

    async def write_stdin(self, data: bytes) -> None: ...

    async def close_stdin(self) -> None: ...

    async def read_stdout(self) -> bytes:
        """The next output; b"" at its end. With a TTY all output comes here."""
        ...

    async def read_stderr(self) -> bytes:
        """The next error output; b"" at its end (at once with a TTY)."""
        ...

    def resize(self, width: int, height: int) -> None: ...

    async def wait(self) -> int:
        """The exit code, once the process has ended."""
        ...

    async def kill(self) -> None: ...


class SessionStreams(Protocol):
    """The client's end of an exec/attach session."""

    tty: bool

    def stdin(self) -> AsyncIterator[bytes]: ...

    def resizes(self) -> AsyncIterator[tuple[int, int]]: ...

    async def write_stdout(self, data: bytes) -> None: ...

    async def write_stderr(self, data: bytes) -> None: ...

    async def finish(self, status: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class ExecOptions:
    """The query of a pods/exec or pods/attach request (PodExecOptions)."""

    container: str = ""
    command: tuple[str, ...] = ()
    stdin: bool = False
    stdout: bool = False
    stderr: bool = False
    tty: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str] | Any) -> ExecOptions:
        def flag(name: str) -> bool:
            return str(query.get(name, "")).lower() in ("true", "1")

        getall = getattr(query, "getall", None)
        command = tuple(getall("command", [])) if getall else tuple(query.get("command", ()))
        return cls(
            container=query.get("container", ""),
            command=command,
            stdin=flag("input") or flag("stdin"),
            stdout=flag("output") or flag("stdout"),
            # With a TTY stderr is merged into stdout, so there is no stderr stream.
            stderr=(flag("error") or flag("stderr")) and not flag("tty"),
            tty=flag("tty"),
        )


SUCCESS: dict[str, Any] = {"metadata": {}, "status": "Success"}


def exit_status(code: int, command: tuple[str, ...] | list[str]) -> dict[str, Any]:
    if code == 0:
        return dict(SUCCESS)
    return {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: "
        f"command '{' '.join(command)}' exited with {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def internal_error(message: str) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {message}",
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }


async def _copy_out(read: Callable[[], Awaitable[bytes]], write: Callable[[bytes], Any]) -> None:
    while data := await read():
        await write(data)


async def _copy_in(streams: SessionStreams, process: ContainerProcess) -> None:
    with contextlib.suppress(ConnectionError, OSError, BrokenPipeError):
        async for data in streams.stdin():
            await process.write_stdin(data)
    with contextlib.suppress(ConnectionError, OSError, BrokenPipeError):
        await process.close_stdin()


async def _follow_resizes(streams: SessionStreams, process: ContainerProcess) -> None:
    async for width, height in streams.resizes():
        if width > 0 and height > 0:
            process.resize(width, height)


async def run_session(
    process: ContainerProcess, streams: SessionStreams, command: tuple[str, ...]
) -> None:
    outputs = [
        asyncio.ensure_future(_copy_out(process.read_stdout, streams.write_stdout)),
        asyncio.ensure_future(_copy_out(process.read_stderr, streams.write_stderr)),
    ]
    helpers = [
        asyncio.ensure_future(_copy_in(streams, process)),
        asyncio.ensure_future(_follow_resizes(streams, process)),
    ]
    try:
        await asyncio.gather(*outputs)
        code = await process.wait()
    except (ConnectionError, OSError, RuntimeError) as err:
        logger.info("exec client went away: %s", err)
        await process.kill()
        return
    finally:
        for task in (*outputs, *helpers):
            task.cancel()
        await asyncio.gather(*outputs, *helpers, return_exceptions=True)
    await streams.finish(exit_status(code, command))
