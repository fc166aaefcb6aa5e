"""Fixtures: a real API server (in this process) and a hollow kubelet talking to it over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from pyk8s.kubelet.kubelet import Kubelet, KubeletConfig
from pyk8s.kubelet.runtime.hollow import HollowRuntime
from tests.support.apiserver import apiserver  # noqa: F401

RESOURCES = {"cpu": "4", "memory": "8Gi", "ephemeral-storage": "100Gi"}


@pytest.fixture
async def client(apiserver) -> AsyncIterator[Client]:  # noqa: F811
    config = ClientConfig(server=apiserver.url).with_rate_limits(200, 400)
    async with Client(config) as api:
        # What the controller manager would create: the namespace's default account.
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        await api.resource("", "v1", "serviceaccounts").create(account, "default")
        yield api


def hollow_config(tmp_path: Path, name: str = "node-1", **overrides: Any) -> KubeletConfig:
    options: dict[str, Any] = dict(
        node_name=name, node_ip="127.0.0.1", root_dir=str(tmp_path / name),
        pod_cidr="10.244.1.0/24", port=0, mount_volumes=False, resources=RESOURCES,
        node_status_period=0.5, lease_period=0.5, mirror_period=0.3, static_check_period=0.3,
    )  # fmt: skip
    options.update(overrides)
    return KubeletConfig(**options)


@pytest.fixture
async def start_kubelet(
    client: Client, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Kubelet]]]:
    started: list[Kubelet] = []

    async def start(runtime: Any = None, use_client: bool = True, **overrides: Any) -> Kubelet:
        config = hollow_config(tmp_path, **overrides)
        kubelet = Kubelet(
            config, runtime or HollowRuntime(config.pod_cidr), client if use_client else None
        )
        await kubelet.start()
        started.append(kubelet)
        return kubelet

    yield start
    for kubelet in started:
        await kubelet.stop()


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 10.0, what: str = ""
) -> Any:
    """Poll `check` until it returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await check()
        except Exception as err:  # the object may not exist yet
            last = err
        if last and not isinstance(last, Exception):
            return last
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what or check}: last saw {last!r}")


def pod_manifest(name: str, node: str = "node-1", **spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "app", "image": "busybox:1.36"}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "containers": containers, **spec},
    }
