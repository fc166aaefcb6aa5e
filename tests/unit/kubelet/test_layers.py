"""Unpacking layer tars: overlay whiteouts, replaced entries, and entries that try to escape."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from pyk8s.kubelet.images.layers import LayerError, unpack
from tests.support.images import digest_of


def layer(*entries: tuple[str, bytes | str | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            elif isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def unpacked(tmp_path: Path, data: bytes, compress: bool = True) -> Path:
    blob = tmp_path / "blob"
    blob.write_bytes(gzip.compress(data) if compress else data)
    target = tmp_path / "out"
    unpack(str(blob), str(target), digest_of(data))
    return target


def test_whiteouts_become_overlay_whiteouts(tmp_path: Path):
    out = unpacked(
        tmp_path,
        layer(("etc", None), ("etc/.wh.passwd", b""), ("www/.wh..wh..opq", b""), ("www/a", b"a")),
    )
    whiteout = os.lstat(out / "etc" / "passwd")
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == os.makedev(0, 0)
    assert os.getxattr(out / "www", "trusted.overlay.opaque") == b"y"
    assert (out / "www" / "a").read_bytes() == b"a"
    assert not (out / "etc" / ".wh.passwd").exists()


def test_a_later_entry_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"safe")
    out = unpacked(tmp_path, layer(("f", str(victim)), ("f", b"replaced")), compress=False)
    assert (out / "f").read_bytes() == b"replaced" and not (out / "f").is_symlink()
    assert victim.read_bytes() == b"safe"


@pytest.mark.parametrize(
    "entries", [[("../escape", b"x")], [("link", "/tmp"), ("link/file", b"x")]]
)
def test_entries_that_leave_the_layer_are_refused(tmp_path: Path, entries):
    with pytest.raises(LayerError):
        unpacked(tmp_path, layer(*entries))
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_content_must_match_the_diff_id(tmp_path: Path):
    blob = tmp_path / "blob"
    blob.write_bytes(layer(("a", b"a")))
    with pytest.raises(LayerError, match="does not match diff_id"):
        unpack(str(blob), str(tmp_path / "out"), digest_of(b"something else"))
    assert not (tmp_path / "out").exists()
