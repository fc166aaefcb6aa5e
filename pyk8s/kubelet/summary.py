"""Assemble the stats/v1alpha1 Summary for /stats/summary from the runtime and the kernel.

`SummaryProvider.summary()` walks the pods this kubelet runs, finds their sandboxes and
containers in the runtime, and reads each one's counters (stats.py). A pod whose containers
are gone is still listed, with what is left (as the kubelet lists every pod it manages).
Everything is read fresh per request; only the previous CPU sample is kept, for rates.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyk8s.kubelet import stats
from pyk8s.kubelet.runtime.interface import ContainerRuntimeError, ContainerStatus, Runtime

BOOT_TIME = time.time() - time.monotonic()


class SummaryProvider:
    def __init__(
        self,
        runtime: Runtime,
        pods: Callable[[], Sequence[Mapping[str, Any]]],
        node_name: str | None = None,
    ) -> None:
        self.runtime, self.pods, self.node_name = runtime, pods, node_name
        self.cpu = stats.CpuRates()
        self.started_at = time.time()

    async def summary(self) -> dict[str, Any]:
        now = stats.rfc3339(time.time())
        pods = [await self._pod(pod, now) for pod in self.pods()]
        return {"node": self._node(now), "pods": pods}

    def _node_name(self) -> str:
        if self.node_name:
            return self.node_name
        names = [p.get("spec", {}).get("nodeName") for p in self.pods()]
        return next((name for name in names if name), socket.gethostname())

    def _node(self, now: str) -> dict[str, Any]:
        root = getattr(self.runtime, "root_dir", "/")
        images = getattr(getattr(self.runtime, "images", None), "root", root)
        image_fs = stats.fs_stats(images if os.path.exists(images) else root, now)
        return stats.drop_empty({
            "nodeName": self._node_name(),
            "startTime": stats.rfc3339(self.started_at),
            "cpu": self.cpu.stats("node", stats.node_cpu_ns(), now),
            "memory": stats.node_memory(now),
            "network": stats.network_stats("/proc/self/net/dev", now),
            "fs": stats.fs_stats(root, now),
            "runtime": {"imageFs": image_fs} if image_fs else None,
            "rlimit": stats.rlimit(now),
        })  # fmt: skip

    async def _containers(self, uid: str) -> list[ContainerStatus]:
        sandboxes = {s.id for s in await self.runtime.list_sandboxes() if s.pod_uid == uid}
        newest: dict[str, ContainerStatus] = {}
        for container in await self.runtime.list_containers():
            if container.sandbox_id in sandboxes:
                known = newest.get(container.name)
                if known is None or container.attempt >= known.attempt:
                    newest[container.name] = container
        return list(newest.values())

    async def _pod(self, pod: Mapping[str, Any], now: str) -> dict[str, Any]:
        meta = pod["metadata"]
        containers = await self._containers(meta["uid"])
        entries = [await self._container(c, now) for c in containers]
        running = [c for c in containers if c.state == "running" and c.pid]
        network = None
        if running and not (pod.get("spec") or {}).get("hostNetwork"):
            network = stats.network_stats(f"/proc/{running[0].pid}/net/dev", now)
        pod_cgroup = self._pod_cgroup(meta["uid"])
        used = sum(e.get("rootfs", {}).get("usedBytes", 0) + e.get("logs", {}).get("usedBytes", 0)
                   for e in entries)  # fmt: skip
        started = (pod.get("status") or {}).get("startTime") or stats.rfc3339(time.time())
        return stats.drop_empty({
            "podRef": {"name": meta["name"], "namespace": meta.get("namespace", ""), "uid": meta["uid"]},
            "startTime": started,
            "containers": entries,
            "cpu": self.cpu.cgroup(pod_cgroup, now) if pod_cgroup else None,
            "memory": stats.memory_stats(pod_cgroup, now) if pod_cgroup else None,
            "network": network,
            "volume": [],
            "ephemeral-storage": {"time": now, "usedBytes": used},
            "process_stats": {"process_count": self._process_count(pod_cgroup)},
        })  # fmt: skip

    def _pod_cgroup(self, uid: str) -> str | None:
        sandboxes = getattr(self.runtime, "sandboxes", None)
        return sandboxes.pod_cgroup(uid) if sandboxes is not None else None

    @staticmethod
    def _process_count(cgroup: str | None) -> int:
        if not cgroup:
            return 0
        text = stats._read(os.path.join(stats._controller("pids", cgroup), "pids.current"))
        return int(text) if text and text.strip().isdigit() else 0

    async def _container(self, container: ContainerStatus, now: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": container.name,
                                 "startTime": stats.rfc3339(container.started_at or container.created_at)}  # fmt: skip
        if container.state == "running":
            try:
                measured = await self.runtime.container_stats(container.id)
            except ContainerRuntimeError:
                measured = None
            if measured is not None:
                entry["cpu"] = self.cpu.stats(
                    container.id, measured.cpu_usage_core_nanoseconds, now
                )
                entry["memory"] = {"time": now, "usageBytes": measured.memory_usage_bytes,
                                   "workingSetBytes": measured.memory_working_set_bytes}  # fmt: skip
        containers_dir = getattr(self.runtime, "containers_dir", None)
        if containers_dir:
            upper = os.path.join(containers_dir, container.id, "upper")
            rootfs = stats.fs_stats(containers_dir, now, stats.directory_usage(upper))
            if rootfs:
                entry["rootfs"] = rootfs
        if container.log_path and os.path.exists(container.log_path):
            logs = stats.fs_stats(os.path.dirname(container.log_path), now,
                                  os.stat(container.log_path).st_size)  # fmt: skip
            if logs:
                entry["logs"] = logs
        return entry
