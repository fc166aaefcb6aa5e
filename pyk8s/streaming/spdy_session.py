"""A SPDY/3.1 session: many streams multiplexed over one byte channel.

What it guarantees:
- Frames leave in the order they were asked for, and header blocks are compressed in that
  same order (one shared zlib stream per direction makes that a correctness rule).
- A stream the peer opens is answered with SYN_REPLY before any data of ours is sent on
  it (spdystream drops data on a stream it has no reply for), then handed to `on_stream`.
- PINGs from the peer are answered; GOAWAY and the end of the channel end every stream.
- Flow control: we grant the peer more window (WINDOW_UPDATE) as our readers consume
  data. We honour the peer's windows only once it shows it keeps them, by sending a
  WINDOW_UPDATE or an initial-window SETTING: moby/spdystream, which every Go Kubernetes
  client uses, never sends either and would stall after 64 KiB otherwise.

Client streams have odd ids, server streams even ones, as the draft says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pyk8s.streaming import spdy
from pyk8s.streaming.channels import ByteChannel

logger = logging.getLogger("pyk8s.streaming.spdy")

# How much data one DATA frame carries at most when we send.
CHUNK = 32 * 1024


class Window:
    """One send window: how many bytes we may still send before the peer grants more."""

    def __init__(self, size: int = spdy.DEFAULT_WINDOW) -> None:
        self.size = size
        self.enforced = False
        self._changed = asyncio.Event()

    def grow(self, delta: int) -> None:
        self.size += delta
        self._changed.set()

    def release_all(self) -> None:
        """Wake every waiter for good (the stream or the session is over)."""
        self.enforced = False
        self._changed.set()

    async def take(self, wanted: int) -> int:
        """Wait for room, then claim up to `wanted` bytes of it."""
        while self.enforced and self.size <= 0:
            self._changed.clear()
            await self._changed.wait()
        granted = wanted if not self.enforced else min(wanted, self.size)
        self.size -= granted
        return granted


class Stream:
    """One SPDY stream: read what the peer sends, write our half, FIN or reset it."""

    def __init__(self, session: Session, stream_id: int, headers: spdy.Headers) -> None:
        self.session = session
        self.id = stream_id
        self.headers = headers
        self.send_window = Window(session.initial_send_window)
        self.send_window.enforced = session.peer_keeps_windows
        self.replied = asyncio.Event()
        self.reset_status: int | None = None
        self._incoming: asyncio.Queue[bytes] = asyncio.Queue()
        self._remote_done = False
        self._local_done = False
        self._unacknowledged = 0

    def header(self, name: str, default: str = "") -> str:
        return spdy.header(self.headers, name, default)

    async def read(self) -> bytes:
        """The next data from the peer; b"" once it has finished (FIN, reset, or gone)."""
        data = await self._incoming.get()
        if not data:
            self._incoming.put_nowait(b"")  # every later read sees the end too
            return b""
        self._unacknowledged += len(data)
        if self._unacknowledged >= spdy.DEFAULT_WINDOW // 2:
            delta, self._unacknowledged = self._unacknowledged, 0
            await self.session.send_quietly(spdy.WindowUpdate(self.id, delta))
        return data

    async def read_all(self) -> bytes:
        parts = []
        while data := await self.read():
            parts.append(data)
        return b"".join(parts)

    async def write(self, data: bytes) -> None:
        if self._local_done or self.reset_status is not None:
            raise ConnectionResetError(f"stream {self.id} is closed for writing")
        view = memoryview(data)
        while view:
            size = await self.send_window.take(min(len(view), CHUNK))
            size = await self.session.send_window.take(size)
            await self.session.send(spdy.DataFrame(self.id, bytes(view[:size])))
            view = view[size:]

    async def close(self) -> None:
        """Finish our half (FIN); the peer may still send."""
        if self._local_done or self.reset_status is not None:
            return
        self._local_done = True
        await self.session.send_quietly(spdy.DataFrame(self.id, b"", fin=True))
        self.session._forget_if_done(self)

    async def reset(self, status: int = spdy.CANCEL) -> None:
        if self.reset_status is None:
            self._ended(status)
            await self.session.send_quietly(spdy.RstStream(self.id, status))

    def _received(self, data: bytes, fin: bool) -> None:
        if self._remote_done:
            return
        if data:
            self._incoming.put_nowait(data)
        if fin:
            self._remote_done = True
            self._incoming.put_nowait(b"")
            self.session._forget_if_done(self)

    def _ended(self, status: int) -> None:
        self.reset_status = status
        self._local_done = True
        self._received(b"", fin=True)
        self.replied.set()
        self.send_window.release_all()


class Session:
    def __init__(
        self,
        channel: ByteChannel,
        *,
        server: bool,
        on_stream: Callable[[Stream], Awaitable[None]] | None = None,
    ) -> None:
        self.channel = channel
        self.server = server
        self.on_stream = on_stream
        self.streams: dict[int, Stream] = {}
        self.initial_send_window = spdy.DEFAULT_WINDOW
        self.peer_keeps_windows = False
        self.send_window = Window()
        self.closed = asyncio.Event()
        self._encoder = spdy.FrameEncoder()
        self._decoder = spdy.FrameDecoder()
        self._write_lock = asyncio.Lock()
        self._next_stream_id = 2 if server else 1
        self._next_ping_id = 2 if server else 1
        self._pings: dict[int, asyncio.Future[None]] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._last_peer_stream = 0

    # ---- sending -------------------------------------------------------------------

    async def send(self, frame: spdy.Frame) -> None:
        if self.closed.is_set():
            raise ConnectionResetError("the SPDY session is closed")
        async with self._write_lock:
            await self.channel.write(self._encoder.encode(frame))

    async def send_quietly(self, frame: spdy.Frame) -> None:
        """Send, ignoring a peer that has already gone (for FIN, RST and window updates)."""
        with contextlib.suppress(ConnectionError, OSError):
            await self.send(frame)

    async def open_stream(self, headers: spdy.Headers, timeout: float = 30) -> Stream:
        """Open a stream and wait for the peer's SYN_REPLY."""
        stream = Stream(self, self._next_stream_id, headers)
        self._next_stream_id += 2
        self.streams[stream.id] = stream
        await self.send(spdy.SynStream(stream.id, headers))
        await asyncio.wait_for(stream.replied.wait(), timeout)
        if stream.reset_status is not None:
            raise ConnectionResetError(f"stream refused (status {stream.reset_status})")
        return stream

    async def ping(self, timeout: float = 10) -> None:
        ping_id, self._next_ping_id = self._next_ping_id, self._next_ping_id + 2
        answered = self._pings[ping_id] = asyncio.get_running_loop().create_future()
        try:
            await self.send(spdy.Ping(ping_id))
            await asyncio.wait_for(answered, timeout)
        finally:
            self._pings.pop(ping_id, None)

    async def close(self) -> None:
        """Say GOAWAY, end every stream and close the channel."""
        if not self.closed.is_set():
            await self.send_quietly(spdy.GoAway(self._last_peer_stream))
        self._shut_down()
        with contextlib.suppress(Exception):
            await self.channel.close()

    # ---- receiving -----------------------------------------------------------------

    async def run(self) -> None:
        """Read and dispatch frames until the channel ends; then end every stream."""
        try:
            while data := await self.channel.read():
                for frame in self._decoder.feed(data):
                    await self._dispatch(frame)
        except spdy.ProtocolError as err:
            logger.info("closing a SPDY session: %s", err)
            await self.send_quietly(spdy.GoAway(self._last_peer_stream, 1))
        finally:
            self._shut_down()
            for task in list(self._handlers):
                task.cancel()

    async def _dispatch(self, frame: spdy.Frame) -> None:
        match frame:
            case spdy.DataFrame(stream_id, data, fin):
                stream = self.streams.get(stream_id)
                if stream is not None:
                    stream._received(data, fin)
            case spdy.SynStream():
                await self._accept(frame)
            case spdy.SynReply(stream_id, _, fin) | spdy.HeadersFrame(stream_id, _, fin):
                stream = self.streams.get(stream_id)
                if stream is not None:
                    stream.replied.set()
                    stream._received(b"", fin)
            case spdy.RstStream(stream_id, status):
                stream = self.streams.pop(stream_id, None)
                if stream is not None:
                    stream._ended(status)
            case spdy.Ping(ping_id):
                await self._pinged(ping_id)
            case spdy.WindowUpdate(stream_id, delta):
                self._window_update(stream_id, delta)
            case spdy.Settings(entries):
                self._settings(entries)
            case spdy.GoAway():
                self._shut_down()

    async def _accept(self, frame: spdy.SynStream) -> None:
        if frame.stream_id in self.streams or frame.stream_id % 2 == self._next_stream_id % 2:
            await self.send_quietly(spdy.RstStream(frame.stream_id, spdy.PROTOCOL_ERROR))
            return
        self._last_peer_stream = max(self._last_peer_stream, frame.stream_id)
        stream = Stream(self, frame.stream_id, frame.headers)
        self.streams[stream.id] = stream
        await self.send(spdy.SynReply(stream.id, {}))
        stream.replied.set()
        if frame.fin:
            stream._received(b"", fin=True)
        if frame.unidirectional:
            stream._local_done = True
        if self.on_stream is None:
            await stream.reset(spdy.REFUSED_STREAM)
            return
        task = asyncio.ensure_future(self._handle(stream))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _handle(self, stream: Stream) -> None:
        assert self.on_stream is not None
        try:
            await self.on_stream(stream)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("SPDY stream %d handler failed", stream.id)
            await stream.reset(spdy.INTERNAL_ERROR)

    async def _pinged(self, ping_id: int) -> None:
        if ping_id % 2 == self._next_ping_id % 2:  # the answer to one of ours
            answered = self._pings.get(ping_id)
            if answered is not None and not answered.done():
                answered.set_result(None)
        else:
            await self.send_quietly(spdy.Ping(ping_id))

    def _window_update(self, stream_id: int, delta: int) -> None:
        self._start_keeping_windows()
        if stream_id == 0:
            self.send_window.grow(delta)
        elif (stream := self.streams.get(stream_id)) is not None:
            stream.send_window.grow(delta)

    def _settings(self, entries: tuple[tuple[int, int, int], ...]) -> None:
        for _flags, ident, value in entries:
            if ident == spdy.SETTINGS_INITIAL_WINDOW_SIZE:
                self._start_keeping_windows()
                for stream in self.streams.values():
                    stream.send_window.grow(value - self.initial_send_window)
                self.initial_send_window = value

    def _start_keeping_windows(self) -> None:
        if not self.peer_keeps_windows:
            self.peer_keeps_windows = True
            self.send_window.enforced = True
            for stream in self.streams.values():
                stream.send_window.enforced = True

    def _forget_if_done(self, stream: Stream) -> None:
        if stream._local_done and stream._remote_done:
            self.streams.pop(stream.id, None)

    def _shut_down(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for stream in list(self.streams.values()):
            stream._ended(spdy.CANCEL)
        self.streams.clear()
        self.send_window.release_all()
        for answered in self._pings.values():
            if not answered.done():
                answered.set_exception(ConnectionResetError("the SPDY session closed"))
