"""One informer per resource per process, shared by every controller that asks for it.

The controller manager runs some thirty controllers; many of them watch pods. Without
sharing, each would hold its own watch and its own copy of every pod. The factory hands out
the same Informer for the same (group, version, plural), so the API server sees one watch
and memory holds one cache; each controller only adds its handlers and indexes.

    factory = SharedInformerFactory(client, resync_period=30)
    pods = factory.informer("", "v1", "pods", indexers=["nodeName"])
    pods.add_handler(on_add=..., on_update=..., on_delete=...)
    factory.start()
    await factory.wait_for_cache_sync()
"""

from __future__ import annotations

import asyncio

from pyk8s.client.cache import IndexFunc
from pyk8s.client.clock import Clock
from pyk8s.client.informer import Informer
from pyk8s.client.rest import Client

# Every informer gets the namespace index: nearly all controllers look up by namespace.
DEFAULT_INDEXES = ["namespace"]


class SharedInformerFactory:
    def __init__(
        self,
        client: Client,
        *,
        resync_period: float = 0.0,
        namespace: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.resync_period = resync_period
        self.namespace = namespace
        self.clock = clock or client.clock
        self._informers: dict[tuple[str, str, str], Informer] = {}

    def informer(
        self,
        group: str,
        version: str,
        plural: str,
        *,
        indexers: dict[str, IndexFunc] | list[str] | None = None,
    ) -> Informer:
        """The shared informer of a resource, created on first request (started by start())."""
        key = (group, version, plural)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(
                self.client.resource(group, version, plural),
                namespace=self.namespace,
                resync_period=self.resync_period,
                clock=self.clock,
            )
            informer.add_indexers(DEFAULT_INDEXES)
            self._informers[key] = informer
        if indexers:
            informer.add_indexers(indexers)
        return informer

    def start(self) -> None:
        """Start every informer created so far; informers created later need another start()."""
        for informer in self._informers.values():
            informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> bool:
        """True once every informer has synced; False if `timeout` passed first."""
        results = await asyncio.gather(
            *(informer.wait_synced(timeout) for informer in self._informers.values())
        )
        return all(results)

    async def shutdown(self) -> None:
        for informer in self._informers.values():
            await informer.stop()
