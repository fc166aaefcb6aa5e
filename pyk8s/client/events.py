"""The event recorder: what `kubectl describe` shows under "Events", written by controllers.

`recorder.event(obj, "Normal", "SuccessfulCreate", "Created pod: web-1")` never blocks and
never fails: the event goes into a bounded buffer, and a background task writes it. When the
buffer is full the event is dropped (and counted), because a controller must not stall
for the sake of a log record.

Aggregation, as client-go's EventCorrelator: an event with the same involved object (and field
path), type, reason, message and source as one written in the last 10 minutes is not written
again; instead the existing Event is PATCHed with `count + 1` and a new `lastTimestamp`. If
that Event has gone (deleted, expired by its TTL), a new one is created. New Events are named
`<object name>.<unix nanoseconds in hex>` in the object's namespace ("default" for
cluster-scoped objects), with `source` {component, host} and `reportingComponent` /
`reportingInstance` set to the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.client.clock import Clock
from pyk8s.client.rest import Client
from pyk8s.client.transport import TransportError

logger = logging.getLogger("pyk8s.client.events")

AGGREGATION_WINDOW = 600.0  # seconds during which repeats bump a count instead
MAX_REMEMBERED = 4096  # distinct events remembered for aggregation (least recent forgotten)
BUFFER_SIZE = 1000
NORMAL, WARNING = "Normal", "Warning"


@dataclass
class _Pending:
    involved: dict[str, Any]
    event_type: str
    reason: str
    message: str
    when: datetime


@dataclass
class _Written:
    name: str
    namespace: str
    count: int
    seen_at: float  # monotonic


def object_reference(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata", {})
    reference = {
        "kind": obj.get("kind", ""),
        "namespace": metadata.get("namespace", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "apiVersion": obj.get("apiVersion", ""),
        "resourceVersion": metadata.get("resourceVersion", ""),
    }
    return {key: value for key, value in reference.items() if value}


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    def __init__(
        self,
        client: Client,
        component: str,
        host: str | None = None,
        *,
        clock: Clock | None = None,
        buffer_size: int = BUFFER_SIZE,
    ) -> None:
        self.events = client.resource("", "v1", "events", namespaced=True)
        self.component = component
        self.host = host if host is not None else socket.gethostname()
        self.clock = clock or client.clock
        self.dropped = 0
        self._buffer: asyncio.Queue[_Pending] = asyncio.Queue(buffer_size)
        self._written: OrderedDict[tuple[str, ...], _Written] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        # The nanoseconds in the last event name; names must not repeat even when two events
        # carry the same instant (a coarse or fake clock).
        self._last_name_ns = 0

    def event(
        self, obj: dict[str, Any], event_type: str, reason: str, message: str, *,
        field_path: str = "",
    ) -> None:  # fmt: skip
        """Record that something happened to `obj`. Returns at once; may drop when flooded.

        `field_path` points into `obj` when the event is about a part of it, as the kubelet
        says `spec.containers{web}` of a pod's container; it becomes involvedObject.fieldPath.
        """
        involved = object_reference(obj)
        if field_path:
            involved["fieldPath"] = field_path
        pending = _Pending(involved, event_type, reason, message, self.clock.now())
        try:
            self._buffer.put_nowait(pending)
        except asyncio.QueueFull:
            self.dropped += 1
            logger.debug("event buffer full; dropped %s %s", reason, message)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"events {self.component}")

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Write what is buffered (for up to `flush_timeout` seconds), then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._buffer.join(), flush_timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def run(self) -> None:
        while True:
            pending = await self._buffer.get()
            try:
                await self._write(pending)
            except (errors.StatusError, TransportError) as error:
                logger.warning("could not write event %s: %s", pending.reason, error)
            finally:
                self._buffer.task_done()

    async def _write(self, pending: _Pending) -> None:
        key = self._aggregation_key(pending)
        now = self.clock.monotonic()
        written = self._written.get(key)
        if written is not None and now - written.seen_at <= AGGREGATION_WINDOW:
            patch = {"count": written.count + 1, "lastTimestamp": _timestamp(pending.when)}
            try:
                await self.events.patch(
                    written.name, patch, written.namespace, patch_type="strategic"
                )
            except errors.NotFound:
                pass  # the Event expired or was deleted: write a fresh one below
            else:
                written.count += 1
                written.seen_at = now
                self._written.move_to_end(key)
                return
        created = await self.events.create(self._new_event(pending))
        self._remember(
            key, _Written(created["metadata"]["name"], created["metadata"]["namespace"], 1, now)
        )

    def _aggregation_key(self, pending: _Pending) -> tuple[str, ...]:
        involved = pending.involved
        return (
            self.component,
            self.host,
            involved.get("kind", ""),
            involved.get("namespace", ""),
            involved.get("name", ""),
            involved.get("uid", ""),
            involved.get("apiVersion", ""),
            involved.get("fieldPath", ""),
            pending.event_type,
            pending.reason,
            pending.message,
        )

    def _remember(self, key: tuple[str, ...], written: _Written) -> None:
        self._written[key] = written
        self._written.move_to_end(key)
        while len(self._written) > MAX_REMEMBERED:
            self._written.popitem(last=False)

    def _new_event(self, pending: _Pending) -> dict[str, Any]:
        involved = pending.involved
        nanoseconds = int(pending.when.timestamp() * 1_000_000) * 1000
        nanoseconds = self._last_name_ns = max(nanoseconds, self._last_name_ns + 1)
        stamp = _timestamp(pending.when)
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{involved.get('name', '')}.{nanoseconds:x}",
                "namespace": involved.get("namespace") or "default",
            },
            "involvedObject": involved,
            "reason": pending.reason,
            "message": pending.message,
            "type": pending.event_type,
            "source": {"component": self.component, "host": self.host},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
