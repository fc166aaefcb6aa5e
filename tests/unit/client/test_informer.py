"""The informer and its reflector over a fake transport: list then watch, resume from the
last resourceVersion, relist after 410 with tombstones for missed deletions, handlers,
late handlers, and resync on a fake clock."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pyk8s.api import errors
from pyk8s.client.clock import FakeClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.fake import FakeResponse, FakeTransport
from pyk8s.client.informer import Informer
from pyk8s.client.rest import Client
from pyk8s.client.transport import HTTPRequest


def cm(name: str, version: int, **data: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": str(version)},
        "data": data,
    }


def listing(version: int, *items: dict[str, Any]) -> FakeResponse:
    return FakeResponse.json(
        200,
        {
            "kind": "ConfigMapList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": str(version)},
            "items": list(items),
        },
    )


class Server:
    """Answers lists and watches from scripted queues; records where each watch started."""

    def __init__(self, lists: list[FakeResponse], watches: list[list[dict[str, Any]]]) -> None:
        self.lists, self.watches = lists, watches
        self.watch_versions: list[str] = []

    def __call__(self, request: HTTPRequest) -> FakeResponse:
        query = parse_qs(urlsplit(request.url).query)
        if "watch" not in query:
            return self.lists.pop(0)
        self.watch_versions.append(query["resourceVersion"][0])
        if not self.watches:
            return FakeResponse.stream([])
        return FakeResponse.stream(self.watches.pop(0))


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def add(self, obj: dict) -> None:
        self.events.append(("add", obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))

    def update(self, old: dict, new: dict) -> None:
        self.events.append(
            (
                "update",
                new["metadata"]["name"],
                old["metadata"]["resourceVersion"],
                new["metadata"]["resourceVersion"],
            )
        )

    def delete(self, obj: dict) -> None:
        self.events.append(("delete", obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))


def make_informer(server: Server, **kwargs: Any) -> tuple[Informer, Recorder, FakeClock]:
    clock = FakeClock()
    config = ClientConfig(server="http://fake", qps=1000, burst=1000)
    client = Client(config, transport=FakeTransport(server), clock=clock)
    informer = Informer(client.resource("", "v1", "configmaps"), clock=clock, **kwargs)
    recorder = Recorder()
    informer.add_handler(recorder.add, recorder.update, recorder.delete)
    return informer, recorder, clock


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "object": obj}


async def test_list_then_watch_resumes_from_the_last_version_and_relists_after_gone():
    gone = errors.Gone("too old resource version").to_status()
    server = Server(
        lists=[listing(10, cm("a", 5), cm("b", 6)), listing(30, cm("a", 11), cm("c", 25))],
        watches=[
            [
                event("MODIFIED", cm("a", 11)),
                event("BOOKMARK", {"metadata": {"resourceVersion": "15"}}),
            ],
            [event("ERROR", gone)],
        ],
    )
    informer, recorder, _clock = make_informer(server)
    informer.start()
    assert await informer.wait_synced(1)
    await settle()
    await informer.stop()

    assert server.watch_versions[:2] == ["10", "15"], "watch from the list, resume after bookmark"
    assert server.watch_versions[2] == "30", "after 410 Gone: a new list, a watch from it"
    assert recorder.events == [
        ("add", "a", "5"),
        ("add", "b", "6"),
        ("update", "a", "5", "11"),
        ("delete", "b", "6"),  # deleted while we were away: its last known state
        ("update", "a", "11", "11"),
        ("add", "c", "25"),
    ]
    assert sorted(informer.cache.list_keys()) == ["ns/a", "ns/c"]
    assert informer.reflector.lists == 2


async def test_deleted_events_remove_from_cache_with_the_final_state():
    server = Server(
        lists=[listing(1, cm("a", 1))], watches=[[event("DELETED", cm("a", 2, final="yes"))]]
    )
    informer, recorder, _ = make_informer(server)
    informer.start()
    await settle()
    await informer.stop()
    assert recorder.events[-1] == ("delete", "a", "2")
    assert len(informer.cache) == 0


async def test_a_late_handler_first_receives_the_cached_objects():
    server = Server(lists=[listing(3, cm("a", 1), cm("b", 2))], watches=[])
    informer, _, _ = make_informer(server)
    informer.start()
    await informer.wait_synced(1)
    late = Recorder()
    informer.add_handler(late.add)
    await informer.stop()
    assert late.events == [("add", "a", "1"), ("add", "b", "2")]


async def test_resync_redelivers_every_object_as_an_update():
    server = Server(lists=[listing(3, cm("a", 1))], watches=[])
    informer, recorder, clock = make_informer(server, resync_period=30)
    informer.start()
    await informer.wait_synced(1)
    await settle()
    recorder.events.clear()
    clock.advance(30)
    await settle()
    await informer.stop()
    assert recorder.events == [("update", "a", "1", "1")]


async def test_a_failing_handler_does_not_stop_the_others():
    server = Server(lists=[listing(3, cm("a", 1))], watches=[])
    informer, recorder, _ = make_informer(server)
    informer.handlers.insert(0, type(informer.handlers[0])(on_add=lambda obj: 1 / 0))
    informer.start()
    await informer.wait_synced(1)
    await informer.stop()
    assert recorder.events == [("add", "a", "1")]
