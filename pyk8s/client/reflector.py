"""The reflector: keeps a sink in step with one resource through list, then watch.

The loop, and what it guarantees:

1. **List** every object (in pages of `page_size`) and hand the whole set to
   `sink.replace(objects)`. The list's resourceVersion is where the watch starts, so nothing
   that happens between the list and the watch is missed.
2. **Watch** from that resourceVersion with bookmarks on, handing each event to
   `sink.apply(type, obj)` and remembering the resourceVersion of every event and bookmark.
3. A watch that ends (the server's timeout, a restart, a dropped connection) is re-opened
   **from the last resourceVersion seen**: events are neither lost nor repeated.
4. A **410 Gone** (the version was compacted away, during a watch or a paged list) means
   the history we need is gone: go back to 1 and list afresh. The sink's `replace` then
   reports what changed, including deletions that happened while we were away.
5. Other failures are retried forever, with exponential backoff from 0.8 s to 30 s (reset
   once a watch has delivered events), as client-go's reflector does.

The loop runs until cancelled. It never touches the sink while a call into the sink is
incomplete; everything runs on one event loop.
"""

from __future__ import annotations

import logging
import random
from typing import Any, Protocol

from pyk8s.api import errors
from pyk8s.client.clock import Clock, RealClock
from pyk8s.client.resources import ResourceClient
from pyk8s.client.transport import TransportError

logger = logging.getLogger("pyk8s.client.reflector")

BACKOFF_INITIAL, BACKOFF_MAX = 0.8, 30.0
# client-go asks the server to end each watch after 5 to 10 minutes, spreading reconnects.
WATCH_TIMEOUT_MIN = 300


class Sink(Protocol):
    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None: ...

    def apply(self, event_type: str, obj: dict[str, Any]) -> None: ...


class Reflector:
    def __init__(
        self,
        resource: ResourceClient,
        sink: Sink,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
        watch_timeout: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.resource = resource
        self.sink = sink
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.clock = clock or RealClock()
        self.resource_version: str | None = None  # None: the next step is a full list
        self.lists = 0  # how many full lists ran (a relist after 410 counts)
        self._backoff = BACKOFF_INITIAL

    @property
    def name(self) -> str:
        return f"{self.resource.plural}.{self.resource.group or 'core'}"

    async def run(self) -> None:
        while True:
            try:
                if self.resource_version is None:
                    await self.list_and_replace()
                delivered = await self.watch_once()
            except errors.Gone as gone:
                logger.info("%s: %s; listing again", self.name, gone.message)
                self.resource_version = None
                continue
            except (TransportError, errors.StatusError) as error:
                logger.warning("%s: list/watch failed: %s", self.name, error)
                delivered = False
            if delivered:
                self._backoff = BACKOFF_INITIAL
            else:
                await self._sleep_backoff()

    async def list_and_replace(self) -> None:
        objects, version = await self._list_all()
        self.lists += 1
        self.sink.replace(objects, version)
        self.resource_version = version

    async def _list_all(self) -> tuple[list[dict[str, Any]], str]:
        objects: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = await self.resource.list(
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=self.page_size,
                continue_token=token,
            )
            kind = page.get("kind", "").removesuffix("List")
            api_version = page.get("apiVersion")
            for item in page.get("items") or []:
                # List items come without kind/apiVersion; handlers expect whole objects.
                item.setdefault("kind", kind)
                item.setdefault("apiVersion", api_version)
                objects.append(item)
            token = page.get("metadata", {}).get("continue") or None
            if token is None:
                return objects, page["metadata"]["resourceVersion"]

    async def watch_once(self) -> bool:
        """Watch until the stream ends; True if it delivered at least one event or bookmark."""
        timeout = self.watch_timeout or random.randint(WATCH_TIMEOUT_MIN, 2 * WATCH_TIMEOUT_MIN)
        stream = self.resource.watch(
            self.namespace,
            resource_version=self.resource_version,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=timeout,
            allow_bookmarks=True,
        )
        delivered = False
        async with stream:
            async for event_type, obj in stream:
                delivered = True
                version = obj.get("metadata", {}).get("resourceVersion")
                if event_type != "BOOKMARK":
                    self.sink.apply(event_type, obj)
                if version:
                    self.resource_version = version
        return delivered

    async def _sleep_backoff(self) -> None:
        # Jitter keeps many clients that lost the same server from returning in lockstep.
        await self.clock.sleep(self._backoff * random.uniform(1.0, 1.2))
        self._backoff = min(self._backoff * 2, BACKOFF_MAX)
