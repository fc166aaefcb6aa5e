"""Small helpers shared by the client integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client


def client_for(url: str) -> Client:
    return Client(ClientConfig(server=url, qps=1000, burst=1000))


async def eventually(condition: Callable[[], bool], timeout: float = 10, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(0.02)


def configmap(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
