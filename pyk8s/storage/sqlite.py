"""The embedded store: etcd's model on one SQLite file, `<data_dir>/state.db`.

It is the default backend, for a cluster that should need no database server. The data is
a revisioned log in the way of k3s's kine (see sqlite_log.py for the table). The store is
built from three parts, each on its own thread(s), so the event loop never waits on disk:

- one writer thread (sqlite_writer.py) applies every create/update/delete as a
  compare-and-swap and commits concurrent writes together (group commit);
- a small pool of reader threads, each with its own connection; in WAL mode a reader sees
  the last committed state and never waits for the writer;
- a broadcaster (broadcast.py) fans each commit out to the watches, on the event loop.

Guarantees, beyond the Store contract in interface.py:

- Durability: a write is acknowledged only once its transaction is committed with
  synchronous=FULL, so it survives kill -9 and power loss.
- Ownership: one store per data directory. `open` takes an exclusive flock on
  `<data_dir>/state.lock` and refuses (DataDirLockedError) while anybody else holds it, even
  another store in the same process.
- History: every `compaction_interval` seconds the store compacts to `compaction_window`
  revisions behind the newest; the newest value of every live key is always kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from typing import TypeVar

from pyk8s.storage import sqlite_log as log
from pyk8s.storage import sqlite_reader as reads
from pyk8s.storage.broadcast import Broadcaster, Watch
from pyk8s.storage.interface import (
    DEFAULT_PREFIX,
    DataDirLockedError,
    Event,
    KeyValue,
    RangeResult,
    StoreError,
)
from pyk8s.storage.sqlite_reader import Readers
from pyk8s.storage.sqlite_writer import Op, Writer

DB_FILE = "state.db"
LOCK_FILE = "state.lock"
# Events a watch may hold for a slow consumer before it is cut off with WatchLagError.
DEFAULT_WATCH_BUFFER = 10_000

logger = logging.getLogger("pyk8s.storage.sqlite")
T = TypeVar("T")


class SQLiteStore:
    """The Store protocol on SQLite. Create it with `await SQLiteStore.open(data_dir)`."""

    def __init__(
        self,
        data_dir: str,
        prefix: str,
        lock_fd: int,
        writer: Writer,
        readers: Readers,
        *,
        compaction_window: int,
        watch_buffer_size: int,
    ) -> None:
        # Use `open`, which prepares the parts.
        self.data_dir = data_dir
        self._prefix = prefix
        self._lock_fd = lock_fd
        self._writer = writer
        self._readers = readers
        self._broadcaster = Broadcaster()
        # The newest revision handed to the watches; only the event loop touches it.
        self._revision = writer.revision
        self._compaction_window = compaction_window
        self._watch_buffer_size = watch_buffer_size
        self._compactor: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    async def open(
        cls,
        data_dir: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        compaction_window: int = 10_000,
        compaction_interval: float = 300.0,
        watch_buffer_size: int = DEFAULT_WATCH_BUFFER,
    ) -> SQLiteStore:
        os.makedirs(data_dir, mode=0o700, exist_ok=True)
        lock_fd = _lock_data_dir(data_dir)
        path = os.path.join(data_dir, DB_FILE)
        try:
            writer = await asyncio.to_thread(Writer, path, asyncio.get_running_loop())
        except BaseException:
            os.close(lock_fd)
            raise
        store = cls(
            data_dir, prefix, lock_fd, writer, Readers(path),
            compaction_window=compaction_window, watch_buffer_size=watch_buffer_size,
        )  # fmt: skip
        writer.start(on_commit=store._publish)
        if compaction_interval > 0:
            store._compactor = asyncio.create_task(store._compact_every(compaction_interval))
        return store

    # --- reads --------------------------------------------------------------------------

    async def get(self, key: str, *, revision: int = 0) -> KeyValue | None:
        return await self._read(reads.read_key, self._prefix + key, key, revision)

    async def range(
        self,
        prefix: str,
        *,
        limit: int = 0,
        start_key: str | None = None,
        revision: int = 0,
    ) -> RangeResult:
        low = self._prefix + prefix
        start = None if start_key is None else self._prefix + start_key
        bounds = (low, log.prefix_end(low), start)
        return await self._read(reads.read_range, bounds, limit, revision, len(self._prefix))

    async def current_revision(self) -> int:
        self._check_open()
        return self._revision

    # --- writes -------------------------------------------------------------------------

    async def create(self, key: str, value: bytes) -> int:
        event = await self._write(Op.CREATE, key, value, 0)
        return event.revision

    async def update(self, key: str, value: bytes, expected_mod_revision: int) -> int:
        event = await self._write(Op.UPDATE, key, value, expected_mod_revision)
        return event.revision

    async def delete(self, key: str, expected_mod_revision: int = 0) -> tuple[int, KeyValue]:
        event = await self._write(Op.DELETE, key, b"", expected_mod_revision)
        assert event.prev_kv is not None
        return event.revision, event.prev_kv

    async def compact(self, revision: int) -> None:
        self._check_open()
        await self._writer.compact(revision)

    # --- watch --------------------------------------------------------------------------

    def watch(self, prefix: str, start_revision: int = 0) -> Watch:
        """Subscribes at once (not at the first `__anext__`), so no write made after this
        call returns can be missed."""
        self._check_open()
        start = start_revision or self._revision + 1
        return self._broadcaster.subscribe(
            prefix, start, self._revision, self._replay, self._watch_buffer_size
        )

    async def _replay(self, prefix: str, first: int, last: int, limit: int) -> list[Event]:
        low = self._prefix + prefix
        bounds = (low, log.prefix_end(low))
        return await self._read(reads.read_history, bounds, first, last, limit, len(self._prefix))

    def _publish(self, events: list[Event]) -> None:
        self._revision = events[-1].revision
        self._broadcaster.publish(events)

    # --- lifecycle ----------------------------------------------------------------------

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._compactor is not None:
            self._compactor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._compactor
        self._broadcaster.close()
        await self._readers.close()
        # Last: the writer finishes what is queued, and closing the last connection
        # checkpoints the WAL into state.db.
        await self._writer.stop()
        os.close(self._lock_fd)

    async def _compact_every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            target = self._revision - self._compaction_window
            if target <= self._writer.compact_revision:
                continue
            try:
                await self._writer.compact(target)
            except Exception as err:  # the next round may well succeed; keep the loop alive
                logger.warning("periodic compaction to revision %d failed: %s", target, err)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store in {self.data_dir} is closed")

    async def _read(self, fn: Callable[..., T], *args: object) -> T:
        self._check_open()
        return await self._readers.run(fn, *args)

    async def _write(self, op: Op, key: str, value: bytes, expected: int) -> Event:
        self._check_open()
        if not isinstance(value, bytes):
            # A str would be stored as TEXT and read back as str: refuse it at the door.
            raise TypeError(f"a value must be bytes, not {type(value).__name__}")
        return await self._writer.write(op, key, self._prefix + key, value, expected)


def _lock_data_dir(data_dir: str) -> int:
    path = os.path.join(data_dir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise DataDirLockedError(
            f"data directory {data_dir} is already in use by another store "
            f"(process {holder} holds {path}); stop it or choose another data directory"
        ) from None
    # The holder's pid, only to make the message above useful.
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd
