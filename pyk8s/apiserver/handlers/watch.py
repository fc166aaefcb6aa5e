"""WATCH: a chunked stream of JSON lines, `{"type": ..., "object": ...}`, flushed per event.

- Events come from the watch cache (watchcache.py); resourceVersion "" or "0" first
  announces every current object as ADDED (kubectl's single-object watch drops exactly
  that first event, kubectl-contract §4.3).
- With `as=Table`, each event's object is a one-row Table; only the first event carries the
  column definitions, as kube-apiserver does.
- A resourceVersion older than the cache's window ends in an ERROR event carrying a 410
  Expired Status, in a 200 stream, which is how clients expect to learn it.
- `timeoutSeconds` ends the stream cleanly; without it the stream lasts 30 to 60 minutes.
- `allowWatchBookmarks=true` adds a BOOKMARK with the newest revision every minute and
  one 2 s before `timeoutSeconds` ends the stream, as kube-apiserver does.
- A client that went away is noticed within a few seconds, even when no event comes.
- Events from the cache are written by the cache's fan-out loop itself (a sink per
  stream), each JSON line encoded once for all streams; a client that leaves 16 MiB
  unread is cut off and resumes, as after any ended watch.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import orjson
from aiohttp import web

from pyk8s.api.errors import Gone
from pyk8s.apiserver.handlers.common import Scope, include_object
from pyk8s.apiserver.registry.options import ListOptions
from pyk8s.apiserver.watchcache import Sink, Watcher, WatchEvent, watch_line

BOOKMARK_INTERVAL = 60.0
# How often an idle stream checks that its client is still connected.
LIVENESS_CHECK = 5.0
# What a client may leave unread before its watch is ended (it then resumes).
MAX_UNSENT_BYTES = 16 * 1024 * 1024


class _Encoder:
    """Turns events into lines in the format the client asked for."""

    def __init__(self, scope: Scope, as_table: bool) -> None:
        self.scope = scope
        self.as_table = as_table
        self.include = include_object(scope) if as_table else ""
        self.headers_sent = False

    def event(self, kind: str, obj: dict[str, Any]) -> bytes:
        """An object the watch announces itself (the initial ADDED events)."""
        body = orjson.dumps(self._table(obj) if self.as_table else obj)
        return watch_line(kind, body)

    def cached(self, event: WatchEvent) -> bytes:
        """An event from the cache: JSON watchers all share its one encoded line."""
        if self.as_table:
            return self.event(event.type, event.object)
        return event.line

    def _table(self, obj: dict[str, Any]) -> dict[str, Any]:
        from pyk8s.api.printers import build_table

        table = build_table(self.scope.resource, [obj], include_object=self.include)
        table["metadata"] = {"resourceVersion": obj.get("metadata", {}).get("resourceVersion", "")}
        if self.headers_sent:
            table["columnDefinitions"] = None
        self.headers_sent = True
        return table

    def bookmark(self, revision: int) -> bytes:
        resource = self.scope.resource
        marker = {
            "kind": resource.kind,
            "apiVersion": resource.api_version,
            "metadata": {"resourceVersion": str(revision)},
        }
        return watch_line("BOOKMARK", orjson.dumps(marker))


async def _start_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    return response


async def watch(scope: Scope) -> web.StreamResponse:
    as_table = scope.wants_table()
    options = ListOptions.from_query(scope.query)
    if scope.info.legacy_watch and scope.info.name:
        options.field_selector = ",".join(
            filter(None, [f"metadata.name={scope.info.name}", options.field_selector])
        )
    encoder = _Encoder(scope, as_table)
    try:
        initial, watcher = await scope.store.watch(scope.namespace, options)
    except Gone as gone:
        response = await _start_stream(scope.request)
        await response.write(watch_line("ERROR", orjson.dumps(gone.to_status())))
        await response.write_eof()
        return response
    cache = scope.store.watch_cache
    assert cache is not None
    response = await _start_stream(scope.request)
    timeout = options.timeout_seconds
    if timeout is None:
        timeout = random.uniform(1800, 3600)
    try:
        if initial:  # the current objects, announced in one write
            await response.write(b"".join(encoder.event("ADDED", obj) for obj in initial))
        if scope.request.transport is not None:
            watcher.deliver_to(_socket_sink(scope.request.transport, encoder))
        await _pump(
            scope.request, response, watcher, encoder, cache, timeout, options.allow_bookmarks
        )
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        pass  # the client left
    finally:
        cache.forget(watcher)
    return response


def _socket_sink(transport: asyncio.BaseTransport, encoder: _Encoder) -> Sink:
    """Events straight onto the connection, as HTTP chunks, from the cache's fan-out loop.

    The response was started with chunked encoding and aiohttp writes through to the same
    transport, so these chunks and the stream's own writes (bookmarks, the end) stay in
    order. A client that leaves more than MAX_UNSENT_BYTES unread is cut off: it resumes
    from the last event it read, as with any ended watch.
    """
    assert isinstance(transport, asyncio.WriteTransport)

    def send(events: list[WatchEvent]) -> bool:
        if transport.is_closing() or transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            return False
        data = b"".join(encoder.cached(event) for event in events)
        transport.write(b"%x\r\n%b\r\n" % (len(data), data))
        return True

    return send


def _next_bookmark(now: float, deadline: float) -> float:
    """As kube-apiserver: a bookmark every minute, and one 2 s before the watch times out, so
    a client with a short timeoutSeconds still learns how far it has read. Never (inf) when
    that moment has already passed."""
    when = min(now + BOOKMARK_INTERVAL, deadline - 2.0)
    return when if when > now else math.inf


async def _pump(
    request: web.Request, response: web.StreamResponse, watcher: Watcher, encoder: _Encoder,
    cache: Any, timeout: float, bookmarks: bool,
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    next_bookmark = _next_bookmark(loop.time(), deadline) if bookmarks else math.inf
    # One timer wakes the stream at least every LIVENESS_CHECK seconds (and at its
    # deadline); it is re-armed only when it has fired, not for every event, because with
    # thousands of watchers a timer per event is a large share of the fan-out's cost.
    tick: asyncio.TimerHandle | None = None
    try:
        while True:
            now = loop.time()
            if now >= deadline:
                await response.write_eof()
                return
            if now >= next_bookmark:
                await response.write(encoder.bookmark(max(cache.revision, watcher.after)))
                next_bookmark = _next_bookmark(now, deadline)
            if tick is None or tick.when() <= now:
                wake = min(now + LIVENESS_CHECK, deadline, next_bookmark)
                tick = loop.call_at(wake, watcher.poke)
            events = await watcher.take()
            if events is None:  # the watcher was closed (it fell behind, or the server stops)
                await response.write_eof()
                return
            if not events:
                transport = request.transport
                if transport is None or transport.is_closing():
                    return
                continue
            # What piled up goes out in one chunk: one socket write, not one per event.
            await response.write(b"".join(encoder.cached(event) for event in events))
    finally:
        if tick is not None:
            tick.cancel()
