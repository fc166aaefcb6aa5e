"""One contract, every runtime: the lifecycle the pod workers rely on, checked on runc and hollow.

A pod worker retries after crashes, so the calls must be idempotent where CRI's are and must
fail loudly where CRI's do. Both implementations run the same test.
"""

from __future__ import annotations

import ipaddress

import pytest

from pyk8s.kubelet.runtime.hollow import HollowRuntime
from pyk8s.kubelet.runtime.interface import (
    ContainerConfig,
    ContainerRuntimeError,
    NotFound,
    Runtime,
    SandboxConfig,
)
from tests.e2e.kubelet_node.conftest import BUSYBOX_REF
from tests.e2e.kubelet_node.test_runc_runtime import make_pod


@pytest.fixture(params=["runc", "hollow"])
def any_runtime(request: pytest.FixtureRequest) -> Runtime:
    if request.param == "hollow":
        return HollowRuntime("10.244.99.0/24", images=[BUSYBOX_REF])
    request.getfixturevalue("busybox")  # imports the image into the runc node's store
    return request.getfixturevalue("runtime")


async def test_lifecycle_is_the_same_on_every_runtime(any_runtime: Runtime):
    runtime = any_runtime
    assert runtime.not_ready_reason() is None
    assert (await runtime.image_status(BUSYBOX_REF)) is not None
    pod = make_pod("contract")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    assert sandbox.state == "ready" and ipaddress.ip_address(sandbox.ip).is_private
    assert [s.id for s in await runtime.list_sandboxes()] == [sandbox.id]

    container = {"name": "main", "image": BUSYBOX_REF, "command": ["sleep", "1000"]}
    config = ContainerConfig(container=container, pod=pod, image=BUSYBOX_REF, attempt=2)
    container_id = await runtime.create_container(sandbox.id, config)
    created = await runtime.container_status(container_id)
    assert (created.state, created.name, created.attempt, created.sandbox_id) == (
        "created",
        "main",
        2,
        sandbox.id,
    )

    await runtime.start_container(container_id)
    running = await runtime.container_status(container_id)
    assert running.state == "running" and running.started_at >= running.created_at
    with pytest.raises(ContainerRuntimeError):
        await runtime.start_container(container_id)  # a container starts once
    assert (await runtime.exec(container_id, ["true"])).exit_code == 0

    await runtime.stop_container(container_id, 0.2)
    await runtime.stop_container(container_id, 0.2)  # stopping a stopped container is fine
    stopped = await runtime.container_status(container_id)
    assert stopped.state == "exited" and stopped.finished_at >= stopped.started_at
    assert [c.id for c in await runtime.list_containers(sandbox.id)] == [container_id]

    await runtime.remove_container(container_id)
    await runtime.remove_container(container_id)  # so is removing a removed one
    with pytest.raises(NotFound):
        await runtime.container_status(container_id)
    await runtime.stop_sandbox(sandbox.id)
    assert (await runtime.sandbox_status(sandbox.id)).state == "notready"
    await runtime.remove_sandbox(sandbox.id)
    assert await runtime.list_sandboxes() == []
    with pytest.raises(NotFound):
        await runtime.sandbox_status(sandbox.id)


async def test_unknown_ids_and_images_are_not_found(any_runtime: Runtime):
    with pytest.raises(NotFound):
        await any_runtime.create_container(
            "0" * 32, ContainerConfig(container={"name": "x"}, pod={}, image=BUSYBOX_REF)
        )
    assert await any_runtime.image_status("docker.io/pyk8s/absent:1") is None
