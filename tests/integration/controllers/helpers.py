"""Helpers for controller tests: waiting for a condition, objects, marking pods Ready."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyk8s.api import errors
from pyk8s.client.resources import ResourceClient
from tests.support.apiserver import ROOT


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
    for _ in range(5):
        try:
            return await api.patch(name, body, namespace, **kw)
        except errors.Conflict:
            await asyncio.sleep(0.05)
    return await api.patch(name, body, namespace, **kw)


def is_ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class FakeKubelet:
    """Plays the kubelet's part for pod status: every new pod soon reports Running and Ready.

    It watches the namespace's pods and PATCHes pods/<name>/status for each one that is not
    Ready yet, as a kubelet does once its containers start. `hold()` stops it (pods stay
    Pending, so a rollout cannot progress) until `release()`.

        async with FakeKubelet(pods_api):
            ...
    """

    def __init__(self, pods: ResourceClient, namespace: str = "default") -> None:
        self.pods, self.namespace = pods, namespace
        self.held = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeKubelet:
        self._task = asyncio.create_task(self._run(), name="fake-kubelet")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def hold(self) -> None:
        self.held = True

    async def release(self) -> None:
        self.held = False
        for pod in await list_items(self.pods, self.namespace):
            await self._report(pod)

    async def _run(self) -> None:
        while True:  # a watch that ends (server timeout) is simply reopened
            async with self.pods.watch(self.namespace) as stream:
                async for kind, pod in stream:
                    if kind in ("ADDED", "MODIFIED"):
                        await self._report(pod)
            await asyncio.sleep(0.05)

    async def _report(self, pod: dict) -> None:
        if self.held or is_ready(pod) or pod["metadata"].get("deletionTimestamp"):
            return
        with contextlib.suppress(errors.NotFound, errors.Conflict):
            await mark_ready(self.pods, pod)


def start_manager(url: str, log: Path, *flags: str) -> subprocess.Popen[bytes]:
    """`pyk8s controller-manager --master url` as a process (no /healthz port), logging to log."""
    command = [sys.executable, "-m", "pyk8s", "controller-manager", "--master", url,
               "--secure-port", "0", *flags]  # fmt: skip
    with log.open("ab") as stderr:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> int:
    """Signal the process (if still running) and reap it; its exit status."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError(f"controller manager {process.pid} ignored signal {sig}") from None
