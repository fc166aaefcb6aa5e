"""Pod volumes on the node: prepared before a pod's containers start, bound into them.

Each volume lives under `<root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>`, the
directory layout of the real kubelet:

- emptyDir: an empty directory; with `medium: Memory`, a tmpfs mount (sized by `sizeLimit`);
- hostPath: the node's own path, checked or created according to `type`;
- configMap, secret, downwardAPI, projected: files written from the API atomically
  (atomic.py), and rewritten on every `setup()` so a changed source reaches running
  containers, as in Kubernetes (where the refresh takes up to a sync period);
- anything else (persistent volumes and friends) is refused with a clear message.

`mounts(container, paths)` turns a container's `volumeMounts` into HostMounts for the
runtime: subPath selects a path inside the volume (created as a directory if absent, never
escaping it), readOnly binds read-only; API-backed volumes are always read-only.
`teardown(uid)` unmounts tmpfs volumes and removes the pod's directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from collections.abc import Mapping
from typing import Any

from pyk8s.api.quantity import Quantity
from pyk8s.kubelet.envvars import ConfigError
from pyk8s.kubelet.ocispec import HostMount
from pyk8s.kubelet.volumes.atomic import write_atomically
from pyk8s.kubelet.volumes.sources import ObjectGetter, TokenRequester, volume_files

__all__ = ["ConfigError", "VolumeManager"]

PLUGIN_DIRS = {
    "emptyDir": "kubernetes.io~empty-dir",
    "configMap": "kubernetes.io~configmap",
    "secret": "kubernetes.io~secret",
    "downwardAPI": "kubernetes.io~downward-api",
    "projected": "kubernetes.io~projected",
}
READ_ONLY_SOURCES = ("configMap", "secret", "downwardAPI", "projected")


def _source_kind(volume: Mapping[str, Any]) -> str:
    for key in volume:
        if key != "name":
            return key
    return "emptyDir"


class VolumeManager:
    def __init__(
        self, root_dir: str, get: ObjectGetter, request_token: TokenRequester, *, tmpfs: bool = True
    ) -> None:
        self.root_dir = root_dir
        self.get, self.request_token = get, request_token
        self.tmpfs = tmpfs  # a Memory emptyDir is a plain directory when we may not mount

    def pod_dir(self, uid: str) -> str:
        return os.path.join(self.root_dir, "pods", uid)

    async def setup(self, pod: Mapping[str, Any]) -> dict[str, str]:
        """Prepare (or refresh) every volume of the pod; returns volume name -> host path."""
        paths: dict[str, str] = {}
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            paths[volume["name"]] = await self._setup_one(pod, volume)
        return paths

    async def _setup_one(self, pod: Mapping[str, Any], volume: Mapping[str, Any]) -> str:
        kind = _source_kind(volume)
        if kind == "hostPath":
            return _host_path(volume["hostPath"])
        if kind not in PLUGIN_DIRS:
            raise ConfigError(f"volume {volume['name']}: {kind} volumes are not supported")
        path = os.path.join(self.pod_dir(pod["metadata"]["uid"]), "volumes", PLUGIN_DIRS[kind])
        path = os.path.join(path, volume["name"])
        if kind == "emptyDir":
            os.makedirs(path, exist_ok=True)
            source = volume.get("emptyDir") or {}
            if source.get("medium") == "Memory" and self.tmpfs and not os.path.ismount(path):
                await _mount_tmpfs(path, source.get("sizeLimit"))
            return path
        files = await volume_files(pod, volume, self.get, self.request_token)
        write_atomically(path, files or {})
        return path

    def mounts(
        self, container: Mapping[str, Any], pod: Mapping[str, Any], paths: Mapping[str, str]
    ) -> list[HostMount]:
        kinds = {v["name"]: _source_kind(v) for v in (pod.get("spec") or {}).get("volumes") or []}
        mounts = []
        for mount in container.get("volumeMounts") or []:
            name = mount["name"]
            if name not in paths:
                raise ConfigError(f"volumeMount {name}: no volume of that name")
            host_path = paths[name]
            sub_path = mount.get("subPath")
            if sub_path:
                host_path = _sub_path(host_path, sub_path)
            read_only = bool(mount.get("readOnly")) or kinds.get(name) in READ_ONLY_SOURCES
            mounts.append(HostMount(mount["mountPath"], host_path, read_only))
        return mounts

    async def teardown(self, uid: str) -> None:
        pod_dir = self.pod_dir(uid)
        empty_dirs = os.path.join(pod_dir, "volumes", PLUGIN_DIRS["emptyDir"])
        if os.path.isdir(empty_dirs):
            for name in os.listdir(empty_dirs):
                path = os.path.join(empty_dirs, name)
                if os.path.ismount(path):
                    await _run("umount", path)
        shutil.rmtree(pod_dir, ignore_errors=True)


def _host_path(source: Mapping[str, Any]) -> str:
    path, kind = source["path"], source.get("type") or ""
    if kind == "DirectoryOrCreate":
        os.makedirs(path, mode=0o755, exist_ok=True)
    elif kind == "FileOrCreate" and not os.path.exists(path):
        os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
        open(path, "a").close()
    checks = {
        "Directory": (os.path.isdir, "is not a directory"),
        "File": (os.path.isfile, "is not a file"),
        "Socket": (lambda p: os.path.exists(p) and _is_socket(p), "is not a socket"),
    }
    if kind in checks and not checks[kind][0](path):
        raise ConfigError(f"hostPath type check failed: {path} {checks[kind][1]}")
    return path


def _is_socket(path: str) -> bool:
    return stat.S_ISSOCK(os.stat(path).st_mode)


def _sub_path(volume_path: str, sub_path: str) -> str:
    resolved = os.path.realpath(os.path.join(volume_path, sub_path))
    root = os.path.realpath(volume_path)
    if resolved != root and not resolved.startswith(root + os.sep):
        raise ConfigError(f"subPath {sub_path!r} escapes its volume")
    if not os.path.exists(resolved):
        os.makedirs(resolved, exist_ok=True)
    return resolved


async def _mount_tmpfs(path: str, size_limit: str | None) -> None:
    # tmpfs takes bytes; the API speaks quantities ("64Mi").
    options = ["-o", f"size={Quantity.parse(size_limit).value()}"] if size_limit else []
    await _run("mount", "-t", "tmpfs", *options, "tmpfs", path)


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    if process.returncode:
        raise ConfigError(f"{' '.join(command)}: {stderr.decode().strip()}")
