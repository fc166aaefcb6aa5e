"""Image layers on disk: unpack a layer tar into a directory overlayfs can stack.

An image is a stack of tar files. A later layer deletes a path of an earlier one with a
*whiteout* entry `.wh.<name>`, and hides a whole directory's earlier contents with an *opaque*
marker `.wh..wh..opq`. overlayfs has its own spelling of both: a character device 0:0 named
<name>, and the extended attribute `trusted.overlay.opaque=y` on the directory. Unpacking turns
the first spelling into the second, so a container's root file system is one overlay mount of
the unpacked layers (read-only, lowest last) under a private upper directory.

Unpacking refuses entries that would land outside the layer directory (`..`, or a parent that is
a symbolic link), and checks the uncompressed bytes against the image config's diff_id.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Sequence
from typing import BinaryIO

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class LayerError(Exception):
    """A layer that cannot be unpacked safely or does not match its digest."""


class _HashingReader:
    """Reads through to `source` and hashes every byte, for the diff_id check."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.hash.update(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def open_uncompressed(path: str) -> BinaryIO:
    """The layer's tar stream, whatever compression the blob uses (gzip or none)."""
    with open(path, "rb") as probe:
        magic = probe.read(4)
    if magic.startswith(_GZIP_MAGIC):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic == _ZSTD_MAGIC:
        raise LayerError("zstd-compressed layers are not supported")
    return open(path, "rb")


def unpack(blob_path: str, destination: str, diff_id: str | None = None) -> None:
    """Unpack one layer blob into `destination` (which must not exist yet), atomically.

    Extraction goes to a temporary sibling that is renamed into place at the end, so a crash
    never leaves a half-unpacked layer that looks complete.
    """
    staging = destination + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    try:
        with open_uncompressed(blob_path) as raw:
            reader = _HashingReader(raw)
            with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
                for member in archive:
                    _extract_member(archive, member, staging)
            reader.drain()
        actual = "sha256:" + reader.hash.hexdigest()
        if diff_id is not None and actual != diff_id:
            raise LayerError(f"layer content {actual} does not match diff_id {diff_id}")
        os.rename(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _safe_target(root: str, name: str) -> str:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts:
        return root
    if ".." in parts:
        raise LayerError(f"layer entry {name!r} leaves the layer")
    path = root
    for part in parts[:-1]:
        path = os.path.join(path, part)
        if os.path.islink(path):
            raise LayerError(f"layer entry {name!r} goes through a symbolic link")
    return os.path.join(path, parts[-1])


def _extract_member(archive: tarfile.TarFile, member: tarfile.TarInfo, root: str) -> None:
    target = _safe_target(root, member.name)
    directory, base = os.path.split(target)
    if base == OPAQUE_MARKER:
        os.makedirs(directory, exist_ok=True)
        os.setxattr(directory, "trusted.overlay.opaque", b"y")
        return
    if base.startswith(WHITEOUT_PREFIX):
        os.makedirs(directory, exist_ok=True)
        hidden = os.path.join(directory, base[len(WHITEOUT_PREFIX) :])
        _remove(hidden)
        os.mknod(hidden, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        return
    if target == root:
        return
    if not (member.isdir() and os.path.isdir(target) and not os.path.islink(target)):
        _remove(target)  # a later entry replaces an earlier one, never writes through it
    if member.islnk():
        link_source = _safe_target(root, member.linkname)
        member = member.replace(linkname=os.path.relpath(link_source, root), deep=False)
    member = member.replace(name=os.path.relpath(target, root), deep=False)
    # Owners are the image's numeric ids: the host's user names mean nothing inside it.
    archive.extract(member, root, set_attrs=True, numeric_owner=True, filter="fully_trusted")


def _remove(path: str) -> None:
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def mount_overlay(lower_dirs: Sequence[str], upper: str, work: str, merged: str) -> None:
    """Mount the layers (given lowest first, as a manifest lists them) with a private upper dir.

    overlayfs wants the topmost lower directory first, the reverse of the manifest's order.
    """
    for path in (upper, work, merged):
        os.makedirs(path, exist_ok=True)
    lowers = ":".join(reversed([os.path.abspath(d) for d in lower_dirs]))
    options = f"lowerdir={lowers},upperdir={os.path.abspath(upper)},workdir={os.path.abspath(work)}"
    done = subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o", options, merged],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise LayerError(f"overlay mount failed: {done.stderr.strip()}")


def unmount(path: str) -> None:
    """Unmount `path` if something is mounted there (lazily, so a busy mount still goes)."""
    if os.path.ismount(path):
        subprocess.run(["umount", "-l", path], capture_output=True)
