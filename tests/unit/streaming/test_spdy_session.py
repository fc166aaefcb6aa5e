"""The SPDY session over a real socket pair: streams, replies, pings, flow-control windows.

One end is a `Session`; the other is either another Session or the test itself, writing
and reading raw frames, so the wire can be checked frame by frame.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from pyk8s.streaming import spdy
from pyk8s.streaming.channels import StreamChannel
from pyk8s.streaming.spdy_session import Session, Stream


class RawPeer:
    def __init__(self, channel: StreamChannel) -> None:
        self.channel = channel
        self.encoder, self.decoder = spdy.FrameEncoder(), spdy.FrameDecoder()
        self.pending: list[spdy.Frame] = []

    async def send(self, *frames: spdy.Frame) -> None:
        await self.channel.write(b"".join(self.encoder.encode(f) for f in frames))

    async def receive(self, timeout: float = 2) -> spdy.Frame:
        while not self.pending:
            data = await asyncio.wait_for(self.channel.read(), timeout)
            assert data, "the session closed the connection"
            self.pending += self.decoder.feed(data)
        return self.pending.pop(0)

    async def data_bytes(self, count: int) -> bytes:
        received = b""
        while len(received) < count:
            frame = await self.receive()
            if isinstance(frame, spdy.DataFrame):
                received += frame.data
        return received


async def _channel_pair() -> tuple[StreamChannel, StreamChannel]:
    left, right = socket.socketpair()
    return (
        StreamChannel(*await asyncio.open_connection(sock=left)),
        StreamChannel(*await asyncio.open_connection(sock=right)),
    )


@pytest.fixture
async def client_and_raw() -> AsyncIterator[tuple[Session, RawPeer]]:
    mine, theirs = await _channel_pair()
    session = Session(mine, server=False)
    runner = asyncio.ensure_future(session.run())
    yield session, RawPeer(theirs)
    await session.close()
    await theirs.close()
    await asyncio.gather(runner, return_exceptions=True)


async def _open(session: Session, raw: RawPeer, headers: spdy.Headers) -> Stream:
    opening = asyncio.ensure_future(session.open_stream(headers))
    syn = await raw.receive()
    assert isinstance(syn, spdy.SynStream) and syn.headers == headers
    await raw.send(spdy.SynReply(syn.stream_id))
    return await opening


async def test_two_sessions_exchange_data_on_a_stream() -> None:
    left, right = await _channel_pair()
    received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    async def echo(stream: Stream) -> None:
        data = await stream.read_all()
        received.put_nowait((stream.header("streamtype"), data))
        await stream.write(data.upper())
        await stream.close()

    server = Session(right, server=True, on_stream=echo)
    client = Session(left, server=False)
    tasks = [asyncio.ensure_future(server.run()), asyncio.ensure_future(client.run())]
    try:
        stream = await client.open_stream({"streamtype": ["data"]})
        assert stream.id == 1  # clients open odd streams
        await stream.write(b"hello ")
        await stream.write(b"world")
        await stream.close()
        assert await stream.read_all() == b"HELLO WORLD"
        assert await received.get() == ("data", b"hello world")
        await client.ping()
    finally:
        await client.close()
        await server.close()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_peer_stream_is_answered_before_anything_else(client_and_raw) -> None:
    session, raw = client_and_raw
    handled = asyncio.Event()

    async def on_stream(stream: Stream) -> None:
        await stream.write(b"data")
        handled.set()

    session.on_stream = on_stream
    await raw.send(spdy.SynStream(2, {"streamtype": ["error"]}))
    assert await raw.receive() == spdy.SynReply(2, {})
    assert await raw.receive() == spdy.DataFrame(2, b"data")
    await handled.wait()


async def test_pings_from_the_peer_are_echoed(client_and_raw) -> None:
    _, raw = client_and_raw
    await raw.send(spdy.Ping(2))
    assert await raw.receive() == spdy.Ping(2)


async def test_without_window_updates_from_the_peer_nothing_waits(client_and_raw) -> None:
    # moby/spdystream never sends WINDOW_UPDATE: sending must not stall at 64 KiB.
    session, raw = client_and_raw
    stream = await _open(session, raw, {"streamtype": ["data"]})
    payload = b"x" * (5 * spdy.DEFAULT_WINDOW)
    writing = asyncio.ensure_future(stream.write(payload))
    assert await raw.data_bytes(len(payload)) == payload
    await asyncio.wait_for(writing, 2)


async def test_a_peer_that_keeps_windows_has_them_honoured(client_and_raw) -> None:
    session, raw = client_and_raw
    await raw.send(spdy.Settings(((0, spdy.SETTINGS_INITIAL_WINDOW_SIZE, 100),)))
    stream = await _open(session, raw, {"streamtype": ["data"]})
    writing = asyncio.ensure_future(stream.write(b"y" * 300))
    assert await raw.data_bytes(100) == b"y" * 100
    await asyncio.sleep(0.1)
    assert not writing.done()  # the window is used up
    assert not raw.pending
    await raw.send(spdy.WindowUpdate(stream.id, 200))
    assert await raw.data_bytes(200) == b"y" * 200
    await asyncio.wait_for(writing, 2)


async def test_reading_grants_the_peer_more_window(client_and_raw) -> None:
    session, raw = client_and_raw
    stream = await _open(session, raw, {"streamtype": ["data"]})
    chunk = b"z" * 16384
    await raw.send(*(spdy.DataFrame(stream.id, chunk) for _ in range(3)))
    for _ in range(3):
        assert await stream.read() == chunk
    update = await raw.receive()
    assert update == spdy.WindowUpdate(stream.id, 2 * 16384)


async def test_fin_ends_reading_and_reset_ends_writing(client_and_raw) -> None:
    session, raw = client_and_raw
    stream = await _open(session, raw, {"streamtype": ["data"]})
    await raw.send(spdy.DataFrame(stream.id, b"last", fin=True))
    assert await stream.read_all() == b"last"
    assert await stream.read() == b""
    await raw.send(spdy.RstStream(stream.id, spdy.CANCEL))
    await asyncio.sleep(0.05)
    with pytest.raises(ConnectionResetError):
        await stream.write(b"more")


async def test_goaway_ends_every_stream(client_and_raw) -> None:
    session, raw = client_and_raw
    stream = await _open(session, raw, {"streamtype": ["data"]})
    await raw.send(spdy.GoAway(0))
    assert await asyncio.wait_for(stream.read(), 2) == b""
    await asyncio.wait_for(session.closed.wait(), 2)
