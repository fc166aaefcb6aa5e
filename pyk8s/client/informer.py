"""The informer: a local, indexed, always-current copy of one resource, plus event handlers.

A Reflector (reflector.py) lists and watches; the informer applies what it reports to its
cache (cache.py) and tells every registered handler what changed:

- `on_add(obj)` for an object that appeared;
- `on_update(old, new)` for a change, and on every periodic resync (old is new then), so a
  controller that missed something gets another chance (level-triggered);
- `on_delete(obj)` with the object's last state. For a deletion the watch never reported
  (it happened while we were disconnected and was found by a relist), that is the last
  state the cache held: a *tombstone*. Handlers always receive a plain object.

Guarantees: handlers see the events of one object in order; a handler added after the
informer synced first gets an `on_add` for every cached object; `has_synced()` turns true
once the first list has been delivered to the handlers. Handlers are plain functions and
must be quick: they should only compute a key and add it to a work queue. An exception
in a handler is logged and does not stop the informer or other handlers.

Informers are normally shared, one per resource per process: see factory.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyk8s.client.cache import INDEX_FUNCS, Indexer, IndexFunc, Object, object_key
from pyk8s.client.clock import Clock, RealClock
from pyk8s.client.reflector import Reflector
from pyk8s.client.resources import ResourceClient

logger = logging.getLogger("pyk8s.client.informer")


@dataclass
class EventHandler:
    on_add: Callable[[Object], Any] | None = None
    on_update: Callable[[Object, Object], Any] | None = None
    on_delete: Callable[[Object], Any] | None = None


class Informer:
    def __init__(
        self,
        resource: ResourceClient,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync_period: float = 0.0,
        indexers: dict[str, IndexFunc] | None = None,
        clock: Clock | None = None,
        watch_timeout: int | None = None,
    ) -> None:
        self.resource = resource
        self.resync_period = resync_period
        self.clock = clock or RealClock()
        self.cache = Indexer(indexers)
        self.handlers: list[EventHandler] = []
        self.reflector = Reflector(
            resource,
            self,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            watch_timeout=watch_timeout,
            clock=self.clock,
        )
        self._synced = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # configuration

    def add_handler(
        self,
        on_add: Callable[[Object], Any] | None = None,
        on_update: Callable[[Object, Object], Any] | None = None,
        on_delete: Callable[[Object], Any] | None = None,
    ) -> EventHandler:
        handler = EventHandler(on_add, on_update, on_delete)
        self.handlers.append(handler)
        if self.has_synced():
            for obj in self.cache.objects():
                self._call(handler.on_add, obj)
        return handler

    def remove_handler(self, handler: EventHandler) -> None:
        self.handlers.remove(handler)

    def add_indexers(self, indexers: dict[str, IndexFunc] | list[str]) -> None:
        """Add indexes by function, or by name from cache.INDEX_FUNCS; existing ones are kept."""
        if isinstance(indexers, list):
            indexers = {name: INDEX_FUNCS[name] for name in indexers}
        for name, func in indexers.items():
            if name not in self.cache.index_names():
                self.cache.add_index(name, func)

    # lifecycle

    def start(self) -> None:
        if self._tasks:
            return
        name = self.reflector.name
        self._tasks.append(asyncio.create_task(self.reflector.run(), name=f"reflector {name}"))
        if self.resync_period > 0:
            self._tasks.append(asyncio.create_task(self._resync_loop(), name=f"resync {name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """True once synced; False if `timeout` seconds passed first."""
        try:
            await asyncio.wait_for(self._synced.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def last_resource_version(self) -> str | None:
        return self.reflector.resource_version

    # the Sink the reflector feeds

    def replace(self, objects: list[Object], resource_version: str) -> None:
        fresh = {object_key(obj): obj for obj in objects}
        for key in self.cache.list_keys():
            if key not in fresh:
                last_known = self.cache.delete(key)
                assert last_known is not None
                self._notify_delete(last_known)
        for obj in objects:
            old = self.cache.add(obj)
            if old is None:
                self._notify_add(obj)
            else:
                self._notify_update(old, obj)
        self._synced.set()

    def apply(self, event_type: str, obj: Object) -> None:
        if event_type == "DELETED":
            self.cache.delete(object_key(obj))
            self._notify_delete(obj)
            return
        old = self.cache.add(obj)  # ADDED or MODIFIED: the cache decides which it is
        if old is None:
            self._notify_add(obj)
        else:
            self._notify_update(old, obj)

    # delivery

    async def _resync_loop(self) -> None:
        while True:
            await self.clock.sleep(self.resync_period)
            if self.has_synced():
                for obj in self.cache.objects():
                    self._notify_update(obj, obj)

    def _notify_add(self, obj: Object) -> None:
        for handler in list(self.handlers):
            self._call(handler.on_add, obj)

    def _notify_update(self, old: Object, new: Object) -> None:
        for handler in list(self.handlers):
            self._call(handler.on_update, old, new)

    def _notify_delete(self, obj: Object) -> None:
        for handler in list(self.handlers):
            self._call(handler.on_delete, obj)

    def _call(self, function: Callable[..., Any] | None, *args: Object) -> None:
        if function is None:
            return
        try:
            function(*args)
        except Exception:
            logger.exception("%s: event handler %r failed", self.reflector.name, function)
