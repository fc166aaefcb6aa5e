"""`kill -9` of a `pyk8s apiserver` process in the middle of 50 concurrent writers, on SQLite
and on a real etcd: after a restart every acknowledged write is there, nothing is half
written, resourceVersions only grow, and the cluster-IP / node-port claims are exactly the
ones the stored Services hold.

Each ConfigMap carries its counter twice (`n` and `copy`), written together by every update:
an object with the two apart would be a torn write. A write the server did not acknowledge
may or may not have landed, so the check is "at least what was acknowledged".
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from pyk8s.storage.factory import StoreOptions, open_store
from tests.support.apiserver import ServerProcess
from tests.support.etcd import etcd_server

WRITERS = 50
KILL_AFTER_ACKNOWLEDGED = 400
BASE = "/api/v1/namespaces/default"


@dataclass
class Acknowledged:
    configmaps: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (n, rv)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> as answered
    count: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self) -> None:
        self.count += 1
        if self.count >= KILL_AFTER_ACKNOWLEDGED:
            self.enough.set()


def configmap(name: str, n: int, version: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if version:
        meta["resourceVersion"] = version
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {"n": str(n), "copy": str(n), "pad": "x" * 2000}}  # fmt: skip


def node_port_service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80}]},
    }


async def writer(http: aiohttp.ClientSession, worker: int, acked: Acknowledged) -> None:
    """Create, update twice, and now and then create a Service, until the server dies."""
    try:
        for round_ in range(1000):
            name = f"cm-{worker}-{round_}"
            async with http.post(f"{BASE}/configmaps", json=configmap(name, 0)) as response:
                assert response.status == 201, await response.text()
                version = (await response.json())["metadata"]["resourceVersion"]
            acked.configmaps[name] = (0, int(version))
            acked.record()
            for n in (1, 2):
                body = configmap(name, n, version)
                async with http.put(f"{BASE}/configmaps/{name}", json=body) as response:
                    assert response.status == 200, await response.text()
                    version = (await response.json())["metadata"]["resourceVersion"]
                acked.configmaps[name] = (n, int(version))
                acked.record()
            if round_ % 3 == 0:
                service = node_port_service(f"svc-{worker}-{round_}")
                async with http.post(f"{BASE}/services", json=service) as response:
                    assert response.status == 201, await response.text()
                    answered = await response.json()
                acked.services[answered["metadata"]["name"]] = answered
                acked.record()
    except (TimeoutError, aiohttp.ClientError):
        return  # the server was killed under us: this write was never acknowledged


@pytest.fixture(params=["sqlite", "etcd"])
def etcd_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "etcd":
        with etcd_server(tmp_path) as member:
            yield member.client_url
    else:
        yield ""


async def load_then_kill(server: ServerProcess) -> Acknowledged:
    acked = Acknowledged()
    assert server.process is not None
    connector = aiohttp.TCPConnector(limit=WRITERS)
    async with aiohttp.ClientSession(server.url, connector=connector) as http:
        writers = [asyncio.create_task(writer(http, i, acked)) for i in range(WRITERS)]
        await asyncio.wait_for(acked.enough.wait(), 60)
        os.kill(server.process.pid, signal.SIGKILL)
        await asyncio.wait_for(asyncio.gather(*writers), 30)
    return acked


async def test_kill_9_loses_no_acknowledged_write(etcd_url: str, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", tmp_path / "apiserver.log", etcd_servers=etcd_url)
    server.start()
    try:
        acked = await load_then_kill(server)
        server.stop()  # reaps the killed process
        server.start()
        async with aiohttp.ClientSession(server.url) as http:
            await check_configmaps(http, acked)
            services = await check_services(http, acked)
            newest = max(version for _, version in acked.configmaps.values())
            async with http.post(f"{BASE}/configmaps", json=configmap("after", 0)) as response:
                after = int((await response.json())["metadata"]["resourceVersion"])
            assert after > newest, "a write after the restart must get a larger resourceVersion"
    finally:
        server.stop()
    await check_claims(tmp_path / "data", etcd_url, services)


async def check_configmaps(http: aiohttp.ClientSession, acked: Acknowledged) -> None:
    async with http.get(f"{BASE}/configmaps") as response:
        assert response.status == 200
        listed = {item["metadata"]["name"]: item for item in (await response.json())["items"]}
    for item in listed.values():
        if item["metadata"]["name"].startswith("cm-"):
            data = item["data"]
            assert data["n"] == data["copy"] and len(data["pad"]) == 2000, f"torn: {item}"
    missing = sorted(set(acked.configmaps) - set(listed))
    assert not missing, f"acknowledged creates lost: {missing[:5]}"
    for name, (n, version) in acked.configmaps.items():
        stored = listed[name]
        assert int(stored["data"]["n"]) >= n, f"{name}: acknowledged update {n} lost"
        assert int(stored["metadata"]["resourceVersion"]) >= version


async def check_services(http: aiohttp.ClientSession, acked: Acknowledged) -> list[dict]:
    async with http.get("/api/v1/services") as response:
        services = (await response.json())["items"]
    by_name = {s["metadata"]["name"]: s for s in services}
    for name, answered in acked.services.items():
        assert by_name[name]["spec"]["clusterIP"] == answered["spec"]["clusterIP"]
        assert by_name[name]["spec"]["ports"] == answered["spec"]["ports"]
    ips = [s["spec"]["clusterIP"] for s in services]
    ports = [p["nodePort"] for s in services for p in s["spec"]["ports"] if "nodePort" in p]
    assert len(ips) == len(set(ips)), "a cluster IP is held by two Services"
    assert len(ports) == len(set(ports)), "a node port is held by two Services"
    assert len(acked.services) > 10
    return services


async def check_claims(data_dir: Path, etcd_url: str, services: list[dict]) -> None:
    """Read the allocators' keys straight from the store (the server has stopped)."""
    options = StoreOptions(data_dir=str(data_dir), etcd_servers=[etcd_url] if etcd_url else None)
    store = await open_store(options)
    try:
        ip_keys = (await store.range("/ipaddresses/")).kvs
        port_keys = (await store.range("/nodeports/")).kvs
        for kv in [*ip_keys, *port_keys]:
            orjson.loads(kv.value)  # every claim record decodes
    finally:
        await store.close()
    claimed_ips = {kv.key.rsplit("/", 1)[1] for kv in ip_keys}
    claimed_ports = {int(kv.key.rsplit("/", 1)[1]) for kv in port_keys}
    held_ports = {p["nodePort"] for s in services for p in s["spec"]["ports"] if "nodePort" in p}
    assert claimed_ips == {s["spec"]["clusterIP"] for s in services}, "cluster IPs leaked"
    assert claimed_ports == held_ports, "node ports leaked"
