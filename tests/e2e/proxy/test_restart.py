"""Restarting `pyk8s proxy` disturbs no established connection, and converges (issue 7).

Why a restart can be harmless: the nat table is consulted only for a connection's first
packet; conntrack remembers the DNAT for every later one. So a connection opened through a
cluster IP keeps its pod as long as nothing resets it, and the proxy's job across a restart
is only to leave its rules alone while it is down, to install nothing before its informers
have listed, and then to write the same rules again in one transaction.

Everything runs in the test namespaces of topology.py: the API server and the proxy are real
`pyk8s` processes in the node namespace (the proxy reaches the server on that namespace's
loopback), objects come from the real kubectl, and each pod namespace runs a small echo
server next to its busybox httpd. The long-lived connection is a client process in the node
namespace that the test drives line by line. Every process is stopped by its PID, and the
proxy's chains are removed after each test, also when it fails.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.proxy.test_proxy_process import API, start, stop, wait_for
from tests.e2e.proxy.topology import run
from tests.support.kubectl import kubectl_binary

CLUSTER_IP = "10.96.0.20"
ECHO_PORT = 9000

# One thread per connection; every reply names the pod and the peer address the pod sees,
# so a reply with the same prefix as before is proof it came over the same connection.
ECHO_SERVER = """
import socketserver, sys
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        peer = "%s:%d" % self.client_address
        for line in self.rfile:
            self.wfile.write(("%s %s " % (sys.argv[1], peer)).encode() + line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[2])), Echo).serve_forever()
"""

# One connection, kept open: each line on stdin is sent, and the reply (or what went wrong)
# is printed. The timeout guarantees an answer per line, so the test never blocks forever.
ECHO_CLIENT = """
import socket, sys
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
replies = sock.makefile("rb")
print("connected", flush=True)
for line in sys.stdin:
    try:
        sock.sendall(line.encode())
        reply = replies.readline().decode().strip()
        print(reply or "error: closed by the peer", flush=True)
    except OSError as err:
        print("error: %r" % err, flush=True)
"""


def manifests(pod_ips: list[str]) -> dict:
    """A Service with an HTTP port (busybox httpd) and an echo port, and its endpoints."""
    ports = [("http", 80), ("echo", ECHO_PORT)]
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "echo", "namespace": "default"},
                "spec": {
                    "clusterIP": CLUSTER_IP,
                    "ports": [{"name": n, "port": p, "targetPort": p} for n, p in ports],
                },
            },
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": "echo-1", "namespace": "default",
                    "labels": {"kubernetes.io/service-name": "echo"},
                },
                "addressType": "IPv4",
                "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in ports],
                "endpoints": [
                    {"addresses": [ip], "conditions": {"ready": True}} for ip in pod_ips
                ],
            },
        ],
    }  # fmt: skip


class EchoConnection:
    """One TCP connection from the node namespace, open until `close()`."""

    def __init__(self, node: str, host: str, port: int) -> None:
        command = ["ip", "netns", "exec", node, sys.executable, "-c", ECHO_CLIENT, host, str(port)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.greeting = self.process.stdout.readline().strip()

    def say(self, text: str) -> str:
        """Send one line and return the reply: "<pod> <peer> <text>" or "error: …"."""
        self.process.stdin.write(text + "\n")
        return self.process.stdout.readline().strip() or "error: the client exited"

    def close(self) -> None:
        stop(self.process)


def tables(net) -> str:
    """The node's iptables-save text without packet counters, which traffic changes."""
    return re.sub(r"\[\d+:\d+\]", "[0:0]", net.iptables_save())


@pytest.fixture(scope="module")
def echo_servers(net) -> Iterator[list[str]]:
    """An echo server in every pod namespace; yields the pod names the replies carry."""
    names = [f"pod-{i}" for i in range(len(net.pods))]
    servers = [
        subprocess.Popen(
            ["ip", "netns", "exec", pod, sys.executable, "-c", ECHO_SERVER, name, str(ECHO_PORT)]
        )
        for pod, name in zip(net.pods, names, strict=True)
    ]
    try:
        for ip in net.pod_ips:
            wait_for(lambda ip=ip: _echo_once(net, ip).endswith(" ready"), f"echo on {ip}", 10)
        yield names
    finally:
        for server in servers:
            stop(server)


def _echo_once(net, host: str) -> str:
    connection = EchoConnection(net.node, host, ECHO_PORT)
    try:
        return connection.say("ready") if connection.greeting == "connected" else "refused"
    finally:
        connection.close()


class ControlPlane:
    """A `pyk8s apiserver` process in the node namespace, kubectl, and `pyk8s proxy` runs."""

    def __init__(self, net, workdir: Path) -> None:
        self.net, self.workdir = net, workdir
        self.log = (workdir / "apiserver.log").open("w")
        self.apiserver: subprocess.Popen[str] | None = None
        self.proxy: subprocess.Popen[str] | None = None
        self.runs = 0

    def start_apiserver(self) -> None:
        """Start the API server (its data survives a restart) and wait until it is healthy."""
        self.apiserver = start(self.net, "apiserver", "--data-dir", str(self.workdir / "data"),
                               "--insecure-port", "18080", "--secure-port", "0",
                               "--service-cluster-ip-range", "10.96.0.0/24", log=self.log)  # fmt: skip
        wait_for(lambda: self.net.fetch(f"{API}/healthz", 1) == ["ok"], "the API server", 20)

    def stop_apiserver(self) -> None:
        assert self.apiserver is not None
        stop(self.apiserver)
        self.apiserver = None

    def kubectl(self, *args: str, input: str | None = None) -> str:
        env = {"HOME": str(self.workdir), "KUBECACHEDIR": str(self.workdir / "kube-cache"),
               "PATH": "/usr/bin:/bin"}  # fmt: skip
        command = ["ip", "netns", "exec", self.net.node, kubectl_binary(), "--server", API]
        done = subprocess.run([*command, *args], input=input, env=env, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start_proxy(self, *, wait_for_sync: bool = True) -> None:
        """Start `pyk8s proxy` and (unless told not to) wait until its first sync is done."""
        self.runs += 1
        with self.proxy_log_path.open("w") as log:
            self.proxy = start(self.net, "proxy", "--master", API, "-v", "4",
                               "--hostname-override", "node-a", "--cluster-cidr", "10.244.0.0/16",
                               "--iptables-min-sync-period", "100ms",
                               # Long, so that only the sync a restart triggers itself counts.
                               "--iptables-sync-period", "1m0s",
                               "--healthz-bind-address", "127.0.0.1:10256", log=log)  # fmt: skip
        if wait_for_sync:
            self.wait_for_sync()

    def wait_for_sync(self) -> None:
        wait_for(lambda: "proxy: synced" in self.proxy_log(), "the proxy's first sync", 15)

    def stop_proxy(self) -> None:
        """SIGTERM, as a service manager restarting it would send; it must exit cleanly."""
        assert self.proxy is not None
        stop(self.proxy)
        assert self.proxy.returncode == 0, self.proxy_log()[-3000:]
        self.proxy = None

    @property
    def proxy_log_path(self) -> Path:
        return self.workdir / f"proxy-{self.runs}.log"

    def proxy_log(self) -> str:
        return self.proxy_log_path.read_text()

    def close(self) -> None:
        for process in (self.proxy, self.apiserver):
            if process is not None:
                stop(process)
        self.log.close()
        run("ip", "netns", "exec", self.net.node, sys.executable, "-m", "pyk8s", "proxy",
            "--cleanup")  # fmt: skip


@pytest.fixture
def cluster(net, echo_servers, tmp_path) -> Iterator[ControlPlane]:
    """The API server with the echo Service over all three pods; no proxy running yet."""
    net.add_foreign_rules()
    control = ControlPlane(net, tmp_path)
    try:
        control.start_apiserver()
        control.kubectl("create", "--validate=false", "-f", "-",
                        input=json.dumps(manifests(net.pod_ips)))  # fmt: skip
        yield control
    finally:
        control.close()


class Chatter:
    """Sends a numbered line over one connection every 20 ms, from a thread, until stopped."""

    def __init__(self, connection: EchoConnection) -> None:
        self.connection = connection
        self.replies: list[str] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._talk, daemon=True)
        self._thread.start()

    def _talk(self) -> None:
        count = 0
        while not self._done.wait(0.02):
            count += 1
            self.replies.append(self.connection.say(f"ping-{count}"))

    def wait_for_more(self, count: int, what: str) -> None:
        target = len(self.replies) + count
        wait_for(lambda: len(self.replies) >= target, what, 5)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=10)


def test_a_restart_keeps_established_connections_and_the_same_rules(net, cluster):
    cluster.start_proxy()
    url = f"http://{CLUSTER_IP}/"
    wait_for(lambda: set(net.fetch(url, 30)) == {"pod-0", "pod-1", "pod-2"}, "the cluster IP")
    rules_before = tables(net)
    connection = EchoConnection(net.node, CLUSTER_IP, ECHO_PORT)
    chatter = None
    try:
        assert connection.greeting == "connected"
        first = connection.say("hello")
        pod, peer, _ = first.split(" ")
        assert pod.startswith("pod-"), first
        same_connection = f"{pod} {peer} "

        chatter = Chatter(connection)
        cluster.stop_proxy()
        chatter.wait_for_more(5, "replies while the proxy is down")
        assert tables(net) == rules_before, "a stopped proxy must leave its rules in place"
        assert net.fetch(url, 1)[0].startswith("pod-"), "new connections work while it is down"

        cluster.start_proxy()
        chatter.wait_for_more(5, "replies after the re-sync")
        chatter.stop()
        json.loads(net.fetch("http://127.0.0.1:10256/healthz", 1)[0])  # it serves /healthz again
        assert connection.say("after") == same_connection + "after"
    finally:
        if chatter is not None:
            chatter.stop()
        connection.close()
    broken = [r for r in chatter.replies if not r.startswith(same_connection)]
    assert not broken, f"the connection was disturbed: {broken[:3]}\n{cluster.proxy_log()[-3000:]}"
    assert set(net.fetch(url, 30)) == {"pod-0", "pod-1", "pod-2"}
    fresh = EchoConnection(net.node, CLUSTER_IP, ECHO_PORT)
    try:
        assert fresh.say("new").startswith("pod-")
    finally:
        fresh.close()
    assert tables(net) == rules_before


def test_a_restart_after_an_endpoint_left_converges_to_the_new_state(net, cluster):
    cluster.start_proxy()
    url = f"http://{CLUSTER_IP}/"
    wait_for(lambda: set(net.fetch(url, 30)) == {"pod-0", "pod-1", "pod-2"}, "the cluster IP")
    cluster.stop_proxy()

    # pod-2 leaves while nobody is programming the rules: they still send traffic to it.
    cluster.kubectl("patch", "endpointslice", "echo-1", "--type=json",
                    "-p", '[{"op": "remove", "path": "/endpoints/2"}]')  # fmt: skip
    stale = tables(net)
    assert f"--to-destination {net.pod_ips[2]}:80" in stale

    cluster.start_proxy()
    wait_for(lambda: set(net.fetch(url, 30)) == {"pod-0", "pod-1"}, "pod-2 to leave the rules")
    converged = tables(net)
    assert f"{net.pod_ips[2]}:" not in converged, "the removed endpoint's chains must be gone"

    # Converged means: exactly what a proxy that never saw pod-2 installs from scratch.
    cluster.stop_proxy()
    run("ip", "netns", "exec", net.node, sys.executable, "-m", "pyk8s", "proxy", "--cleanup")
    assert "KUBE-SERVICES" not in tables(net)
    cluster.start_proxy()
    assert tables(net) == converged


def test_a_proxy_restarted_while_the_api_server_is_down_keeps_the_old_rules(net, cluster):
    cluster.start_proxy()
    url = f"http://{CLUSTER_IP}/"
    wait_for(lambda: set(net.fetch(url, 30)) == {"pod-0", "pod-1", "pod-2"}, "the cluster IP")
    rules_before = tables(net)
    connection = EchoConnection(net.node, CLUSTER_IP, ECHO_PORT)
    try:
        same_connection = connection.say("hello").rsplit(" ", 1)[0] + " "
        cluster.stop_proxy()
        cluster.stop_apiserver()

        # Until it has listed Services and EndpointSlices it knows nothing, and installing
        # that "nothing" would break every Service on the node: it must wait instead.
        cluster.start_proxy(wait_for_sync=False)
        attempted = re.compile(r"proxy: (synced|not syncing|sync failed)")
        wait_for(lambda: attempted.search(cluster.proxy_log()), "a first sync attempt", 10)
        assert "proxy: synced" not in cluster.proxy_log()
        assert "not syncing until Services and EndpointSlices are listed" in cluster.proxy_log()
        assert tables(net) == rules_before
        assert set(net.fetch(url, 10)) <= {"pod-0", "pod-1", "pod-2"}
        assert connection.say("while-unlisted") == same_connection + "while-unlisted"

        cluster.start_apiserver()
        cluster.wait_for_sync()
        assert connection.say("after") == same_connection + "after"
    finally:
        connection.close()
    assert tables(net) == rules_before
