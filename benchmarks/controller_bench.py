"""Controller manager benchmark: Deployments to Pods, with real processes.

    .venv/bin/python benchmarks/controller_bench.py [--quick] [--kube-api-qps 20]

A fresh `pyk8s apiserver` (embedded SQLite in a temporary directory, a free loopback port,
ServiceAccount admission off so pods need no token) and `pyk8s controller-manager` running
only the deployment and replicaset controllers (no leader election). Once the manager's
caches have synced, this driver creates 100 Deployments of 10 replicas each (10 x 10 with
--quick), 20 requests at a time, and watches pods until 1 000 exist. Printed:

- seconds from the first Deployment create to the last Pod seen by the watch;
- CPU seconds (utime + stime from /proc/<pid>/stat) of the controller manager and of the API
  server over that interval;
- the controller manager's RSS at the end and its peak (VmRSS / VmHWM, /proc/<pid>/status).

The manager's client is limited to --kube-api-qps / --kube-api-burst (kube-controller-manager's
defaults, 20 / 30, unless given): each Pod is one create, so at 20 QPS 1 000 Pods cannot take
less than ~50 s whatever the code costs. No kubelet or scheduler runs: pods stay Pending.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyk8s.client.config import ClientConfig  # noqa: E402
from pyk8s.client.rest import Client  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
CONCURRENCY = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


class Process:
    """A pyk8s component as a child process, logging to a file, stopped by PID."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log, self.name = log, args[0]
        with log.open("ab") as out:
            command = [sys.executable, "-m", "pyk8s", *args]
            self.popen = subprocess.Popen(command, stdout=out, stderr=out, cwd=ROOT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"{self.name} did not report {text!r}:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def deployment(i: int, replicas: int) -> dict[str, Any]:
    labels = {"app": f"bench-{i}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"bench-{i}", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "pause:3.10"}]},
            },
        },
    }


async def count_pods_until(client: Client, wanted: int, seen: asyncio.Event) -> float:
    """Watch pods from now on; the monotonic time the `wanted`-th distinct pod appeared."""
    pods = client.resource("", "v1", "pods")
    listed = await pods.list("default")
    names = {item["metadata"]["name"] for item in listed["items"]}
    version = listed["metadata"]["resourceVersion"]
    seen.set()
    while True:
        async with pods.watch("default", resource_version=version) as stream:
            async for kind, pod in stream:
                version = pod["metadata"]["resourceVersion"]
                if kind == "ADDED":
                    names.add(pod["metadata"]["name"])
                    if len(names) >= wanted:
                        return time.monotonic()


async def measure(url: str, manager: Process, apiserver: Process, deployments: int,
                  replicas: int) -> dict[str, float]:  # fmt: skip
    async with Client(ClientConfig(server=url, qps=5000, burst=5000)) as client:
        api = client.resource("apps", "v1", "deployments")
        watching = asyncio.Event()
        watch = asyncio.create_task(count_pods_until(client, deployments * replicas, watching))
        await watching.wait()
        cpu_manager, cpu_apiserver = cpu_seconds(manager.pid), cpu_seconds(apiserver.pid)
        started = time.monotonic()
        queue = list(range(deployments))

        async def creator() -> None:
            while queue:
                await api.create(deployment(queue.pop(0), replicas), "default")

        await asyncio.gather(*(creator() for _ in range(CONCURRENCY)))
        created = time.monotonic()
        done = await watch
        return {
            "deployments": deployments,
            "pods": deployments * replicas,
            "create_seconds": created - started,
            "seconds": done - started,
            "manager_cpu": cpu_seconds(manager.pid) - cpu_manager,
            "apiserver_cpu": cpu_seconds(apiserver.pid) - cpu_apiserver,
            **memory_mib(manager.pid),
        }


def run(args: argparse.Namespace) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="pyk8s-controller-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes: list[Process] = []
    try:
        apiserver = Process(["apiserver", "--data-dir", str(workdir / "data"),
                             "--insecure-port", str(port), "--secure-port", "0",
                             "--disable-admission-plugins", "ServiceAccount"],
                            workdir / "apiserver.log")  # fmt: skip
        processes.append(apiserver)
        apiserver.wait_for("serving on")
        manager = Process(["controller-manager", "--master", url, "--leader-elect=false",
                           "--secure-port", "0", "--controllers", "deployment,replicaset",
                           "--kube-api-qps", str(args.kube_api_qps),
                           "--kube-api-burst", str(args.kube_api_burst)],
                          workdir / "controller-manager.log")  # fmt: skip
        processes.append(manager)
        manager.wait_for("caches synced")
        deployments = 10 if args.quick else 100
        return asyncio.run(measure(url, manager, apiserver, deployments, 10))
    finally:
        for process in reversed(processes):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 Deployments instead of 100")
    parser.add_argument("--kube-api-qps", type=float, default=20.0)
    parser.add_argument("--kube-api-burst", type=int, default=30)
    args = parser.parse_args()
    result = run(args)
    print(f"controller manager, --kube-api-qps {args.kube_api_qps:g} "
          f"--kube-api-burst {args.kube_api_burst}")  # fmt: skip
    print(f"  {result['deployments']} Deployments x 10 -> {result['pods']} Pods")
    print(f"  creates sent in        {result['create_seconds']:8.2f} s")
    print(f"  all Pods exist after   {result['seconds']:8.2f} s"
          f"  ({result['pods'] / result['seconds']:.0f} pods/s)")  # fmt: skip
    print(f"  controller manager CPU {result['manager_cpu']:8.2f} s"
          f"  ({1000 * result['manager_cpu'] / result['pods']:.1f} ms per pod)")  # fmt: skip
    print(f"  API server CPU         {result['apiserver_cpu']:8.2f} s")
    print(f"  controller manager RSS {result['VmRSS']:8.1f} MiB (peak {result['VmHWM']:.1f} MiB)")


if __name__ == "__main__":
    main()
