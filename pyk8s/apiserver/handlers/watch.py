"""WATCH: a chunked stream of JSON lines, `{"type": ..., "object": ...}`, flushed per event.

- Events come from the watch cache (watchcache.py); resourceVersion "" or "0" first
  announces every current object as ADDED (kubectl's single-object watch drops exactly
  that first event, kubectl-contract §4.3).
- With `as=Table`, each event's object is a one-row Table; only the first event carries the
  column definitions, as kube-apiserver does.
- A resourceVersion older than the cache's window ends in an ERROR event carrying a 410
  Expired Status, in a 200 stream, which is how clients expect to learn it.
- `timeoutSeconds` ends the stream cleanly; without it the stream lasts 30 to 60 minutes.
- `allowWatchBookmarks=true` adds a BOOKMARK with the newest revision every minute.
- A client that went away is noticed within a few seconds, even when no event comes.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import orjson
from aiohttp import web

from pyk8s.api.errors import Gone
from pyk8s.apiserver.handlers.common import Scope, include_object
from pyk8s.apiserver.registry.options import ListOptions
from pyk8s.apiserver.watchcache import WatchEvent

BOOKMARK_INTERVAL = 60.0
# How often an idle stream checks that its client is still connected.
LIVENESS_CHECK = 5.0


class _Encoder:
    """Turns events into lines in the format the client asked for."""

    def __init__(self, scope: Scope, as_table: bool) -> None:
        self.scope = scope
        self.as_table = as_table
        self.include = include_object(scope) if as_table else ""
        self.headers_sent = False

    def event(self, kind: str, obj: dict[str, Any], cached: WatchEvent | None = None) -> bytes:
        if self.as_table:
            return self._line(kind, orjson.dumps(self._table(obj)))
        body = (
            cached.object_json if cached is not None and cached.type == kind else orjson.dumps(obj)
        )
        return self._line(kind, body)

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
        return self._line("BOOKMARK", orjson.dumps(marker))

    @staticmethod
    def _line(kind: str, body: bytes) -> bytes:
        return b'{"type":"' + kind.encode() + b'","object":' + body + b"}\n"


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
        await response.write(encoder._line("ERROR", orjson.dumps(gone.to_status())))
        await response.write_eof()
        return response
    cache = scope.store.watch_cache
    assert cache is not None
    response = await _start_stream(scope.request)
    timeout = options.timeout_seconds
    if timeout is None:
        timeout = random.uniform(1800, 3600)
    try:
        for obj in initial:
            await response.write(encoder.event("ADDED", obj))
        await _pump(
            scope.request, response, watcher, encoder, cache, timeout, options.allow_bookmarks
        )
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        pass  # the client left
    finally:
        cache.forget(watcher)
    return response


async def _pump(
    request: web.Request, response: web.StreamResponse, watcher: Any, encoder: _Encoder,
    cache: Any, timeout: float, bookmarks: bool,
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    next_bookmark = loop.time() + BOOKMARK_INTERVAL
    while True:
        now = loop.time()
        if now >= deadline:
            await response.write_eof()
            return
        if bookmarks and now >= next_bookmark:
            await response.write(encoder.bookmark(max(cache.revision, watcher.after)))
            next_bookmark = now + BOOKMARK_INTERVAL
        wait = min(deadline - now, LIVENESS_CHECK)
        try:
            event = await watcher.next(wait)
        except TimeoutError:
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            continue
        if event is None:  # the watcher was closed (it fell behind, or the server stops)
            await response.write_eof()
            return
        await response.write(encoder.event(event.type, event.object, event))
