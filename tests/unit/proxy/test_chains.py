"""Chain names and probabilities are the ones the real kube-proxy produces."""

import pytest

from pyk8s.proxy import chains


def test_service_and_endpoint_chain_names_match_kube_proxy():
    # Values from kube-proxy's own proxier tests for service port "ns1/svc1:p80".
    assert chains.service_chain("KUBE-SVC-", "ns1/svc1:p80", "TCP") == "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert (
        chains.endpoint_chain("ns1/svc1:p80", "TCP", "10.180.0.1:80") == "KUBE-SEP-SXIVWICOYRO3J4NJ"
    )


def test_chain_names_differ_by_prefix_only_for_one_service_port():
    names = [
        chains.service_chain(p, "default/web:http", "TCP") for p in chains.PER_SERVICE_PREFIXES[:4]
    ]
    assert {n.split("-", 2)[2] for n in names} == {names[0].split("-", 2)[2]}
    assert all(len(n) <= 28 for n in names)  # iptables' limit on chain names


def test_protocol_is_part_of_the_hash():
    assert chains.service_chain("KUBE-SVC-", "default/dns:dns", "UDP") != chains.service_chain(
        "KUBE-SVC-", "default/dns:dns", "TCP"
    )


@pytest.mark.parametrize(
    ("remaining", "printed"),
    [
        (5, "0.20000000019"),
        (4, "0.25000000000"),
        (3, "0.33333333349"),
        (2, "0.50000000000"),
        (6, "0.16666666651"),
    ],
)
def test_probability_is_printed_as_iptables_save_prints_it(remaining, printed):
    assert chains.probability(remaining) == printed


def test_owned_chains_are_ours_and_nothing_else():
    assert chains.is_owned_chain("nat", "KUBE-SEP-SXIVWICOYRO3J4NJ")
    assert chains.is_owned_chain("filter", "KUBE-EXTERNAL-SERVICES")
    assert not chains.is_owned_chain("nat", "KUBE-FIREWALL")  # the kubelet's
    assert not chains.is_owned_chain("filter", "KUBE-SVC-XPGD46QRK7WJZT7O")
    assert not chains.is_owned_chain("nat", "DOCKER")


def test_masquerade_mark_from_bit():
    assert chains.masquerade_mark(14) == "0x4000"
