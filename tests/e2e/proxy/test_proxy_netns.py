"""kube-proxy's rules, applied for real with iptables-restore, inside test network namespaces.

A "node" namespace with three "pod" namespaces running busybox httpd (topology.py). The
rules are rendered from Service and EndpointSlice objects exactly as the proxy does, and
traffic to a cluster IP or node port, sent from the node, has to reach the pods. Nothing
here touches the host's own tables: every iptables command runs in the node namespace.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from pyk8s.proxy.iptables import Iptables, IptablesError, parse_save
from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.rules import ProxyOptions, render
from tests.e2e.proxy.topology import NODE_IP
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port

CLUSTER_IP = "10.96.0.10"
NODE = NodeInfo("node-a", ip=NODE_IP, addresses=(NODE_IP,))
OPTIONS = ProxyOptions(cluster_cidr="10.244.0.0/16")


@pytest.fixture
def iptables(net):
    """The applier for the node namespace; our chains are removed after each test."""
    ipt = Iptables(net.command_prefix)
    net.add_foreign_rules()
    try:
        yield ipt
    finally:
        asyncio.run(ipt.cleanup())


def web(net, pods, **spec):
    svc = service("web", CLUSTER_IP, [port(80, "http", nodePort=30080)], type="NodePort", **spec)
    ready = [endpoint(net.pod_ips[i]) for i in pods]
    return [svc], [endpoint_slice("web", ready, [slice_port(80, "http")])]


def apply(ipt, services, slices):
    return asyncio.run(ipt.apply(render(services, slices, NODE, OPTIONS)))


def test_rules_apply_as_rendered_and_reapplying_changes_nothing(net, iptables):
    services, slices = web(net, [0, 1, 2])
    desired = render(services, slices, NODE, OPTIONS)
    asyncio.run(iptables.apply(desired))
    first = net.iptables_save()
    live = parse_save(first)
    for table in ("filter", "nat"):
        ours = {chain: live[table][chain] for chain in desired.table(table).chains}
        assert ours == desired.table(table).chains  # byte for byte as iptables-save prints
    assert "-A SITE-FIREWALL -s 10.123.0.0/16 -j DROP" in first
    assert asyncio.run(iptables.apply(desired)) == ""  # partial sync: nothing to write
    text = asyncio.run(iptables.apply(desired, full=True))
    assert "-I " not in text  # every jump was already there
    assert net.iptables_save() == first


def test_partial_sync_rewrites_only_the_changed_service(net, iptables):
    services, slices = web(net, [0, 1, 2])
    other = service("api", "10.96.0.11", [port(443, "https")])
    api = endpoint_slice("api", [endpoint(net.pod_ips[0])], [slice_port(80, "https")])
    apply(iptables, [*services, other], [*slices, api])
    text = apply(iptables, [*services, other], [*web(net, [0, 1])[1], api])
    assert "default/api" not in text and "10.244.0.12:80" not in text  # gone pod: -X only
    assert re.search(r"^-X KUBE-SEP-", text, re.M)
    assert Counter(net.fetch(f"http://{CLUSTER_IP}/", 20)).keys() <= {"pod-0", "pod-1"}
    assert set(net.fetch("http://10.96.0.11:443/", 3)) == {"pod-0"}


def test_cluster_ip_spreads_requests_over_every_endpoint(net, iptables):
    apply(iptables, *web(net, [0, 1, 2]))
    answers = Counter(net.fetch(f"http://{CLUSTER_IP}/", 60))
    assert set(answers) == {"pod-0", "pod-1", "pod-2"}, answers
    assert min(answers.values()) >= 8, answers  # 20 each expected; 8 is > 3 sigma away


def test_node_port_answers_on_the_node_ip(net, iptables):
    apply(iptables, *web(net, [0, 1, 2]))
    answers = net.fetch(f"http://{NODE_IP}:30080/", 15)
    assert set(answers) <= {"pod-0", "pod-1", "pod-2"} and len(answers) == 15, answers


def test_removed_endpoint_gets_no_more_traffic_and_no_request_fails(net, iptables):
    apply(iptables, *web(net, [0, 1, 2]))
    apply(iptables, *web(net, [0, 2]))
    answers = Counter(net.fetch(f"http://{CLUSTER_IP}/", 40))
    assert set(answers) == {"pod-0", "pod-2"}, answers


def test_service_without_endpoints_is_rejected_at_once(net, iptables):
    apply(iptables, *web(net, []))
    assert net.fetch(f"http://{CLUSTER_IP}/", 3) == ["refused"] * 3
    assert net.fetch(f"http://{NODE_IP}:30080/", 1) == ["refused"]


def test_deleted_service_chains_are_removed(net, iptables):
    apply(iptables, *web(net, [0, 1]))
    apply(iptables, [], [])
    nat = net.iptables_save().split("*nat", 1)[1]
    assert not re.search(r"KUBE-(SVC|SEP|EXT)-", nat)
    assert net.fetch(f"http://{CLUSTER_IP}/", 1)[0].startswith("error")  # no rule, no pod


def test_a_failed_restore_leaves_the_previous_rules_in_place(net, iptables):
    apply(iptables, *web(net, [0, 1, 2]))
    before = net.iptables_save()
    desired = render(*web(net, [1]), NODE, OPTIONS)
    desired.nat.chains["KUBE-SERVICES"].append("-A KUBE-SERVICES -j NO-SUCH-CHAIN")
    with pytest.raises(IptablesError, match="NO-SUCH-CHAIN"):
        asyncio.run(iptables.apply(desired))
    assert net.iptables_save() == before


def test_switching_endpoints_under_load_loses_no_request(net, iptables):
    apply(iptables, *web(net, [0, 1, 2]))

    async def load_while_switching() -> list[str]:
        probe = asyncio.create_task(
            asyncio.to_thread(net.fetch, f"http://{CLUSTER_IP}/", 0, seconds=2.0)
        )
        for i in range(8):
            await iptables.apply(render(*web(net, [0, 1, 2] if i % 2 else [1]), NODE, OPTIONS))
        return await probe

    answers = asyncio.run(load_while_switching())
    assert len(answers) > 20 and set(answers) <= {"pod-0", "pod-1", "pod-2"}, Counter(answers)


def test_cleanup_leaves_the_tables_as_they_were(net):
    ipt = Iptables(net.command_prefix)
    net.add_foreign_rules()
    try:
        before = net.iptables_save()
        apply(ipt, *web(net, [0, 1, 2], sessionAffinity="ClientIP"))
        assert net.iptables_save() != before
        assert asyncio.run(ipt.cleanup()) is True
        assert net.iptables_save() == before
        assert asyncio.run(ipt.cleanup()) is False
    finally:
        asyncio.run(ipt.cleanup())
