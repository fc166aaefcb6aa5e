"""What only the embedded SQLite store promises: ownership of its data directory, durability
across kill -9, cutting off slow watchers, periodic compaction, its on-disk layout, and speed.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from pyk8s.storage.interface import (
    CompactedError,
    DataDirLockedError,
    Event,
    EventType,
    FutureRevisionError,
    WatchLagError,
)
from pyk8s.storage.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[3]


async def run_python(code: str, *args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


# --- ownership of the data directory --------------------------------------------------


async def test_a_second_owner_of_the_data_dir_is_refused(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path))
    try:
        with pytest.raises(DataDirLockedError, match=str(tmp_path)):
            await SQLiteStore.open(str(tmp_path))

        other_process = await run_python(
            "import asyncio, sys\n"
            "from pyk8s.storage.sqlite import SQLiteStore\n"
            "asyncio.run(SQLiteStore.open(sys.argv[1]))\n",
            str(tmp_path),
        )
        _, stderr = await asyncio.wait_for(other_process.communicate(), 30)
        assert other_process.returncode != 0
        assert b"DataDirLockedError" in stderr and str(tmp_path).encode() in stderr
        assert str(os.getpid()).encode() in stderr, "the message names the owner's pid"
    finally:
        await store.close()

    reopened = await SQLiteStore.open(str(tmp_path))
    await reopened.close()


# --- durability -----------------------------------------------------------------------

WRITER_CHILD = """
import asyncio, sys
from pyk8s.storage.sqlite import SQLiteStore

async def main(data_dir):
    store = await SQLiteStore.open(data_dir)

    async def writer(number):
        for i in range(1_000_000):
            key = f"/acked/{number}/{i}"
            revision = await store.create(key, b"x" * 300)
            sys.stdout.write(f"{key} {revision}\\n")
            sys.stdout.flush()

    await asyncio.gather(*(writer(n) for n in range(8)))

asyncio.run(main(sys.argv[1]))
"""


async def test_acknowledged_writes_survive_kill_9(tmp_path: Path):
    child = await run_python(WRITER_CHILD, str(tmp_path))
    assert child.stdout is not None
    acknowledged: dict[str, int] = {}
    try:
        while len(acknowledged) < 600:
            line = await asyncio.wait_for(child.stdout.readline(), 30)
            assert line, f"the writer died early: {(await child.stderr.read()).decode()}"
            key, revision = line.decode().split()
            acknowledged[key] = int(revision)
    finally:
        child.send_signal(signal.SIGKILL)
    # Whatever the child printed before it died was acknowledged too.
    for line in (await asyncio.wait_for(child.stdout.read(), 30)).decode().splitlines():
        if line.count(" ") == 1:
            key, revision = line.split()
            acknowledged[key] = int(revision)
    await child.wait()
    assert child.returncode == -signal.SIGKILL

    store = await SQLiteStore.open(str(tmp_path))
    try:
        stored = {kv.key: kv.mod_revision for kv in (await store.range("/acked/")).kvs}
        missing = {k: r for k, r in acknowledged.items() if stored.get(k) != r}
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {list(missing)[:3]}"
        assert await store.current_revision() >= max(acknowledged.values())
    finally:
        await store.close()


# --- watches --------------------------------------------------------------------------


async def test_a_slow_watcher_is_cut_off_and_can_resume(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path), watch_buffer_size=10)
    try:
        slow = store.watch("/cm/")
        revisions = [await store.create(f"/cm/{i:02d}", b"x") for i in range(30)]
        first = await anext(slow)
        assert first.revision == revisions[0], "what was buffered before the lag is delivered"
        with pytest.raises(WatchLagError) as caught:
            while True:
                await asyncio.wait_for(anext(slow), 2)
        resume_from = caught.value.next_revision
        assert revisions[0] < resume_from <= revisions[10]

        resumed = store.watch("/cm/", resume_from)
        expected = [r for r in revisions if r >= resume_from]
        got = [(await asyncio.wait_for(anext(resumed), 2)).revision for _ in expected]
        assert got == expected
        await resumed.aclose()
    finally:
        await store.close()


async def test_close_ends_every_watch(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path))
    watch = store.watch("/")
    waiting = asyncio.ensure_future(anext(watch))
    await asyncio.sleep(0.05)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 2)


# --- compaction -----------------------------------------------------------------------


async def test_periodic_compaction_keeps_the_window(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path), compaction_window=5, compaction_interval=0.1)
    try:
        revision = await store.create("/cm/hot", b"0")
        first = revision
        await store.create("/cm/cold", b"never updated")
        for i in range(1, 20):
            revision = await store.update("/cm/hot", b"%d" % i, revision)
        deadline = time.monotonic() + 5
        while True:
            try:
                await store.get("/cm/hot", revision=first)
            except CompactedError:
                break
            assert time.monotonic() < deadline, "no periodic compaction within 5 s"
            await asyncio.sleep(0.05)

        oldest_kept = revision - 5
        kept = await store.get("/cm/hot", revision=oldest_kept)
        assert kept is not None and kept.value == b"14"
        with pytest.raises(CompactedError):
            await store.get("/cm/hot", revision=oldest_kept - 1)
        listed = await store.range("/cm/")
        assert [(kv.key, kv.value) for kv in listed.kvs] == [
            ("/cm/cold", b"never updated"),
            ("/cm/hot", b"19"),
        ]
        # A watch may start exactly at the compact revision, previous value included.
        event = await asyncio.wait_for(anext(store.watch("/cm/", oldest_kept)), 2)
        assert event.prev_kv is not None and event.prev_kv.value == b"13"
    finally:
        await store.close()


async def test_compaction_is_remembered_across_restarts(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path))
    first = await store.create("/cm/a", b"1")
    second = await store.update("/cm/a", b"2", first)
    await store.compact(second)
    with pytest.raises(CompactedError):
        await store.compact(second)
    with pytest.raises(FutureRevisionError):
        await store.compact(second + 100)
    await store.close()

    store = await SQLiteStore.open(str(tmp_path))
    try:
        with pytest.raises(CompactedError):
            await store.range("/cm/", revision=first)
        assert (await store.range("/cm/", revision=second)).kvs[0].value == b"2"
    finally:
        await store.close()


# --- the file and its limits ----------------------------------------------------------


async def test_the_database_file_holds_full_etcd_style_keys(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path))
    revision = await store.create("/pods/default/web", b'{"kind":"Pod"}')
    await store.delete("/pods/default/web")
    await store.close()

    with sqlite3.connect(f"file:{tmp_path / 'state.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, name, deleted, value FROM kv ORDER BY id").fetchall()
    db.close()
    assert rows == [
        (revision, "/registry/pods/default/web", 0, b'{"kind":"Pod"}'),
        (revision + 1, "/registry/pods/default/web", 1, b""),
    ]


async def test_values_of_three_mebibytes(tmp_path: Path):
    store = await SQLiteStore.open(str(tmp_path))
    try:
        value = os.urandom(3 * 1024 * 1024)
        created = await store.create("/big", value)
        await store.update("/big", value[::-1], created)
        kv = await store.get("/big")
        assert kv is not None and kv.value == value[::-1]
        events = [await anext(store.watch("/big", created)) for _ in range(1)]
        assert events[0].type is EventType.PUT and events[0].kv.value == value
    finally:
        await store.close()


async def test_compaction_never_changes_an_answer_at_or_after_its_revision(tmp_path: Path):
    """Random writes to a few keys, compacted step by step: every read at a kept revision and
    every replayed event (previous values included) stay what they were before compaction."""
    store = await SQLiteStore.open(str(tmp_path), compaction_interval=0)
    chooser = random.Random(7)
    try:
        for _ in range(300):
            key = f"/k/{chooser.randrange(6)}"
            current = await store.get(key)
            if current is None:
                await store.create(key, os.urandom(8))
            elif chooser.random() < 0.3:
                await store.delete(key, current.mod_revision)
            else:
                await store.update(key, os.urandom(8), current.mod_revision)
        newest = await store.current_revision()
        before = {r: (await store.range("/k/", revision=r)).kvs for r in range(2, newest + 1)}
        history = await take_all(store, newest)

        for compact_at in (40, 41, 150, 151, 290, newest):
            await store.compact(compact_at)
            for revision in range(compact_at, newest + 1):
                assert (await store.range("/k/", revision=revision)).kvs == before[revision]
            assert await take_all(store, newest, compact_at) == history[compact_at - 2 :]
    finally:
        await store.close()


async def take_all(store: SQLiteStore, newest: int, start: int = 2) -> list[Event]:
    watch = store.watch("/k/", start)
    events = []
    while not events or events[-1].revision < newest:
        events.append(await asyncio.wait_for(anext(watch), 2))
    await watch.aclose()
    return events
