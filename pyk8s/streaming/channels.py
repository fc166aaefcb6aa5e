"""Byte channels: one duplex byte stream, whatever carries it.

A SPDY session (spdy_session.py) and the API server's upgrade proxy only need to read and
write bytes. Three things carry them:

- `StreamChannel`: an asyncio (reader, writer) pair: a TCP or TLS connection we opened.
- `WebSocketChannel`: the WebSocket tunnel kubectl port-forward opens first; each binary
  message is a slice of the byte stream, and message boundaries mean nothing.
- `UpgradedChannel`: an aiohttp server connection after a `101 Switching Protocols` that
  aiohttp itself does not understand (`Upgrade: SPDY/3.1`). aiohttp offers no public way to
  take over a connection, so this uses the same seam its WebSocket support uses:
  `request.protocol.set_parser(...)` routes every later byte to us, and we write straight to
  the transport. `upgrade()` must run before the 101 is sent, so no byte can slip past.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from aiohttp import WSMsgType, web

# Stop reading from a peer while this much of its data waits unread.
_READ_AHEAD = 1024 * 1024


class ByteChannel(Protocol):
    async def read(self) -> bytes:
        """The next bytes, b"" once the peer has finished."""
        ...

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


class StreamChannel:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read(self) -> bytes:
        try:
            return await self.reader.read(65536)
        except (ConnectionError, OSError):
            return b""

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class WebSocketChannel:
    """A byte stream carried in binary WebSocket messages (aiohttp, server or client side)."""

    def __init__(self, ws: web.WebSocketResponse | object) -> None:
        self.ws = ws

    async def read(self) -> bytes:
        while True:
            message = await self.ws.receive()  # type: ignore[attr-defined]
            if message.type == WSMsgType.BINARY:
                if message.data:
                    return bytes(message.data)
                continue
            if message.type == WSMsgType.TEXT:
                return message.data.encode()
            return b""  # close, closing, closed or error

    async def write(self, data: bytes) -> None:
        await self.ws.send_bytes(data)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self.ws.close()  # type: ignore[attr-defined]


class _Feeder:
    """Stands in for aiohttp's payload parser: hands the raw bytes to a queue."""

    def __init__(self, channel: UpgradedChannel) -> None:
        self.channel = channel

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.channel._received(data)
        return False, b""

    def feed_eof(self) -> None:
        self.channel._received(b"")


class UpgradedChannel:
    def __init__(self, request: web.Request) -> None:
        self.request = request
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._buffered = 0
        self._paused = False
        self._eof = False
        self.transport = request.transport

    @classmethod
    def upgrade(cls, request: web.Request) -> UpgradedChannel:
        """Take the connection's incoming bytes; call before the 101 response is sent."""
        channel = cls(request)
        request.protocol.set_parser(_Feeder(channel))  # type: ignore[arg-type]
        return channel

    def _received(self, data: bytes) -> None:
        self._queue.put_nowait(data)
        self._buffered += len(data)
        if self._buffered > _READ_AHEAD and self.transport and not self._paused:
            self._paused = True
            self.transport.pause_reading()

    async def read(self) -> bytes:
        if self._eof:
            return b""
        data = await self._queue.get()
        self._buffered -= len(data)
        if self._paused and self._buffered < _READ_AHEAD // 2 and self.transport:
            self._paused = False
            self.transport.resume_reading()
        if not data:
            self._eof = True
        return data

    async def write(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client went away")
        transport.write(data)
        # aiohttp's protocol implements write flow control for its own writers.
        await self.request.protocol._drain_helper()  # type: ignore[attr-defined]

    async def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


async def splice(first: ByteChannel, second: ByteChannel) -> None:
    """Copy both ways until either side finishes, then close both."""

    async def pump(source: ByteChannel, sink: ByteChannel) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read():
                await sink.write(data)

    tasks = [asyncio.ensure_future(pump(first, second)), asyncio.ensure_future(pump(second, first))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in (first, second):
            with contextlib.suppress(Exception):
                await channel.close()


async def _client_gone(request: web.Request, poll_seconds: float) -> None:
    while True:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(poll_seconds)


async def while_connected(request: web.Request, work: Any, poll_seconds: float = 0.5) -> bool:
    """Run `work` (a coroutine) until it ends or the client hangs up, whichever is first.

    aiohttp does not cancel a handler whose client went away, and an endless stream (logs
    -f) only notices when it next writes, which may be never. True if `work` finished.
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_client_gone(request, poll_seconds))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
        results = await asyncio.gather(task, watcher, return_exceptions=True)
    if isinstance(results[0], BaseException) and not isinstance(results[0], asyncio.CancelledError):
        raise results[0]
    return not task.cancelled()
