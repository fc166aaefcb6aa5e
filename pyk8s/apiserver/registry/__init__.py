"""The registry: one generic store per resource, sharing one watch cache per storage prefix.

`Registry` builds a GenericStore (store.py) for every stored resource in
pyk8s.api.resource.RESOURCES, with the strategy registered for it (strategy.py), and starts
the watch caches. Resources that are computed rather than stored (reviews) get no store;
their handlers are registered separately.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pyk8s.api.resource import RESOURCES, Resource

if TYPE_CHECKING:
    from pyk8s.apiserver.admission import AdmissionChain
    from pyk8s.apiserver.registry.store import GenericStore
    from pyk8s.apiserver.watchcache import WatchCache
    from pyk8s.storage.interface import Store


class Registry:
    def __init__(
        self, store: Store, admission: AdmissionChain, *, watch_cache_size: int | None = None
    ) -> None:
        self.store = store
        self.admission = admission
        self.watch_cache_size = watch_cache_size
        self.caches: dict[str, WatchCache] = {}
        self._stores: dict[tuple[str, str, str], GenericStore] = {}

    async def start(self) -> None:
        from pyk8s.apiserver.registry.store import GenericStore
        from pyk8s.apiserver.registry.strategy import strategy_for
        from pyk8s.apiserver.watchcache import WatchCache

        for resource in RESOURCES:
            if not resource.stored:
                continue
            # Two versions of one resource share their objects, and so their cache.
            prefix = resource.key_prefix + "/"
            cache = self.caches.get(prefix)
            if cache is None:
                window = {"window": self.watch_cache_size} if self.watch_cache_size else {}
                cache = self.caches[prefix] = WatchCache(self.store, prefix, **window)
            self._stores[(resource.group, resource.version, resource.plural)] = GenericStore(
                resource, strategy_for(resource), self.store, cache, self.admission, self.lookup
            )
        await asyncio.gather(*(cache.start() for cache in self.caches.values()))

    def end_watches(self) -> None:
        for cache in self.caches.values():
            for watcher in list(cache.watchers):
                cache.forget(watcher)

    async def stop(self) -> None:
        await asyncio.gather(*(cache.stop() for cache in self.caches.values()))

    def get(self, resource: Resource) -> GenericStore | None:
        return self._stores.get((resource.group, resource.version, resource.plural))

    def find(self, group: str, plural: str) -> GenericStore | None:
        """The store of a resource by group and plural, whatever the version."""
        for (g, _, p), store in self._stores.items():
            if g == group and p == plural:
                return store
        return None

    async def lookup(
        self, plural: str, group: str, namespace: str, name: str
    ) -> dict[str, Any] | None:
        """An object for admission plugins: from the cache, else (just created?) the store."""
        store = self.find(group, plural)
        if store is None:
            return None
        key = store.resource.key(namespace, name)
        if store.watch_cache is not None and key in store.watch_cache.objects:
            return store.watch_cache.objects[key]
        try:
            return await store.get(namespace, name)
        except Exception as err:
            if getattr(err, "code", None) == 404:
                return None
            raise
