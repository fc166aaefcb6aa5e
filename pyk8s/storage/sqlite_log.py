"""The revision log behind the embedded store: one SQLite table and every statement run on it.

Like k3s's kine, the store never updates a row in place. Each write appends one row to `kv`:

    id               the revision of the write (the store's mod revision; never reused)
    name             the full key, store prefix included, so a dump reads like `etcdctl get`
    create_revision  the revision that created this incarnation of the key
    prev_revision    the row this one replaces (0 for a create)
    deleted          1 for a delete ("tombstone"), whose value is empty
    value            the bytes written

The key's value at revision R is its newest row with id <= R, unless that row is a tombstone.
A fresh log starts at revision 1, as a fresh etcd does, so the first write is revision 2.

Compaction at R keeps every row an answer at a revision >= R needs: all rows with id >= R, and
the newest non-tombstone row of each key below R (that is the key's value at R, and the
previous value of the key's first event at or after R). Everything else below R goes.

Keys are TEXT compared bytewise (SQLite's BINARY collation on UTF-8), which is the order of
their code points and of etcd's byte keys. A prefix query is a key range [prefix, prefix_end)
rather than LIKE, whose `%`, `_` and case folding would match keys the prefix does not.

The functions here are synchronous and run on the store's own threads, never the event loop.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

FIRST_REVISION = 1
COMPACT_REVISION = "compact_revision"

# Room for a single value well above the API server's 3 MiB request limit.
MAX_VALUE_BYTES = 64 * 1024 * 1024
WAL_SIZE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the log, as a reader sees it."""

    name: str
    revision: int
    create_revision: int
    deleted: bool
    value: bytes


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A row of the log joined with the row it replaced (the event's previous value)."""

    row: Row
    prev: Row | None


def connect(path: str, *, reader: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are always explicit) and WAL mode.

    synchronous=FULL makes every COMMIT fsync the WAL before it returns, so a write the store
    has acknowledged survives a crash of the process or of the machine.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    if reader:
        conn.execute("PRAGMA query_only=1")
    else:
        # A checkpoint rewinds the WAL but keeps its size; a burst of large writes would
        # otherwise leave a WAL file that large for good.
        conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    return conn


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, SCHEMA.split(";")):
            conn.execute(statement)
        # AUTOINCREMENT continues from sqlite_sequence; seeding it makes the first write 2.
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'kv', ? "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'kv')",
            (FIRST_REVISION,),
        )
        conn.execute("INSERT OR IGNORE INTO meta (name, value) VALUES (?, 0)", (COMPACT_REVISION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def prefix_end(prefix: str) -> str:
    """The smallest key greater than every key that starts with `prefix`."""
    if not prefix:
        # No real key starts with the highest code point (a Unicode noncharacter).
        return "\U0010ffff"
    following = ord(prefix[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000  # surrogates cannot be stored; the next encodable code point
    return prefix[:-1] + chr(following)


def current_revision(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").fetchone()[0]


def compact_revision(conn: sqlite3.Connection) -> int:
    query = "SELECT value FROM meta WHERE name = ?"
    return conn.execute(query, (COMPACT_REVISION,)).fetchone()[0]


def latest(conn: sqlite3.Connection, name: str, revision: int = 0) -> Row | None:
    """The key's newest row at `revision` (0 = now), tombstones included; None if none."""
    if revision:
        found = conn.execute(
            "SELECT id, create_revision, deleted, value FROM kv "
            "WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1",
            (name, revision),
        ).fetchone()
    else:
        found = conn.execute(
            "SELECT id, create_revision, deleted, value FROM kv "
            "WHERE name = ? ORDER BY id DESC LIMIT 1",
            (name,),
        ).fetchone()
    if found is None:
        return None
    return Row(name, found[0], found[1], bool(found[2]), found[3])


# The newest row of every key in [low, high) at a revision; the live ones are the range.
_NEWEST_PER_KEY = (
    "FROM kv JOIN (SELECT MAX(id) AS id FROM kv WHERE name >= ? AND name < ? AND id <= ? "
    "GROUP BY name) AS newest ON kv.id = newest.id WHERE kv.deleted = 0"
)


def live_rows(
    conn: sqlite3.Connection, low: str, high: str, revision: int, limit: int
) -> list[Row]:
    """Live keys in [low, high) at `revision`, in key order; at most `limit` (0 = all)."""
    query = (
        f"SELECT kv.name, kv.id, kv.create_revision, kv.value {_NEWEST_PER_KEY} ORDER BY kv.name"
    )
    params: tuple[object, ...] = (low, high, revision)
    if limit:
        query += " LIMIT ?"
        params += (limit,)
    return [Row(n, i, c, False, v) for n, i, c, v in conn.execute(query, params)]


def count_live(conn: sqlite3.Connection, low: str, high: str, revision: int) -> int:
    query = f"SELECT COUNT(*) {_NEWEST_PER_KEY}"
    return conn.execute(query, (low, high, revision)).fetchone()[0]


def history(
    conn: sqlite3.Connection, low: str, high: str, first: int, last: int, limit: int
) -> list[HistoryRow]:
    """Rows for keys in [low, high) with first <= revision <= last, in revision order."""
    found = conn.execute(
        "SELECT kv.name, kv.id, kv.create_revision, kv.deleted, kv.value, "
        "prev.id, prev.create_revision, prev.value "
        "FROM kv LEFT JOIN kv AS prev ON prev.id = kv.prev_revision "
        "WHERE kv.id >= ? AND kv.id <= ? AND kv.name >= ? AND kv.name < ? "
        "ORDER BY kv.id LIMIT ?",
        (first, last, low, high, limit),
    )
    rows = []
    for name, rev, created, deleted, value, prev_rev, prev_created, prev_value in found:
        prev = None if prev_rev is None else Row(name, prev_rev, prev_created, False, prev_value)
        rows.append(HistoryRow(Row(name, rev, created, bool(deleted), value), prev))
    return rows


def append(
    conn: sqlite3.Connection,
    revision: int,
    name: str,
    value: bytes,
    *,
    create_revision: int,
    prev_revision: int,
    deleted: bool,
) -> None:
    conn.execute(
        "INSERT INTO kv (id, name, create_revision, prev_revision, deleted, value) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (revision, name, create_revision, prev_revision, int(deleted), value),
    )


def set_compact_revision(conn: sqlite3.Connection, revision: int) -> None:
    conn.execute("UPDATE meta SET value = ? WHERE name = ?", (revision, COMPACT_REVISION))


def forget(conn: sqlite3.Connection, first: int, stop: int) -> int:
    """Delete what rows with first <= id < stop made obsolete; return how many rows went.

    Only correct when `stop` <= the compact revision: a row in the window supersedes the row
    it names as prev_revision, and a tombstone in the window is itself no longer needed (the
    key's next row, if any, is a create with no previous value).
    """
    replaced = conn.execute(
        "DELETE FROM kv WHERE id IN "
        "(SELECT prev_revision FROM kv WHERE id >= ? AND id < ? AND prev_revision > 0)",
        (first, stop),
    ).rowcount
    tombstones = conn.execute(
        "DELETE FROM kv WHERE id >= ? AND id < ? AND deleted = 1", (first, stop)
    ).rowcount
    return replaced + tombstones
