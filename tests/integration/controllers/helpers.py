"""Helpers for controller tests: waiting for a condition, objects, marking pods Ready."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pyk8s.client.resources import ResourceClient


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 15, what: str = ""
) -> Any:
    """Await `check()` until it returns something truthy; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(0.05)


def container(image: str = "nginx:1.25") -> dict[str, Any]:
    return {"name": "web", "image": image}


def deployment(name: str, replicas: int = 3, image: str = "nginx:1.25", **spec: Any) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [container(image)]},
            },
            **spec,
        },
    }


def replicaset(name: str, replicas: int = 3) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}},
        },
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def mark_ready(pods: ResourceClient, pod: dict, node: str = "node-1") -> None:
    """What a kubelet would report: Running, with the Ready condition True."""
    stamp = now()
    status = {
        "phase": "Running",
        "podIP": "10.1.0.7",
        "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": stamp},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": stamp},
        ],
    }
    meta = pod["metadata"]
    await pods.patch(
        meta["name"],
        {"status": status},
        meta["namespace"],
        patch_type="merge",
        subresource="status",
    )


async def list_items(api: ResourceClient, namespace: str = "default", **kw: Any) -> list[dict]:
    return (await api.list(namespace, **kw))["items"]


async def patch(
    api: ResourceClient, name: str, body: dict, namespace: str = "default", **kw: Any
) -> dict:
    """PATCH, retried on 409: pyk8s's API server does not yet retry a patch internally on a
    resourceVersion race with a controller's write, as kube-apiserver does."""
    from pyk8s.api import errors

    for _ in range(5):
        try:
            return await api.patch(name, body, namespace, **kw)
        except errors.Conflict:
            await asyncio.sleep(0.05)
    return await api.patch(name, body, namespace, **kw)
