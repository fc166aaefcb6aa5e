"""Write a set of files into a volume directory so that readers never see a half-update.

The layout is Kubernetes' AtomicWriter's, which applications (and `ls -la` in a tutorial)
know:

    <dir>/..2024_05_01_10_00_00.123456789/   the files of one version
    <dir>/..data -> ..2024_05_01_10_00_00.123456789
    <dir>/<key>  -> ..data/<key>             one link per top-level name

An update writes the new version beside the old one, then swaps `..data` with a rename (a
single atomic step), fixes the top-level links and removes the old version. A process that
opened `<dir>/<key>` before the swap keeps reading the old file; one that opens it after
reads the new one. Writing the same content again changes nothing on disk.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass

DATA_LINK = "..data"


@dataclass(frozen=True)
class FileProjection:
    data: bytes
    mode: int = 0o644


def _timestamped_name() -> str:
    now = time.time_ns()
    seconds, nanos = divmod(now, 1_000_000_000)
    return time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime(seconds)) + f"{nanos:09d}"


def _current_files(version_dir: str) -> dict[str, FileProjection]:
    found: dict[str, FileProjection] = {}
    for parent, _, names in os.walk(version_dir):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as file:
                data = file.read()
            mode = os.stat(path).st_mode & 0o777
            found[os.path.relpath(path, version_dir)] = FileProjection(data, mode)
    return found


def _check_path(relative: str) -> None:
    parts = relative.split("/")
    if relative.startswith("/") or ".." in parts or relative.startswith(".."):
        raise ValueError(f"invalid volume file path: {relative!r}")


def write_atomically(target_dir: str, files: Mapping[str, FileProjection]) -> bool:
    """Make `target_dir` hold exactly `files`; returns whether anything changed."""
    for relative in files:
        _check_path(relative)
    os.makedirs(target_dir, exist_ok=True)
    data_link = os.path.join(target_dir, DATA_LINK)
    old_version = os.readlink(data_link) if os.path.islink(data_link) else None
    if old_version and _current_files(os.path.join(target_dir, old_version)) == dict(files):
        return False
    new_version = _timestamped_name()
    new_dir = os.path.join(target_dir, new_version)
    for relative, projection in files.items():
        path = os.path.join(new_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(projection.data)
        os.chmod(path, projection.mode)
    os.makedirs(new_dir, exist_ok=True)
    temporary_link = os.path.join(target_dir, "..data_tmp")
    if os.path.lexists(temporary_link):
        os.unlink(temporary_link)
    os.symlink(new_version, temporary_link)
    os.rename(temporary_link, data_link)  # the one atomic step
    _link_top_level(target_dir, {relative.split("/")[0] for relative in files})
    if old_version:
        shutil.rmtree(os.path.join(target_dir, old_version), ignore_errors=True)
    return True


def _link_top_level(target_dir: str, names: set[str]) -> None:
    for entry in os.listdir(target_dir):
        if entry.startswith(".."):
            continue
        path = os.path.join(target_dir, entry)
        if entry not in names and os.path.islink(path):
            os.unlink(path)
    for name in names:
        path = os.path.join(target_dir, name)
        if not os.path.lexists(path):
            os.symlink(os.path.join(DATA_LINK, name), path)
