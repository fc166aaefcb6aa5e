"""The channel.k8s.io WebSocket protocols, v5 and v4, against a real local process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
from aiohttp import web
from multidict import MultiDict

from pyk8s.streaming import wsstream
from pyk8s.streaming.remotecommand import ExecOptions, exit_status, run_session
from pyk8s.streaming.upgrade import accept_websocket
from tests.support.local_containers import LocalProcess


def test_messages_are_a_channel_byte_and_a_payload() -> None:
    assert wsstream.encode(wsstream.STDOUT, b"hi") == b"\x01hi"
    assert wsstream.decode(b"\x00input") == (wsstream.STDIN, b"input")
    assert wsstream.decode(b"") == (-1, b"")


def test_resize_messages() -> None:
    assert wsstream.parse_resize(b'{"Width":80,"Height":24}') == (80, 24)
    assert wsstream.parse_resize(b"not json") is None


def test_exec_options_from_either_spelling() -> None:
    public = MultiDict([("command", "sh"), ("command", "-c"), ("stdin", "true"), ("tty", "true"),
                        ("stderr", "true"), ("stdout", "true")])  # fmt: skip
    kubelet = MultiDict([("command", "sh"), ("command", "-c"), ("input", "1"), ("output", "1"),
                         ("tty", "1")])  # fmt: skip
    expected = ExecOptions("", ("sh", "-c"), stdin=True, stdout=True, stderr=False, tty=True)
    assert ExecOptions.from_query(public) == expected
    assert ExecOptions.from_query(kubelet) == expected


def test_exit_statuses() -> None:
    assert exit_status(0, ["true"]) == {"metadata": {}, "status": "Success"}
    failure = exit_status(3, ["sh", "-c", "exit 3"])
    assert failure["reason"] == "NonZeroExitCode"
    assert failure["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]


@pytest.fixture
async def exec_server() -> AsyncIterator[str]:
    async def handler(request: web.Request) -> web.StreamResponse:
        options = ExecOptions.from_query(request.query)
        process = await LocalProcess.start(list(options.command), stdin=options.stdin, tty=False)
        try:
            ws = await accept_websocket(request, wsstream.PROTOCOLS)
            streams = wsstream.WebSocketStreams(ws, stdin=options.stdin, tty=False)
            await run_session(process, streams, options.command)
            return ws
        finally:
            await process.kill()

    app = web.Application()
    app.router.add_get("/exec", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/exec"
    finally:
        await runner.cleanup()


async def _collect(ws: aiohttp.ClientWebSocketResponse) -> dict[int, bytes]:
    channels: dict[int, bytes] = {}
    async for message in ws:
        if message.type == aiohttp.WSMsgType.BINARY:
            channel, payload = wsstream.decode(message.data)
            channels[channel] = channels.get(channel, b"") + payload
    return channels


async def test_v5_stdin_close_signal_ends_the_commands_input(exec_server: str) -> None:
    query = "command=tr&command=a-z&command=A-Z&stdin=true&stdout=true&stderr=true"
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{exec_server}?{query}", protocols=(wsstream.V5,))
        assert ws.protocol == wsstream.V5
        await ws.send_bytes(wsstream.encode(wsstream.STDIN, b"input-data\n"))
        await ws.send_bytes(bytes((wsstream.CLOSE, wsstream.STDIN)))
        channels = await _collect(ws)
    assert channels[wsstream.STDOUT] == b"INPUT-DATA\n"
    assert orjson.loads(channels[wsstream.ERROR]) == {"metadata": {}, "status": "Success"}


async def test_v4_reports_stderr_and_the_exit_code(exec_server: str) -> None:
    query = "command=sh&command=-c&command=echo+oops+>%262;+exit+4&stdout=true&stderr=true"
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{exec_server}?{query}", protocols=(wsstream.V4,))
        assert ws.protocol == wsstream.V4
        channels = await _collect(ws)
    assert channels[wsstream.STDERR] == b"oops\n"
    status = orjson.loads(channels[wsstream.ERROR])
    assert status["details"]["causes"][0]["message"] == "4"


async def test_a_client_without_a_known_protocol_is_refused(exec_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"{exec_server}?command=true&stdout=true",
                                  protocols=("v1.channel.k8s.io",))  # fmt: skip
