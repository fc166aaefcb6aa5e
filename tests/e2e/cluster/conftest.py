"""The whole cluster, kube-proxy included, in one test network namespace per module.

This is the kubelet e2e cluster (tests/e2e/kubelet/conftest.py: API server, controller
manager, scheduler, kubelet with real runc, a local registry) plus:

    eth0           192.168.77.10/24, the node's InternalIP (`kubelet --node-ip`), and the
                   route for the Service range 10.0.0.0/24 (the API server's default) — a
                   real node reaches Service IPs through its default route. eth0 is one end
                   of a veth pair whose other end (eth0-wire) is also in the netns and has no
                   address: what no iptables rule rewrote goes nowhere, and nothing leaves
    pyk8s proxy    --master, --cluster-cidr 10.244.0.0/16: its chains live only in the netns

`tables_before` is the netns's nat and filter tables just before the proxy first started,
for the `--cleanup` check. Every process is stopped by its PID and the namespace removed when
the module ends, also when a test failed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.kubelet.conftest import Cluster, running_cluster, wait_for
from tests.e2e.kubelet.processes import Process
from tests.support.apiserver import ROOT, free_port

NODE_IP = "192.168.77.10"
SERVICE_RANGE = "10.0.0.0/24"
CLUSTER_CIDR = "10.244.0.0/16"
REQUEST_LOOP = "tests.e2e.cluster.request_loop"


def give_node_an_address(netns: str) -> None:
    for command in (
        ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0-wire"],
        ["addr", "add", f"{NODE_IP}/24", "dev", "eth0"],
        ["link", "set", "eth0-wire", "up"],
        ["link", "set", "eth0", "up"],
        ["route", "add", SERVICE_RANGE, "dev", "eth0"],
    ):
        subprocess.run(["ip", "-n", netns, *command], check=True)


@dataclass
class ProxiedCluster:
    cluster: Cluster
    proxy: Process
    healthz_port: int
    tables_before: str

    def kubectl(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl(*args, **options)

    def in_netns(self, *argv: str, timeout: float = 60) -> str:
        done = subprocess.run(
            ["ip", "netns", "exec", self.cluster.netns, *argv],
            capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed: {done.stderr}")
        return done.stdout

    def fetch(self, url: str, count: int) -> list[str]:
        """GET `url` from the node `count` times, each on a new connection (so each one is
        balanced afresh): the body, "refused" or "error: …" per request."""
        out = self.in_netns(sys.executable, "-m", REQUEST_LOOP, url, "--count", str(count))
        return [answer for _, answer in json.loads(out)]

    def start_request_loop(self, url: str, stop_file: str) -> subprocess.Popen[str]:
        """GET `url` over and over until `stop_file` exists; `.communicate()` gives the JSON."""
        command = ["ip", "netns", "exec", self.cluster.netns, sys.executable, "-m", REQUEST_LOOP,
                   url, "--until", stop_file]  # fmt: skip
        return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def list_chain(self, chain: str, table: str = "nat") -> str:
        # -n: without it iptables asks DNS about every address, which cannot answer here.
        return self.in_netns("iptables", "-t", table, "-L", chain, "-n")

    def tables(self) -> str:
        return nat_and_filter(self.cluster.netns)

    def proxy_log(self) -> str:
        return self.proxy.log_path.read_text()[-3000:]


def nat_and_filter(netns: str) -> str:
    """`iptables-save` of both tables, without timestamps and packet counters."""
    text = ""
    for table in ("nat", "filter"):
        text += subprocess.run(
            ["ip", "netns", "exec", netns, "iptables-save", "-t", table],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
    lines = (re.sub(r"\[\d+:\d+\]", "", line) for line in text.splitlines())
    return "\n".join(line for line in lines if not line.startswith("#"))


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxiedCluster]:
    tmp = tmp_path_factory.mktemp("cluster-e2e")
    with running_cluster(
        tmp, prepare_netns=give_node_an_address, kubelet_flags=["--node-ip", NODE_IP]
    ) as cluster:
        before = nat_and_filter(cluster.netns)
        port = free_port()
        proxy = Process("proxy", ["proxy", "--master", cluster.api_url,
                        "--hostname-override", cluster.node.name, "--cluster-cidr", CLUSTER_CIDR,
                        "--healthz-bind-address", f"127.0.0.1:{port}"],
                        cluster.netns, tmp / "proxy.log")  # fmt: skip
        cluster.extra.append(proxy)
        proxy.start()
        made = ProxiedCluster(cluster, proxy, port, before)

        def synced() -> bool:
            healthz = cluster.http_get(f"http://127.0.0.1:{port}/healthz")
            return healthz is not None and "KUBE-SERVICES" in made.tables()

        wait_for(synced, 30, "the proxy's first sync")
        yield made
