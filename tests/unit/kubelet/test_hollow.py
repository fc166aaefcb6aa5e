"""The hollow runtime: pods with IPs from the pod CIDR, containers that run nothing."""

from __future__ import annotations

import ipaddress
import time

import pytest

from pyk8s.kubelet.runtime import runtime_class
from pyk8s.kubelet.runtime.hollow import HollowRuntime
from pyk8s.kubelet.runtime.interface import (
    ContainerConfig,
    ContainerRuntimeError,
    NotFound,
    SandboxConfig,
)


def pod(name: str, **spec) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"}, "spec": spec}


async def test_sandboxes_get_distinct_ips_from_the_pod_cidr_after_the_delay():
    runtime = runtime_class("hollow")("10.244.3.0/24", startup_delay=0.05)
    began = time.monotonic()
    sandboxes = [await runtime.run_sandbox(SandboxConfig(pod=pod(f"p{n}"))) for n in range(3)]
    assert time.monotonic() - began >= 0.15
    ips = [s.ip for s in sandboxes]
    assert len(set(ips)) == 3 and ips[0] == "10.244.3.2"
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.244.3.0/24") for ip in ips)
    host = await runtime.run_sandbox(SandboxConfig(pod=pod("h", hostNetwork=True)))
    assert host.ips == ()


async def test_container_lifecycle_and_ip_reuse():
    runtime = HollowRuntime("10.244.4.0/30")  # .1 is the gateway: room for one pod
    first = await runtime.run_sandbox(SandboxConfig(pod=pod("a")))
    await runtime.pull_image("nginx")
    config = ContainerConfig(
        container={"name": "web", "image": "nginx"}, pod=pod("a"), image="nginx"
    )
    container_id = await runtime.create_container(first.id, config)
    await runtime.start_container(container_id)
    running = await runtime.container_status(container_id)
    assert running.state == "running" and running.image_id.startswith("sha256:")
    assert (await runtime.exec(container_id, ["true"])).exit_code == 0
    await runtime.stop_container(container_id, 30)
    stopped = await runtime.container_status(container_id)
    assert (stopped.state, stopped.exit_code, stopped.reason) == ("exited", 0, "Completed")
    with pytest.raises(ContainerRuntimeError):
        await runtime.exec(container_id, ["true"])

    with pytest.raises(ContainerRuntimeError, match="no IP addresses left"):
        await runtime.run_sandbox(SandboxConfig(pod=pod("c")))
    await runtime.remove_sandbox(first.id)
    again = await runtime.run_sandbox(SandboxConfig(pod=pod("c")))
    assert again.ip == first.ip == "10.244.4.2"
    with pytest.raises(NotFound):
        await runtime.container_status(container_id)
