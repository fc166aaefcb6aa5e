"""The port-forward protocol (portforward.k8s.io) over a SPDY session, server side.

For every local connection it accepts, kubectl opens two SPDY streams with the same
`requestID` header and the remote `port`: first `streamType: error`, then
`streamType: data`. The data stream's bytes are the TCP payload in both directions; text
written on the error stream is shown to the user as "an error occurred forwarding ...".
kubectl waits for the error stream to end before it lets the local connection go, so it
is always finished, error or not.

The session may run over a hijacked `Upgrade: SPDY/3.1` connection or inside the
WebSocket tunnel (`SPDY/3.1+portforward.k8s.io`, kubectl 1.31+): both are byte channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pyk8s.streaming.channels import ByteChannel
from pyk8s.streaming.spdy_session import Session, Stream

logger = logging.getLogger("pyk8s.streaming.portforward")

PROTOCOLS = ("portforward.k8s.io",)
TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
PAIR_TIMEOUT = 30.0

# port -> a connection to that port of the pod; raises OSError when it cannot connect.
Connector = Callable[[int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


class PortForwarder:
    """Serves every stream pair of one session, each to its own connection to the pod."""

    def __init__(self, connect: Connector, pod_name: str) -> None:
        self.connect = connect
        self.pod_name = pod_name
        self._error_streams: dict[str, asyncio.Future[Stream]] = {}

    def _pending(self, request_id: str) -> asyncio.Future[Stream]:
        if request_id not in self._error_streams:
            loop = asyncio.get_running_loop()
            self._error_streams[request_id] = loop.create_future()
        return self._error_streams[request_id]

    async def on_stream(self, stream: Stream) -> None:
        kind, request_id = stream.header("streamtype"), stream.header("requestid")
        if kind == "error":
            self._pending(request_id).set_result(stream)
            return
        if kind != "data":
            await stream.reset()
            return
        try:
            error = await asyncio.wait_for(self._pending(request_id), PAIR_TIMEOUT)
        except TimeoutError:
            await stream.reset()
            return
        finally:
            self._error_streams.pop(request_id, None)
        await self._forward(stream, error)

    async def _forward(self, data: Stream, error: Stream) -> None:
        port_text = data.header("port")
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError(port_text)
            reader, writer = await self.connect(port)
        except (OSError, ValueError) as err:
            message = f"error forwarding port {port_text} to pod {self.pod_name}: {err}"
            await _report(error, message)
            await data.close()
            return
        try:
            await _copy_both_ways(data, reader, writer)
        finally:
            writer.close()
            await error.close()


async def _report(error: Stream, message: str) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        await error.write(message.encode())
    await error.close()


async def _copy_both_ways(
    data: Stream, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    async def to_pod() -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await data.read():
                writer.write(chunk)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()  # the client is done sending; let the pod see it

    async def from_pod() -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                await data.write(chunk)
        await data.close()

    inbound = asyncio.ensure_future(to_pod())
    try:
        await from_pod()
        # The pod is done talking; give the client's last bytes a moment, then stop.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(inbound), 1.0)
    finally:
        inbound.cancel()
        await asyncio.gather(inbound, return_exceptions=True)


async def serve(channel: ByteChannel, connect: Connector, pod_name: str) -> None:
    """Run one port-forward session until the client goes away."""
    forwarder = PortForwarder(connect, pod_name)
    session = Session(channel, server=True, on_stream=forwarder.on_stream)
    try:
        await session.run()
    finally:
        await session.close()
