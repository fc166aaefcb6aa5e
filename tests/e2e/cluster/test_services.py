"""Services through kube-proxy with the whole cluster: what `kubectl expose` gives a user.

A Deployment of 4 busybox httpd pods (real runc containers, each serving its own hostname)
and `kubectl expose deployment web --port=80`, then, from the node's network namespace:
the ClusterIP spreads new connections over all 4 pods, the nat chains read the way the
tutorials show them, a NodePort answers on the node's IP, scaling to 1 drops no request,
deleting the Service removes its chains, and `pyk8s proxy --cleanup` restores the tables.

The tests run in file order and share one cluster: each one starts from the state the one
before it left (4 pods → 1 pod → no Service → no proxy).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.cluster.conftest import NODE_IP, ProxiedCluster
from tests.e2e.kubelet.conftest import wait_for
from tests.support.apiserver import ROOT

REPLICAS = 4
PRE_STOP_SECONDS = 5
# PID 1 exits on SIGTERM; the preStop sleep is what keeps a terminating pod serving while
# the endpoint change travels to kube-proxy, the pattern Kubernetes' docs recommend.
SERVE = "trap 'exit 0' TERM; hostname > /www/index.html; httpd -f -p 80 -h /www & wait"


def web_deployment(image: str) -> dict:
    container = {
        "name": "web", "image": image, "command": ["sh", "-c", SERVE],
        "ports": [{"containerPort": 80}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1},
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_SECONDS)]}}},
    }  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container], "terminationGracePeriodSeconds": 15},
            },
        },
    }


@dataclass
class Web:
    cluster_ip: str
    pods: dict[str, str]  # pod name -> pod IP

    @property
    def url(self) -> str:
        return f"http://{self.cluster_ip}/"


def web_pods(proxied: ProxiedCluster, *, every: bool = False) -> dict[str, str]:
    """Pod name -> IP of the web pods that are ready and not terminating (or of `every` one)."""
    listed = json.loads(proxied.kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)
    found = {}
    for pod in listed["items"]:
        conditions = pod["status"].get("conditions") or []
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        # A terminating pod stays Ready until its containers stop.
        if every or (ready and not pod["metadata"].get("deletionTimestamp")):
            found[pod["metadata"]["name"]] = pod["status"].get("podIP", "")
    return found


def service_chain(proxied: ProxiedCluster, cluster_ip: str) -> str:
    """The KUBE-SVC- chain that KUBE-SERVICES sends the cluster IP to."""
    for line in proxied.list_chain("KUBE-SERVICES").splitlines():
        if cluster_ip in line.split() and line.startswith("KUBE-SVC-"):
            return line.split()[0]
    return ""


def endpoint_jumps(proxied: ProxiedCluster, chain: str) -> list[tuple[str, str | None]]:
    """(KUBE-SEP- chain, its probability or None for the catch-all) in rule order."""
    jumps = []
    for line in proxied.list_chain(chain).splitlines():
        if line.startswith("KUBE-SEP-"):
            probability = re.search(r"probability (\S+)", line)
            jumps.append((line.split()[0], probability.group(1) if probability else None))
    return jumps


@pytest.fixture(scope="module")
def web(proxied: ProxiedCluster) -> Web:
    proxied.cluster.apply(web_deployment(proxied.cluster.image))
    pods = wait_for(lambda: len(web_pods(proxied)) == REPLICAS and web_pods(proxied), 90,
                    f"{REPLICAS} ready web pods")  # fmt: skip
    proxied.kubectl("expose", "deployment", "web", "--port=80")
    cluster_ip = proxied.kubectl("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}").stdout
    web = Web(cluster_ip, pods)
    wait_for(lambda: set(proxied.fetch(web.url, 40)) == set(pods), 30,
             f"the cluster IP {cluster_ip} reaching all {REPLICAS} pods")  # fmt: skip
    return web


def test_cluster_ip_spreads_new_connections_evenly_over_the_pods(
    proxied: ProxiedCluster, web: Web
) -> None:
    answers = Counter(proxied.fetch(web.url, 200))
    assert set(answers) == set(web.pods), answers  # every request answered, by one of the pods
    # 50 each expected; these bounds are 4 standard deviations out.
    assert all(25 <= count <= 80 for count in answers.values()), answers


def test_nat_chains_read_like_the_tutorial(proxied: ProxiedCluster, web: Web) -> None:
    for entry in ("PREROUTING", "OUTPUT"):
        assert re.search(r"^KUBE-SERVICES ", proxied.list_chain(entry), re.MULTILINE), entry
    services = proxied.list_chain("KUBE-SERVICES")
    assert re.search(r"/\* default/web cluster IP \*/ tcp dpt:80\b", services), services
    chain = service_chain(proxied, web.cluster_ip)
    assert chain, services
    jumps = endpoint_jumps(proxied, chain)
    assert [p for _, p in jumps] == ["0.25000000000", "0.33333333349", "0.50000000000", None]
    destinations = set()
    for endpoint_chain, _ in jumps:
        dnat = re.search(r"DNAT .* to:(\S+)", proxied.list_chain(endpoint_chain))
        assert dnat, proxied.list_chain(endpoint_chain)
        destinations.add(dnat.group(1))
    assert destinations == {f"{ip}:80" for ip in web.pods.values()}


def test_node_port_answers_on_the_node_ip(proxied: ProxiedCluster, web: Web) -> None:
    proxied.kubectl("expose", "deployment", "web", "--name=web-nodeport", "--type=NodePort",
                    "--port=80")  # fmt: skip
    service = json.loads(proxied.kubectl("get", "service", "web-nodeport", "-o", "json").stdout)
    node_port = service["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767
    internal_ip = "jsonpath={.status.addresses[?(@.type=='InternalIP')].address}"
    node = proxied.kubectl("get", "node", proxied.cluster.node.name, "-o", internal_ip)
    assert node.stdout == NODE_IP
    url = f"http://{NODE_IP}:{node_port}/"
    wait_for(lambda: set(proxied.fetch(url, 40)) == set(web.pods), 30,
             f"node port {node_port} reaching every pod")  # fmt: skip
    listed = proxied.list_chain("KUBE-NODEPORTS")
    assert re.search(rf"default/web-nodeport \*/ tcp dpt:{node_port}\b", listed), listed


def test_scaling_to_one_pod_fails_no_request(
    proxied: ProxiedCluster, web: Web, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    loop = proxied.start_request_loop(web.url, str(stop))
    try:
        proxied.kubectl("scale", "deployment", "web", "--replicas=1")
        chain = service_chain(proxied, web.cluster_ip)
        wait_for(lambda: len(endpoint_jumps(proxied, chain)) == 1, 20,
                 "KUBE-SVC- to keep only one endpoint")  # fmt: skip
        switched = time.time()
        survivors = web_pods(proxied)
        # kube-proxy dropped the terminating pods while they still serve (their preStop
        # sleep), which is what makes the change invisible to clients.
        still_there = set(web_pods(proxied, every=True)) - set(survivors)
        assert still_there, "the terminating pods were gone before kube-proxy stopped using them"
        wait_for(lambda: len(web_pods(proxied, every=True)) == 1, 30,
                 "the terminating pods to go away")  # fmt: skip
    finally:
        stop.touch()
        try:
            out, _ = loop.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            loop.kill()
            loop.wait()
            raise
    answers = json.loads(out)
    assert len(survivors) == 1, survivors
    [survivor] = survivors
    failed = [answer for _, answer in answers if answer not in web.pods]
    assert not failed, f"{len(failed)} of {len(answers)} requests failed: {failed[:5]}"
    assert len(answers) >= 50, "the request loop barely ran"
    after = Counter(answer for started, answer in answers if started > switched)
    assert set(after) == {survivor} and after[survivor] >= 10, after
    assert set(proxied.fetch(web.url, 20)) == {survivor}


def test_deleting_the_service_removes_its_chains_and_its_ip(
    proxied: ProxiedCluster, web: Web
) -> None:
    chain = service_chain(proxied, web.cluster_ip)
    endpoint_chains = [name for name, _ in endpoint_jumps(proxied, chain)]
    assert chain and endpoint_chains
    proxied.kubectl("delete", "service", "web")

    def chains_gone() -> bool:
        tables = proxied.tables()
        return not any(name in tables for name in [chain, *endpoint_chains])

    wait_for(chains_gone, 20, f"{chain} and its endpoint chains to be removed")
    tables = proxied.tables()
    assert "default/web " not in tables and "default/web:" not in tables, tables
    # iptables mode keeps no rule for an IP no Service owns: the connection goes nowhere.
    [answer] = proxied.fetch(web.url, 1)
    assert answer.startswith("error") or answer == "refused", answer


def test_cleanup_leaves_the_tables_as_they_were(proxied: ProxiedCluster) -> None:
    proxied.proxy.stop()
    proxied.kubectl("delete", "service", "web-nodeport")
    proxied.kubectl("delete", "deployment", "web")
    wait_for(lambda: not web_pods(proxied, every=True), 30, "the web pods to go away")
    assert "KUBE-SERVICES" in proxied.tables()  # a stopped proxy leaves its rules working
    cleanup = subprocess.run(
        ["ip", "netns", "exec", proxied.cluster.netns, sys.executable, "-m", "pyk8s", "proxy",
         "--cleanup"], capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert cleanup.returncode == 0 and "removed" in cleanup.stdout, cleanup
    assert proxied.tables() == proxied.tables_before
