"""The event recorder on a fake clock and transport: the 10-minute aggregation window,
recreation of an Event that disappeared, and a full buffer that drops instead of blocking."""

from __future__ import annotations

import orjson

from pyk8s.api import errors
from pyk8s.client.clock import FakeClock
from pyk8s.client.config import ClientConfig
from pyk8s.client.events import EventRecorder
from pyk8s.client.fake import FakeResponse, FakeTransport
from pyk8s.client.rest import Client
from pyk8s.client.transport import HTTPRequest

POD = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {"name": "web", "namespace": "ns", "uid": "u1"},
}


class EventServer:
    def __init__(self) -> None:
        self.writes: list[tuple[str, dict]] = []
        self.existing: set[str] = set()

    def __call__(self, request: HTTPRequest) -> FakeResponse:
        body = orjson.loads(request.body or b"{}")
        self.writes.append((request.method, body))
        if request.method == "POST":
            self.existing.add(body["metadata"]["name"])
            return FakeResponse.json(201, body)
        name = request.url.rsplit("/", 1)[-1]
        if name not in self.existing:
            return FakeResponse.json(404, errors.NotFound.of("events", name).to_status())
        return FakeResponse.json(200, {"metadata": {"name": name}, **body})


def make_recorder(**kwargs) -> tuple[EventRecorder, EventServer, FakeClock]:
    server, clock = EventServer(), FakeClock()
    client = Client(
        ClientConfig(server="http://fake", qps=1000, burst=1000),
        transport=FakeTransport(server),
        clock=clock,
    )
    return EventRecorder(client, "ctrl", host="h", clock=clock, **kwargs), server, clock


async def test_repeats_within_ten_minutes_patch_the_count_and_later_ones_start_afresh():
    recorder, server, clock = make_recorder()
    recorder.start()
    recorder.event(POD, "Normal", "Pulled", "image pulled")
    clock.advance(60)
    recorder.event(POD, "Normal", "Pulled", "image pulled")
    recorder.event(POD, "Normal", "Pulled", "other message")
    await recorder.stop()
    assert [method for method, _ in server.writes] == ["POST", "PATCH", "POST"]
    assert server.writes[1][1] == {"count": 2, "lastTimestamp": "2025-01-01T00:01:00Z"}
    first = server.writes[0][1]
    assert first["metadata"]["namespace"] == "ns"
    assert first["metadata"]["name"].startswith("web.")
    assert int(first["metadata"]["name"].split(".")[1], 16) == 1735689600 * 10**9

    recorder.start()
    clock.advance(601)
    recorder.event(POD, "Normal", "Pulled", "image pulled")
    await recorder.stop()
    assert server.writes[-1][0] == "POST", "outside the window a new Event is created"


async def test_an_event_that_vanished_is_created_again():
    recorder, server, clock = make_recorder()
    recorder.start()
    recorder.event(POD, "Warning", "BackOff", "restarting")
    await recorder.stop()
    server.existing.clear()  # expired by its TTL
    recorder.start()
    clock.advance(1)
    recorder.event(POD, "Warning", "BackOff", "restarting")
    await recorder.stop()
    assert [method for method, _ in server.writes] == ["POST", "PATCH", "POST"]


async def test_a_full_buffer_drops_events_without_blocking():
    recorder, server, _ = make_recorder(buffer_size=2)
    for n in range(5):
        recorder.event(POD, "Normal", "Tick", f"tick {n}")  # not started: nothing drains
    assert recorder.dropped == 3
    recorder.start()
    await recorder.stop()
    assert len(server.writes) == 2


async def test_two_events_at_the_same_instant_get_different_names():
    recorder, server, _ = make_recorder()
    recorder.start()
    recorder.event(POD, "Normal", "Pulling", "pulling image")
    recorder.event(POD, "Normal", "Pulled", "image pulled")  # same fake instant
    await recorder.stop()
    names = [body["metadata"]["name"] for method, body in server.writes if method == "POST"]
    assert len(names) == 2 and len(set(names)) == 2
    assert all(name.startswith("web.") for name in names)


async def test_a_field_path_names_the_part_of_the_object_and_keeps_events_apart():
    recorder, server, _ = make_recorder()
    recorder.start()
    recorder.event(POD, "Normal", "Pulled", "image pulled", field_path="spec.containers{app}")
    recorder.event(POD, "Normal", "Pulled", "image pulled", field_path="spec.containers{sidecar}")
    recorder.event(POD, "Normal", "Pulled", "image pulled", field_path="spec.containers{app}")
    recorder.event(POD, "Normal", "Pulled", "image pulled")
    await recorder.stop()
    assert [method for method, _ in server.writes] == ["POST", "POST", "PATCH", "POST"]
    involved = [body["involvedObject"] for method, body in server.writes if method == "POST"]
    assert [i.get("fieldPath") for i in involved] == [
        "spec.containers{app}",
        "spec.containers{sidecar}",
        None,  # about the pod itself: no fieldPath at all, as Kubernetes omits it
    ]
    assert involved[0]["name"] == "web" and involved[0]["uid"] == "u1"
