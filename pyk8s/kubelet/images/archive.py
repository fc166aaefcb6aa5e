"""`pyk8s image import`: load images from an OCI layout or a `docker save` tar into the store.

Two formats are read, as a directory or as a tar of one:

* an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`): each manifest in the
  index is imported under the name in its `io.containerd.image.name` or
  `org.opencontainers.image.ref.name` annotation (a bare tag is added to `default_name`);
* a `docker save` archive (`manifest.json` listing Config, RepoTags and Layers): the layer tars
  are stored as they are and an OCI manifest is written for them.

Every blob goes through the store's digest check, so a damaged archive imports nothing under a
wrong name.
"""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Callable
from typing import BinaryIO

from pyk8s.kubelet.images.store import (
    INDEX_TYPES,
    OCI_MANIFEST,
    Image,
    ImageError,
    ImageStore,
    sha256_digest,
)

NAME_ANNOTATIONS = ("io.containerd.image.name", "org.opencontainers.image.ref.name")
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"

# Opens a member of the archive by its relative path.
Opener = Callable[[str], BinaryIO]


def import_archive(store: ImageStore, path: str, default_name: str | None = None) -> list[Image]:
    """Import every image in the archive at `path`; returns them in the archive's order."""
    if os.path.isdir(path):
        return _import_from(store, lambda name: open(os.path.join(path, name), "rb"), default_name)
    with tarfile.open(path, "r:*") as archive:

        def opener(name: str) -> BinaryIO:
            member = archive.extractfile(os.path.normpath(name))
            if member is None:
                raise ImageError(f"{name} in {path} is not a file")
            return member  # type: ignore[return-value]

        return _import_from(store, opener, default_name)


def _import_from(store: ImageStore, opener: Opener, default_name: str | None) -> list[Image]:
    try:
        with opener("index.json") as file:
            index = json.load(file)
    except (FileNotFoundError, KeyError):
        index = None
    if index is not None:
        return _import_oci(store, opener, index, default_name)
    try:
        with opener("manifest.json") as file:
            manifest = json.load(file)
    except (FileNotFoundError, KeyError):
        raise ImageError(
            "neither an OCI layout (index.json) nor a docker save archive (manifest.json)"
        ) from None
    return [_import_docker_entry(store, opener, entry) for entry in manifest]


def _copy_blob(store: ImageStore, opener: Opener, digest: str) -> None:
    if store.has_blob(digest):
        return
    writer = store.blob_writer(digest)
    try:
        with opener(f"blobs/sha256/{digest.partition(':')[2]}") as file:
            while chunk := file.read(1 << 20):
                writer.write(chunk)
        writer.commit()
    except BaseException:
        writer.abort()
        raise


def _import_oci(
    store: ImageStore, opener: Opener, index: dict, default_name: str | None
) -> list[Image]:
    images = []
    for descriptor in index.get("manifests", []):
        annotations = descriptor.get("annotations") or {}
        name = next((annotations[k] for k in NAME_ANNOTATIONS if annotations.get(k)), None)
        if name is not None and "/" not in name and ":" not in name:
            # A bare tag ("latest"): the layout does not say which repository it belongs to.
            name = f"{default_name}:{name}" if default_name else None
        name = name or default_name
        if name is None:
            raise ImageError(f"manifest {descriptor['digest']} has no name; give one")
        manifest_digest = _resolve_platform(store, opener, descriptor)
        manifest = store.read_json(manifest_digest)
        for blob in (manifest["config"], *manifest["layers"]):
            _copy_blob(store, opener, blob["digest"])
        images.append(store.tag(name, manifest_digest))
    return images


def _resolve_platform(store: ImageStore, opener: Opener, descriptor: dict) -> str:
    """The digest of the linux/amd64 manifest the descriptor leads to, copied into the store."""
    from pyk8s.kubelet.images.registry import pick_platform

    _copy_blob(store, opener, descriptor["digest"])
    if descriptor.get("mediaType") in INDEX_TYPES:
        nested = store.read_json(descriptor["digest"])
        return _resolve_platform(store, opener, pick_platform(nested))
    return descriptor["digest"]


def _import_docker_entry(store: ImageStore, opener: Opener, entry: dict) -> Image:
    with opener(entry["Config"]) as file:
        config_bytes = file.read()
    config_digest = store.put_blob(config_bytes)
    layer_descriptors = []
    for layer_path in entry["Layers"]:
        with opener(layer_path) as file:
            data = file.read()
        layer_descriptors.append(
            {"mediaType": OCI_LAYER_TAR, "digest": store.put_blob(data), "size": len(data)}
        )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
        "layers": layer_descriptors,
    }
    manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
    manifest_digest = store.put_blob(manifest_bytes, sha256_digest(manifest_bytes))
    tags = entry.get("RepoTags") or []
    if not tags:
        raise ImageError(
            f"image {config_digest} in the archive has no RepoTags; nothing to name it"
        )
    image = None
    for tag in tags:
        image = store.tag(tag, manifest_digest)
    assert image is not None
    return image
