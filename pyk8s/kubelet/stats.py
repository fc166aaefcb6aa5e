"""The kubelet's Summary API (GET /stats/summary): node and pod resource use, read from the kernel.

The shape is kubelet's stats/v1alpha1 Summary: a `node` (CPU, memory, network, filesystems,
process limits) and one entry per pod (its containers, CPU and memory from the pod's cgroup,
network from the pod's own namespace, ephemeral storage). Sources, per cgroup v1 (this
machine's layout; the memory files fall back to the unified hierarchy when v1 is absent):

- CPU: `cpuacct.usage` (cumulative core-nanoseconds). usageNanoCores is a *rate*, so the
  provider remembers the previous sample of each cgroup and reports the change over time
  since it (absent on the first sample, as the kubelet omits it);
- memory: `memory.usage_in_bytes` and `memory.stat` (working set = usage - inactive files,
  what the eviction manager and the OOM killer care about); the node's from /proc/meminfo;
- network: `/proc/<pid>/net/dev` of a process inside the pod (its namespace's interfaces);
- filesystems: statvfs of the kubelet's root (nodefs) and image store (imagefs).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

CGROUP_ROOT = "/sys/fs/cgroup"
Json = dict[str, Any]


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path: str) -> str | None:
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return None


def _int(path: str) -> int | None:
    text = _read(path)
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _key_values(text: str | None) -> dict[str, int]:
    found = {}
    for line in (text or "").splitlines():
        parts = line.replace(":", " ").split()
        if len(parts) >= 2 and parts[1].isdigit():
            found[parts[0]] = int(parts[1])
    return found


def _controller(name: str, cgroup: str) -> str:
    v1 = os.path.join(CGROUP_ROOT, name)
    return os.path.join(v1 if os.path.isdir(v1) else CGROUP_ROOT, cgroup.lstrip("/"))


def memory_stats(cgroup: str, now: str) -> Json | None:
    directory = _controller("memory", cgroup)
    usage = _int(os.path.join(directory, "memory.usage_in_bytes"))
    if usage is None:
        return None
    stat = _key_values(_read(os.path.join(directory, "memory.stat")))
    inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
    working_set = max(usage - inactive, 0)
    memory: Json = {"time": now, "usageBytes": usage, "workingSetBytes": working_set,
                    "rssBytes": stat.get("total_rss", stat.get("rss", 0)),
                    "pageFaults": stat.get("total_pgfault", stat.get("pgfault", 0)),
                    "majorPageFaults": stat.get("total_pgmajfault", stat.get("pgmajfault", 0))}  # fmt: skip
    limit = _int(os.path.join(directory, "memory.limit_in_bytes"))
    if limit is not None and limit < 1 << 62:  # "no limit" is a huge number in v1
        memory["availableBytes"] = max(limit - working_set, 0)
    return memory


def network_stats(proc_net_dev: str, now: str) -> Json | None:
    """Interfaces of one network namespace; the summary's top level is eth0's, as kubelet does."""
    text = _read(proc_net_dev)
    if text is None:
        return None
    interfaces = []
    for line in text.splitlines()[2:]:
        name, _, numbers = line.partition(":")
        fields = numbers.split()
        if name.strip() == "lo" or len(fields) < 16:
            continue
        interfaces.append({"name": name.strip(), "rxBytes": int(fields[0]),
                           "rxErrors": int(fields[2]), "txBytes": int(fields[8]),
                           "txErrors": int(fields[10])})  # fmt: skip
    default = next(
        (i for i in interfaces if i["name"] == "eth0"), interfaces[0] if interfaces else {}
    )
    return {"time": now, **default, "interfaces": interfaces}


def fs_stats(path: str, now: str, used_bytes: int | None = None) -> Json | None:
    try:
        vfs = os.statvfs(path)
    except OSError:
        return None
    capacity, available = vfs.f_blocks * vfs.f_frsize, vfs.f_bavail * vfs.f_frsize
    used = used_bytes if used_bytes is not None else (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize
    return {"time": now, "availableBytes": available, "capacityBytes": capacity, "usedBytes": used,
            "inodesFree": vfs.f_ffree, "inodes": vfs.f_files, "inodesUsed": vfs.f_files - vfs.f_ffree}  # fmt: skip


def directory_usage(path: str) -> int:
    """Bytes used by the files under `path` (not following links or other mounts)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


class CpuRates:
    """Turns cumulative CPU counters into usageNanoCores, one previous sample per cgroup."""

    def __init__(self) -> None:
        self._previous: dict[str, tuple[float, int]] = {}

    def stats(self, key: str, usage_ns: int | None, now: str) -> Json | None:
        if usage_ns is None:
            return None
        sampled_at = time.monotonic()
        cpu: Json = {"time": now, "usageCoreNanoSeconds": usage_ns}
        previous = self._previous.get(key)
        if previous is not None and sampled_at > previous[0] and usage_ns >= previous[1]:
            cpu["usageNanoCores"] = int((usage_ns - previous[1]) / (sampled_at - previous[0]))
        self._previous[key] = (sampled_at, usage_ns)
        return cpu

    def cgroup(self, cgroup: str, now: str) -> Json | None:
        return self.stats(
            cgroup, _int(os.path.join(_controller("cpuacct", cgroup), "cpuacct.usage")), now
        )


def node_cpu_ns() -> int | None:
    """All CPU time the machine spent outside idle, from /proc/stat, in nanoseconds."""
    first = (_read("/proc/stat") or "").splitlines()[:1]
    if not first:
        return None
    ticks = [int(v) for v in first[0].split()[1:]]
    busy = sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)  # minus idle, iowait
    return busy * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def node_memory(now: str) -> Json:
    info = {k: v * 1024 for k, v in _key_values(_read("/proc/meminfo")).items()}
    total, available = info.get("MemTotal", 0), info.get("MemAvailable", 0)
    working_set = total - available
    return {"time": now, "availableBytes": available, "usageBytes": total - info.get("MemFree", 0),
            "workingSetBytes": working_set, "rssBytes": info.get("AnonPages", 0),
            "pageFaults": 0, "majorPageFaults": 0}  # fmt: skip


def rlimit(now: str) -> Json:
    pid_max = _int("/proc/sys/kernel/pid_max") or 0
    running = sum(1 for entry in os.listdir("/proc") if entry.isdigit())
    return {"time": now, "maxpid": pid_max, "curproc": running}


def drop_empty(section: Mapping[str, Any]) -> Json:
    return {key: value for key, value in section.items() if value not in (None, [], {})}
