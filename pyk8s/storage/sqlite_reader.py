"""The embedded store's readers: a few threads, each with its own SQLite connection.

In WAL mode a reader sees the last committed state and never waits for the writer, so reads
go on at full speed during a long group commit or a compaction. Each call below runs on one of
these threads; the ones that read more than one statement do so in one read transaction, so
(for example) a range's rows, its count and its revision always agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pyk8s.storage import sqlite_log as log
from pyk8s.storage.interface import (
    CompactedError,
    Event,
    EventType,
    FutureRevisionError,
    KeyValue,
    RangeResult,
)

READER_THREADS = 2
T = TypeVar("T")


class Readers:
    """Reader threads, each with its own read-only connection."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="sqlite-read")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn, args)

    def _call(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = log.connect(self._path, reader=True)
            with self._lock:
                self._connections.append(conn)
        return fn(conn, *args)

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        for conn in self._connections:
            conn.close()


# --- what the reader threads run ------------------------------------------------------


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every statement inside sees the same committed state."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _check_readable(conn: sqlite3.Connection, revision: int) -> None:
    compacted = log.compact_revision(conn)
    if revision < compacted:
        raise CompactedError(revision, compacted)
    current = log.current_revision(conn)
    if revision > current:
        raise FutureRevisionError(revision, current)


def read_key(conn: sqlite3.Connection, name: str, key: str, revision: int) -> KeyValue | None:
    if revision:
        with _snapshot(conn):
            _check_readable(conn, revision)
            row = log.latest(conn, name, revision)
    else:
        row = log.latest(conn, name)
    if row is None or row.deleted:
        return None
    return KeyValue(key, row.value, row.create_revision, row.revision)


def read_range(
    conn: sqlite3.Connection,
    bounds: tuple[str, str, str | None],
    limit: int,
    revision: int,
    strip: int,
) -> RangeResult:
    low, high, start = bounds
    begin = max(low, start) if start is not None else low
    with _snapshot(conn):
        if revision:
            _check_readable(conn, revision)
        else:
            revision = log.current_revision(conn)
        # One row more than asked tells whether there is more.
        rows = log.live_rows(conn, begin, high, revision, limit + 1 if limit else 0)
        more = bool(limit) and len(rows) > limit
        if more:
            rows = rows[:limit]
        whole = begin == low and not more
        count = len(rows) if whole else log.count_live(conn, low, high, revision)
    kvs = [KeyValue(r.name[strip:], r.value, r.create_revision, r.revision) for r in rows]
    return RangeResult(kvs=kvs, more=more, count=count, revision=revision)


def read_history(
    conn: sqlite3.Connection,
    bounds: tuple[str, str],
    first: int,
    last: int,
    limit: int,
    strip: int,
) -> list[Event]:
    with _snapshot(conn):
        compacted = log.compact_revision(conn)
        if first < compacted:
            raise CompactedError(first, compacted)
        rows = log.history(conn, bounds[0], bounds[1], first, last, limit)
    events = []
    for found in rows:
        row, key = found.row, found.row.name[strip:]
        prev = found.prev
        prev_kv = (
            None if prev is None else KeyValue(key, prev.value, prev.create_revision, prev.revision)
        )
        if row.deleted:
            events.append(Event(EventType.DELETE, KeyValue(key, b"", 0, row.revision), prev_kv))
        else:
            kv = KeyValue(key, row.value, row.create_revision, row.revision)
            events.append(Event(EventType.PUT, kv, prev_kv))
    return events
