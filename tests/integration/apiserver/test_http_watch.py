"""Watches over real HTTP: initial ADDED events, resume from a resourceVersion, selectors
that move objects in and out of view, timeouts, and 410 for versions out of the window."""

from __future__ import annotations

import asyncio
import json

CM = "/api/v1/namespaces/default/configmaps"


async def read_events(response, count: int) -> list[dict]:
    events = []
    while len(events) < count:
        line = await asyncio.wait_for(response.content.readline(), 5)
        assert line, f"stream ended after {events}"
        events.append(json.loads(line))
    return events


async def test_watch_from_list_version_sees_later_changes(apiserver):
    async with apiserver.session() as http:
        async with http.get(CM) as response:
            version = (await response.json())["metadata"]["resourceVersion"]
        params = {"watch": "true", "resourceVersion": version, "timeoutSeconds": "10"}
        async with http.get(CM, params=params) as stream:
            assert stream.headers["Content-Type"] == "application/json"
            await http.post(CM, json={"metadata": {"name": "a"}})
            await http.delete(f"{CM}/a")
            events = await read_events(stream, 2)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
            ("ADDED", "a"),
            ("DELETED", "a"),
        ]


async def test_watch_at_zero_starts_with_synthetic_added(apiserver):
    async with apiserver.session() as http:
        await http.post(CM, json={"metadata": {"name": "x"}})
        params = {"watch": "true", "resourceVersion": "0", "fieldSelector": "metadata.name=x"}
        async with http.get(CM, params=params) as stream:
            first = (await read_events(stream, 1))[0]
            assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "x"


async def test_label_selector_watch_sees_objects_enter_and_leave(apiserver):
    async with apiserver.session() as http:
        async with http.post(CM, json={"metadata": {"name": "m"}}) as response:
            obj = await response.json()
        params = {
            "watch": "true",
            "labelSelector": "team=a",
            "resourceVersion": obj["metadata"]["resourceVersion"],
        }
        async with http.get(CM, params=params) as stream:
            obj["metadata"]["labels"] = {"team": "a"}
            async with http.put(f"{CM}/m", json=obj) as response:
                obj = await response.json()
            obj["metadata"]["labels"] = {"team": "b"}
            await http.put(f"{CM}/m", json=obj)
            events = await read_events(stream, 2)
        assert [e["type"] for e in events] == ["ADDED", "DELETED"]


async def test_timeout_seconds_ends_the_stream(apiserver):
    async with apiserver.session() as http:
        params = {"watch": "true", "timeoutSeconds": "1"}
        async with http.get(CM, params=params) as stream:
            body = await asyncio.wait_for(stream.read(), 5)
        assert body == b""


async def test_too_old_version_is_a_410_error_event(apiserver):
    cache = apiserver.server.registry.caches["/configmaps/"]
    cache.window_start = 50  # as if the window had moved on
    async with apiserver.session() as http:
        params = {"watch": "true", "resourceVersion": "3"}
        async with http.get(CM, params=params) as stream:
            event = (await read_events(stream, 1))[0]
        assert event["type"] == "ERROR"
        assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"
        assert event["object"]["message"] == "too old resource version: 3 (50)"


async def test_table_watch_sends_columns_once(apiserver):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    async with apiserver.session() as http:
        await http.post(CM, json={"metadata": {"name": "t1"}})
        await http.post(CM, json={"metadata": {"name": "t2"}})
        params = {"watch": "true", "resourceVersion": "0"}
        async with http.get(CM, params=params, headers={"Accept": accept}) as stream:
            events = await read_events(stream, 2)
        assert events[0]["object"]["kind"] == "Table"
        assert events[0]["object"]["columnDefinitions"][0]["format"] == "name"
        assert events[1]["object"]["columnDefinitions"] is None
        assert events[1]["object"]["rows"][0]["cells"][0] == "t2"
