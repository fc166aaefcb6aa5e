"""The content-addressed image store: nothing stored under a wrong name, names that resolve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyk8s.kubelet.images.store import DigestMismatch, ImageError, ImageStore, sha256_digest


def store_with_image(tmp_path: Path) -> tuple[ImageStore, str, str]:
    store = ImageStore(str(tmp_path))
    layer = store.put_blob(b"not really a tar")
    config = json.dumps({"config": {"Cmd": ["/bin/sh"]}, "rootfs": {"diff_ids": [layer]}}).encode()
    config_digest = store.put_blob(config)
    manifest = {
        "schemaVersion": 2,
        "config": {"digest": config_digest, "size": len(config)},
        "layers": [{"digest": layer, "size": 16}],
    }
    manifest_digest = store.put_blob(json.dumps(manifest).encode())
    return store, config_digest, manifest_digest


def test_blobs_are_refused_when_their_digest_is_wrong(tmp_path: Path):
    store = ImageStore(str(tmp_path))
    with pytest.raises(DigestMismatch):
        store.put_blob(b"data", sha256_digest(b"other data"))
    assert not store.has_blob(sha256_digest(b"data")) and not store.has_blob(
        sha256_digest(b"other data")
    )
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary file left behind


def test_names_ids_and_digests_resolve_to_the_image(tmp_path: Path):
    store, config_digest, manifest_digest = store_with_image(tmp_path)
    image = store.tag("busybox:1", manifest_digest)
    assert image.id == config_digest and image.repo_tags == ("docker.io/library/busybox:1",)
    assert image.repo_digests == (f"docker.io/library/busybox@{manifest_digest}",)
    assert image.runtime_config == {"Cmd": ["/bin/sh"]}
    for name in ("busybox:1", "docker.io/library/busybox:1", config_digest, config_digest[7:19]):
        assert store.get(name) == image
    assert store.get("busybox:2") is None
    assert store.untag("busybox:1") and store.get("busybox:1") is None


def test_an_image_with_missing_blobs_cannot_be_named(tmp_path: Path):
    store = ImageStore(str(tmp_path))
    config = json.dumps({"rootfs": {"diff_ids": []}}).encode()
    manifest = {"config": {"digest": sha256_digest(config)}, "layers": []}
    digest = store.put_blob(json.dumps(manifest).encode())
    with pytest.raises(ImageError):
        store.tag("app:1", digest)
