"""The runc runtime's pull_image keeps the Runtime interface's promise: whatever breaks a pull
(a missing image, a registry error, no registry at all, a bad name) comes out as a
ContainerRuntimeError whose message says why, since that message is what the pod shows."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from pyk8s.kubelet.images.store import ImageStore
from pyk8s.kubelet.runtime.interface import ContainerRuntimeError, NotFound
from pyk8s.kubelet.runtime.runc import RuncRuntime


@pytest.fixture
def runtime(tmp_path: Path) -> RuncRuntime:
    return RuncRuntime(
        str(tmp_path / "runtime"), images=ImageStore(str(tmp_path / "images")), cni=None
    )


@pytest.fixture
async def registry() -> AsyncIterator[str]:
    """A registry on 127.0.0.1 that knows no image, and fails for repositories named broken."""

    async def manifest(request: web.Request) -> web.Response:
        if request.match_info["repository"] == "broken":
            return web.Response(status=500, text="storage backend unavailable")
        return web.json_response({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status=404)

    app = web.Application()
    app.router.add_get("/v2/{repository}/manifests/{reference}", manifest)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_a_missing_image_is_the_runtimes_not_found(runtime, registry) -> None:
    with pytest.raises(NotFound, match=f"{registry}/app:1.0: not found"):
        await runtime.pull_image(f"{registry}/app:1.0")


async def test_a_registry_error_keeps_its_message(runtime, registry) -> None:
    with pytest.raises(ContainerRuntimeError, match="answered 500: storage backend unavailable"):
        await runtime.pull_image(f"{registry}/broken:1.0")


async def test_no_registry_listening_is_a_runtime_error(runtime) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ContainerRuntimeError, match=f"127.0.0.1:{port}"):
        await runtime.pull_image(f"127.0.0.1:{port}/app:1.0")


async def test_an_invalid_name_is_a_runtime_error(runtime) -> None:
    with pytest.raises(ContainerRuntimeError, match="Not/A Valid"):
        await runtime.pull_image("Not/A Valid:name")
