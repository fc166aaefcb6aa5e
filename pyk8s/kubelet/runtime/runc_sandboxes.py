"""Pod sandboxes for the runc runtime: namespaces, a CNI network, and the pod's /etc files.

A sandbox is a directory under <root>/sandboxes/<id>/ holding

    sandbox.json           who the pod is, its IPs, whether its network is up
    hosts, resolv.conf, hostname    bind-mounted into every container of the pod
    ns/ipc, ns/uts         the pod's IPC and UTS namespaces (bind mounts)

plus a network namespace `<prefix><id>` under /var/run/netns. Everything about a sandbox is
read back from disk, so a restarted kubelet sees the same sandboxes. Setting up is undone step
by step when a later step fails: a pod never keeps half a network.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time

from pyk8s.kubelet import ocispec
from pyk8s.kubelet.network import etcfiles, namespaces
from pyk8s.kubelet.network.cni import CNI
from pyk8s.kubelet.runtime.interface import ContainerRuntimeError, NotFound, Sandbox, SandboxConfig
from pyk8s.kubelet.runtime.runc_bundle import CGROUP_ROOT


def remove_cgroup(path: str) -> None:
    """rmdir `path` (and any leftover children) in every cgroup hierarchy; missing is fine."""
    try:
        hierarchies = [os.path.join(CGROUP_ROOT, h) for h in os.listdir(CGROUP_ROOT)]
    except FileNotFoundError:
        return
    for hierarchy in [*hierarchies, CGROUP_ROOT]:
        top = os.path.join(hierarchy, path.lstrip("/"))
        if not os.path.isdir(top) or top == hierarchy:
            continue
        for directory, _, _ in sorted(os.walk(top), key=lambda entry: -len(entry[0])):
            with contextlib.suppress(OSError):
                os.rmdir(directory)


class RuncSandboxes:
    def __init__(
        self,
        root_dir: str,
        cni: CNI | None,
        *,
        netns_prefix: str = "pyk8s-",
        cgroup_parent: str = "/pyk8s",
    ) -> None:
        self.dir = os.path.join(root_dir, "sandboxes")
        os.makedirs(self.dir, exist_ok=True)
        self.cni = cni
        self.netns_prefix = netns_prefix
        self.cgroup_parent = cgroup_parent

    def _path(self, sandbox_id: str, *names: str) -> str:
        return os.path.join(self.dir, sandbox_id, *names)

    def _netns_name(self, sandbox_id: str) -> str:
        return f"{self.netns_prefix}{sandbox_id}"

    def pod_cgroup(self, pod_uid: str) -> str:
        return f"{self.cgroup_parent}/pod{pod_uid}"

    def _read(self, sandbox_id: str) -> dict:
        try:
            with open(self._path(sandbox_id, "sandbox.json")) as file:
                return json.load(file)
        except FileNotFoundError:
            raise NotFound(f"sandbox {sandbox_id} not found") from None

    def _write(self, sandbox_id: str, record: dict) -> None:
        path = self._path(sandbox_id, "sandbox.json")
        with open(path + ".tmp", "w") as file:
            json.dump(record, file)
        os.replace(path + ".tmp", path)

    async def run(self, config: SandboxConfig) -> Sandbox:
        sandbox_id = secrets.token_hex(16)
        os.makedirs(self._path(sandbox_id))
        metadata = config.pod["metadata"]
        record = {
            "id": sandbox_id,
            "podUID": config.uid,
            "podName": metadata["name"],
            "podNamespace": metadata.get("namespace", "default"),
            "createdAt": time.time(),
            "hostNetwork": config.host_network,
            "netns": None,
            "ips": [],
            "networkReady": False,
        }
        self._write(sandbox_id, record)
        try:
            await self._set_up(sandbox_id, config, record)
        except BaseException:
            await self.remove(sandbox_id)
            raise
        return self.status(sandbox_id)

    async def _set_up(self, sandbox_id: str, config: SandboxConfig, record: dict) -> None:
        hostname = etcfiles.pod_hostname(config.pod)
        await namespaces.create_ipc_uts(self._path(sandbox_id, "ns"), hostname)
        if not config.host_network:
            if self.cni is None:
                raise ContainerRuntimeError("no CNI network configured for pod networking")
            record["netns"] = await namespaces.create_netns(self._netns_name(sandbox_id))
            self._write(sandbox_id, record)
            result = await self.cni.add(
                sandbox_id,
                record["netns"],
                port_mappings=config.port_mappings,
                args={
                    "K8S_POD_NAMESPACE": record["podNamespace"],
                    "K8S_POD_NAME": record["podName"],
                    "K8S_POD_INFRA_CONTAINER_ID": sandbox_id,
                    "K8S_POD_UID": config.uid,
                },
            )
            record.update(ips=list(result.ips), networkReady=True)
        self._write_etc_files(sandbox_id, config, hostname, record["ips"])
        self._write(sandbox_id, record)

    def _write_etc_files(
        self, sandbox_id: str, config: SandboxConfig, hostname: str, ips: list[str]
    ) -> None:
        files = {
            "hosts": etcfiles.hosts_file(config.pod, ips, config.cluster_domain),
            "resolv.conf": etcfiles.resolv_conf(
                config.dns_servers, config.dns_searches, config.dns_options
            ),
            "hostname": hostname + "\n",
        }
        if not config.dns_servers and os.path.exists("/etc/resolv.conf"):
            with open("/etc/resolv.conf") as host_resolv:
                files["resolv.conf"] = host_resolv.read()  # dnsPolicy Default: the node's own
        for name, content in files.items():
            with open(self._path(sandbox_id, name), "w") as file:
                file.write(content)

    def paths(self, sandbox_id: str) -> ocispec.PodSandboxPaths:
        record = self._read(sandbox_id)
        return ocispec.PodSandboxPaths(
            netns=record["netns"],
            ipc=self._path(sandbox_id, "ns", "ipc"),
            # hostNetwork pods also keep the node's host name, as in Kubernetes.
            uts=None if record["hostNetwork"] else self._path(sandbox_id, "ns", "uts"),
            hosts_file=self._path(sandbox_id, "hosts"),
            resolv_conf=self._path(sandbox_id, "resolv.conf"),
            hostname_file=self._path(sandbox_id, "hostname"),
        )

    async def stop(self, sandbox_id: str) -> None:
        """Tear the pod's network down (CNI DEL); the namespaces stay until remove()."""
        record = self._read(sandbox_id)
        if record["networkReady"] and self.cni is not None:
            await self.cni.delete(sandbox_id, record["netns"])
        record.update(networkReady=False)
        self._write(sandbox_id, record)

    async def remove(self, sandbox_id: str) -> None:
        try:
            record = self._read(sandbox_id)
        except NotFound:
            record = None
        if record is not None:
            if record["networkReady"] and self.cni is not None:
                await self.cni.delete(sandbox_id, record["netns"])
            remove_cgroup(self.pod_cgroup(record["podUID"]))
        await namespaces.delete_netns(self._netns_name(sandbox_id))
        await namespaces.delete_ipc_uts(self._path(sandbox_id, "ns"))
        shutil.rmtree(self._path(sandbox_id), ignore_errors=True)

    def status(self, sandbox_id: str) -> Sandbox:
        record = self._read(sandbox_id)
        ready = record["networkReady"] or record["hostNetwork"]
        return Sandbox(
            id=record["id"],
            pod_uid=record["podUID"],
            pod_name=record["podName"],
            pod_namespace=record["podNamespace"],
            state="ready" if ready else "notready",
            ips=tuple(record["ips"]),
            created_at=record["createdAt"],
            netns=record["netns"],
        )

    def list(self) -> list[Sandbox]:
        found = []
        for sandbox_id in sorted(os.listdir(self.dir)):
            with contextlib.suppress(NotFound, ValueError):
                found.append(self.status(sandbox_id))
        return found
