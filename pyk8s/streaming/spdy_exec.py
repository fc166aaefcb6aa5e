"""exec and attach over SPDY (`kubectl exec` when WebSockets are off, or older clients).

After the upgrade the client opens one SPDY stream per standard stream, naming it in a
`streamType` header: `error` first, then `stdin`, `stdout`, `stderr` as asked, and
`resize` with a TTY. We wait for all that the request announced, then behave like
remotecommand.SessionStreams. Protocol v4 (what we speak): the error stream carries the
final Status as JSON; the resize stream carries a sequence of JSON {"Width","Height"}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import orjson

from pyk8s.streaming.remotecommand import ExecOptions
from pyk8s.streaming.spdy_session import Session, Stream

PROTOCOLS = ("v4.channel.k8s.io",)
# How long the client may take to open the streams it announced.
STREAM_CREATION_TIMEOUT = 30.0


class SpdyStreams:
    """Collects a session's streams by type; then serves as the client's SessionStreams."""

    def __init__(self, options: ExecOptions) -> None:
        self.tty = options.tty
        self.expected = {"error"}
        self.expected |= {name for name in ("stdin", "stdout", "stderr") if getattr(options, name)}
        if options.tty:
            self.expected.add("resize")
        self.streams: dict[str, Stream] = {}
        self._all_here = asyncio.Event()
        self.session: Session | None = None

    async def on_stream(self, stream: Stream) -> None:
        kind = stream.header("streamtype")
        if kind not in self.expected or kind in self.streams:
            await stream.reset()
            return
        self.streams[kind] = stream
        if set(self.streams) == self.expected:
            self._all_here.set()

    async def wait_for_streams(self, timeout: float = STREAM_CREATION_TIMEOUT) -> None:
        await asyncio.wait_for(self._all_here.wait(), timeout)

    # ---- remotecommand.SessionStreams ---------------------------------------------

    async def stdin(self) -> AsyncIterator[bytes]:
        stream = self.streams.get("stdin")
        if stream is None:
            return
        while data := await stream.read():
            yield data

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        stream = self.streams.get("resize")
        if stream is None:
            return
        decoder, pending = json.JSONDecoder(), ""
        while data := await stream.read():
            pending += data.decode(errors="replace")
            while pending.strip():
                try:
                    size, end = decoder.raw_decode(pending.lstrip())
                except json.JSONDecodeError:
                    break  # wait for the rest of the object
                pending = pending.lstrip()[end:]
                if isinstance(size, dict):
                    yield int(size.get("Width", 0)), int(size.get("Height", 0))

    async def write_stdout(self, data: bytes) -> None:
        await self.streams["stdout"].write(data)

    async def write_stderr(self, data: bytes) -> None:
        stream = self.streams.get("stderr") or self.streams["stdout"]
        await stream.write(data)

    async def finish(self, status: dict[str, Any]) -> None:
        error = self.streams["error"]
        with contextlib.suppress(ConnectionError, OSError):
            await error.write(orjson.dumps(status))
        for name in ("stdout", "stderr", "error"):
            if name in self.streams:
                await self.streams[name].close()
        if self.session is not None:
            await self.session.close()
