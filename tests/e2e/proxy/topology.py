"""A tiny cluster network, entirely inside network namespaces the test creates.

    node netns:  br0 10.244.0.1/24 and 192.168.77.10/24 (the node IP),
                 route 10.96.0.0/16 (service IPs) -> br0
    pod netns i: eth0 10.244.0.(10+i)/24 (a veth on br0), default via 10.244.0.1,
                 `busybox httpd` on port 80 answering with its own name ("pod-i")

Every interface is created inside a namespace of ours (`ip -n`), so nothing appears on the
host, and every address exists only there. `close()` stops the httpd processes by PID and
deletes the namespaces, which removes their interfaces with them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROBE = Path(__file__).with_name("http_probe.py")
NODE_IP = "192.168.77.10"
FOREIGN_RULES = """\
*filter
:SITE-FIREWALL - [0:0]
-A INPUT -j SITE-FIREWALL
-A SITE-FIREWALL -s 10.123.0.0/16 -j DROP
COMMIT
*nat
:SITE-NAT - [0:0]
-A PREROUTING -j SITE-NAT
COMMIT
"""


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def require_tools() -> None:
    missing = [
        t for t in ("ip", "iptables-restore", "iptables-save", "busybox") if not shutil.which(t)
    ]
    assert not missing, f"the proxy e2e tests need {missing} installed"
    assert os.geteuid() == 0, "the proxy e2e tests create network namespaces: run them as root"


class Topology:
    def __init__(self, pods: int) -> None:
        tag = uuid.uuid4().hex[:6]
        self.node = f"pyk8s-proxy-node-{tag}"
        self.pods = [f"pyk8s-proxy-pod{i}-{tag}" for i in range(pods)]
        self.pod_ips = [f"10.244.0.{10 + i}" for i in range(pods)]
        self.servers: list[subprocess.Popen[bytes]] = []
        self.web_root = Path(tempfile.mkdtemp(prefix="pyk8s-proxy-e2e-"))
        self.created: list[str] = []

    def start(self) -> Topology:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def _build(self) -> None:
        node = self.node
        self._add_netns(node)
        run("ip", "-n", node, "link", "set", "lo", "up")
        run("ip", "-n", node, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", node, "addr", "add", "10.244.0.1/24", "dev", "br0")
        run("ip", "-n", node, "link", "set", "br0", "up")
        run("ip", "-n", node, "addr", "add", f"{NODE_IP}/24", "dev", "br0")
        run("ip", "-n", node, "route", "add", "10.96.0.0/16", "dev", "br0")
        for i, (pod, ip) in enumerate(zip(self.pods, self.pod_ips, strict=True)):
            self._add_pod(i, pod, ip)
        self._wait_for_servers()

    def _add_netns(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self.created.append(name)

    def _add_pod(self, index: int, pod: str, ip: str) -> None:
        self._add_netns(pod)
        run("ip", "-n", self.node, "link", "add", f"veth{index}", "type", "veth",
            "peer", "name", "eth0", "netns", pod)  # fmt: skip
        run("ip", "-n", self.node, "link", "set", f"veth{index}", "master", "br0", "up")
        run("ip", "-n", pod, "link", "set", "lo", "up")
        run("ip", "-n", pod, "addr", "add", f"{ip}/24", "dev", "eth0")
        run("ip", "-n", pod, "link", "set", "eth0", "up")
        run("ip", "-n", pod, "route", "add", "default", "via", "10.244.0.1")
        root = self.web_root / f"pod-{index}"
        root.mkdir()
        (root / "index.html").write_text(f"pod-{index}")
        server = subprocess.Popen(
            ["ip", "netns", "exec", pod, "busybox", "httpd", "-f", "-p", "80", "-h", str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.servers.append(server)

    def _wait_for_servers(self) -> None:
        deadline = time.monotonic() + 10
        for index, ip in enumerate(self.pod_ips):
            while self.fetch(f"http://{ip}/", 1) != [f"pod-{index}"]:
                assert time.monotonic() < deadline, f"busybox httpd in pod {index} did not start"
                time.sleep(0.05)

    def fetch(self, url: str, count: int, *, seconds: float = 0.0) -> list[str]:
        """GET `url` from the node, `count` times (or for `seconds`), each on a new
        connection; one answer per request: the body, "refused" or "error: …"."""
        out = run("ip", "netns", "exec", self.node, sys.executable, str(PROBE), url,
                  str(count), str(seconds))  # fmt: skip
        return json.loads(out)

    def iptables_save(self) -> str:
        """The node's tables, without the comment lines that carry a timestamp."""
        text = run("ip", "netns", "exec", self.node, "iptables-save")
        return "\n".join(line for line in text.splitlines() if not line.startswith("#"))

    def add_foreign_rules(self) -> None:
        """Someone else's chains and rules, which the proxy must never touch (added once)."""
        if "SITE-FIREWALL" in self.iptables_save():
            return
        subprocess.run(["ip", "netns", "exec", self.node, "iptables-restore", "--noflush"],
                       input=FOREIGN_RULES, text=True, check=True, timeout=30)  # fmt: skip

    @property
    def command_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.node]

    def close(self) -> None:
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for name in reversed(self.created):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        shutil.rmtree(self.web_root, ignore_errors=True)
