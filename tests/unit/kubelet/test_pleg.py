"""The relist loop wakes exactly the pods whose containers changed state."""

from __future__ import annotations

import asyncio

from pyk8s.kubelet.pleg import changed_pods, relist_forever, snapshot
from pyk8s.kubelet.runtime.hollow import HollowRuntime
from pyk8s.kubelet.runtime.interface import ContainerConfig, SandboxConfig


def _pod(uid: str) -> dict:
    return {"metadata": {"name": uid, "namespace": "default", "uid": uid},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]}}  # fmt: skip


async def _run_container(runtime: HollowRuntime, uid: str) -> str:
    pod = _pod(uid)
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod, attempt=0))
    config = ContainerConfig(pod["spec"]["containers"][0], pod, "busybox")
    container_id = await runtime.create_container(sandbox.id, config)
    await runtime.start_container(container_id)
    return container_id


def test_changed_pods_compares_each_pods_containers() -> None:
    before = {"a": frozenset({("c1", "running")}), "b": frozenset({("c2", "running")})}
    now = {"a": frozenset({("c1", "exited")}), "b": before["b"], "c": frozenset()}
    assert changed_pods(before, now) == {"a", "c"}
    assert changed_pods(now, {}) == {"a", "b", "c"}


async def test_an_exited_container_wakes_its_pod_and_only_its_pod() -> None:
    runtime = HollowRuntime("10.200.0.0/24", startup_delay=0)
    exiting = await _run_container(runtime, "pod-a")
    await _run_container(runtime, "pod-b")
    assert set(await snapshot(runtime)) == {"pod-a", "pod-b"}
    woken: list[str] = []
    relist = asyncio.create_task(relist_forever(runtime, woken.append, period=0.01))
    try:
        await asyncio.sleep(0.05)
        assert woken == []  # the first listing is the baseline
        await runtime.stop_container(exiting, 0)
        await asyncio.sleep(0.05)
        assert woken == ["pod-a"]
    finally:
        relist.cancel()
