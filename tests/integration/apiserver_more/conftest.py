"""Fixtures for the API server's remaining behaviours: a real server with controllers in this
process (`cluster`, as in the controller tests) and a stand-in for the scheduler and kubelets.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pyk8s.api import errors
from pyk8s.client.resources import ResourceClient
from tests.integration.controllers.conftest import Cluster, cluster  # noqa: F401  (fixture)
from tests.integration.controllers.helpers import mark_ready
from tests.support.apiserver import apiserver  # noqa: F401  (the in-process server fixture)


class FakeNodes:
    """Plays the scheduler and the kubelets for one namespace's pods, through the API only:
    an unbound pod is bound to `spare_node`; a bound pod reports Running and Ready; a pod
    marked for deletion is confirmed gone (a 0-grace DELETE), as its kubelet would."""

    def __init__(self, pods: ResourceClient, spare_node: str, namespace: str = "default") -> None:
        self.pods, self.spare_node, self.namespace = pods, spare_node, namespace
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeNodes:
        self._task = asyncio.create_task(self._run(), name="fake-nodes")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:  # a watch the server ends is reopened
            async with self.pods.watch(self.namespace) as stream:
                async for kind, pod in stream:
                    if kind in ("ADDED", "MODIFIED"):
                        with contextlib.suppress(errors.NotFound, errors.Conflict):
                            await self._act(pod)
            await asyncio.sleep(0.05)

    async def _act(self, pod: dict[str, Any]) -> None:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            await self.pods.delete(meta["name"], meta["namespace"], grace_period_seconds=0)
        elif not (pod.get("spec") or {}).get("nodeName"):
            binding = {
                "apiVersion": "v1",
                "kind": "Binding",
                "metadata": {"name": meta["name"]},
                "target": {"kind": "Node", "name": self.spare_node},
            }
            await self.pods.client.request(
                "POST", self.pods.path(meta["namespace"], meta["name"], "binding"), body=binding
            )
        elif (pod.get("status") or {}).get("phase") != "Running":
            await mark_ready(self.pods, pod)
