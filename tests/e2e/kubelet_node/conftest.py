"""A real node for the runtime tests: runc, overlayfs and CNI inside a network namespace we own.

The node's network is a namespace the fixture creates (`<tag>-node`); every CNI plugin runs in
it through `ip netns exec`, so the bridge, the veths, the routes and the portmap iptables
chains exist only there, and deleting the namespace removes them all. Pods get 10.244.x.0/24
addresses that exist only inside it. Cgroups live under a parent named after the test, mounts
and runc state under the test's tmp dir; teardown removes them even when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pyk8s.kubelet.images.archive import import_archive
from pyk8s.kubelet.images.store import ImageStore
from pyk8s.kubelet.network import namespaces
from pyk8s.kubelet.network.cni import CNI, ensure_conflist
from pyk8s.kubelet.runtime.runc import RuncRuntime
from pyk8s.kubelet.runtime.runc_sandboxes import remove_cgroup
from tests.support.images import busybox_image, running_registry, write_oci_layout

BUSYBOX_REF = "docker.io/pyk8s/busybox:1.0"
CNI_BIN_DIR = "/usr/lib/cni"


def _require(binary: str, package: str) -> None:
    if shutil.which(binary) is None and not os.path.exists(binary):
        pytest.fail(f"{binary} not found: apt-get install {package}")


@pytest.fixture
def node_netns() -> Iterator[str]:
    """A fresh network namespace standing in for the node's own network."""
    _require("ip", "iproute2")
    name = f"pyk8s-t{secrets.token_hex(3)}-node"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def node_exec(netns: str, *argv: str, timeout: float = 10) -> subprocess.CompletedProcess:
    """Run a command in the node's namespace (busybox wget: `-T` crashes, so `timeout` bounds it)."""
    return subprocess.run(
        ["ip", "netns", "exec", netns, *argv], capture_output=True, timeout=timeout
    )


def http_get(netns: str, url: str) -> bytes:
    done = node_exec(netns, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
    assert done.returncode == 0, f"GET {url} from the node failed: {done.stderr.decode()}"
    return done.stdout


def _leftover_mounts(root: str) -> list[str]:
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(root)]


@pytest.fixture
async def runtime(tmp_path: Path, node_netns: str) -> AsyncIterator[RuncRuntime]:
    _require("runc", "runc")
    _require(os.path.join(CNI_BIN_DIR, "bridge"), "containernetworking-plugins")
    tag = node_netns.removesuffix("-node")
    subnet = f"10.244.{secrets.randbelow(200) + 10}.0/24"
    conf_dir = tmp_path / "cni" / "net.d"
    ensure_conflist(
        str(conf_dir), subnet, bridge=f"cni-{tag[-6:]}", data_dir=str(tmp_path / "cni" / "ipam")
    )
    cni = CNI(
        str(conf_dir),
        [CNI_BIN_DIR],
        cache_dir=str(tmp_path / "cni" / "results"),
        exec_prefix=["ip", "netns", "exec", node_netns],
    )
    cgroup_parent = f"/{tag}"
    root = tmp_path / "kubelet"
    store = ImageStore(str(root / "images"))
    made = RuncRuntime(
        str(root),
        images=store,
        cni=cni,
        log_root=str(tmp_path / "pods"),
        cgroup_parent=cgroup_parent,
        netns_prefix=f"{tag}-",
        pids_limit=200,
    )
    try:
        yield made
    finally:
        await _tear_down(made, str(root), tag, cgroup_parent)


async def _tear_down(runtime: RuncRuntime, root: str, tag: str, cgroup_parent: str) -> None:
    with contextlib.suppress(Exception):
        for sandbox in await runtime.list_sandboxes():
            await runtime.remove_sandbox(sandbox.id)
    with contextlib.suppress(Exception):
        for container in await runtime.list_containers():
            await runtime.remove_container(container.id)
    # Whatever the runtime failed to clean, removed by force: containers, mounts, namespaces.
    listing = subprocess.run(
        ["runc", "--root", runtime.runc_root, "list", "-q"], capture_output=True, text=True
    )
    for container_id in listing.stdout.split():
        subprocess.run(
            ["runc", "--root", runtime.runc_root, "delete", "--force", container_id],
            capture_output=True,
        )
    for mount in sorted(_leftover_mounts(root), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], capture_output=True)
    for name in await namespaces.list_netns(f"{tag}-"):
        if name != f"{tag}-node":
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)
    remove_cgroup(cgroup_parent)


@pytest.fixture(scope="session")
def busybox_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_oci_layout(tmp_path_factory.mktemp("busybox-oci"), busybox_image(), BUSYBOX_REF)


@pytest.fixture
def busybox(runtime: RuncRuntime, busybox_layout: Path) -> str:
    """The busybox test image, imported into the node's store; returns its reference."""
    import_archive(runtime.images, str(busybox_layout))
    return BUSYBOX_REF


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory):
    with running_registry(tmp_path_factory.mktemp("registry")) as served:
        yield served
