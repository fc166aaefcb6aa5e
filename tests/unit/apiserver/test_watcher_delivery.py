"""How a watch-cache Watcher hands events to its stream: buffered, then straight to a sink."""

from __future__ import annotations

import asyncio

from pyk8s.api.meta import new_uid, now_rfc3339
from pyk8s.apiserver.watchcache import Watcher, WatchEvent


def event(revision: int, key: str = "/configmaps/default/a") -> WatchEvent:
    obj = {"metadata": {"name": "a", "resourceVersion": str(revision)}}
    return WatchEvent("MODIFIED", key, obj, revision)


async def test_buffered_events_come_first_then_live_ones_go_straight_to_the_sink() -> None:
    watcher = Watcher("/configmaps/", None, after=1)
    watcher.offer(event(2))
    watcher.offer(event(3))
    sent: list[list[int]] = []
    watcher.deliver_to(lambda events: sent.append([e.revision for e in events]) or True)
    watcher.offer(event(4))
    watcher.offer(event(1))  # not after the watch's start: never delivered
    watcher.offer(event(5, key="/secrets/default/a"))  # another prefix
    assert sent == [[2, 3], [4]]


async def test_a_sink_that_cannot_keep_up_ends_the_watch() -> None:
    watcher = Watcher("/configmaps/", None, after=0)
    watcher.deliver_to(lambda events: False)
    watcher.offer(event(1))
    assert watcher.closed
    assert await asyncio.wait_for(watcher.take(), 1) is None


async def test_take_returns_the_whole_backlog_or_nothing_when_poked() -> None:
    watcher = Watcher("/configmaps/", None, after=0)
    for revision in (1, 2, 3):
        watcher.offer(event(revision))
    assert [e.revision for e in await watcher.take()] == [1, 2, 3]
    waiting = asyncio.create_task(watcher.take())
    await asyncio.sleep(0)
    watcher.poke()
    assert await asyncio.wait_for(waiting, 1) == []


def test_one_encoded_line_per_event_whatever_the_number_of_watchers() -> None:
    shared = event(7)
    assert shared.line is shared.line
    assert shared.line.startswith(b'{"type":"MODIFIED","object":{"metadata":')
    assert shared.line.endswith(b"}\n")


def test_uids_from_the_pool_are_distinct_version_4_uuids() -> None:
    uids = {new_uid() for _ in range(600)}  # more than one refill of the pool
    assert len(uids) == 600
    assert all(uid[14] == "4" and uid[19] in "89ab" for uid in uids)


def test_timestamps_are_whole_seconds_in_utc() -> None:
    first, second = now_rfc3339(), now_rfc3339()
    assert first[-1] == "Z" and len(first) == 20
    assert second >= first
