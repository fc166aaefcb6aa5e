"""The channel.k8s.io protocols: exec and attach streams carried in WebSocket messages.

Every binary message is one channel byte followed by that channel's bytes:

    0 stdin (client to server)      3 error: a Status when the command ends (server to client)
    1 stdout (server to client)     4 resize: JSON {"Width": w, "Height": h} (client to server)
    2 stderr (server to client)   255 close: [255, n] means "channel n is finished" (v5 only)

`v5.channel.k8s.io` (kubectl 1.30+) is v4 plus the close signal, which is how the client
says that stdin reached its end. `v4.channel.k8s.io` has no way to say that.
`WebSocketStreams` is the server side: it implements remotecommand.SessionStreams over an
aiohttp WebSocketResponse.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import WSMsgType, web

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255
V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
PROTOCOLS = (V5, V4)


def encode(channel: int, payload: bytes) -> bytes:
    return bytes((channel,)) + payload


def decode(message: bytes) -> tuple[int, bytes]:
    """(channel, payload) of one message; an empty message is channel -1 (ignored)."""
    if not message:
        return -1, b""
    return message[0], message[1:]


def parse_resize(payload: bytes) -> tuple[int, int] | None:
    """(width, height) of a resize message, or None when it is not one."""
    try:
        size = orjson.loads(payload)
        return int(size.get("Width", 0)), int(size.get("Height", 0))
    except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
        return None


class WebSocketStreams:
    """The server end of one exec/attach session over a WebSocket."""

    def __init__(self, ws: web.WebSocketResponse, *, stdin: bool, tty: bool) -> None:
        self.ws = ws
        self.protocol = ws.ws_protocol or V4
        self.tty = tty
        self._stdin: asyncio.Queue[bytes] | None = asyncio.Queue() if stdin else None
        self._resizes: asyncio.Queue[tuple[int, int] | None] = asyncio.Queue()
        self._send_lock = asyncio.Lock()
        self._reader = asyncio.ensure_future(self._read_messages())

    async def _read_messages(self) -> None:
        try:
            async for message in self.ws:
                if message.type == WSMsgType.BINARY:
                    self._dispatch(*decode(bytes(message.data)))
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self._finish_stdin()
            self._resizes.put_nowait(None)

    def _dispatch(self, channel: int, payload: bytes) -> None:
        if channel == STDIN and self._stdin is not None and payload:
            self._stdin.put_nowait(payload)
        elif channel == RESIZE:
            size = parse_resize(payload)
            if size is not None:
                self._resizes.put_nowait(size)
        elif channel == CLOSE and self.protocol == V5 and payload[:1] == bytes((STDIN,)):
            self._finish_stdin()

    def _finish_stdin(self) -> None:
        if self._stdin is not None:
            self._stdin.put_nowait(b"")

    # ---- remotecommand.SessionStreams ---------------------------------------------

    async def stdin(self) -> AsyncIterator[bytes]:
        if self._stdin is None:
            return
        while data := await self._stdin.get():
            yield data
        self._stdin.put_nowait(b"")

    async def resizes(self) -> AsyncIterator[tuple[int, int]]:
        while (size := await self._resizes.get()) is not None:
            yield size
        self._resizes.put_nowait(None)

    async def write_stdout(self, data: bytes) -> None:
        await self._send(STDOUT, data)

    async def write_stderr(self, data: bytes) -> None:
        # With a TTY there is no stderr channel; the client would drop it with a warning.
        await self._send(STDOUT if self.tty else STDERR, data)

    async def finish(self, status: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._send(ERROR, orjson.dumps(status))
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _send(self, channel: int, data: bytes) -> None:
        if self.ws.closed:
            raise ConnectionResetError("the client went away")
        async with self._send_lock:
            await self.ws.send_bytes(encode(channel, data))
