"""Service cluster IPs and node ports against a real SQLite store: no address is ever given
twice (concurrent creates, restarts), specific requests are honoured or refused with
Kubernetes' messages, and deletes give addresses back."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyk8s.api.errors import InternalError, Invalid
from pyk8s.apiserver import allocators
from pyk8s.apiserver.allocators import ServiceAllocator
from pyk8s.storage.sqlite import SQLiteStore


def service(name: str, **spec: object) -> dict:
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"type": "ClusterIP", "ports": [{"port": 80}], **spec},
    }


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = await SQLiteStore.open(str(tmp_path / "data"), compaction_interval=0)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def allocator(store: SQLiteStore) -> ServiceAllocator:
    return allocators.configure(store, service_cidr="10.0.0.0/24", node_port_range="30000-32767")


async def test_cluster_ip_is_filled_in_with_families(allocator: ServiceAllocator) -> None:
    svc = service("web")
    await allocator.allocate_create(svc)
    spec = svc["spec"]
    ip = ipaddress.ip_address(spec["clusterIP"])
    assert ip in ipaddress.ip_network("10.0.0.0/24")
    assert str(ip) not in ("10.0.0.0", "10.0.0.1", "10.0.0.255")  # net, kubernetes, broadcast
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"


async def test_fifty_concurrent_allocations_are_distinct(allocator: ServiceAllocator) -> None:
    services = [service(f"s{i}") for i in range(50)]
    await asyncio.gather(*(allocator.allocate_create(s) for s in services))
    ips = [s["spec"]["clusterIP"] for s in services]
    assert len(set(ips)) == 50
    assert set((await allocator.cluster_ips.allocated()).keys()) == set(ips)


async def test_a_full_range_says_so(store: SQLiteStore) -> None:
    # A /29 has 6 usable addresses; the first is kept for the kubernetes Service.
    allocator = allocators.configure(
        store, service_cidr="10.9.0.0/29", node_port_range="30000-30001"
    )
    for i in range(5):
        await allocator.allocate_create(service(f"s{i}"))
    with pytest.raises(InternalError, match="failed to allocate a serviceIP: range is full"):
        await allocator.allocate_create(service("one-too-many"))
    # The first address is still there for whoever asks for it by name.
    await allocator.allocate_create(service("kubernetes", clusterIP="10.9.0.1"))


async def test_restart_keeps_every_claim(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = await SQLiteStore.open(data, compaction_interval=0)
    allocator = allocators.configure(
        first, service_cidr="10.0.0.0/28", node_port_range="30000-30009"
    )
    before = [service(f"s{i}", type="NodePort") for i in range(6)]
    for svc in before:
        await allocator.allocate_create(svc)
    await first.close()

    second = await SQLiteStore.open(data, compaction_interval=0)
    try:
        allocator = allocators.configure(
            second, service_cidr="10.0.0.0/28", node_port_range="30000-30009"
        )
        after = [service(f"t{i}", type="NodePort") for i in range(4)]
        for svc in after:
            await allocator.allocate_create(svc)
        ips = [s["spec"]["clusterIP"] for s in before + after]
        ports = [s["spec"]["ports"][0]["nodePort"] for s in before + after]
        assert len(set(ips)) == 10
        assert sorted(ports) == list(range(30000, 30010))
    finally:
        await second.close()


async def test_specific_ip_honoured_then_refused(allocator: ServiceAllocator) -> None:
    svc = service("dns", clusterIP="10.0.0.10")
    await allocator.allocate_create(svc)
    assert svc["spec"]["clusterIPs"] == ["10.0.0.10"]
    with pytest.raises(Invalid) as taken:
        await allocator.allocate_create(service("other", clusterIP="10.0.0.10"))
    assert taken.value.message == (
        'Service "other" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.10"}: '
        "failed to allocate IP 10.0.0.10: provided IP is already allocated"
    )
    with pytest.raises(Invalid) as outside:
        await allocator.allocate_create(service("far", clusterIP="1.1.1.1"))
    assert outside.value.message == (
        'Service "far" is invalid: spec.clusterIPs: Invalid value: []string{"1.1.1.1"}: '
        "failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. "
        "The range of valid IPs is 10.0.0.0/24"
    )


async def test_ipv6_address_on_an_ipv4_cluster(allocator: ServiceAllocator) -> None:
    with pytest.raises(
        Invalid, match=r"spec.clusterIPs\[0\].*IPv6 is not configured on this cluster"
    ):
        await allocator.allocate_create(
            service("v6", clusterIP="fd00::10", clusterIPs=["fd00::10"])
        )
    with pytest.raises(Invalid, match="not configured for dual-stack services"):
        await allocator.allocate_create(service("dual", ipFamilyPolicy="RequireDualStack"))


async def test_headless_and_external_name_get_no_ip(allocator: ServiceAllocator) -> None:
    headless = service("db", clusterIP="None", selector={"app": "db"})
    await allocator.allocate_create(headless)
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["ipFamilies"] == ["IPv4"]
    selectorless = service("ext-ep", clusterIP="None")
    await allocator.allocate_create(selectorless)
    assert selectorless["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert selectorless["spec"]["ipFamilies"] == ["IPv4", "IPv6"]
    external = {"metadata": {"name": "x", "namespace": "default"},
                "spec": {"type": "ExternalName", "externalName": "example.com"}}  # fmt: skip
    await allocator.allocate_create(external)
    assert "clusterIP" not in external["spec"]
    assert await allocator.cluster_ips.allocated() == {}


async def test_node_ports(allocator: ServiceAllocator) -> None:
    svc = service("np", type="NodePort", ports=[
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        {"name": "web", "port": 80, "nodePort": 30080},
    ])  # fmt: skip
    await allocator.allocate_create(svc)
    udp, tcp, web = (p["nodePort"] for p in svc["spec"]["ports"])
    assert udp == tcp and 30000 <= udp <= 32767 and web == 30080
    with pytest.raises(Invalid) as taken:
        await allocator.allocate_create(
            service("np2", type="NodePort", ports=[{"port": 1, "nodePort": 30080}])
        )
    assert taken.value.message.endswith(
        "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"
    )
    with pytest.raises(Invalid) as outside:
        await allocator.allocate_create(
            service("np3", type="NodePort", ports=[{"port": 1, "nodePort": 8080}])
        )
    assert outside.value.message.endswith(
        "Invalid value: 8080: provided port is not in the valid range. "
        "The range of valid ports is 30000-32767"
    )


async def test_failed_create_claims_nothing(allocator: ServiceAllocator) -> None:
    await allocator.allocate_create(
        service("a", type="NodePort", ports=[{"port": 1, "nodePort": 30001}])
    )
    before = await allocator.cluster_ips.allocated()
    bad = service(
        "b",
        type="NodePort",
        ports=[{"name": "x", "port": 1}, {"name": "y", "port": 2, "nodePort": 30001}],
    )
    with pytest.raises(Invalid):
        await allocator.allocate_create(bad)
    assert await allocator.cluster_ips.allocated() == before
    assert set(await allocator.node_ports.allocated()) == {30001}


async def test_load_balancer_local_gets_health_check_port(allocator: ServiceAllocator) -> None:
    svc = service("lb", type="LoadBalancer", externalTrafficPolicy="Local")
    await allocator.allocate_create(svc)
    spec = svc["spec"]
    assert spec["healthCheckNodePort"] != spec["ports"][0]["nodePort"]
    assert set(await allocator.node_ports.allocated()) == {
        spec["healthCheckNodePort"], spec["ports"][0]["nodePort"],
    }  # fmt: skip


async def test_delete_and_type_changes_give_back(allocator: ServiceAllocator) -> None:
    old = service("svc", type="NodePort")
    await allocator.allocate_create(old)
    ip = old["spec"]["clusterIP"]
    # NodePort -> ClusterIP: the node port is given back once the update is stored.
    new = service("svc", clusterIP=ip, clusterIPs=[ip])
    await allocator.allocate_update(new, old)
    await allocator.release_dropped(new, old)
    assert await allocator.node_ports.allocated() == {}
    # ClusterIP -> NodePort again: a fresh port.
    again = service("svc", type="NodePort", clusterIP=ip, clusterIPs=[ip])
    await allocator.allocate_update(again, new)
    assert again["spec"]["ports"][0]["nodePort"]
    # Undoing a failed update gives back only what it claimed.
    await allocator.release_dropped(new, again)
    assert await allocator.node_ports.allocated() == {}
    assert ip in await allocator.cluster_ips.allocated()
    await allocator.release_all(new)
    assert await allocator.cluster_ips.allocated() == {}


async def test_dry_run_claims_nothing(allocator: ServiceAllocator) -> None:
    svc = service("dry", type="NodePort")
    await allocator.allocate_create(svc, dry_run=True)
    assert svc["spec"]["clusterIP"] and svc["spec"]["ports"][0]["nodePort"]
    assert await allocator.cluster_ips.allocated() == {}
    assert await allocator.node_ports.allocated() == {}


async def test_release_only_by_the_owner(allocator: ServiceAllocator) -> None:
    svc = service("mine", clusterIP="10.0.0.20")
    await allocator.allocate_create(svc)
    await allocator.release_all(service("thief", clusterIP="10.0.0.20", clusterIPs=["10.0.0.20"]))
    assert "10.0.0.20" in await allocator.cluster_ips.allocated()


async def test_repair_removes_claims_no_service_holds(
    allocator: ServiceAllocator, store: SQLiteStore
) -> None:
    import orjson

    kept = service("kept")
    await allocator.allocate_create(kept)
    kept["metadata"]["namespace"] = "default"
    await store.create("/services/specs/default/kept", orjson.dumps(kept))
    await allocator.allocate_create(service("crashed-before-write", type="NodePort"))
    assert await allocators.repair(allocator) == 2
    assert set(await allocator.cluster_ips.allocated()) == {kept["spec"]["clusterIP"]}
    assert await allocator.node_ports.allocated() == {}
