"""What a runc container's directory says about it: its record, its status, its resource use.

The runtime never keeps container state in memory. Everything here is read from the files the
runtime and the shim write (see runc.py for the layout) and from the container's cgroups, so
any RuncRuntime over the same root, including one started after a kubelet restart, sees the
same containers in the same states.
"""

from __future__ import annotations

import json
import os
import time

from pyk8s.kubelet.runtime.interface import ContainerStats, ContainerStatus, NotFound

CGROUP_ROOT = "/sys/fs/cgroup"


def memory_cgroup_dir(cgroups_path: str) -> str:
    """The memory controller's directory for a cgroup (cgroup v1 hierarchy, else unified)."""
    v1 = os.path.join(CGROUP_ROOT, "memory")
    return os.path.join(v1 if os.path.isdir(v1) else CGROUP_ROOT, cgroups_path.lstrip("/"))


def read_record(bundle: str) -> dict:
    try:
        with open(os.path.join(bundle, "container.json")) as file:
            return json.load(file)
    except FileNotFoundError:
        raise NotFound(f"container {os.path.basename(bundle)} not found") from None


def _exit_fields(exit_record: dict) -> dict:
    code = exit_record["exitCode"]
    if exit_record["oomKilled"]:
        reason = "OOMKilled"
    else:
        reason = "Completed" if code == 0 else "Error"
    return {
        "state": "exited",
        "exit_code": code,
        "reason": reason,
        "finished_at": exit_record["finishedAt"],
    }


def read_status(bundle: str) -> ContainerStatus:
    """created until `started` exists, running while its init lives, exited once the shim says so."""
    record = read_record(bundle)
    pid = _read_int(os.path.join(bundle, "init.pid"))
    started = _read_float(os.path.join(bundle, "started"))
    try:
        with open(os.path.join(bundle, "exit.json")) as file:
            fields = _exit_fields(json.load(file))
    except FileNotFoundError:
        fields = {"state": "created"}
        if started is not None:
            # A live init without an exit file is running; a dead one whose shim never wrote
            # the exit file (the shim was killed) is unknown, as CRI calls it.
            alive = pid is not None and os.path.exists(f"/proc/{pid}")
            fields = {"state": "running" if alive else "unknown", "pid": pid}
    return ContainerStatus(
        id=record["id"],
        name=record["name"],
        sandbox_id=record["sandboxId"],
        image=record["image"],
        image_id=record["imageId"],
        attempt=record["attempt"],
        created_at=record["createdAt"],
        started_at=started,
        log_path=record["logPath"],
        **fields,
    )


def read_stats(bundle: str) -> ContainerStats:
    cgroup = read_record(bundle)["cgroupsPath"].lstrip("/")
    cpu = _read_int(os.path.join(CGROUP_ROOT, "cpuacct", cgroup, "cpuacct.usage")) or 0
    memory_dir = memory_cgroup_dir(cgroup)
    usage = _read_int(os.path.join(memory_dir, "memory.usage_in_bytes")) or 0
    inactive_file = _memory_stat(os.path.join(memory_dir, "memory.stat")).get(
        "total_inactive_file", 0
    )
    return ContainerStats(time.time(), cpu, usage, max(usage - inactive_file, 0))


def _memory_stat(path: str) -> dict[str, int]:
    try:
        with open(path) as file:
            return {key: int(value) for key, value in (line.split() for line in file)}
    except (FileNotFoundError, ValueError):
        return {}


def _read_int(path: str) -> int | None:
    value = _read_float(path)
    return int(value) if value is not None else None


def _read_float(path: str) -> float | None:
    try:
        with open(path) as file:
            return float(file.read().strip())
    except (FileNotFoundError, ValueError):
        return None
