"""Scheduler core micro-benchmark: scheduling cycles per second over thousands of nodes.

No API server: nodes and pods go straight into the scheduler's cache, each pod is scheduled
(PreFilter, Filter, Score over all nodes, assume) and bound by a no-op binder. What this
measures is the cost of the scheduling cycle itself, the part that numpy columns make cheap.

    .venv/bin/python benchmarks/scheduler_micro.py [--nodes 5000] [--pods 2000]

Workloads follow kube-scheduler's scheduler_perf: basic, node affinity, pod anti-affinity,
topology spread. Printed: pods/s and per-cycle latency p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from pyk8s.scheduler.config import SchedulerConfiguration
from pyk8s.scheduler.scheduler import ApiSeam, Scheduler

ZONE = "topology.kubernetes.io/zone"


def node(i: int) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": f"node-{i}", ZONE: f"zone-{i % 3}", "group": str(i % 10)}
    allocatable = {"cpu": "4", "memory": "32Gi", "pods": "110"}
    return {
        "metadata": {"name": f"node-{i}", "labels": labels},
        "spec": {},
        "status": {"allocatable": allocatable, "capacity": allocatable},
    }


def pod(name: str, workload: str, node_name: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": "c",
                "image": "x",
                "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}},
            }
        ]
    }
    labels = {"app": name.rsplit("-", 1)[0]}
    if workload == "node-affinity":
        expression = {"key": "group", "operator": "In", "values": ["1", "2", "3"]}
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [expression]}]
                }
            }
        }
    elif workload == "anti-affinity":
        labels = {"color": "green"}
        term = {"labelSelector": {"matchLabels": labels}, "topologyKey": "kubernetes.io/hostname"}
        spec["affinity"] = {
            "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
        }
    elif workload == "topology-spread":
        labels = {"color": "blue"}
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 5,
                "topologyKey": ZONE,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": labels},
            }
        ]
    if node_name:
        spec["nodeName"] = node_name
    return {
        "metadata": {"name": name, "namespace": "default", "uid": name, "labels": labels},
        "spec": spec,
    }


async def run(workload: str, nodes: int, initial: int, measured: int) -> None:
    async def bind(pod_info: Any, node_name: str) -> None:
        return None

    scheduler = Scheduler(SchedulerConfiguration(), ApiSeam(bind=bind))
    for i in range(nodes):
        scheduler.on_node(node(i), added=True)
    for i in range(initial):
        scheduler.on_pod(pod(f"init-{i}", "basic", node_name=f"node-{i % nodes}"))
    for i in range(measured):
        scheduler.on_pod(pod(f"{workload}-{i}", workload))
    latencies = []
    started = time.perf_counter()
    while (entry := scheduler.queue.pop_nowait()) is not None:
        cycle = time.perf_counter()
        scheduler.schedule_one(entry)
        latencies.append(time.perf_counter() - cycle)
        await asyncio.sleep(0)
    await scheduler.wait_for_bindings()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"{workload:16} nodes={nodes} pods={measured}: {measured / elapsed:7.0f} pods/s  "
        f"cycle p50={statistics.median(latencies) * 1000:.2f} ms p99={p99 * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--initial-pods", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--workloads", default="basic,node-affinity,anti-affinity,topology-spread")
    args = parser.parse_args()
    for workload in args.workloads.split(","):
        asyncio.run(run(workload, args.nodes, args.initial_pods, args.pods))


if __name__ == "__main__":
    main()
