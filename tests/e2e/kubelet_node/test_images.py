"""Images on a real node: pulls from a real registry, imports of archives, `pyk8s image`."""

from __future__ import annotations

import os
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pyk8s.cli.main import main
from pyk8s.kubelet.images import registry as registry_client
from pyk8s.kubelet.images.store import DigestMismatch, ImageStore
from tests.e2e.kubelet_node.token_server import TokenServer
from tests.support.images import (
    Registry,
    busybox_image,
    running_registry,
    write_docker_save,
    write_oci_layout,
)


async def test_pull_verifies_digests_and_unpacks_layers_with_whiteouts(
    tmp_path: Path, registry: Registry
):
    image = busybox_image(with_whiteouts=True)
    ref = registry.push(image, "test/layered", "1.0")
    store = ImageStore(str(tmp_path / "images"))

    pulled = await registry_client.pull(store, ref)
    assert pulled.id == image.config_digest
    assert pulled.repo_tags == (ref,)
    assert pulled.repo_digests == (f"{registry.host}/test/layered@{image.manifest_digest}",)
    assert store.get(f"{registry.host}/test/layered@{image.manifest_digest}") == pulled
    lower, upper = store.layer_dirs(pulled)
    assert os.path.exists(os.path.join(lower, "bin", "busybox"))
    whiteout = os.lstat(os.path.join(upper, "bin", "ls"))
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == 0
    assert os.getxattr(os.path.join(upper, "www"), "trusted.overlay.opaque") == b"y"


async def test_a_corrupted_blob_is_refused_and_nothing_is_tagged(
    tmp_path: Path, registry: Registry
):
    # Blobs are shared between a registry's repositories: damage one that only this test uses.
    image = busybox_image(index_html=b"only for the corruption test\n")
    ref = registry.push(image, "test/corrupt", "1.0")
    layer_digest = next(d for d in image.blobs if image.blobs[d][:2] == b"\x1f\x8b")
    blob = registry.blob_file(layer_digest)
    damaged = bytearray(blob.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    blob.write_bytes(bytes(damaged))
    store = ImageStore(str(tmp_path / "images"))

    with pytest.raises(DigestMismatch, match=layer_digest):
        await registry_client.pull(store, ref)
    assert not store.has_blob(layer_digest)
    assert store.get(ref) is None and store.list() == []


async def test_an_index_resolves_to_the_linux_amd64_manifest(tmp_path: Path, registry: Registry):
    amd64, arm64 = (
        busybox_image(cmd=["/bin/echo", "amd64"]),
        busybox_image(cmd=["/bin/echo", "arm64"]),
    )
    ref = registry.push_index({"arm64": arm64, "amd64": amd64}, "test/multi", "1.0")
    store = ImageStore(str(tmp_path / "images"))
    pulled = await registry_client.pull(store, ref)
    assert pulled.id == amd64.config_digest
    assert pulled.runtime_config["Cmd"] == ["/bin/echo", "amd64"]
    assert not store.has_blob(arm64.config_digest)


async def test_a_missing_tag_is_reported_as_not_found(tmp_path: Path, registry: Registry):
    with pytest.raises(registry_client.NotFound):
        await registry_client.pull(
            ImageStore(str(tmp_path / "images")), f"{registry.host}/test/none:1"
        )


@pytest.fixture
def pyk8s(capsys: pytest.CaptureFixture):
    """Run the `pyk8s` command line in this process; returns (exit code, stdout)."""

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def test_image_import_of_docker_save_and_oci_layout_then_ls(tmp_path: Path, pyk8s):
    root = str(tmp_path / "kubelet")
    image = busybox_image()
    saved = write_docker_save(tmp_path / "saved.tar", image, "pyk8s/saved:2")
    code, out = pyk8s("image", "--root-dir", root, "import", str(saved))
    assert code == 0, out
    assert f"imported docker.io/pyk8s/saved:2 ({image.config_digest})" in out

    layout = write_oci_layout(tmp_path / "layout", busybox_image(cmd=["/bin/true"]), "latest")
    code, out = pyk8s(
        "image", "--root-dir", root, "import", "--name", "example.com/team/tool", str(layout)
    )
    assert code == 0, out

    listing = pyk8s("image", "--root-dir", root, "ls")[1].splitlines()
    assert listing[0].split() == ["IMAGE", "TAG", "IMAGE", "ID", "SIZE"]
    rows = sorted(tuple(line.split()[:3]) for line in listing[1:])
    assert rows == [
        ("docker.io/pyk8s/saved", "2", image.config_digest[7:20]),
        (
            "example.com/team/tool",
            "latest",
            ImageStore(os.path.join(root, "images")).get("example.com/team/tool").id[7:20],
        ),
    ]
    # The imported docker-save layers are unpackable: the store found their diff_ids.
    store = ImageStore(os.path.join(root, "images"))
    [lower] = store.layer_dirs(store.get("pyk8s/saved:2"))
    assert os.path.exists(os.path.join(lower, "www", "index.html"))


def test_importing_a_damaged_archive_fails_cleanly(tmp_path: Path, pyk8s):
    layout = write_oci_layout(tmp_path / "layout", busybox_image(), "docker.io/pyk8s/broken:1")
    config = next(
        p
        for p in (layout / "blobs" / "sha256").iterdir()
        if p.stat().st_size < 2000 and b"diff_ids" in p.read_bytes()
    )
    config.write_bytes(config.read_bytes().replace(b"amd64", b"arm64"))
    code, out = pyk8s("image", "--root-dir", str(tmp_path / "kubelet"), "import", str(layout))
    assert code == 1 and "does not match" in out
    assert pyk8s("image", "--root-dir", str(tmp_path / "kubelet"), "ls", "-q") == (0, "")


async def test_pull_from_a_registry_that_wants_an_anonymous_bearer_token(tmp_path: Path):
    tokens = TokenServer(tmp_path)
    try:
        with running_registry(tmp_path / "registry", tokens.registry_config()) as guarded:
            image = busybox_image()
            ref = guarded.push(image, "test/guarded", "1.0")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(
                    f"http://{guarded.host}/v2/test/guarded/manifests/1.0", timeout=5
                )
            assert refused.value.code == 401
            tokens.requests.clear()

            pulled = await registry_client.pull(ImageStore(str(tmp_path / "images")), ref)
            assert pulled.id == image.config_digest
            assert tokens.requests == [
                {
                    "service": "pyk8s-test-registry",
                    "scope": "repository:test/guarded:pull",
                    "authorization": None,
                }
            ]
    finally:
        tokens.stop()
