"""Kubelet benchmarks (issue 6): pod startup at scale on hollow nodes, and on one runc node.

    .venv/bin/python benchmarks/kubelet_bench.py [--quick] [--part hollow|runc]
    ./dev bench kubelet [--quick]

Part A, hollow (kubemark / kwok style): real processes — `pyk8s apiserver` (SQLite, a
temporary data dir, a free loopback port), `pyk8s controller-manager`, `pyk8s scheduler` and
`pyk8s hollow-nodes --count N` (N complete kubelets in one process, only the runtime
simulated). Once every node is Ready, Deployments totalling the pod count are created at once
(100 replicas each) and a watch on pods notes when each pod is first seen bound and Running.
Printed: time from the first Deployment create to all pods Running, pods/s, per-pod latency
(pod first seen → Running) p50/p99, and each process's CPU seconds (/proc/<pid>/stat) and
RSS over the measured phase. Full size: 1 000 nodes x 10 000 pods; `--quick`: 100 x 1 000.
A run that does not finish within `--timeout` reports how far it got. `--profile` samples
every process with py-spy during the measured phase and prints where the CPU went.

Part B, runc: the same control plane plus `pyk8s kubelet --container-runtime runc`, all in a
network namespace the benchmark creates (nothing reaches the machine's own network). A
busybox image is built from busybox-static and imported into the kubelet's image store, so
nothing is pulled. 30 pods (`sleep`) are created bound to the node, 5 at a time; per pod,
the latency is from its create returning to a watch seeing its Ready condition True.
Everything is removed afterwards by PID, netns delete, runc delete and umount, also on failure.

Anchors (issue 6): Kubernetes' pod-startup SLO is p99 <= 5 s; kwok reports 10 000 pods Running
within 60 s. Aims: p99 <= 2 s for runc pods; hollow faster than kwok's figure, on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyk8s.client.config import ClientConfig  # noqa: E402
from pyk8s.client.rest import Client  # noqa: E402
from pyk8s.pki.certs import new_ca  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
REPLICAS_PER_DEPLOYMENT = 100
# The control plane's clients get kwok's / scheduler_perf's raised limits: at the default 20
# (controller manager) and 50 (scheduler) requests/s, 10 000 pods would take minutes of
# deliberate waiting, and the benchmark would measure the rate limiter.
API_QPS = 5000
SCHEDULER_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection: {leaderElect: false}
clientConnection: {qps: 5000, burst: 5000}
"""


# ---------------------------------------------------------------- processes and /proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mib(pid: int) -> float:
    resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return resident * PAGE / 2**20


@dataclass
class Component:
    """A `pyk8s` component as a child process (optionally inside a netns), stopped by PID."""

    name: str
    argv: list[str]
    log: Path
    netns: str = ""
    popen: subprocess.Popen[bytes] | None = None
    cpu_at_start: float = 0.0
    peak_rss: float = 0.0

    def start(self, ready_text: str = "", timeout: float = 60) -> None:
        command = [sys.executable, "-m", "pyk8s", *self.argv]
        if self.netns:
            # nsenter, not `ip netns exec`, which would also remount /sys and hide the cgroups.
            command = ["nsenter", f"--net=/run/netns/{self.netns}", "--", *command]
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(command, stdout=out, stderr=out, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while ready_text and ready_text not in self.log.read_text(errors="replace"):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"{self.name} did not report {ready_text!r}:\n{tail}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def mark(self) -> None:
        """Start of the measured phase: CPU is counted from here."""
        self.cpu_at_start = cpu_seconds(self.pid)

    def sample(self) -> tuple[float, float]:
        """CPU seconds since `mark` and current RSS (MiB); remembers the peak RSS."""
        rss = rss_mib(self.pid)
        self.peak_rss = max(self.peak_rss, rss)
        return cpu_seconds(self.pid) - self.cpu_at_start, rss

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class ControlPlane:
    """API server (SQLite), controller manager and scheduler; more components may be added."""

    def __init__(self, workdir: Path, netns: str = "") -> None:
        self.workdir, self.netns = workdir, netns
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.components: list[Component] = []

    def add(self, name: str, argv: list[str], ready_text: str = "") -> Component:
        component = Component(name, argv, self.workdir / f"{name}.log", self.netns)
        self.components.append(component)  # before start: stopped even if start fails
        component.start(ready_text)
        return component

    def start(self) -> None:
        self.add("apiserver", ["apiserver", "--data-dir", str(self.workdir / "data"),
                 "--insecure-port", str(self.port), "--secure-port", "0"], "serving on")  # fmt: skip
        master = ["--master", self.url, "--secure-port", "0"]
        # The CA published as kube-root-ca.crt, which every pod's service-account volume needs.
        root_ca, _ = new_ca().write(self.workdir / "pki", "ca")
        self.add("controller-manager", ["controller-manager", *master, "--leader-elect=false",
                 "--root-ca-file", str(root_ca),
                 "--kube-api-qps", str(API_QPS), "--kube-api-burst", str(API_QPS)])  # fmt: skip
        config = self.workdir / "scheduler.yaml"
        config.write_text(SCHEDULER_CONFIG)
        self.add("scheduler", ["scheduler", *master, "--config", str(config)], "caches synced")

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()

    def client(self) -> Client:
        return Client(ClientConfig(server=self.url, qps=1e6, burst=1_000_000))


# ---------------------------------------------------------------- watching pods


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@dataclass
class PodWatch:
    """One watch on all pods: when each pod was first seen, bound, Running and Ready."""

    client: Client
    seen: dict[str, float] = field(default_factory=dict)
    bound: dict[str, float] = field(default_factory=dict)
    running: dict[str, float] = field(default_factory=dict)
    ready: dict[str, float] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pods = self.client.resource("", "v1", "pods", namespaced=True)
        listed = await pods.list()
        for pod in listed["items"]:
            self._note(pod)
        version = listed["metadata"]["resourceVersion"]
        self.task = asyncio.create_task(self._follow(pods, version))

    async def _follow(self, pods: Any, version: str) -> None:
        async for _kind, pod in pods.watch(resource_version=version):
            self._note(pod)

    def _note(self, pod: dict[str, Any]) -> None:
        name, now = pod["metadata"]["name"], time.monotonic()
        self.seen.setdefault(name, now)
        if pod["spec"].get("nodeName"):
            self.bound.setdefault(name, now)
        if pod.get("status", {}).get("phase") == "Running":
            self.running.setdefault(name, now)
        if is_ready(pod):
            self.ready.setdefault(name, now)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


async def wait_nodes_ready(client: Client, count: int, timeout: float) -> float:
    nodes = client.resource("", "v1", "nodes")
    started = time.monotonic()
    while True:
        listed = await nodes.list()
        ready = sum(is_ready(node) for node in listed["items"])
        if ready >= count:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"only {ready} of {count} nodes Ready after {timeout:.0f} s")
        await asyncio.sleep(1)


async def wait_pod_prerequisites(client: Client) -> None:
    """What every pod's service-account volume needs, made by the controller manager."""
    accounts = client.resource("", "v1", "serviceaccounts", namespaced=True)
    configmaps = client.resource("", "v1", "configmaps", namespaced=True)
    for _ in range(300):
        with contextlib.suppress(Exception):
            await accounts.get("default", namespace="default")
            await configmaps.get("kube-root-ca.crt", namespace="default")
            return
        await asyncio.sleep(0.1)
    raise SystemExit("the default service account or kube-root-ca.crt never appeared")


# ---------------------------------------------------------------- part A: hollow nodes


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    container = {"name": "app", "image": "registry.k8s.io/pause:3.10"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [container]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
    }


@dataclass
class HollowResult:
    nodes: int
    pods: int
    nodes_ready_s: float
    finished: bool
    all_running_s: float
    bound: int
    running: int
    latencies: list[float]
    cpu: dict[str, float]
    rss: dict[str, float]
    timeline: list[str]
    profile: dict[str, list[str]]


async def run_hollow(
    nodes: int, pods: int, workdir: Path, timeout: float, profile: bool
) -> HollowResult:
    plane = ControlPlane(workdir)
    try:
        plane.start()
        plane.add("hollow-nodes", ["hollow-nodes", "--count", str(nodes), "--master", plane.url,
                  "--root-dir", str(workdir / "hollow")])  # fmt: skip
        async with plane.client() as client:
            nodes_ready_s = await wait_nodes_ready(client, nodes, max(120.0, nodes * 0.5))
            print(f"  {nodes} hollow nodes Ready after {nodes_ready_s:.1f} s", flush=True)
            await wait_pod_prerequisites(client)
            watch = PodWatch(client)
            await watch.start()
            return await _measure_hollow(plane, client, watch, nodes, pods, nodes_ready_s,
                                         timeout, profile)  # fmt: skip
    finally:
        plane.stop()


async def _measure_hollow(
    plane: ControlPlane, client: Client, watch: PodWatch, nodes: int, pods: int,
    nodes_ready_s: float, timeout: float, profile: bool,
) -> HollowResult:  # fmt: skip
    for component in plane.components:
        component.mark()
    profilers = start_profilers(plane, timeout) if profile else []
    deployments = client.resource("apps", "v1", "deployments", namespaced=True)
    count = max(1, pods // REPLICAS_PER_DEPLOYMENT)
    begin = time.monotonic()
    await asyncio.gather(*(
        deployments.create(deployment(f"bench-{i}", pods // count), namespace="default")
        for i in range(count)
    ))  # fmt: skip
    timeline, last_cpu, last_at = [], {c.name: 0.0 for c in plane.components}, begin
    while len(watch.running) < pods and time.monotonic() - begin < timeout:
        await asyncio.sleep(5)
        now = time.monotonic()
        shares = []
        for component in plane.components:
            cpu, _ = component.sample()
            shares.append(
                f"{component.name} {100 * (cpu - last_cpu[component.name]) / (now - last_at):.0f}%"
            )
            last_cpu[component.name] = cpu
        last_at = now
        line = (f"  t={now - begin:5.0f}s seen {len(watch.seen):5d} bound {len(watch.bound):5d} "
                f"running {len(watch.running):5d} | CPU " + ", ".join(shares))  # fmt: skip
        print(line, flush=True)
        timeline.append(line.strip())
    finished = len(watch.running) >= pods
    end = max(watch.running.values()) if finished else time.monotonic()
    samples = {c.name: c.sample() for c in plane.components}
    watch.stop()
    latencies = [watch.running[name] - watch.seen[name] for name in watch.running]
    return HollowResult(
        nodes, pods, nodes_ready_s, finished, end - begin, len(watch.bound), len(watch.running),
        latencies, {name: cpu for name, (cpu, _) in samples.items()},
        {c.name: c.peak_rss for c in plane.components}, timeline, stop_profilers(profilers),
    )  # fmt: skip


def print_hollow(result: HollowResult) -> None:
    print()
    state = "all Running" if result.finished else "NOT FINISHED"
    print(f"hollow: {result.nodes} nodes, {result.pods} pods, {state} after "
          f"{result.all_running_s:.1f} s (bound {result.bound}, Running {result.running})")  # fmt: skip
    print(f"  nodes Ready after start: {result.nodes_ready_s:.1f} s")
    if result.latencies:
        print(f"  pods/s {result.running / result.all_running_s:.0f}, pod seen -> Running "
              f"p50 {percentile(result.latencies, 0.5):.1f} s, "
              f"p99 {percentile(result.latencies, 0.99):.1f} s")  # fmt: skip
    print("| process | CPU s (measured phase) | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, cpu in result.cpu.items():
        print(f"| {name} | {cpu:.1f} | {result.rss[name]:.0f} |")
    print(f"| total | {sum(result.cpu.values()):.1f} | {sum(result.rss.values()):.0f} |")
    for name, lines in result.profile.items():
        print(f"\nwhere {name}'s CPU went (py-spy samples, own time / with callees):")
        for line in lines:
            print("  " + line)


# ---------------------------------------------------------------- part B: one runc node

RUNC_IMAGE = "docker.io/pyk8s/bench-busybox:1.0"
RUNC_CONCURRENCY = 5


@dataclass
class RuncResult:
    pods: int
    latencies: list[float]
    all_ready_s: float
    cpu: dict[str, float]
    rss: dict[str, float]


def runc_pod(name: str, node: str) -> dict[str, Any]:
    container = {"name": "app", "image": RUNC_IMAGE, "imagePullPolicy": "Never",
                 "command": ["sleep", "3600"]}  # fmt: skip
    spec = {"nodeName": node, "containers": [container], "terminationGracePeriodSeconds": 0}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def run_runc(pods: int, workdir: Path) -> RuncResult:
    """Part B: a control plane and a runc kubelet in a fresh netns; everything removed after."""
    for binary in ("ip", "nsenter", "runc", "busybox", "/usr/lib/cni/bridge"):
        if shutil.which(binary) is None and not os.path.exists(binary):
            raise SystemExit(f"{binary} not found: ./dev installs what the runc node needs")
    # The e2e suite's node helpers: the same cleanup (CNI DEL, runc delete, umount, cgroups).
    from tests.e2e.kubelet.processes import CNI_BIN_DIR, NodeSetup, clean_node, in_netns
    from tests.support.images import busybox_image, write_oci_layout

    tag = f"pyk8s-b{secrets.token_hex(3)}"
    netns = f"{tag}-node"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    plane = ControlPlane(workdir, netns)
    node = NodeSetup("bench-node", netns, workdir / "node", tag, "10.244.9.0/24")
    try:
        subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)
        layout = write_oci_layout(workdir / "image", busybox_image(), RUNC_IMAGE)
        subprocess.run([sys.executable, "-m", "pyk8s", "image", "--root-dir", str(node.root),
                        "import", str(layout)], check=True, cwd=ROOT, capture_output=True)  # fmt: skip
        plane.start()
        plane.add("kubelet", [
            "kubelet", "--container-runtime", "runc", "--hostname-override", node.name,
            "--master", plane.url, "--root-dir", str(node.root),
            "--cni-conf-dir", str(node.root / "net.d"), "--cni-bin-dir", CNI_BIN_DIR,
            "--pod-cidr", node.pod_cidr, "--node-ip", "127.0.0.1", "--address", "127.0.0.1",
            "--port", str(free_port()), "--log-dir", str(node.root / "pods"),
            "--cgroup-root", node.cgroup_root, "--netns-prefix", node.netns_prefix,
        ], "running")  # fmt: skip
        return in_netns(netns, lambda: asyncio.run(_measure_runc(plane, node.name, pods)))
    finally:
        plane.stop()
        clean_node(node)
        subprocess.run(["ip", "netns", "delete", netns], check=False)


async def _measure_runc(plane: ControlPlane, node: str, count: int) -> RuncResult:
    async with plane.client() as client:
        await wait_nodes_ready(client, 1, 60)
        await wait_pod_prerequisites(client)
        watch = PodWatch(client)
        await watch.start()
        for component in plane.components:
            component.mark()
        pods = client.resource("", "v1", "pods", namespaced=True)
        names = [f"bench-{i}" for i in range(count)]
        created: dict[str, float] = {}
        gate = asyncio.Semaphore(RUNC_CONCURRENCY)

        async def create(name: str) -> None:
            async with gate:
                await pods.create(runc_pod(name, node), namespace="default")
                created[name] = time.monotonic()

        begin = time.monotonic()
        await asyncio.gather(*(create(name) for name in names))
        deadline = begin + 300
        while any(name not in watch.ready for name in names) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        samples = {c.name: c.sample() for c in plane.components}
        watch.stop()
    missing = [name for name in names if name not in watch.ready]
    if missing:
        raise SystemExit(f"{len(missing)} runc pods not Ready after 300 s: {missing[:5]}")
    return RuncResult(
        count, [watch.ready[name] - created[name] for name in names],
        max(watch.ready.values()) - begin, {name: cpu for name, (cpu, _) in samples.items()},
        {c.name: c.peak_rss for c in plane.components},
    )  # fmt: skip


def print_runc(result: RuncResult) -> None:
    print(f"runc: {result.pods} pods Ready after {result.all_ready_s:.1f} s; create -> Ready "
          f"p50 {percentile(result.latencies, 0.5):.2f} s, "
          f"p99 {percentile(result.latencies, 0.99):.2f} s, "
          f"max {max(result.latencies):.2f} s")  # fmt: skip
    print("| process | CPU s | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, cpu in result.cpu.items():
        print(f"| {name} | {cpu:.1f} | {result.rss[name]:.0f} |")


# ---------------------------------------------------------------- profiling with py-spy


def start_profilers(
    plane: ControlPlane, timeout: float
) -> list[tuple[str, Path, subprocess.Popen[bytes]]]:
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        raise SystemExit(f"--profile needs py-spy: {sys.executable} -m pip install py-spy")
    profilers = []
    for component in plane.components:
        out = plane.workdir / f"{component.name}.spy"
        command = [str(spy), "record", "--pid", str(component.pid), "--rate", "20",
                   "--nonblocking", "--format", "raw", "--output", str(out),
                   "--duration", str(int(timeout) + 60)]  # fmt: skip
        popen = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        profilers.append((component.name, out, popen))
    return profilers


def stop_profilers(
    profilers: list[tuple[str, Path, subprocess.Popen[bytes]]],
) -> dict[str, list[str]]:
    """Stop each py-spy (SIGINT makes it write what it sampled) and summarise its samples."""
    summaries = {}
    for name, out, popen in profilers:
        popen.send_signal(signal.SIGINT)
        try:
            popen.wait(30)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
        if out.exists():
            summaries[name] = summarise_stacks(out.read_text())
    return summaries


# Frames on every stack (the event loop, the entry point): 100 % "with callees", no news.
PLUMBING = tuple(f"({name})" for name in (
    "asyncio/events.py", "asyncio/base_events.py", "asyncio/runners.py", "<frozen runpy>",
    "cli/main.py", "__main__.py", "threading.py", "selectors.py",
))  # fmt: skip


def summarise_stacks(raw: str, top: int = 12) -> list[str]:
    """Collapsed stacks ("frame;frame;... count") -> the functions with the most samples."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count, frames = int(count_text), [short_frame(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if not frame.endswith(PLUMBING):
                inclusive[frame] += count
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples; own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append("functions with their callees (event loop and entry points left out):")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return lines


def short_frame(frame: str) -> str:
    """ "fn (/long/path/site-packages/pkg/mod.py:12)" -> "fn (pkg/mod.py)": one entry per function."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/site-packages/", f"{ROOT}/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


# ---------------------------------------------------------------- command line


def describe_machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor())  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), kernel {platform.release()}, "
            f"Python {platform.python_version()}, load average {load}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 hollow nodes x 1 000 pods")
    parser.add_argument("--part", choices=("hollow", "runc"), action="append")
    parser.add_argument("--nodes", type=int, help="hollow nodes (default 1 000, quick 100)")
    parser.add_argument("--pods", type=int, help="hollow pods (default 10 000, quick 1 000)")
    parser.add_argument("--runc-pods", type=int, default=30, help="pods on the runc node")
    parser.add_argument("--timeout", type=float, default=600, help="give up on hollow after (s)")
    parser.add_argument("--profile", action="store_true", help="py-spy every hollow process")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data dirs")
    args = parser.parse_args()
    print(describe_machine(), flush=True)
    parts = args.part or ["hollow", "runc"]
    if "hollow" in parts:
        nodes = args.nodes or (100 if args.quick else 1000)
        pods = args.pods or (1000 if args.quick else 10000)
        print(f"hollow: {nodes} nodes, {pods} pods", flush=True)
        with workdir("pyk8s-kubelet-bench-", args.keep) as where:
            result = asyncio.run(run_hollow(nodes, pods, where, args.timeout, args.profile))
        print_hollow(result)
    if "runc" in parts:
        print(f"\nrunc: {args.runc_pods} pods on one node", flush=True)
        with workdir("pyk8s-runc-bench-", args.keep) as where:
            print_runc(run_runc(args.runc_pods, where))


@contextlib.contextmanager
def workdir(prefix: str, keep: bool):  # type: ignore[no-untyped-def]
    where = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield where
    finally:
        if keep:
            print(f"  logs and data kept in {where}")
        else:
            shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
