"""API server benchmark: a real `pyk8s apiserver` process on each backend, driven over HTTP.

    .venv/bin/python benchmarks/apiserver_bench.py [--quick] [--backend sqlite|etcd]

Per backend (embedded SQLite; a real etcd started here on free loopback ports) it prints:
start-to-ready on an empty store (the first start, which compiles bytecode, and the best
of three after it), creates/s and gets/s (50 concurrent clients), the ratio of
API creates/s to raw store creates/s (the same Store class, in this process, same
concurrency, same run), p50/p99 latency of each verb while a steady background load runs,
watch fan-out (watchers x updates: delivery latency p50/p99, from just before the write is
sent to the event line arriving at a watcher), the time to LIST 10 000 pods (from the store,
and from the watch cache with resourceVersion=0) and the server's RSS with them stored.

Only 127.0.0.1 is contacted. Every count is bounded; everything started is stopped by PID,
also on failure. `--quick` shrinks every count for a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.apiserver import ServerProcess  # noqa: E402
from tests.support.etcd import EtcdProcess  # noqa: E402

CONCURRENCY = 50


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def run_concurrently(count: int, action: Callable[[int], Awaitable[Any]]) -> float:
    """Run action(0..count-1) with CONCURRENCY in flight; returns operations per second."""
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            await action(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return count / (time.perf_counter() - started)


def configmap(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "data": {"key": "x" * 200}}


def pod(name: str) -> dict[str, Any]:
    container = {"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}
    return {
        "metadata": {"name": name, "labels": {"app": "bench"}},
        "spec": {"containers": [container]},
    }


class Bench:
    def __init__(self, base: str, http: aiohttp.ClientSession) -> None:
        self.base = base
        self.http = http

    def url(self, namespace: str, plural: str, name: str = "") -> str:
        return f"{self.base}/api/v1/namespaces/{namespace}/{plural}" + (f"/{name}" if name else "")

    async def namespace(self, name: str) -> None:
        body = {"metadata": {"name": name}}
        async with self.http.post(f"{self.base}/api/v1/namespaces", json=body) as response:
            assert response.status == 201, await response.text()

    async def create(self, namespace: str, plural: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(self.url(namespace, plural), json=body) as response:
            assert response.status == 201, await response.text()
            return await response.json()

    async def get(self, url: str) -> bytes:
        async with self.http.get(url) as response:
            assert response.status == 200, await response.text()
            return await response.read()


async def start_to_ready(server: ServerProcess) -> float:
    """Seconds from process launch to the first 200 from /readyz (best of three)."""
    best = float("inf")
    for _ in range(3):
        server.stop()
        started = time.perf_counter()
        server.start()
        best = min(best, time.perf_counter() - started)
    return best


async def raw_store_creates(
    backend: str, etcd: EtcdProcess | None, directory: Path, count: int
) -> float:
    from pyk8s.storage.factory import StoreOptions, open_store

    if etcd is not None:
        options = StoreOptions(etcd_servers=[etcd.client_url], etcd_prefix="/rawbench")
    else:
        options = StoreOptions(data_dir=str(directory / "raw-sqlite"))
    store = await open_store(options)
    value = b"x" * 600
    try:
        return await run_concurrently(count, lambda i: store.create(f"/rawbench/cm/{i}", value))
    finally:
        await store.close()


async def verb_latencies(bench: Bench, samples: int) -> dict[str, tuple[float, float]]:
    """p50/p99 (ms) of each verb, measured one request at a time under a background load."""
    await bench.namespace("verbs")
    await bench.namespace("load")
    stop = asyncio.Event()

    async def background(worker: int) -> None:
        index = 0
        while not stop.is_set():
            await bench.create("load", "configmaps", configmap(f"l-{worker}-{index}"))
            await bench.get(bench.url("load", "configmaps", f"l-{worker}-{index}"))
            index += 1

    load = [asyncio.create_task(background(w)) for w in range(5)]
    timings: dict[str, list[float]] = {
        v: [] for v in ("create", "get", "list", "update", "patch", "delete")
    }
    for index in range(100):
        await bench.create("verbs", "configmaps", configmap(f"seed-{index}"))

    async def timed(verb: str, request: Any) -> Any:
        started = time.perf_counter()
        async with request as response:
            body = await response.read()
            assert response.status < 300, body
        timings[verb].append((time.perf_counter() - started) * 1000)
        return body

    http = bench.http
    try:
        for index in range(samples):
            name = f"v-{index}"
            url = bench.url("verbs", "configmaps", name)
            await timed("create", http.post(bench.url("verbs", "configmaps"), json=configmap(name)))
            await timed("get", http.get(url))
            await timed("list", http.get(bench.url("verbs", "configmaps")))
            await timed("update", http.put(url, json={**configmap(name), "data": {"key": "y"}}))
            patch = {"metadata": {"labels": {"patched": "yes"}}}
            headers = {"Content-Type": "application/merge-patch+json"}
            await timed("patch", http.patch(url, json=patch, headers=headers))
            await timed("delete", http.delete(url))
    finally:
        stop.set()
        await asyncio.gather(*load, return_exceptions=True)
    return {verb: (percentile(t, 0.5), percentile(t, 0.99)) for verb, t in timings.items()}


class WatchStream(asyncio.Protocol):
    """A bare watch client: notes when each update's line arrives, and nothing else.

    Each update writes its own index into data.key, and the event line carries it back.
    Reading a line costs this client a few microseconds instead of aiohttp's tens, so 1 000
    of them in one process measure the server's delivery, not the client's parsing.
    """

    MARKER = b'"key":"'

    def __init__(self, sent_at: dict[int, float], latencies: list[float], wanted: int) -> None:
        self.sent_at = sent_at
        self.latencies = latencies
        self.wanted = wanted
        self.seen = 0
        self.pending = b""  # a line cut in two by the network
        loop = asyncio.get_running_loop()
        self.answered = loop.create_future()  # the response head arrived: the watch is on
        self.done = loop.create_future()

    def data_received(self, data: bytes) -> None:
        arrived = time.perf_counter()
        if not self.answered.done():
            self.answered.set_result(None)
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:  # event lines, and chunk-size lines that carry no marker
            at = line.find(self.MARKER)
            if at < 0:
                continue
            at += len(self.MARKER)
            index = int(line[at : line.index(b'"', at)])
            self.latencies.append((arrived - self.sent_at[index]) * 1000)
            self.seen += 1
            if self.seen == self.wanted and not self.done.done():
                self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def watch_fan_out(bench: Bench, watchers: int, updates: int) -> tuple[float, float, int]:
    """Delivery latency p50/p99 (ms) of `updates` writes to `watchers` watchers, and how
    many deliveries were seen (watchers x updates when nothing was lost)."""
    await bench.namespace("fanout")
    created = await bench.create("fanout", "configmaps", configmap("target"))
    start_rv = created["metadata"]["resourceVersion"]
    sent_at: dict[int, float] = {}  # update index -> when its write was sent
    latencies: list[float] = []
    host, port = bench.base.removeprefix("http://").split(":")
    path = f"/api/v1/namespaces/fanout/configmaps?watch=true&resourceVersion={start_rv}"
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    loop = asyncio.get_running_loop()
    streams: list[tuple[asyncio.Transport, WatchStream]] = []
    try:
        for _ in range(watchers):
            transport, stream = await loop.create_connection(
                lambda: WatchStream(sent_at, latencies, updates), host, int(port)
            )
            streams.append((transport, stream))
            transport.write(request)
            await asyncio.wait_for(stream.answered, 30)
        target = bench.url("fanout", "configmaps", "target")
        headers = {"Content-Type": "application/merge-patch+json"}
        for index in range(updates):
            sent_at[index] = time.perf_counter()
            patch = {"data": {"key": str(index)}}
            async with bench.http.patch(target, json=patch, headers=headers) as response:
                assert response.status == 200, await response.text()
            await asyncio.sleep(0.01)  # a steady stream, not one burst
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(s.done for _, s in streams)), 120)
    finally:
        for transport, _ in streams:
            transport.close()
    return percentile(latencies, 0.5), percentile(latencies, 0.99), len(latencies)


async def list_and_rss(
    bench: Bench, server: ServerProcess, pods: int
) -> tuple[float, float, float]:
    await bench.namespace("many")
    await run_concurrently(pods, lambda i: bench.create("many", "pods", pod(f"p-{i:05d}")))
    timings = {}
    for version in ("", "0"):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            await bench.get(f"{bench.base}/api/v1/pods?resourceVersion={version}")
            best = min(best, time.perf_counter() - started)
        timings[version] = best
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    rss_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
    return timings[""], timings["0"], rss_kib / 1024


async def bench_backend(backend: str, quick: bool, directory: Path) -> dict[str, Any]:
    scale = 10 if quick else 1
    results: dict[str, Any] = {}
    etcd = None
    with contextlib.ExitStack() as stack:
        if backend == "etcd":
            etcd = EtcdProcess("bench", directory / "etcd")
            etcd.start()
            stack.callback(etcd.stop)
        server = ServerProcess(
            directory / "data", directory / "apiserver.log",
            etcd_servers=etcd.client_url if etcd else "",
            flags=("--disable-admission-plugins=ServiceAccount",),
        )  # fmt: skip
        started = time.perf_counter()
        server.start()
        stack.callback(server.stop)
        results["first start (compiles bytecode), s"] = time.perf_counter() - started
        results["start-to-ready, s"] = await start_to_ready(server)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as http:
            bench = Bench(server.url, http)
            await bench.namespace("speed")
            count = 3000 // scale
            api = await run_concurrently(
                count, lambda i: bench.create("speed", "configmaps", configmap(f"c-{i}"))
            )
            raw = await raw_store_creates(backend, etcd, directory, count)
            results["creates/s (API)"] = api
            results["creates/s (raw store)"] = raw
            results["API/raw creates"] = api / raw
            results["gets/s"] = await run_concurrently(
                count, lambda i: bench.get(bench.url("speed", "configmaps", f"c-{i}"))
            )
            for verb, (p50, p99) in (await verb_latencies(bench, 200 // scale)).items():
                results[f"{verb} p50 / p99, ms"] = f"{p50:.1f} / {p99:.1f}"
            watchers, updates = 1000 // scale, 1000 // scale
            p50, p99, delivered = await watch_fan_out(bench, watchers, updates)
            results[f"watch delivery p50 / p99, ms ({watchers} x {updates})"] = (
                f"{p50:.1f} / {p99:.1f}"
            )
            results["watch deliveries seen"] = f"{delivered} of {watchers * updates}"
            pods = 10000 // scale
            from_store, from_cache, rss = await list_and_rss(bench, server, pods)
            results[f"list {pods} pods, s (store / cache)"] = f"{from_store:.2f} / {from_cache:.2f}"
            results[f"RSS with {pods} pods, MiB"] = rss
    return results


def keep_bytecode(directory: Path) -> None:
    """Let the server processes compile their modules once and reuse them, as an installed
    package does. Some environments set PYTHONDONTWRITEBYTECODE, which would make every
    start compile all of pyk8s again; the cache lives in the run's temporary directory."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: every count / 10")
    parser.add_argument("--backend", choices=("sqlite", "etcd"), action="append")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "etcd"]:
        with tempfile.TemporaryDirectory(prefix=f"pyk8s-bench-{backend}-") as directory:
            keep_bytecode(Path(directory))
            results = asyncio.run(bench_backend(backend, args.quick, Path(directory)))
        print(f"\n## {backend}")
        for name, value in results.items():
            shown = f"{value:,.2f}" if isinstance(value, float) else value
            print(f"{name:48} {shown}")
    print(f"\n(pid {os.getpid()}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
