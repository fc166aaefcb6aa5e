"""The embedded store's only writer: one thread, one connection, group commit.

Every write (create, update, delete) and every compaction goes through one queue to one
thread, so compare-and-swap needs no locks: the thread reads the key's newest row and appends
the next one inside the same transaction, and nobody else writes in between.

Group commit: the thread takes every write waiting in the queue (up to MAX_BATCH) and applies
them all in one transaction, so one fsync acknowledges many writes. With one writer at a time
that is one write per commit; with fifty concurrent writers it is dozens, which is where the
throughput comes from. A write that fails its own check (the key exists, the mod revision is
stale) fails alone; an SQLite error fails the whole transaction and every write in it.

Guarantees: a write's future resolves only after its transaction is durable (COMMIT returned
with synchronous=FULL). The commit's events reach `on_commit`, on the event loop and in
revision order, before any of the writers' futures resolve, so a caller who got revision N and
then starts a watch from N + 1 misses nothing.

Compaction runs in chunks of COMPACTION_CHUNK revisions, each its own transaction, queued
behind the writes waiting at the time, so a long compaction never stalls writes for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pyk8s.storage import sqlite_log as log
from pyk8s.storage.interface import (
    CompactedError,
    ConflictError,
    Event,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    KeyValue,
    StoreError,
)

MAX_BATCH = 1000
COMPACTION_CHUNK = 10_000


class Op(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(slots=True)
class _Write:
    op: Op
    key: str  # as the caller named it (relative), for events and errors
    name: str  # as stored, with the store prefix
    value: bytes
    expected_mod_revision: int
    future: asyncio.Future[Event]


@dataclass(slots=True)
class _Compaction:
    revision: int
    future: asyncio.Future[None]
    # The first revision still to be forgotten; None until the first chunk has run.
    next_revision: int | None = None


_STOP = object()


class Writer:
    """Owns the write connection. Construct it off the event loop (it opens the database)."""

    def __init__(
        self,
        path: str,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._loop = loop
        self._on_commit: Callable[[list[Event]], None] = lambda events: None
        self._conn = log.connect(path, reader=False)
        log.ensure_schema(self._conn)
        # Both are only changed by the writer thread; others may read them at any time.
        self.revision = log.current_revision(self._conn)
        self.compact_revision = log.compact_revision(self._conn)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)

    def start(self, on_commit: Callable[[list[Event]], None]) -> None:
        """Start writing; each commit's events go to `on_commit`, on the event loop."""
        self._on_commit = on_commit
        self._thread.start()

    def write(self, op: Op, key: str, name: str, value: bytes, expected: int) -> asyncio.Future:
        """Queue a write; the future resolves to its Event or fails with a StoreError."""
        future: asyncio.Future[Event] = self._loop.create_future()
        self._submit(_Write(op, key, name, value, expected, future))
        return future

    def compact(self, revision: int) -> asyncio.Future:
        future: asyncio.Future[None] = self._loop.create_future()
        self._submit(_Compaction(revision, future))
        return future

    async def stop(self) -> None:
        """Finish the writes already queued, then close the connection."""
        if self._stopping:
            return
        self._stopping = True
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        # Closing the last connection checkpoints the WAL back into state.db.
        self._conn.close()

    def _submit(self, job: _Write | _Compaction) -> None:
        if self._stopping:
            raise StoreError("the store is closed")
        self._queue.put(job)

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            jobs = [self._queue.get()]
            while len(jobs) < MAX_BATCH:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes: list[_Write] = []
            for job in jobs:
                if isinstance(job, _Write):
                    writes.append(job)
                    continue
                self._commit(writes)
                writes = []
                if job is _STOP:
                    self._refuse_leftovers()
                    return
                assert isinstance(job, _Compaction)
                self._compaction_step(job)
            self._commit(writes)

    def _commit(self, writes: list[_Write]) -> None:
        if not writes:
            return
        outcomes: list[Event | BaseException] = []
        events: list[Event] = []
        revision = self.revision
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for write in writes:
                try:
                    event = self._apply(write, revision + 1)
                except StoreError as err:
                    outcomes.append(err)
                    continue
                revision += 1
                outcomes.append(event)
                events.append(event)
            self._conn.execute("COMMIT")
        except Exception as err:  # the thread must outlive any failure, or every write hangs
            self._rollback()
            failure = StoreError(f"write transaction failed: {err}")
            failure.__cause__ = err
            outcomes, events = [failure] * len(writes), []
        else:
            self.revision = revision
        futures = [write.future for write in writes]
        self._call_on_loop(self._settle_writes, events, futures, outcomes)

    def _apply(self, write: _Write, revision: int) -> Event:
        """Check the write's condition against the key's newest row and append the next row."""
        row = log.latest(self._conn, write.name)
        current = None
        if row is not None and not row.deleted:
            current = KeyValue(write.key, row.value, row.create_revision, row.revision)
        if write.op is Op.CREATE:
            if current is not None:
                raise KeyExistsError(write.key)
            log.append(
                self._conn, revision, write.name, write.value,
                create_revision=revision, prev_revision=0, deleted=False,
            )  # fmt: skip
            return Event(EventType.PUT, KeyValue(write.key, write.value, revision, revision), None)
        if current is None:
            if write.op is Op.UPDATE:
                raise ConflictError(write.key, write.expected_mod_revision, None)
            raise KeyNotFoundError(write.key)
        expected = write.expected_mod_revision
        if (write.op is Op.UPDATE or expected) and current.mod_revision != expected:
            raise ConflictError(write.key, expected, current)
        deleting = write.op is Op.DELETE
        value = b"" if deleting else write.value
        log.append(
            self._conn, revision, write.name, value,
            create_revision=current.create_revision, prev_revision=current.mod_revision,
            deleted=deleting,
        )  # fmt: skip
        if deleting:
            # As etcd does, a delete event's key-value carries only the key and the revision.
            return Event(EventType.DELETE, KeyValue(write.key, b"", 0, revision), current)
        kv = KeyValue(write.key, value, current.create_revision, revision)
        return Event(EventType.PUT, kv, current)

    def _compaction_step(self, job: _Compaction) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            if job.next_revision is None:
                if job.revision > self.revision:
                    raise FutureRevisionError(job.revision, self.revision)
                if job.revision <= self.compact_revision:
                    raise CompactedError(job.revision, self.compact_revision)
                # Recorded before any row goes, so no reader ever sees half-compacted history
                # at a revision it believes is still whole.
                log.set_compact_revision(self._conn, job.revision)
                job.next_revision = self.compact_revision
            stop = min(job.next_revision + COMPACTION_CHUNK, job.revision)
            log.forget(self._conn, job.next_revision, stop)
            self._conn.execute("COMMIT")
        except Exception as err:
            self._rollback()
            failure = err
            if not isinstance(err, StoreError):
                failure = StoreError(f"compaction to revision {job.revision} failed: {err}")
                failure.__cause__ = err
            self._call_on_loop(_settle, job.future, failure)
            return
        self.compact_revision = job.revision
        job.next_revision = stop
        if stop < job.revision:
            self._queue.put(job)  # the rest waits behind the writes queued meanwhile
        else:
            self._call_on_loop(_settle, job.future, None)

    def _refuse_leftovers(self) -> None:
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _Write | _Compaction):
                self._call_on_loop(_settle, job.future, StoreError("the store is closed"))

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def _call_on_loop(self, callback: Callable[..., None], *args: object) -> None:
        # The loop may already be gone when a store is abandoned without close().
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)

    # --- back on the event loop ----------------------------------------------------------

    def _settle_writes(
        self,
        events: list[Event],
        futures: list[asyncio.Future],
        outcomes: list[Event | BaseException],
    ) -> None:
        if events:
            self._on_commit(events)
        for future, outcome in zip(futures, outcomes, strict=True):
            _settle(future, outcome)


def _settle(future: asyncio.Future, outcome: object) -> None:
    if future.done():  # the caller stopped waiting; the write stands regardless
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
