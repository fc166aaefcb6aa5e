"""What the rendered rules do for each Service and EndpointSlice feature kube-proxy handles."""

import re

import pytest

from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.rules import ProxyOptions, render
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port

NODE = NodeInfo("node-a", ip="192.168.50.10", addresses=("192.168.50.10", "10.0.0.7"))
WEB = service("web", "10.96.0.10", [port(80, "http")])
SVC = "KUBE-SVC-CDGGSHYLG3RE2FKL"  # default/web:http, tcp


def web_with(*endpoints, ports=None):
    return render(
        [WEB], [endpoint_slice("web", list(endpoints), ports or [slice_port(80, "http")])], NODE
    )


def dnat_targets(rules) -> list[str]:
    text = rules.restore_text()
    return sorted(re.findall(r"--to-destination (\S+)", text))


@pytest.mark.parametrize(
    ("count", "probabilities"),
    [
        (1, []),
        (2, ["0.50000000000"]),
        (3, ["0.33333333349", "0.50000000000"]),
        (4, ["0.25000000000", "0.33333333349", "0.50000000000"]),
        (5, ["0.20000000019", "0.25000000000", "0.33333333349", "0.50000000000"]),
    ],
)
def test_each_endpoint_gets_an_equal_share_and_the_last_rule_catches_the_rest(count, probabilities):
    rules = web_with(*(endpoint(f"10.244.0.{i + 10}") for i in range(count)))
    chain = rules.nat.chains[SVC]
    assert [re.search(r"--probability (\S+)", r).group(1) for r in chain[:-1]] == probabilities
    assert "--probability" not in chain[-1]
    assert len(chain) == count


def test_service_without_endpoints_is_rejected_and_has_no_nat_chains():
    rules = web_with()
    assert SVC not in rules.nat.chains
    assert rules.filter.chains["KUBE-SERVICES"] == [
        '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http has no'
        ' endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable'
    ]


def test_headless_external_name_and_foreign_proxy_services_get_no_rules():
    headless = service("db", "None", [port(5432)])
    external = service("ext", "", [port(80)], type="ExternalName", externalName="example.com")
    foreign = service("other", "10.96.0.99", [port(80)])
    foreign["metadata"]["labels"] = {"service.kubernetes.io/service-proxy-name": "someone-else"}
    slices = [
        endpoint_slice(n, [endpoint("10.244.0.9")], [slice_port(80)]) for n in ("db", "other")
    ]
    rules = render([headless, external, foreign], slices, NODE)
    assert render([], [], NODE).restore_text() == rules.restore_text()


def test_only_ready_endpoints_are_used():
    rules = web_with(endpoint("10.244.0.2"), endpoint("10.244.0.3", ready=False))
    assert dnat_targets(rules) == ["10.244.0.2:80"]


def test_serving_terminating_endpoints_are_used_only_when_nothing_is_ready():
    terminating = endpoint("10.244.0.3", ready=False, serving=True, terminating=True)
    assert dnat_targets(web_with(endpoint("10.244.0.2"), terminating)) == ["10.244.0.2:80"]
    assert dnat_targets(web_with(terminating)) == ["10.244.0.3:80"]
    gone = endpoint("10.244.0.4", ready=False, serving=False, terminating=True)
    assert dnat_targets(web_with(gone)) == []


def test_named_target_port_resolves_per_endpoint_through_its_slice():
    # Two pods name their container port "web" differently: the controller puts them in
    # two slices, each with its own port number, under the service port's name.
    slices = [
        endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(8080, "http")], name="web-a"),
        endpoint_slice("web", [endpoint("10.244.0.3")], [slice_port(9090, "http")], name="web-b"),
    ]
    rules = render([WEB], slices, NODE)
    assert dnat_targets(rules) == ["10.244.0.2:8080", "10.244.0.3:9090"]


def test_an_endpoint_listed_in_two_slices_gets_one_chain():
    slices = [
        endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(80, "http")], name="web-a"),
        endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(80, "http")], name="web-b"),
    ]
    assert dnat_targets(render([WEB], slices, NODE)) == ["10.244.0.2:80"]


@pytest.mark.parametrize("protocol", ["UDP", "SCTP"])
def test_udp_and_sctp_ports_match_their_protocol(protocol):
    dns = service("dns", "10.96.0.53", [port(53, "dns", protocol)])
    eps = endpoint_slice("dns", [endpoint("10.244.0.5")], [slice_port(53, "dns", protocol)])
    text = render([dns], [eps], NODE).restore_text()
    p = protocol.lower()
    assert (
        f'-d 10.96.0.53/32 -p {p} -m comment --comment "default/dns:dns cluster IP" -m {p} --dport 53'
        in text
    )
    assert f'-p {p} -m comment --comment "default/dns:dns" -m {p} -j DNAT' in text


def test_slices_of_another_family_namespace_or_port_protocol_are_ignored():
    slices = [
        endpoint_slice("web", [endpoint("fd00::2")], [slice_port(80, "http")], address_type="IPv6"),
        endpoint_slice(
            "web", [endpoint("10.244.0.7")], [slice_port(80, "http")], namespace="other"
        ),
        endpoint_slice("web", [endpoint("10.244.0.8")], [slice_port(80, "http", "UDP")]),
    ]
    assert dnat_targets(render([WEB], slices, NODE)) == []


def test_internal_traffic_policy_local_without_local_endpoints_drops():
    local = service("web", "10.96.0.10", [port(80, "http")], internalTrafficPolicy="Local")
    eps = endpoint_slice("web", [endpoint("10.244.2.2", "node-b")], [slice_port(80, "http")])
    rules = render([local], [eps], NODE)
    assert rules.filter.chains["KUBE-SERVICES"][0].endswith(
        '"default/web:http has no local endpoints" -m tcp --dport 80 -j DROP'
    )
    assert dnat_targets(rules) == []


def test_external_traffic_policy_local_node_without_local_endpoints_drops_outside_traffic():
    web = service("web", "10.96.0.10", [port(80, "http", nodePort=30080)], type="NodePort",
                  externalTrafficPolicy="Local")  # fmt: skip
    eps = endpoint_slice("web", [endpoint("10.244.2.2", "node-b")], [slice_port(80, "http")])
    rules = render([web], [eps], NODE)
    assert rules.filter.chains["KUBE-EXTERNAL-SERVICES"] == [
        '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has no local'
        ' endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP'
    ]
    ext = "KUBE-EXT-CDGGSHYLG3RE2FKL"
    # Cluster IP traffic and this node's own NodePort traffic still reach the remote pod.
    assert rules.nat.chains[ext][-1].endswith(f"-j {SVC}")
    assert dnat_targets(rules) == ["10.244.2.2:80"]


def test_zone_hints_keep_traffic_in_this_nodes_zone():
    node = NodeInfo("node-a", labels={"topology.kubernetes.io/zone": "z1"})
    eps = endpoint_slice(
        "web",
        [endpoint("10.244.0.2", zones=("z1",)), endpoint("10.244.1.2", "node-b", zones=("z2",))],
        [slice_port(80, "http")],
    )
    assert dnat_targets(render([WEB], [eps], node)) == ["10.244.0.2:80"]
    # Without hints for every endpoint, hints are ignored.
    eps["endpoints"][1].pop("hints")
    assert len(dnat_targets(render([WEB], [eps], node))) == 2


def test_masquerade_all_marks_every_cluster_ip_packet():
    eps = endpoint_slice("web", [endpoint("10.244.0.2")], [slice_port(80, "http")])
    rules = render([WEB], [eps], NODE, ProxyOptions(masquerade_all=True))
    assert rules.nat.chains[SVC][0] == (
        f'-A {SVC} -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP"'
        " -m tcp --dport 80 -j KUBE-MARK-MASQ"
    )


def test_node_port_addresses_primary_and_cidrs_select_node_ips():
    options = ProxyOptions(nodeport_addresses=("primary", "10.0.0.0/8"))
    rules = render([], [], NODE, options)
    jumps = [r for r in rules.nat.chains["KUBE-SERVICES"] if r.endswith("-j KUBE-NODEPORTS")]
    assert [r.split()[3] for r in jumps] == ["192.168.50.10/32", "10.0.0.7/32"]


def test_large_clusters_drop_per_endpoint_comments():
    services = [service(f"s{i}", f"10.96.{i // 250}.{i % 250 + 1}", [port(80)]) for i in range(101)]
    slices = [
        endpoint_slice(
            f"s{i}", [endpoint(f"10.244.{i}.{j + 1}") for j in range(10)], [slice_port(80)]
        )
        for i in range(101)
    ]
    rules = render(services, slices, NODE)
    sep_rules = [
        r for name, chain in rules.nat.chains.items() if name.startswith("KUBE-SEP-") for r in chain
    ]
    assert len(sep_rules) == 2 * 1010
    assert not any("--comment" in r for r in sep_rules)
    # The service-level rules keep theirs.
    assert all("--comment" in r for r in rules.nat.chains["KUBE-SERVICES"])


def test_rendering_does_not_depend_on_input_order():
    services = [WEB, service("api", "10.96.0.11", [port(443, "https")])]
    slices = [
        endpoint_slice(
            "web", [endpoint("10.244.0.3"), endpoint("10.244.0.2")], [slice_port(80, "http")]
        ),
        endpoint_slice("api", [endpoint("10.244.0.4")], [slice_port(8443, "https")]),
    ]
    first = render(services, slices, NODE).restore_text()
    slices[0]["endpoints"].reverse()
    assert render(services[::-1], slices[::-1], NODE).restore_text() == first
