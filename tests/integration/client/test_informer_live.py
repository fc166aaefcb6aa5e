"""Informers on configmaps against a real API server: handlers fire, watches resume from the
last resourceVersion without missing anything (server-side timeouts, a server restart),
and a 410 Gone leads to a relist that reports deletions missed in the meantime."""

from __future__ import annotations

import asyncio

from pyk8s.client.factory import SharedInformerFactory
from pyk8s.client.informer import Informer
from tests.integration.client.helpers import client_for, configmap, eventually


class Seen:
    def __init__(self, informer: Informer) -> None:
        self.events: list[tuple[str, str]] = []
        informer.add_handler(
            on_add=lambda o: self.events.append(("add", o["metadata"]["name"])),
            on_update=lambda old, new: self.events.append(("update", new["metadata"]["name"])),
            on_delete=lambda o: self.events.append(("delete", o["metadata"]["name"])),
        )

    def of(self, kind: str) -> list[str]:
        return [name for what, name in self.events if what == kind]


async def test_handlers_fire_and_watches_resume_across_server_timeouts(apiserver):
    async with client_for(apiserver.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        await configmaps.create(configmap("before"), "default")
        # The server ends each watch after 1 s; the informer must resume, not relist.
        informer = Informer(configmaps, namespace="default", watch_timeout=1)
        seen = Seen(informer)
        informer.start()
        try:
            assert await informer.wait_synced(5)
            assert seen.of("add") == ["before"]
            for n in range(3):
                await configmaps.create(configmap(f"cm{n}"), "default")
                await asyncio.sleep(0.7)
            await configmaps.patch("cm0", {"data": {"x": "1"}}, "default")
            await configmaps.delete("cm1", "default")
            await eventually(lambda: seen.of("delete") == ["cm1"], what="the deletion")
            assert seen.of("add") == ["before", "cm0", "cm1", "cm2"]
            assert seen.of("update") == ["cm0"]
            assert informer.reflector.lists == 1, "a timed-out watch resumes without a relist"
            assert sorted(informer.cache.list_keys()) == [
                "default/before",
                "default/cm0",
                "default/cm2",
            ]
            assert informer.cache.get("default/cm0")["data"] == {"x": "1"}
        finally:
            await informer.stop()


async def test_informer_survives_an_api_server_restart_and_misses_nothing(apiserver_process):
    async with client_for(apiserver_process.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        informer = Informer(configmaps, namespace="default")
        seen = Seen(informer)
        informer.start()
        try:
            assert await informer.wait_synced(5)
            await configmaps.create(configmap("a"), "default")
            await eventually(lambda: "a" in seen.of("add"), what="a")
            await asyncio.to_thread(apiserver_process.restart)
            await configmaps.create(configmap("b"), "default")
            await configmaps.delete("a", "default")
            await eventually(lambda: "a" in seen.of("delete"), timeout=30, what="a's deletion")
            await eventually(lambda: "b" in seen.of("add"), what="b")
            assert seen.of("add") == ["a", "b"], "nothing missed and nothing delivered twice"
            assert informer.cache.list_keys() == ["default/b"]
        finally:
            await informer.stop()


async def test_gone_leads_to_a_relist_that_reports_missed_deletions(apiserver_process):
    async with client_for(apiserver_process.url) as client:
        configmaps = client.resource("", "v1", "configmaps")
        await configmaps.create(configmap("stays"), "default")
        await configmaps.create(configmap("goes"), "default")
        informer = Informer(configmaps, namespace="default")
        seen = Seen(informer)
        await informer.reflector.list_and_replace()  # synced, then "disconnected"
        await configmaps.delete("goes", "default")
        await configmaps.create(configmap("new"), "default")
        # The restarted server no longer has the history since our list: 410 Gone.
        await asyncio.to_thread(apiserver_process.restart)
        informer.start()
        try:
            await eventually(lambda: "new" in seen.of("add"), timeout=30, what="the relist")
            assert seen.of("delete") == ["goes"]
            assert informer.reflector.lists == 2
            assert sorted(informer.cache.list_keys()) == ["default/new", "default/stays"]
        finally:
            await informer.stop()


async def test_factory_shares_one_informer_per_resource_with_indexes(apiserver):
    async with client_for(apiserver.url) as client:
        factory = SharedInformerFactory(client)
        first = factory.informer("", "v1", "configmaps", indexers=["label"])
        second = factory.informer("", "v1", "configmaps", indexers=["owner"])
        assert first is second
        configmaps = client.resource("", "v1", "configmaps")
        labelled = configmap("l")
        labelled["metadata"]["labels"] = {"tier": "web"}
        await configmaps.create(labelled, "default")
        factory.start()
        try:
            assert await factory.wait_for_cache_sync(5)
            assert [o["metadata"]["name"] for o in first.cache.by_index("label", "tier=web")] == [
                "l"
            ]
            assert first.cache.index_keys("namespace", "default") == ["default/l"]
        finally:
            await factory.shutdown()
