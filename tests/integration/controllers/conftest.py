"""Fixtures for the controller tests: a real API server and controllers run in this process.

`cluster` is an in-process API server (SQLite in tmp_path, ServiceAccount admission off so
tests need not wait for the serviceaccount controller) with a client; `cluster.start(...)`
runs the named controllers exactly as the controller manager does (shared informers,
synced caches, then workers) and stops them when the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer
from pyk8s.client.config import ClientConfig
from pyk8s.client.resources import ResourceClient
from pyk8s.client.rest import Client
from pyk8s.controllers import load_all
from pyk8s.controllers.base import Controller
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.options import ControllerOptions
from pyk8s.controllers.registry import CONTROLLERS
from tests.support.apiserver import apiserver_process  # noqa: F401


class Cluster:
    def __init__(self, server: APIServer) -> None:
        self.server = server
        self.url = server.http_url
        self.client = Client(ClientConfig(server=self.url, qps=1000, burst=1000))
        self._runs: list[tuple[ControllerContext, asyncio.Task[None]]] = []

    def api(self, group: str, version: str, plural: str) -> ResourceClient:
        return self.client.resource(group, version, plural)

    async def start(
        self, *names: str, options: ControllerOptions | None = None
    ) -> list[Controller]:
        load_all()
        ctx = ControllerContext.create(self.client, options=options)
        controllers = [CONTROLLERS[name].factory(ctx) for name in names]
        ctx.informers.start()
        assert await ctx.informers.wait_for_cache_sync(10), "informers did not sync"

        async def run_all() -> None:
            await asyncio.gather(*(c.run(ctx.options.workers(c.name)) for c in controllers))

        task = asyncio.create_task(run_all())
        self._runs.append((ctx, task))
        return controllers

    async def stop_controllers(self) -> None:
        for ctx, task in self._runs:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await ctx.close()
        self._runs.clear()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    config = APIServerConfig(
        data_dir=str(tmp_path / "data"),
        insecure_port=0,
        secure_port=None,
        disable_admission_plugins=["ServiceAccount"],
    )
    server = APIServer(config)
    await server.start()
    cluster = Cluster(server)
    try:
        yield cluster
    finally:
        await cluster.stop_controllers()
        await cluster.client.close()
        await server.stop()
