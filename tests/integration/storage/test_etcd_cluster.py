"""The etcd store on a real 3-member cluster keeps working when its member dies.

The store is given all three members and talks to the first. That member is killed (SIGKILL,
as a crash) while writes are flowing and a watch is open; the store must move to another
member on its own, every write must succeed exactly once (no false KeyExistsError for a create
that had in fact applied), and the watch must deliver every write once, in order. After the
member comes back, it has every write too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pyk8s.storage.etcd import EtcdStore
from pyk8s.storage.interface import Event, EventType
from tests.support.etcd import EtcdProcess, etcd_cluster

pytestmark = [pytest.mark.etcd, pytest.mark.slow]

WRITES = 90
WRITERS = 6


async def collect(watch, into: list[Event], count: int) -> None:
    async for event in watch:
        into.append(event)
        if len(into) == count:
            return


async def write_keys(store: EtcdStore, indexes: range, written: dict[int, str]) -> None:
    for i in indexes:
        key = f"/pods/p{i:03}"
        created = await store.create(key, f"v1-{i}".encode())
        updated = await store.update(key, f"v2-{i}".encode(), created)
        written[created], written[updated] = f"create {key}", f"update {key}"
        got = await store.get(key)
        assert got is not None and got.value == f"v2-{i}".encode()


async def crash_and_restart(member: EtcdProcess, written: dict[int, str]) -> None:
    while len(written) < 2 * WRITES // 3:
        await asyncio.sleep(0.005)
    await asyncio.to_thread(member.kill)
    while len(written) < 4 * WRITES // 3:
        await asyncio.sleep(0.005)
    await asyncio.to_thread(member.start, 20.0)


async def test_a_store_rides_out_the_crash_and_return_of_its_member(tmp_path: Path):
    with etcd_cluster(tmp_path, members=3) as members:
        store = await EtcdStore.connect([m.client_url for m in members], prefix="/ha")
        watcher: asyncio.Task[None] | None = None
        try:
            first_member = store.endpoint
            assert first_member == members[0].client_url
            start = await store.current_revision() + 1
            events: list[Event] = []
            # Every key is created, then updated: 2 events per key.
            watcher = asyncio.create_task(collect(store.watch("/pods/", start), events, 2 * WRITES))

            # Several writers at once, so that the crash catches requests in flight.
            written: dict[int, str] = {}  # revision -> what the store said it wrote there
            writers = [
                write_keys(store, range(w, WRITES, WRITERS), written) for w in range(WRITERS)
            ]
            await asyncio.gather(crash_and_restart(members[0], written), *writers)

            assert store.endpoint != first_member, "the store should have moved to a live member"
            await asyncio.wait_for(watcher, timeout=30)
            seen = [
                f"{'create' if e.is_create else 'update'} {e.kv.key}"
                for e in events
                if e.type is EventType.PUT
            ]
            revisions = [e.revision for e in events]
            assert revisions == sorted(set(revisions)), "events out of order or duplicated"
            assert dict(zip(revisions, seen, strict=True)) == written, "events lost or wrong"

            listing = await store.range("/pods/")
            assert listing.count == WRITES
            assert [kv.value for kv in listing.kvs] == [f"v2-{i}".encode() for i in range(WRITES)]
        finally:
            if watcher is not None:
                watcher.cancel()
            await store.close()

        # The member that crashed caught up with everything written while it was down.
        back = await EtcdStore.connect([members[0].client_url], prefix="/ha")
        try:
            listing = await back.range("/pods/")
            assert [kv.value for kv in listing.kvs] == [f"v2-{i}".encode() for i in range(WRITES)]
        finally:
            await back.close()


async def test_no_live_member_is_a_clear_store_unavailable_error(tmp_path: Path):
    from pyk8s.storage.interface import StoreUnavailableError

    with etcd_cluster(tmp_path, members=3) as members:
        store = await EtcdStore.connect(
            [m.client_url for m in members], prefix="/ha", failover_timeout=1.0
        )
        try:
            await store.create("/k", b"v")
            for member in members:
                await asyncio.to_thread(member.kill)
            with pytest.raises(StoreUnavailableError, match="no etcd member answered"):
                await store.get("/k")
        finally:
            await store.close()
