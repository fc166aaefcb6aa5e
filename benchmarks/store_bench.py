"""Store benchmark: the SQLite store, the etcd store, and raw etcd, measured in one run.

    .venv/bin/python benchmarks/store_bench.py [--quick]

"raw etcd" is a bare loop on the same generated gRPC stubs, sending the very requests our
store sends (a create is the same compare-and-put Txn), without any of our code: the ratio
ours/raw is the cost of the store layer itself. Raw and ours take turns on one fresh etcd (free
loopback port, temporary data dir), three rounds each, and the best round of each figure is
kept: on a shared machine the best round is the least disturbed. Everything is stopped at the end.

Figures: sequential creates/s; creates/s with 50 concurrent writers; sequential gets/s; one
range over 10 000 keys (ms, median of 5); watch latency p50/p99 (ms, from just before the
write is sent to the event reaching the watcher). Values are 1 KB, about a small Pod's JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import grpc  # noqa: E402

from pyk8s.storage.etcd import EtcdStore, prefix_end  # noqa: E402
from pyk8s.storage.etcdpb import rpc_pb2 as pb  # noqa: E402
from pyk8s.storage.etcdpb import rpc_pb2_grpc as rpc  # noqa: E402
from pyk8s.storage.interface import Store  # noqa: E402
from pyk8s.storage.sqlite import SQLiteStore  # noqa: E402
from tests.support.etcd import EtcdProcess  # noqa: E402

VALUE = (b'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"},"spec":"' + b"x" * 1024)[:1024]


class RawEtcd:
    """The same requests as EtcdStore, straight on the stubs: the baseline."""

    def __init__(self, url: str) -> None:
        unlimited = [("grpc.max_receive_message_length", -1)]
        self.channel = grpc.aio.insecure_channel(url.removeprefix("http://"), options=unlimited)
        self.kv = rpc.KVStub(self.channel)
        self.watcher = rpc.WatchStub(self.channel)

    async def create(self, key: str, value: bytes) -> int:
        k = b"/raw" + key.encode()
        compare = pb.Compare(key=k, target=pb.Compare.MOD, result=pb.Compare.EQUAL, mod_revision=0)
        txn = pb.TxnRequest(
            compare=[compare],
            success=[pb.RequestOp(request_put=pb.PutRequest(key=k, value=value))],
            failure=[pb.RequestOp(request_range=pb.RangeRequest(key=k))],
        )
        return (await self.kv.Txn(txn)).header.revision

    async def get(self, key: str) -> bytes:
        return (await self.kv.Range(pb.RangeRequest(key=b"/raw" + key.encode()))).kvs[0].value

    async def count_range(self, prefix: str) -> int:
        begin = b"/raw" + prefix.encode()
        response = await self.kv.Range(pb.RangeRequest(key=begin, range_end=prefix_end(begin)))
        # Any client reads what it asked for: touch each key-value's fields once.
        return len([(kv.key, kv.value, kv.mod_revision) for kv in response.kvs])

    async def watch_keys(self, prefix: str, started: asyncio.Event) -> AsyncIterator[str]:
        begin = b"/raw" + prefix.encode()
        call = self.watcher.Watch()
        create = pb.WatchCreateRequest(key=begin, range_end=prefix_end(begin), prev_kv=True)
        await call.write(pb.WatchRequest(create_request=create))
        while (response := await call.read()) is not grpc.aio.EOF:
            if response.created:
                started.set()
            for event in response.events:
                yield event.kv.key[4:].decode()

    async def close(self) -> None:
        await self.channel.close()


class OurStore:
    """Any Store, with the few helpers the benchmark needs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.create, self.get = store.create, store.get

    async def count_range(self, prefix: str) -> int:
        return len((await self.store.range(prefix)).kvs)

    async def watch_keys(self, prefix: str, started: asyncio.Event) -> AsyncIterator[str]:
        events = self.store.watch(prefix)
        started.set()  # the start revision is pinned when watch() is called
        async for event in events:
            yield event.kv.key

    async def close(self) -> None:
        await self.store.close()


async def rate(count: int, writers: int, work) -> float:
    """Operations per second for `count` calls of work(i), spread over `writers` coroutines."""

    async def worker(start: int) -> None:
        for i in range(start, count, writers):
            await work(i)

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(writers)))
    return count / (time.perf_counter() - began)


async def watch_latency(target, samples: int, tag: str) -> tuple[float, float]:
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    started = asyncio.Event()
    done = asyncio.Event()

    async def watcher() -> None:
        async for key in target.watch_keys(f"/{tag}/lat/", started):
            seen[key] = time.perf_counter()
            if len(seen) == samples:
                done.set()
                return

    task = asyncio.create_task(watcher())
    await started.wait()
    for i in range(samples):
        key = f"/{tag}/lat/{i:06}"
        sent[key] = time.perf_counter()
        await target.create(key, VALUE)
    await asyncio.wait_for(done.wait(), 30)
    task.cancel()
    latencies = sorted((seen[k] - sent[k]) * 1000 for k in sent)
    return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]


async def measure(target, scale: float, tag: str) -> dict[str, float]:
    """One round of every figure; `tag` keeps each round's keys apart."""
    n_seq, n_conc, n_get, n_range, n_lat = (int(x * scale) for x in (1000, 5000, 2000, 10000, 500))
    figures = {
        "sequential creates/s": await rate(
            n_seq, 1, lambda i: target.create(f"/{tag}/seq/{i:06}", VALUE)
        ),
        "creates/s, 50 writers": await rate(
            n_conc, 50, lambda i: target.create(f"/{tag}/conc/{i:06}", VALUE)
        ),
        "gets/s": await rate(n_get, 1, lambda i: target.get(f"/{tag}/conc/{i % n_conc:06}")),
    }
    await rate(n_range, 50, lambda i: target.create(f"/{tag}/range/{i:06}", VALUE))
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        assert await target.count_range(f"/{tag}/range/") == n_range
        timings.append((time.perf_counter() - began) * 1000)
    figures[f"range of {n_range} keys, ms"] = statistics.median(timings)
    p50, p99 = await watch_latency(target, n_lat, tag)
    figures["watch latency p50, ms"], figures["watch latency p99, ms"] = p50, p99
    return figures


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per figure, the best round: on a shared machine the best is the least disturbed."""
    return {name: (min if "ms" in name else max)(r[name] for r in rounds) for name in rounds[0]}


async def run(scale: float, rounds: int) -> dict[str, dict[str, float]]:
    results: dict[str, list[dict[str, float]]] = {"raw etcd": [], "etcd store": []}
    results["sqlite store"] = []
    with tempfile.TemporaryDirectory(prefix="pyk8s-bench-") as tmp:
        work = Path(tmp)
        member = EtcdProcess("bench", work / "etcd")
        member.start()
        try:
            raw = RawEtcd(member.client_url)
            ours = OurStore(await EtcdStore.connect([member.client_url]))
            try:
                # Raw and ours take turns on the same etcd, so both see the same conditions.
                for r in range(rounds):
                    results["raw etcd"].append(await measure(raw, scale, f"r{r}"))
                    results["etcd store"].append(await measure(ours, scale, f"r{r}"))
            finally:
                await raw.close()
                await ours.close()
        finally:
            member.stop()
        for r in range(rounds):
            sqlite = OurStore(await SQLiteStore.open(str(work / f"sqlite{r}")))
            try:
                results["sqlite store"].append(await measure(sqlite, scale, f"r{r}"))
            finally:
                await sqlite.close()
    return {name: best(rounds) for name, rounds in results.items()}


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    etcd = subprocess.run(["etcd", "--version"], capture_output=True, text=True).stdout
    return (
        f"{os.cpu_count()} CPUs ({cpu}), kernel {platform.release()}, "
        f"Python {platform.python_version()}, grpcio {grpc.__version__}, "
        f"etcd {etcd.split()[2] if etcd else '?'}"
    )


def table(results: dict[str, dict[str, float]]) -> str:
    names = list(results["raw etcd"])
    lines = [
        "| figure | raw etcd | etcd store | ours/raw | sqlite store | sqlite/etcd store |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        raw, ours, lite = (results[b][name] for b in ("raw etcd", "etcd store", "sqlite store"))
        lines.append(
            f"| {name} | {raw:,.1f} | {ours:,.1f} | {ours / raw:.2f} | {lite:,.1f} "
            f"| {lite / ours:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the work, for a smoke run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per backend (best is kept)")
    arguments = parser.parse_args()
    print(machine())
    print(table(asyncio.run(run(0.1 if arguments.quick else 1.0, arguments.rounds))))
    print("(for ms figures a ratio above 1 means slower; for /s figures, below 1 means slower)")


if __name__ == "__main__":
    main()
