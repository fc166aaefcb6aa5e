"""CNI on a real node: host ports through portmap, CHECK, and DEL giving the address back."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from pyk8s.kubelet.network.cni import CNIError, PortMapping
from pyk8s.kubelet.runtime.interface import SandboxConfig
from pyk8s.kubelet.runtime.runc import RuncRuntime
from tests.e2e.kubelet_node.conftest import http_get, node_exec
from tests.e2e.kubelet_node.test_runc_runtime import make_pod, start


async def test_host_port_reaches_the_pod_through_portmap(
    runtime: RuncRuntime, busybox: str, node_netns: str
):
    pod = make_pod("published")
    config = SandboxConfig(
        pod=pod, port_mappings=[PortMapping(container_port=8080, host_port=9090)]
    )
    sandbox = await runtime.run_sandbox(config)
    await start(runtime, sandbox.id, pod, busybox, ["httpd", "-f", "-p", "8080", "-h", "/www"])
    gateway = runtime.cni.cached_result(sandbox.id, "eth0")["result"]["ips"][0]["gateway"]
    deadline = time.monotonic() + 5
    while node_exec(
        node_netns, "timeout", "2", "busybox", "wget", "-q", "-O", "-", f"http://{gateway}:9090/"
    ).returncode:
        assert time.monotonic() < deadline, "the host port never answered"
        await asyncio.sleep(0.05)
    assert http_get(node_netns, f"http://{gateway}:9090/") == b"hello from pyk8s\n"
    rules = node_exec(node_netns, "iptables-save", "-t", "nat").stdout.decode()
    assert "--dport 9090" in rules

    await runtime.stop_sandbox(sandbox.id)
    rules = node_exec(node_netns, "iptables-save", "-t", "nat").stdout.decode()
    assert "--dport 9090" not in rules
    assert "CNI-HOSTPORT-DNAT" in rules  # portmap's DEL leaves its shared chains…
    await runtime.cni.remove_shared_hostport_chains()
    rules = node_exec(node_netns, "iptables-save", "-t", "nat").stdout.decode()
    assert "CNI-HOSTPORT" not in rules  # …which the kubelet removes


async def test_check_passes_while_set_up_and_del_releases_the_address(
    runtime: RuncRuntime, node_netns: str
):
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=make_pod("checked")))
    await runtime.cni.check(sandbox.id, sandbox.netns)
    ipam_dir = runtime.cni.network()["plugins"][0]["ipam"]["dataDir"]
    [network_dir] = [os.path.join(ipam_dir, d) for d in os.listdir(ipam_dir)]
    assert sandbox.ip in os.listdir(network_dir)

    await runtime.stop_sandbox(sandbox.id)
    assert sandbox.ip not in os.listdir(network_dir)
    assert (await runtime.sandbox_status(sandbox.id)).state == "notready"
    with pytest.raises(CNIError):
        await runtime.cni.check(sandbox.id, sandbox.netns)
    await runtime.stop_sandbox(sandbox.id)  # stopping twice is fine


async def test_a_connection_opened_inside_the_pod_reaches_its_localhost(
    runtime: RuncRuntime, busybox: str, node_netns: str
):
    pod = make_pod("forwarded")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    # Bound to the pod's loopback only: reachable through port-forward, not from the node.
    await start(
        runtime, sandbox.id, pod, busybox, ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"]
    )
    deadline = time.monotonic() + 5
    while True:
        try:
            reader, writer = await runtime.port_forward(sandbox.id, 8080)
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "httpd never listened"
            await asyncio.sleep(0.05)
    writer.write(b"GET /index.html HTTP/1.0\r\n\r\n")
    response = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert response.startswith(b"HTTP/1.1 200") and response.endswith(b"hello from pyk8s\n")
    # From the node, the pod's address does not answer on that port.
    assert (
        node_exec(
            node_netns,
            "timeout",
            "2",
            "busybox",
            "wget",
            "-q",
            "-O",
            "-",
            f"http://{sandbox.ip}:8080/",
        ).returncode
        != 0
    )
