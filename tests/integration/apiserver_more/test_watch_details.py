"""Watch and list details over HTTP against a real (in-process) API server: bookmarks,
resourceVersionMatch on LIST, the streaming list (sendInitialEvents), a watch on one object,
and a watcher that stops reading without stalling anyone else.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from tests.support.apiserver import InProcess

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def configmap(name: str, value: str = "1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"v": value},
    }


async def create(http: aiohttp.ClientSession, name: str, value: str = "1") -> dict[str, Any]:
    async with http.post(CONFIGMAPS, json=configmap(name, value)) as response:
        assert response.status == 201, await response.text()
        return await response.json()


async def events_until_end(http: aiohttp.ClientSession, query: str) -> list[dict[str, Any]]:
    async with http.get(f"{CONFIGMAPS}?watch=true&{query}") as response:
        assert response.status == 200, await response.text()
        return [orjson.loads(line) async for line in response.content if line.strip()]


async def test_a_bookmark_comes_before_a_watch_times_out(apiserver: InProcess) -> None:
    # kube-apiserver sends a watcher's bookmark every minute, or 2 s before its timeout
    # when that comes first, so the client can resume from a recent resourceVersion.
    async with apiserver.session() as http:
        created = await create(http, "a")
        events = await asyncio.wait_for(
            events_until_end(
                http,
                f"resourceVersion={created['metadata']['resourceVersion']}"
                "&allowWatchBookmarks=true&timeoutSeconds=5",
            ),
            15,
        )
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks, f"no BOOKMARK before the 5 s timeout ended the watch: {events}"
    marker = bookmarks[0]["object"]
    assert marker["kind"] == "ConfigMap" and marker["apiVersion"] == "v1"
    assert list(marker["metadata"]) == ["resourceVersion"]
    assert int(marker["metadata"]["resourceVersion"]) >= int(created["metadata"]["resourceVersion"])


async def test_list_resource_version_match(apiserver: InProcess) -> None:
    async with apiserver.session() as http:
        first = await create(http, "a", "old")
        first["data"]["v"] = "new"
        async with http.put(f"{CONFIGMAPS}/a", json=first) as response:
            updated = await response.json()
        old_version = first["metadata"]["resourceVersion"]
        query = f"resourceVersion={old_version}&resourceVersionMatch=Exact"
        async with http.get(f"{CONFIGMAPS}?{query}") as response:
            exact = await response.json()
        assert exact["metadata"]["resourceVersion"] == old_version
        assert [i["data"]["v"] for i in exact["items"]] == ["old"]
        query = f"resourceVersion={old_version}&resourceVersionMatch=NotOlderThan"
        async with http.get(f"{CONFIGMAPS}?{query}") as response:
            recent = await response.json()
        assert int(recent["metadata"]["resourceVersion"]) >= int(
            updated["metadata"]["resourceVersion"]
        )
        assert [i["data"]["v"] for i in recent["items"]] == ["new"]
        async with http.get(f"{CONFIGMAPS}?resourceVersionMatch=Exact") as response:
            answer = await response.json()
        # kube-apiserver validates ListOptions as an object: 422 Invalid, not 400.
        assert (response.status, answer["message"]) == (
            422,
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )


async def test_streaming_list_or_the_gate_off_refusal(apiserver: InProcess) -> None:
    """kube-apiserver either streams the list (ADDED for each object, then a BOOKMARK marked
    `k8s.io/initial-events-end`) or, with the WatchList gate off, refuses with this 422."""
    async with apiserver.session() as http:
        for name in ("a", "b"):
            await create(http, name)
        query = (
            "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
            "&allowWatchBookmarks=true&timeoutSeconds=3"
        )
        async with http.get(f"{CONFIGMAPS}?{query}") as response:
            if response.status == 422:
                refusal = await response.json()
                assert refusal["message"] == (
                    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
                    "sendInitialEvents is forbidden for watch unless the WatchList feature gate "
                    "is enabled"
                )
                assert refusal["details"]["causes"][0]["field"] == "sendInitialEvents"
                return
            assert response.status == 200, await response.text()
            events = [orjson.loads(line) async for line in response.content if line.strip()]
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["ADDED", "ADDED", "BOOKMARK"], (
        f"sendInitialEvents was neither streamed nor refused: {kinds}"
    )
    annotations = events[2]["object"]["metadata"].get("annotations") or {}
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_a_watch_on_one_object_sees_only_that_object(apiserver: InProcess) -> None:
    async with apiserver.session() as http:
        a = await create(http, "a")
        await create(http, "b")
        query = (
            f"fieldSelector=metadata.name%3Da&resourceVersion={a['metadata']['resourceVersion']}"
            "&timeoutSeconds=2"
        )
        watching = asyncio.create_task(events_until_end(http, query))
        await asyncio.sleep(0.3)
        for name in ("b", "a"):
            async with http.patch(
                f"{CONFIGMAPS}/{name}",
                data=orjson.dumps({"data": {"v": "2"}}),
                headers={"Content-Type": "application/merge-patch+json"},
            ) as response:
                assert response.status == 200
        async with http.delete(f"{CONFIGMAPS}/a") as response:
            assert response.status == 200
        events = await asyncio.wait_for(watching, 10)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "a"),
        ("DELETED", "a"),
    ]


async def test_a_watcher_that_stops_reading_stalls_no_one(apiserver: InProcess) -> None:
    count, payload = 200, "x" * 20_000  # 4 MB of events: more than any socket buffers
    async with apiserver.session() as http, apiserver.session() as stuck_http:
        start = (await create(http, "start"))["metadata"]["resourceVersion"]
        stuck = await stuck_http.get(f"{CONFIGMAPS}?watch=true&resourceVersion={start}")
        assert stuck.status == 200  # and never read again
        received: list[str] = []

        async def follow() -> None:
            query = f"watch=true&resourceVersion={start}"
            async with http.get(f"{CONFIGMAPS}?{query}") as response:
                async for line in response.content:
                    received.append(orjson.loads(line)["object"]["metadata"]["name"])
                    if len(received) == count:
                        return

        following = asyncio.create_task(follow())
        await asyncio.sleep(0.2)
        loop = asyncio.get_running_loop()
        began = loop.time()
        for i in range(count):
            await create(http, f"big-{i}", payload)
        writes_took = loop.time() - began
        await asyncio.wait_for(following, 20)
        stuck.close()
    assert received == [f"big-{i}" for i in range(count)]
    assert writes_took < 15, f"writes slowed to {writes_took:.1f}s behind a stuck watcher"
