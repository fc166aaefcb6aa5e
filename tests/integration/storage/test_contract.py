"""The Store contract (pyk8s/storage/interface.py), checked against every backend.

Each test runs once on the embedded SQLite store and once on real etcd (see conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from pyk8s.storage.interface import (
    CompactedError,
    ConflictError,
    Event,
    EventType,
    FutureRevisionError,
    KeyExistsError,
    KeyNotFoundError,
    Store,
)


async def take(events: AsyncIterator[Event], count: int, timeout: float = 5.0) -> list[Event]:
    """The next `count` events, or fail if they do not arrive in time."""

    async def collect() -> list[Event]:
        return [await anext(events) for _ in range(count)]

    return await asyncio.wait_for(collect(), timeout)


async def nothing_more(events: AsyncIterator[Event], wait: float = 0.2) -> bool:
    try:
        await asyncio.wait_for(anext(events), wait)
    except TimeoutError:
        return True
    return False


# --- writes and compare-and-swap ------------------------------------------------------


async def test_create_then_get_reads_back_with_its_revision(store: Store):
    before = await store.current_revision()
    revision = await store.create("/pods/default/web", b'{"kind":"Pod"}')
    assert revision > before
    assert await store.current_revision() == revision

    kv = await store.get("/pods/default/web")
    assert kv is not None
    assert (kv.key, kv.value) == ("/pods/default/web", b'{"kind":"Pod"}')
    assert kv.create_revision == kv.mod_revision == revision
    assert await store.get("/pods/default/nope") is None
    assert await store.current_revision() == revision, "a read must not change the revision"


async def test_create_of_an_existing_key_is_refused(store: Store):
    await store.create("/cm/a", b"first")
    with pytest.raises(KeyExistsError) as caught:
        await store.create("/cm/a", b"second")
    assert caught.value.key == "/cm/a"
    kv = await store.get("/cm/a")
    assert kv is not None and kv.value == b"first"


async def test_update_with_a_stale_revision_is_refused_and_returns_the_current_value(store: Store):
    created = await store.create("/cm/a", b"v1")
    updated = await store.update("/cm/a", b"v2", created)
    assert updated > created

    with pytest.raises(ConflictError) as caught:
        await store.update("/cm/a", b"v3", created)
    current = caught.value.current
    assert current is not None
    assert (current.value, current.mod_revision, current.create_revision) == (
        b"v2",
        updated,
        created,
    )
    kv = await store.get("/cm/a")
    assert kv is not None and kv.value == b"v2"


async def test_update_and_delete_of_a_missing_key_fail(store: Store):
    with pytest.raises(ConflictError) as caught:
        await store.update("/cm/missing", b"x", 5)
    assert caught.value.current is None
    with pytest.raises(KeyNotFoundError):
        await store.delete("/cm/missing")


async def test_delete_returns_the_deleted_value_and_checks_the_revision(store: Store):
    created = await store.create("/cm/a", b"v1")
    updated = await store.update("/cm/a", b"v2", created)
    with pytest.raises(ConflictError):
        await store.delete("/cm/a", expected_mod_revision=created)

    revision, deleted = await store.delete("/cm/a", expected_mod_revision=updated)
    assert revision > updated
    assert (deleted.value, deleted.mod_revision, deleted.create_revision) == (
        b"v2",
        updated,
        created,
    )
    assert await store.get("/cm/a") is None
    with pytest.raises(KeyNotFoundError):
        await store.delete("/cm/a")

    recreated = await store.create("/cm/a", b"again")
    kv = await store.get("/cm/a")
    assert kv is not None and kv.create_revision == recreated > revision


# --- ranges ---------------------------------------------------------------------------


async def test_range_matches_the_prefix_exactly_in_key_order(store: Store):
    for key in ["/a/2", "/a/1", "/ab/1", "/a", "/b/1"]:
        await store.create(key, key.encode())

    under_a = await store.range("/a/")
    assert [kv.key for kv in under_a.kvs] == ["/a/1", "/a/2"]
    assert under_a.count == 2 and not under_a.more

    # A prefix is a plain string prefix, as in etcd: "/a" also covers "/a" and "/ab/...".
    assert [kv.key for kv in (await store.range("/a")).kvs] == ["/a", "/a/1", "/a/2", "/ab/1"]
    assert [kv.key for kv in (await store.range("/ab/")).kvs] == ["/ab/1"]
    assert (await store.range("/c/")).kvs == []


async def test_range_pages_with_limit_and_continue(store: Store):
    keys = [f"/pods/ns/p{i:02d}" for i in range(25)]
    for key in keys:
        await store.create(key, b"{}")
    await store.create("/pods/other/p", b"{}")

    seen, start, pages = [], None, 0
    while True:
        page = await store.range("/pods/ns/", limit=10, start_key=start)
        pages += 1
        assert page.count == 25, "count is the whole range, not the page"
        seen += [kv.key for kv in page.kvs]
        if not page.more:
            break
        start = page.kvs[-1].key + "\x00"
    assert seen == keys
    assert pages == 3

    exact = await store.range("/pods/ns/", limit=25)
    assert len(exact.kvs) == 25 and not exact.more


async def test_range_and_get_at_a_past_revision(store: Store):
    first = await store.create("/cm/a", b"v1")
    await store.create("/cm/b", b"b1")
    second = await store.update("/cm/a", b"v2", first)
    await store.delete("/cm/b")
    now = await store.current_revision()

    past = await store.range("/cm/", revision=first)
    assert [(kv.key, kv.value) for kv in past.kvs] == [("/cm/a", b"v1")]
    assert past.revision == first
    middle = await store.range("/cm/", revision=second)
    assert [(kv.key, kv.value) for kv in middle.kvs] == [("/cm/a", b"v2"), ("/cm/b", b"b1")]
    current = await store.range("/cm/")
    assert [kv.key for kv in current.kvs] == ["/cm/a"]
    assert current.revision == now

    old = await store.get("/cm/a", revision=first)
    assert old is not None and old.value == b"v1"
    assert await store.get("/cm/a", revision=first - 1) is None
    with pytest.raises(FutureRevisionError):
        await store.get("/cm/a", revision=now + 1000)


# --- watches --------------------------------------------------------------------------


async def test_watch_from_a_revision_replays_creates_updates_and_deletes(store: Store):
    created = await store.create("/cm/a", b"v1")
    await store.create("/other/x", b"not watched")
    updated = await store.update("/cm/a", b"v2", created)
    deleted, _ = await store.delete("/cm/a")

    watch = store.watch("/cm/", created)
    try:
        events = await take(watch, 3)
        assert [e.type for e in events] == [EventType.PUT, EventType.PUT, EventType.DELETE]
        assert [e.revision for e in events] == [created, updated, deleted]
        assert events[0].is_create and events[0].prev_kv is None
        assert not events[1].is_create
        assert events[1].prev_kv is not None and events[1].prev_kv.value == b"v1"
        assert events[2].kv.key == "/cm/a"
        assert events[2].prev_kv is not None and events[2].prev_kv.value == b"v2"

        # The replay hands over to live events with no gap and no duplicate.
        live = await store.create("/cm/b", b"live")
        (event,) = await take(watch, 1)
        assert (event.kv.key, event.revision, event.is_create) == ("/cm/b", live, True)
        assert await nothing_more(watch)
    finally:
        await watch.aclose()


async def test_watch_from_now_sees_only_new_writes_under_its_prefix(store: Store):
    await store.create("/cm/old", b"before the watch")
    watch = store.watch("/cm/")
    # "Now" is pinned by the time the first event is asked for (etcd pins it then, SQLite
    # already when watch() is called); give the backend a moment to set the watch up.
    first = asyncio.ensure_future(anext(watch))
    await asyncio.sleep(0.3)
    try:
        await store.create("/cmx/sibling", b"outside the prefix")
        revision = await store.create("/cm/new", b"after")
        event = await asyncio.wait_for(first, 5)
        assert (event.kv.key, event.kv.value, event.revision) == ("/cm/new", b"after", revision)
        assert await nothing_more(watch)
    finally:
        first.cancel()
        await watch.aclose()


# --- compaction -----------------------------------------------------------------------


async def test_compacted_revisions_cannot_be_read_or_watched(store: Store):
    first = await store.create("/cm/a", b"v1")
    await store.create("/cm/gone", b"x")
    second = await store.update("/cm/a", b"v2", first)
    await store.delete("/cm/gone")
    third = await store.update("/cm/a", b"v3", second)
    await store.compact(second)

    with pytest.raises(CompactedError):
        await store.get("/cm/a", revision=first)
    with pytest.raises(CompactedError):
        await store.range("/cm/", revision=first)
    with pytest.raises(CompactedError):
        await take(store.watch("/cm/", first), 1)

    at_compaction = await store.get("/cm/a", revision=second)
    assert at_compaction is not None and at_compaction.value == b"v2"
    current = await store.range("/cm/")
    assert [(kv.key, kv.value, kv.mod_revision) for kv in current.kvs] == [("/cm/a", b"v3", third)]


# --- values and keys ------------------------------------------------------------------


async def test_large_values_round_trip(store: Store):
    # The largest object the API server stores through etcd is about 1.5 MB.
    value = bytes(range(256)) * (1_500_000 // 256)
    revision = await store.create("/big/one", value)
    kv = await store.get("/big/one")
    assert kv is not None and kv.value == value and kv.mod_revision == revision
    (listed,) = (await store.range("/big/")).kvs
    assert listed.value == value


UNUSUAL_KEYS = [
    "/odd/with space",
    "/odd/100%",
    "/odd/under_score",
    "/odd/back\\slash",
    "/odd/ünïcödé/名前",
    "/odd/emoji/🐍",
    "/odd/UPPER",
]


async def test_keys_with_unusual_characters(store: Store):
    for key in UNUSUAL_KEYS:
        await store.create(key, key.encode())
    for key in UNUSUAL_KEYS:
        kv = await store.get(key)
        assert kv is not None and kv.value == key.encode(), key
    listed = await store.range("/odd/")
    assert sorted(kv.key for kv in listed.kvs) == sorted(UNUSUAL_KEYS)

    # Characters that are wildcards or case-insensitive in SQL LIKE must match only themselves.
    await store.create("/odd/100x", b"not a match for 100%")
    await store.create("/odd/underXscore", b"not a match for under_")
    await store.create("/odd/upper", b"not a match for UPPER")
    assert [kv.key for kv in (await store.range("/odd/100%")).kvs] == ["/odd/100%"]
    assert [kv.key for kv in (await store.range("/odd/under_")).kvs] == ["/odd/under_score"]
    assert [kv.key for kv in (await store.range("/odd/UP")).kvs] == ["/odd/UPPER"]
    assert [kv.key for kv in (await store.range("/odd/back\\")).kvs] == ["/odd/back\\slash"]


# --- concurrency and restarts ---------------------------------------------------------


async def test_concurrent_read_modify_write_loses_no_update(store: Store):
    writers, increments = 50, 4
    await store.create("/counter", b"0")
    winning_revisions: list[int] = []

    async def increment() -> None:
        kv = await store.get("/counter")
        assert kv is not None
        while True:
            try:
                revision = await store.update(
                    "/counter", b"%d" % (int(kv.value) + 1), kv.mod_revision
                )
            except ConflictError as conflict:
                assert conflict.current is not None
                kv = conflict.current
                continue
            winning_revisions.append(revision)
            return

    async def writer() -> None:
        for _ in range(increments):
            await increment()

    await asyncio.gather(*(writer() for _ in range(writers)))
    kv = await store.get("/counter")
    assert kv is not None and int(kv.value) == writers * increments
    assert len(set(winning_revisions)) == writers * increments, "one winner per revision"


async def test_restart_loses_nothing(store: Store, reopen: Callable[[], Awaitable[Store]]):
    revisions = {}
    for i in range(20):
        revisions[f"/keep/{i:02d}"] = await store.create(f"/keep/{i:02d}", b"v%d" % i)
    updated = await store.update("/keep/00", b"changed", revisions["/keep/00"])
    deleted, _ = await store.delete("/keep/19")
    before = await store.current_revision()

    store = await reopen()
    assert await store.current_revision() >= before
    listed = await store.range("/keep/")
    assert len(listed.kvs) == 19
    assert listed.kvs[0].value == b"changed" and listed.kvs[0].mod_revision == updated
    assert all(kv.mod_revision == revisions[kv.key] for kv in listed.kvs[1:])

    watch = store.watch("/keep/", updated)
    try:
        events = await take(watch, 2)
        assert [e.revision for e in events] == [updated, deleted]
    finally:
        await watch.aclose()
    after = await store.create("/keep/new", b"x")
    assert after > before
