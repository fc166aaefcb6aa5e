"""kubectl port-forward through the API server and the kubelet to a port of the pod:
over the WebSocket tunnel (kubectl's default) and over plain SPDY."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.integration.streaming.conftest import CONTAINER, POD, Cluster, stop_process
from tests.support.apiserver import free_port

BIG = bytes(range(256)) * 4096  # 1 MiB: well past any flow-control window


@pytest.fixture
async def pod_http_server() -> AsyncIterator[int]:
    """An HTTP server on 127.0.0.1 standing in for the pod's port 80."""

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello from the pod")

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=BIG)

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    app = web.Application(client_max_size=4 * len(BIG))
    app.router.add_get("/", hello)
    app.router.add_get("/big", big)
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def _wait_for_forwarding(process: subprocess.Popen) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 20)
    if not line:
        _, err = process.communicate(timeout=5)
        pytest.fail(f"kubectl port-forward ended early: {err}")
    return line


@pytest.mark.parametrize(
    "env", [{}, {"KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"}], ids=["websocket-tunnel", "spdy"]
)
async def test_port_forward_reaches_the_pods_port(cluster: Cluster, pod_http_server: int, env):
    cluster.backend.add("default", POD, CONTAINER, ports={80: pod_http_server})
    local = free_port()
    process = cluster.popen(
        "port-forward", f"pod/{POD}", f"{local}:80", env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = await _wait_for_forwarding(process)
        assert line.strip() == f"Forwarding from 127.0.0.1:{local} -> 80"
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{local}") as http:
            for _ in range(3):  # one stream pair per connection
                async with http.get("/", headers={"Connection": "close"}) as response:
                    assert await response.text() == "hello from the pod"
            async with http.get("/big", headers={"Connection": "close"}) as response:
                assert await response.read() == BIG
            async with http.post("/echo", data=BIG, headers={"Connection": "close"}) as response:
                assert await response.read() == BIG
    finally:
        stop_process(process)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


async def test_port_forward_to_a_closed_port_reports_the_error(cluster: Cluster):
    local = free_port()
    process = cluster.popen(
        "port-forward", f"pod/{POD}", f"{local}:81",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        await _wait_for_forwarding(process)
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.ClientError):
                await http.get(f"http://127.0.0.1:{local}/")
    finally:
        stop_process(process)
        _, err = process.communicate(timeout=5)
    assert "an error occurred forwarding" in err and "-> 81" in err
