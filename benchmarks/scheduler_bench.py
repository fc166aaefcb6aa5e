"""Scheduler benchmark in the way of kube-scheduler's scheduler_perf, with real processes.

    .venv/bin/python benchmarks/scheduler_bench.py [--quick] [--workload basic ...]
    ./dev bench scheduler [--quick]

For each workload: a fresh `pyk8s apiserver` (embedded SQLite, temporary data dir, a free
loopback port) gets N Node objects (4 cpu, 32Gi, 110 pods each, as scheduler_perf's node
template) through the API; `pyk8s scheduler` starts and binds the initial pods; then the
measured pods are created (50 at a time) while the scheduler runs. Printed per workload:

- pods/s: measured pods / (first create sent .. last binding observed);
- latency p50/p99: from a pod's create returning to its binding reaching a watch on pods
  (queueing included, as a user would wait);
- CPU seconds of the scheduler and of the API server during the measured phase, from
  /proc/<pid>/stat (utime + stime), and per pod.

The benchmark driver (this process) runs on the same 2 cores and takes its share: in
scheduler_perf the API server, scheduler and driver also share one machine (one process).
Published kube-scheduler figure for "basic" (5000 nodes, 1000 + 10000 pods): ~680 pods/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyk8s.client.config import ClientConfig  # noqa: E402
from pyk8s.client.rest import Client  # noqa: E402

ZONE = "topology.kubernetes.io/zone"
CONCURRENCY = 50
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Workload:
    name: str
    nodes: int
    initial: int
    measured: int


WORKLOADS = {
    "basic": Workload("basic", 5000, 1000, 10000),
    "node-affinity": Workload("node-affinity", 5000, 1000, 5000),
    "anti-affinity": Workload("anti-affinity", 5000, 1000, 1000),
    "topology-spread": Workload("topology-spread", 5000, 1000, 5000),
}
# scheduler_perf gives the scheduler's client 5000 qps / 5000 burst; so do we.
SCHEDULER_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection: {leaderElect: false}
clientConnection: {qps: 5000, burst: 5000}
"""
QUICK = {"nodes": 500, "initial": 100, "measured": 1000}


def node(i: int) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": f"node-{i}", ZONE: f"zone-{i % 3}", "group": str(i % 10)}
    allocatable = {"cpu": "4", "memory": "32Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"node-{i}", "labels": labels},
        "status": {"allocatable": allocatable, "capacity": allocatable},
    }


def pod(name: str, workload: str) -> dict[str, Any]:
    requests = {"cpu": "100m", "memory": "500Mi"}
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "pause", "resources": {}}]}
    spec["containers"][0]["resources"]["requests"] = requests
    labels = {"app": "bench"}
    if workload == "node-affinity":
        expression = {"key": "group", "operator": "In", "values": ["1", "2", "3"]}
        terms = {"nodeSelectorTerms": [{"matchExpressions": [expression]}]}
        spec["affinity"] = {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": terms}
        }
    elif workload == "anti-affinity":
        labels = {"color": "green"}
        term = {"labelSelector": {"matchLabels": labels}, "topologyKey": "kubernetes.io/hostname"}
        anti = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
        spec["affinity"] = {"podAntiAffinity": anti}
    elif workload == "topology-spread":
        labels = {"app": "spread"}
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": labels},
            }
        ]
    metadata = {"name": name, "namespace": "default", "labels": labels}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


# Runs `pyk8s ARGS` under cProfile and writes the profile to PROFILE_TO when stopped.
PROFILED = """
import cProfile, os, signal, sys
from pyk8s.cli.main import main
profile = cProfile.Profile()
def stop(*_):
    profile.disable()
    profile.dump_stats(os.environ["PROFILE_TO"])
    os._exit(0)
signal.signal(signal.SIGTERM, stop)
profile.enable()
main(sys.argv[1:])
"""


class Process:
    """A pyk8s component as a child process, stopped by PID."""

    def __init__(self, args: list[str], log: Path, profile_to: str = "") -> None:
        self.log, self.name = log, args[0]
        with log.open("ab") as out:
            command = [sys.executable, "-m", "pyk8s", *args]
            if profile_to:
                os.environ["PROFILE_TO"] = profile_to
                command = [sys.executable, "-c", PROFILED, *args]
            self.popen = subprocess.Popen(command, stdout=out, stderr=out, cwd=ROOT)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"{self.name} did not report {text!r}:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


async def create_all(client: Client, path: str, bodies: list[dict[str, Any]]) -> list[float]:
    """POST every body, CONCURRENCY at a time; the monotonic time each create returned."""
    returned = [0.0] * len(bodies)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(bodies):
            index, next_index = next_index, next_index + 1
            await client.request("POST", path, body=bodies[index])
            returned[index] = time.monotonic()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return returned


class BindingWatch:
    """Watches pods and notes when each was first seen bound."""

    def __init__(self, client: Client) -> None:
        self.pods = client.resource("", "v1", "pods", namespaced=True)
        self.bound_at: dict[str, float] = {}
        self.changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        listed = await self.pods.list()
        for item in listed["items"]:
            if item["spec"].get("nodeName"):
                self.bound_at.setdefault(item["metadata"]["name"], time.monotonic())
        version = listed["metadata"]["resourceVersion"]
        self.task = asyncio.create_task(self._watch(version))

    async def _watch(self, version: str) -> None:
        async for _kind, obj in self.pods.watch(resource_version=version):
            if obj["spec"].get("nodeName"):
                self.bound_at.setdefault(obj["metadata"]["name"], time.monotonic())
                self.changed.set()

    async def wait_bound(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(name not in self.bound_at for name in names):
            missing = sum(name not in self.bound_at for name in names)
            if time.monotonic() > deadline:
                some = [name for name in names if name not in self.bound_at][:5]
                raise SystemExit(f"{missing} pods still unbound after {timeout:.0f} s: {some}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 5)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


PROFILE_SCHEDULER_TO = ""  # --profile-scheduler FILE


async def run_workload(workload: Workload, workdir: Path) -> dict[str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    flags = ["--data-dir", str(workdir / "data"), "--insecure-port", str(port)]
    flags += ["--secure-port", "0", "--disable-admission-plugins=ServiceAccount"]
    apiserver = Process(["apiserver", *flags], workdir / "apiserver.log")
    scheduler: Process | None = None
    try:
        apiserver.wait_for("serving on")
        async with Client(ClientConfig(server=url, qps=1e6, burst=1_000_000)) as client:
            started = time.monotonic()
            await create_all(client, "/api/v1/nodes", [node(i) for i in range(workload.nodes)])
            print(f"  {workload.nodes} nodes created in {time.monotonic() - started:.1f} s")
            config = workdir / "scheduler.yaml"
            config.write_text(SCHEDULER_CONFIG)
            flags = ["--master", url, "--config", str(config), "--secure-port=0"]
            log = workdir / "scheduler.log"
            scheduler = Process(["scheduler", *flags], log, PROFILE_SCHEDULER_TO)
            scheduler.wait_for("caches synced")
            watch = BindingWatch(client)
            await watch.start()
            pods_path = "/api/v1/namespaces/default/pods"
            initial = [pod(f"init-{i}", workload.name) for i in range(workload.initial)]
            await create_all(client, pods_path, initial)
            await watch.wait_bound([p["metadata"]["name"] for p in initial], 300)

            measured = [pod(f"pod-{i}", workload.name) for i in range(workload.measured)]
            names = [p["metadata"]["name"] for p in measured]
            cpu_before = cpu_seconds(scheduler.popen.pid), cpu_seconds(apiserver.popen.pid)
            begin = time.monotonic()
            created = await create_all(client, pods_path, measured)
            print(f"  {workload.measured} pods created in {max(created) - begin:.1f} s")
            await watch.wait_bound(names, 120 + workload.measured / 10)
            end = max(watch.bound_at[name] for name in names)
            cpu_after = cpu_seconds(scheduler.popen.pid), cpu_seconds(apiserver.popen.pid)
            watch.stop()
    finally:
        if scheduler is not None:
            scheduler.stop()
        apiserver.stop()
    latencies = [watch.bound_at[name] - at for name, at in zip(names, created, strict=True)]
    return {
        "pods_per_second": workload.measured / (end - begin),
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "scheduler_cpu_s": cpu_after[0] - cpu_before[0],
        "apiserver_cpu_s": cpu_after[1] - cpu_before[1],
    }


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--workload", action="append", choices=sorted(WORKLOADS))
    parser.add_argument("--nodes", type=int, help="override the workload's node count")
    parser.add_argument("--measured", type=int, help="override the measured pod count")
    parser.add_argument("--profile-scheduler", metavar="FILE", help="cProfile the scheduler")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data dir")
    args = parser.parse_args()
    global PROFILE_SCHEDULER_TO
    PROFILE_SCHEDULER_TO = (
        os.path.abspath(args.profile_scheduler or "") if args.profile_scheduler else ""
    )
    chosen = [WORKLOADS[name] for name in args.workload or list(WORKLOADS)]
    rows = []
    for workload in chosen:
        if args.quick:
            workload = Workload(workload.name, **QUICK)
        workload.nodes = args.nodes or workload.nodes
        workload.measured = args.measured or workload.measured
        if workload.name == "anti-affinity":  # one such pod per node at most
            workload.measured = min(workload.measured, workload.nodes - workload.initial)
        print(
            f"{workload.name}: {workload.nodes} nodes, {workload.initial} + {workload.measured} pods"
        )
        workdir = Path(tempfile.mkdtemp(prefix="pyk8s-sched-bench-"))
        try:
            result = asyncio.run(run_workload(workload, workdir))
        finally:
            if args.keep:
                print(f"  logs and data kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        rows.append((workload, result))
        print("  " + ", ".join(f"{key} {value:.1f}" for key, value in result.items()))
    print()
    print(
        "| workload | nodes | pods (initial + measured) | pods/s | p50 ms | p99 ms "
        "| scheduler CPU s (per pod ms) | API server CPU s (per pod ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for workload, r in rows:
        per_pod = 1000 / workload.measured
        print(
            f"| {workload.name} | {workload.nodes} | {workload.initial} + {workload.measured} "
            f"| {r['pods_per_second']:.0f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} "
            f"| {r['scheduler_cpu_s']:.1f} ({r['scheduler_cpu_s'] * per_pod:.2f}) "
            f"| {r['apiserver_cpu_s']:.1f} ({r['apiserver_cpu_s'] * per_pod:.2f}) |"
        )


if __name__ == "__main__":
    main()
