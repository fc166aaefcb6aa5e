"""The node's image store: content-addressed blobs, names pointing at manifests, unpacked layers.

Layout under the store's root (by default <kubelet root-dir>/images):

    blobs/sha256/<hex>        every manifest, config and layer, named by the sha256 of its bytes
    layers/sha256/<hex>       a layer unpacked for overlayfs, named by its diff_id
    refs.json                 {"docker.io/library/nginx:latest": "sha256:<manifest digest>", ...}

A blob is written to a temporary file and renamed into place only once its digest checks out, so
the store never holds bytes under the wrong name. An image's ID is its config's digest, as with
Docker and containerd; `crictl images` and a pod's `imageID` show the repo digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass

from pyk8s.kubelet.images import layers, reference

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_MANIFEST_LIST)


class ImageError(Exception):
    """An image that cannot be stored, found or used (the kubelet reports ErrImagePull)."""


class DigestMismatch(ImageError):
    """Bytes that do not hash to the digest they were asked for: never stored."""


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Image:
    id: str
    manifest_digest: str
    repo_tags: tuple[str, ...]
    repo_digests: tuple[str, ...]
    size: int
    config: dict
    layer_digests: tuple[str, ...]
    diff_ids: tuple[str, ...]

    @property
    def runtime_config(self) -> dict:
        """The image's defaults for a container: Entrypoint, Cmd, Env, WorkingDir, User."""
        return self.config.get("config") or {}


class BlobWriter:
    """Streams one blob to disk; `commit()` checks the digest (and size) before naming it."""

    def __init__(self, store: ImageStore, expected: str, expected_size: int | None) -> None:
        self._store, self._expected, self._expected_size = store, expected, expected_size
        fd, self._tmp = tempfile.mkstemp(dir=store.tmp_dir)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._size = 0

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._size += len(chunk)
        self._file.write(chunk)

    def commit(self) -> str:
        self._file.close()
        actual = "sha256:" + self._hash.hexdigest()
        try:
            if actual != self._expected:
                raise DigestMismatch(f"blob digest {actual} does not match {self._expected}")
            if self._expected_size is not None and self._size != self._expected_size:
                raise DigestMismatch(
                    f"blob {actual} has {self._size} bytes, expected {self._expected_size}"
                )
            os.rename(self._tmp, self._store.blob_path(actual))
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)
        return actual

    def abort(self) -> None:
        self._file.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)


class ImageStore:
    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.tmp_dir = os.path.join(self.root, "tmp")
        for sub in ("blobs/sha256", "layers/sha256", "tmp"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        self._refs_path = os.path.join(self.root, "refs.json")
        self._lock = threading.Lock()
        self._layer_locks: dict[str, threading.Lock] = {}

    # -- blobs -------------------------------------------------------------------------
    def blob_path(self, digest: str) -> str:
        algorithm, _, hex_part = digest.partition(":")
        if (
            algorithm != "sha256"
            or len(hex_part) != 64
            or not all(c in "0123456789abcdef" for c in hex_part)
        ):
            raise ImageError(f"unsupported digest {digest!r}")
        return os.path.join(self.root, "blobs", "sha256", hex_part)

    def has_blob(self, digest: str) -> bool:
        return os.path.exists(self.blob_path(digest))

    def blob_writer(self, expected: str, size: int | None = None) -> BlobWriter:
        return BlobWriter(self, expected, size)

    def put_blob(self, data: bytes, expected: str | None = None) -> str:
        writer = self.blob_writer(expected or sha256_digest(data), len(data))
        writer.write(data)
        return writer.commit()

    def read_blob(self, digest: str) -> bytes:
        try:
            with open(self.blob_path(digest), "rb") as file:
                return file.read()
        except FileNotFoundError:
            raise ImageError(f"blob {digest} is not in the store") from None

    def read_json(self, digest: str) -> dict:
        return json.loads(self.read_blob(digest))

    # -- names -------------------------------------------------------------------------
    def _read_refs(self) -> dict[str, str]:
        try:
            with open(self._refs_path) as file:
                return json.load(file)
        except FileNotFoundError:
            return {}

    def _write_refs(self, refs: dict[str, str]) -> None:
        tmp = self._refs_path + ".tmp"
        with open(tmp, "w") as file:
            json.dump(refs, file, indent=1, sort_keys=True)
        os.replace(tmp, self._refs_path)

    def tag(self, name: str, manifest_digest: str) -> Image:
        """Point the reference `name` at a stored manifest (whose blobs must all be present)."""
        image = self._load(manifest_digest)
        missing = [d for d in (image.id, *image.layer_digests) if not self.has_blob(d)]
        if missing:
            raise ImageError(f"image {name} is missing blobs {missing}")
        ref = reference.parse(name)
        with self._lock:
            refs = self._read_refs()
            refs[str(ref)] = manifest_digest
            if ref.tag:
                refs[f"{ref.name}@{manifest_digest}"] = manifest_digest
            self._write_refs(refs)
        return self._load(manifest_digest)

    def untag(self, name: str) -> bool:
        with self._lock:
            refs = self._read_refs()
            found = refs.pop(str(reference.parse(name)), None)
            self._write_refs(refs)
        return found is not None

    def get(self, name: str) -> Image | None:
        """The image a reference, an image ID (sha256:…) or a unique ID prefix names."""
        refs = self._read_refs()
        try:
            digest = refs.get(str(reference.parse(name)))
        except reference.InvalidReference:
            digest = None
        if digest is None:
            wanted = name if name.startswith("sha256:") else "sha256:" + name
            for candidate in set(refs.values()):
                if self._load(candidate).id.startswith(wanted):
                    digest = candidate
                    break
        return self._load(digest) if digest else None

    def list(self) -> list[Image]:
        return [self._load(d) for d in sorted(set(self._read_refs().values()))]

    def _load(self, manifest_digest: str) -> Image:
        manifest = self.read_json(manifest_digest)
        config_digest = manifest["config"]["digest"]
        config = self.read_json(config_digest)
        names = [n for n, d in self._read_refs().items() if d == manifest_digest]
        size = manifest["config"].get("size", 0) + sum(
            layer.get("size", 0) for layer in manifest["layers"]
        )
        return Image(
            id=config_digest,
            manifest_digest=manifest_digest,
            repo_tags=tuple(sorted(n for n in names if "@" not in n)),
            repo_digests=tuple(sorted(n for n in names if "@" in n)),
            size=size,
            config=config,
            layer_digests=tuple(layer["digest"] for layer in manifest["layers"]),
            diff_ids=tuple(config.get("rootfs", {}).get("diff_ids", [])),
        )

    # -- root file systems -------------------------------------------------------------
    def layer_dirs(self, image: Image) -> list[str]:
        """The image's layers unpacked for overlayfs, lowest first; unpacks what is missing."""
        if len(image.diff_ids) != len(image.layer_digests):
            raise ImageError(
                f"image {image.id}: config lists {len(image.diff_ids)} diff_ids for {len(image.layer_digests)} layers"
            )
        dirs = []
        for blob, diff_id in zip(image.layer_digests, image.diff_ids, strict=True):
            target = os.path.join(self.root, "layers", "sha256", diff_id.partition(":")[2])
            with self._lock:
                lock = self._layer_locks.setdefault(diff_id, threading.Lock())
            with lock:
                if not os.path.isdir(target):
                    layers.unpack(self.blob_path(blob), target, diff_id)
            dirs.append(target)
        return dirs

    def mount_rootfs(self, image: Image, container_dir: str) -> str:
        """An overlay root file system for one container under `container_dir`; returns its path."""
        merged = os.path.join(container_dir, "rootfs")
        lower = self.layer_dirs(image)
        if not lower:
            raise ImageError(f"image {image.id} has no layers")
        layers.mount_overlay(
            lower, os.path.join(container_dir, "upper"), os.path.join(container_dir, "work"), merged
        )
        return merged

    @staticmethod
    def unmount_rootfs(container_dir: str) -> None:
        layers.unmount(os.path.join(container_dir, "rootfs"))
