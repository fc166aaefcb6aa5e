"""Proxy benchmark: rule generation and iptables-restore for 1 000 services x 10 endpoints.

    .venv/bin/python benchmarks/proxy_bench.py [--services N] [--endpoints N] [--changes N]

Runs as root, entirely inside a network namespace it creates and deletes (the host's
tables are never touched). Figures:

- render: (Services, EndpointSlices) -> complete rule set, in Python; cold (nothing cached)
  and with every service's rules cached (what a sync after a small change costs);
- first install: iptables-save + one iptables-restore into empty tables;
- full re-sync: iptables-save + rewriting every chain over the installed rules (the first
  sync after a start or a failure, and one per hour);
- unchanged: a periodic sync when nothing changed (partial: nothing to write);
- endpoint change -> rules in place, p50/p99 over `--changes` changes: one endpoint's IP is
  replaced and the Proxier loop (min sync period 0) is asked to sync; the time runs until
  the restore has returned (render and restore medians shown apart). Anchor: Kubernetes' network programming latency SLO is
  p99 <= 30 s; kube-proxy's default --iptables-min-sync-period adds up to 1 s on top.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyk8s.proxy.iptables import Iptables  # noqa: E402
from pyk8s.proxy.model import NodeInfo  # noqa: E402
from pyk8s.proxy.proxier import Proxier, ProxyState  # noqa: E402
from pyk8s.proxy.rules import ProxyOptions, render, render_service  # noqa: E402
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port  # noqa: E402

NODE = NodeInfo("node-a", ip="192.168.77.10", addresses=("192.168.77.10",))
OPTIONS = ProxyOptions(cluster_cidr="10.244.0.0/16")


def cluster(services: int, endpoints: int) -> tuple[list[dict], list[dict]]:
    svcs, slices = [], []
    for i in range(services):
        name = f"svc-{i}"
        svcs.append(service(name, f"10.96.{i // 250}.{i % 250 + 1}", [port(80, "http")]))
        pods = [endpoint(f"10.{100 + i // 250}.{i % 250}.{j + 1}") for j in range(endpoints)]
        slices.append(endpoint_slice(name, pods, [slice_port(8080, "http")]))
    return svcs, slices


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def change_latencies(
    ipt: Iptables, svcs: list[dict], slices: list[dict], changes: int
) -> tuple[list[float], list[float], list[float]]:
    state = ProxyState(svcs, slices, NODE)
    proxier = Proxier(lambda: state, ipt, OPTIONS, min_sync_period=0.0, sync_period=3600.0)
    loop = asyncio.create_task(proxier.run())
    while proxier.stats.syncs < 1:
        await asyncio.sleep(0.01)
    latencies, renders, restores = [], [], []
    for n in range(changes):
        slices[n % len(slices)]["endpoints"][0]["addresses"] = [f"10.99.{n // 250}.{n % 250 + 1}"]
        done = proxier.stats.syncs
        start = time.perf_counter()
        proxier.request_sync()
        while proxier.stats.syncs == done:
            await asyncio.sleep(0.001)
        latencies.append(time.perf_counter() - start)
        renders.append(proxier.stats.render_seconds)
        restores.append(proxier.stats.apply_seconds)
    loop.cancel()
    return latencies, renders, restores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    svcs, slices = cluster(args.services, args.endpoints)
    cold = []
    for _ in range(3):
        render_service.cache_clear()
        cold.append(timed(lambda: render(svcs, slices, NODE, OPTIONS)))
    renders = [timed(lambda: render(svcs, slices, NODE, OPTIONS)) for _ in range(5)]
    rules = render(svcs, slices, NODE, OPTIONS)
    netns = f"pyk8s-proxy-bench-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        ipt = Iptables(["ip", "netns", "exec", netns])
        first = timed(lambda: asyncio.run(ipt.apply(rules)))
        full = timed(lambda: asyncio.run(ipt.apply(rules, full=True)))
        steady = [timed(lambda: asyncio.run(ipt.apply(rules))) for _ in range(5)]
        measured = asyncio.run(change_latencies(ipt, svcs, slices, args.changes))
        asyncio.run(ipt.cleanup())
    finally:
        subprocess.run(["ip", "netns", "del", netns], check=False)
    latencies, change_renders, change_restores = sorted(measured[0]), measured[1], measured[2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{args.services} services x {args.endpoints} endpoints: {rules.rule_count()} rules, "
          f"{len(rules.restore_text()) / 1e6:.1f} MB of restore input")  # fmt: skip
    print(f"render, cold (best of 3)       {min(cold) * 1000:8.0f} ms")
    print(f"render, services cached (med.) {statistics.median(renders) * 1000:8.0f} ms")
    print(f"first install (save + restore) {first * 1000:8.0f} ms")
    print(f"full re-sync (save + restore)  {full * 1000:8.0f} ms")
    print(f"periodic sync, nothing changed {statistics.median(steady) * 1000:8.0f} ms")
    print(f"endpoint change -> rules in place: p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms (SLO p99 30000 ms; aim 1000 ms)")  # fmt: skip
    print(f"  of which render {statistics.median(change_renders) * 1000:.0f} ms, iptables-save"
          f" + restore {statistics.median(change_restores) * 1000:.0f} ms (medians)")  # fmt: skip


if __name__ == "__main__":
    main()
