"""The pure parts of `pyk8s proxy`: flag parsing and what it learns from its Node."""

import argparse

import pytest

from pyk8s.cli.proxy import duration
from pyk8s.proxy.server import node_info


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1.0), ("30s", 30.0), ("1m0s", 60.0),
                                               ("500ms", 0.5), ("1h", 3600.0)])  # fmt: skip
def test_durations_are_read_like_kube_proxys_flags(text, seconds):
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "1s junk"])
def test_bad_durations_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


def test_node_info_takes_the_internal_ip_and_labels_of_the_node():
    node = {
        "metadata": {"name": "node-a", "labels": {"topology.kubernetes.io/zone": "z1"}},
        "status": {"addresses": [{"type": "Hostname", "address": "node-a"},
                                 {"type": "InternalIP", "address": "fd00::5"},
                                 {"type": "InternalIP", "address": "192.168.1.5"}]},
    }  # fmt: skip
    info = node_info("node-a", node, ("192.168.1.5", "127.0.0.1"))
    assert info.ip == "192.168.1.5"
    assert info.labels == {"topology.kubernetes.io/zone": "z1"}
    assert node_info("node-a", None, ()).ip is None
