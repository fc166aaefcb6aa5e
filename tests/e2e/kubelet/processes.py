"""Processes and node state for the kubelet e2e tests: started in the node's namespace, removed.

`Process` runs a `pyk8s` component in the node's network namespace (and only there: mounts and
cgroups are the machine's) and stops it by its PID. `KubeletProcess` is `pyk8s kubelet
--container-runtime runc` for one `NodeSetup` (its root dir, pod CIDR, cgroup root and
network-namespace prefix); `clean_node` removes everything such a kubelet may leave behind:
sandboxes through CNI DEL, runc containers, overlay mounts, pod namespaces, cgroups and the
container shims that outlived it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from pyk8s.kubelet.network import namespaces
from pyk8s.kubelet.network.namespaces import CLONE_NEWNET, netns_path
from pyk8s.kubelet.runtime.runc import RuncRuntime
from pyk8s.kubelet.runtime.runc_sandboxes import remove_cgroup
from tests.support.apiserver import ROOT

CNI_BIN_DIR = "/usr/lib/cni"
T = TypeVar("T")


def in_netns(netns: str, work: Callable[[], T]) -> T:
    """Run `work` on a thread that entered `netns`: its sockets and children live there."""
    import ctypes

    outcome: dict[str, object] = {}

    def visit() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            with open(netns_path(netns)) as target:
                if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns {netns}")
            outcome["value"] = work()
        except BaseException as err:  # re-raised on the caller's thread
            outcome["error"] = err

    # The thread ends in the namespace it entered, so nothing else ever runs on it.
    thread = threading.Thread(target=visit, name=f"in-{netns}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


@dataclass
class Process:
    """A pyk8s component started inside the node's namespace; stopped by its PID."""

    name: str
    argv: list[str]
    netns: str
    log_path: Path
    ready_line: str = ""  # printed on stdout once it serves; "" means: do not wait
    popen: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        # nsenter, not `ip netns exec`: that one also unshares the mount namespace and mounts a
        # fresh /sys, which hides the cgroup hierarchies from runc and the kubelet's overlay
        # mounts from everyone else. nsenter execs, so the PID we hold is the component's own.
        enter = ["nsenter", f"--net={netns_path(self.netns)}", "--"]
        command = [*enter, sys.executable, "-m", "pyk8s", *self.argv]
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command, stdout=subprocess.PIPE if self.ready_line else log, stderr=log, cwd=ROOT
            )
        if not self.ready_line:
            return
        assert self.popen.stdout is not None
        deadline, line = time.monotonic() + timeout, b""
        while time.monotonic() < deadline:
            line = self.popen.stdout.readline()
            if self.ready_line.encode() in line or not line:
                break
        if self.ready_line.encode() not in line:
            self.stop()
            pytest.fail(f"{self.name} did not start: {self.log_path.read_text()[-3000:]}")

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        self.popen = None

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class NodeSetup:
    """Where one kubelet keeps its state, and the names that make its leftovers findable."""

    name: str
    netns: str
    root: Path
    tag: str  # pyk8s-k<hex>: cgroup root and pod namespace prefix
    pod_cidr: str
    port: int = 0
    manifests: Path = field(init=False)

    def __post_init__(self) -> None:
        self.manifests = self.root / "manifests"
        self.manifests.mkdir(parents=True, exist_ok=True)

    @property
    def cgroup_root(self) -> str:
        return f"/{self.tag}-{self.name}"

    @property
    def netns_prefix(self) -> str:
        return f"{self.tag}-{self.name}-"


class KubeletProcess(Process):
    """`pyk8s kubelet --container-runtime runc` for `node`; `master` may be "" (static only)."""

    def __init__(self, node: NodeSetup, master: str, log_path: Path) -> None:
        from tests.support.apiserver import free_port

        node.port = node.port or free_port()
        self.node, self.master = node, master
        self.extra_flags: list[str] = []
        super().__init__("kubelet", [], node.netns, log_path, ready_line="running")

    def start(self, timeout: float = 30) -> None:
        node = self.node
        self.argv = [
            "kubelet", "--container-runtime", "runc", "--hostname-override", node.name,
            "--root-dir", str(node.root), "--pod-manifest-path", str(node.manifests),
            "--cni-conf-dir", str(node.root / "net.d"), "--cni-bin-dir", CNI_BIN_DIR,
            "--pod-cidr", node.pod_cidr, "--node-ip", "127.0.0.1", "--address", "127.0.0.1",
            "--port", str(node.port), "--log-dir", str(node.root / "pods"),
            "--cgroup-root", node.cgroup_root, "--netns-prefix", node.netns_prefix,
        ]  # fmt: skip
        if self.master:
            self.argv += ["--master", self.master]
        self.argv += self.extra_flags
        super().start(timeout)


def _mounts_under(root: str) -> list[str]:
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(root)]


def _processes_naming(text: str) -> list[int]:
    """PIDs whose command line names `text` (our node's root dir): the shims it started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        with contextlib.suppress(OSError), open(f"/proc/{entry}/cmdline", "rb") as cmdline:
            if text.encode() in cmdline.read():
                found.append(int(entry))
    return found


def clean_node(node: NodeSetup) -> None:
    """Remove what a kubelet for `node` left: it must already be stopped."""
    runtime = RuncRuntime.for_node(
        str(node.root), cni_conf_dir=str(node.root / "net.d"), cni_bin_dirs=[CNI_BIN_DIR],
        cni_exec_prefix=["ip", "netns", "exec", node.netns], log_root=str(node.root / "pods"),
        cgroup_parent=node.cgroup_root, netns_prefix=node.netns_prefix,
    )  # fmt: skip

    async def remove_everything() -> None:
        for sandbox in await runtime.list_sandboxes():
            with contextlib.suppress(Exception):
                await runtime.remove_sandbox(sandbox.id)
        for container in await runtime.list_containers():
            with contextlib.suppress(Exception):
                await runtime.remove_container(container.id)
        for name in await namespaces.list_netns(node.netns_prefix):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)

    asyncio.run(remove_everything())
    listing = subprocess.run(
        ["runc", "--root", runtime.runc_root, "list", "-q"], capture_output=True, text=True
    )
    for container_id in listing.stdout.split():
        subprocess.run(
            ["runc", "--root", runtime.runc_root, "delete", "--force", container_id],
            capture_output=True,
        )
    for pid in _processes_naming(str(node.root)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for mount in sorted(_mounts_under(str(node.root)), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True)
    remove_cgroup(node.cgroup_root)
