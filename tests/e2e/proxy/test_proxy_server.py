"""The whole proxy: a real API server, the client's informers, real iptables in a netns.

Services and EndpointSlices are written through the API server; the ProxyServer (in this
process) watches them and programs the node namespace of topology.py, where requests to
the cluster IP and node port must reach the right pods.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer
from pyk8s.client.config import ClientConfig
from pyk8s.client.rest import Client
from pyk8s.proxy.iptables import Iptables
from pyk8s.proxy.plan import ProxyOptions
from pyk8s.proxy.server import ProxyServer, ServerOptions
from tests.e2e.proxy.topology import NODE_IP
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port

CLUSTER_IP = "10.96.0.10"


@pytest.fixture
async def cluster(net, tmp_path):
    config = APIServerConfig(
        data_dir=str(tmp_path / "data"), insecure_port=0, secure_port=None,
        service_cluster_ip_range="10.96.0.0/24",
    )  # fmt: skip
    apiserver = APIServer(config)
    await apiserver.start()
    client = Client(ClientConfig(server=apiserver.http_url))
    iptables = Iptables(net.command_prefix)
    options = ServerOptions(
        node_name="node-a", min_sync_period=0.1, sync_period=5.0, healthz_bind_address="",
        rules=ProxyOptions(cluster_cidr="10.244.0.0/16"),
    )  # fmt: skip
    proxy = ProxyServer(client, options, iptables=iptables, node_addresses=(NODE_IP,))
    await proxy.start()
    syncing = asyncio.create_task(proxy.proxier.run())
    try:
        yield client, proxy
    finally:
        syncing.cancel()
        await asyncio.gather(syncing, return_exceptions=True)
        await proxy.stop()
        await client.close()
        await apiserver.stop()
        await iptables.cleanup()


async def eventually(check: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        assert time.monotonic() < deadline, "the proxy did not program the change in time"
        await asyncio.sleep(0.1)


async def test_services_follow_the_api_server(net, cluster):
    client, proxy = cluster
    services = client.resource("", "v1", "services")
    slices = client.resource("discovery.k8s.io", "v1", "endpointslices")
    web = service("web", CLUSTER_IP, [port(80, "http", nodePort=30080)], type="NodePort")
    await services.create(web, namespace="default")
    pods = [endpoint(ip) for ip in net.pod_ips]
    created = await slices.create(
        endpoint_slice("web", pods, [slice_port(80, "http")]), namespace="default"
    )

    url = f"http://{CLUSTER_IP}/"
    await eventually(lambda: set(net.fetch(url, 30)) == {"pod-0", "pod-1", "pod-2"})
    assert set(net.fetch(f"http://{NODE_IP}:30080/", 5)) <= {"pod-0", "pod-1", "pod-2"}

    created["endpoints"] = [endpoint(net.pod_ips[1])]
    created = await slices.update(created, namespace="default")
    await eventually(lambda: set(net.fetch(url, 10)) == {"pod-1"})

    created["endpoints"] = []
    await slices.update(created, namespace="default")
    await eventually(lambda: net.fetch(url, 1) == ["refused"])

    await services.delete("web", namespace="default")
    await eventually(lambda: "KUBE-SERVICES -d 10.96.0.10/32" not in net.iptables_save())
    assert proxy.proxier.healthy()
    assert proxy.proxier.stats.failures == 0
