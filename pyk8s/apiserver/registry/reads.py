"""Reads of the generic store: get, list (selectors, paging, resourceVersion rules), watch.

resourceVersion semantics, as Kubernetes defines them for reads:
- "" (unset): the newest data; read from the store itself (a consistent read).
- "0": any data; served from the watch cache, whole (limit is ignored, as kube-apiserver
  does for cached lists).
- "N" with resourceVersionMatch=Exact: the data as of revision N (410 once compacted).
- "N" otherwise (NotOlderThan): data at least as new as N; the store's newest qualifies.

Paging: `limit` cuts a list short and `continue` resumes it, every page read at the revision
of the first, so the pages add up to one snapshot. With selectors, a page is filled from as
many store pages as it takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api.errors import BadRequest, Gone, NotFound, Timeout
from pyk8s.api.resource import Resource
from pyk8s.apiserver.registry.options import (
    ListOptions,
    decode_continue,
    encode_continue,
    parse_resource_version,
)
from pyk8s.apiserver.registry.strategy import Strategy
from pyk8s.apiserver.watchcache import Matcher, WatchCache, Watcher, decode_stored
from pyk8s.storage.interface import CompactedError, FutureRevisionError, Store


@dataclass(slots=True)
class ListResult:
    items: list[dict[str, Any]]
    revision: int
    continue_token: str = ""


class Reads:
    def __init__(
        self, resource: Resource, strategy: Strategy, store: Store, watch_cache: WatchCache | None
    ) -> None:
        self.resource = resource
        self.strategy = strategy
        self.store = store
        self.watch_cache = watch_cache

    def prefix(self, namespace: str) -> str:
        """Store key prefix of the collection: all objects, or those of one namespace."""
        if self.resource.namespaced and namespace:
            return f"{self.resource.key_prefix}/{namespace}/"
        return f"{self.resource.key_prefix}/"

    def matcher(self, options: ListOptions) -> Matcher | None:
        """A predicate for the label and field selectors, or None when there are none."""
        labels = fields = None
        if options.label_selector:
            from pyk8s.api.labels import parse_selector

            try:
                labels = parse_selector(options.label_selector)
            except ValueError as err:
                raise BadRequest(f"unable to parse requirement: {err}") from None
        if options.field_selector:
            from pyk8s.api.fields import parse_field_selector

            try:
                fields = parse_field_selector(options.field_selector)
            except ValueError as err:
                raise BadRequest(f"invalid field selector: {err}") from None
            known = self.strategy.field_values({"metadata": {}})
            for name in fields.fields():
                if name not in known:
                    raise BadRequest(f"field label not supported: {name}")
        if labels is None and fields is None:
            return None
        strategy = self.strategy

        def matches(obj: dict[str, Any]) -> bool:
            if labels is not None and not labels.matches(
                obj.get("metadata", {}).get("labels") or {}
            ):
                return False
            return fields is None or fields.matches(strategy.field_values(obj))

        return matches

    # ---- get -------------------------------------------------------------------------

    async def get(self, namespace: str, name: str, resource_version: str = "") -> dict[str, Any]:
        key = self.resource.key(namespace, name)
        if resource_version == "0" and self.watch_cache is not None:
            cached = self.watch_cache.objects.get(key)
            if cached is None:
                raise NotFound.of(self.resource.plural, name, self.resource.group)
            return cached
        kv = await self.store.get(key)
        if kv is None:
            raise NotFound.of(self.resource.plural, name, self.resource.group)
        return decode_stored(kv.value, kv.mod_revision)

    # ---- list ------------------------------------------------------------------------

    async def list(self, namespace: str, options: ListOptions) -> ListResult:
        prefix, matcher = self.prefix(namespace), self.matcher(options)
        version = options.resource_version
        if options.continue_token:
            revision, start = decode_continue(options.continue_token)
            return await self._list_store(prefix, matcher, options.limit, prefix + start, revision)
        if version == "0" and self.watch_cache is not None:
            objects, revision = self.watch_cache.snapshot(prefix)
            items = [o for o in objects if matcher is None or matcher(o)]
            return ListResult(items, revision)
        revision = 0
        if version not in ("", "0"):
            wanted = parse_resource_version(version)
            current = await self.store.current_revision()
            if wanted > current:
                raise Timeout(f"Too large resource version: {wanted}, current: {current}")
            if options.resource_version_match == "Exact":
                revision = wanted
        return await self._list_store(prefix, matcher, options.limit, None, revision)

    async def _list_store(
        self, prefix: str, matcher: Matcher | None, limit: int, start: str | None, revision: int
    ) -> ListResult:
        items: list[dict[str, Any]] = []
        while True:
            try:
                page = await self.store.range(
                    prefix, limit=limit, start_key=start, revision=revision
                )
            except CompactedError:
                raise Gone(
                    f"The resourceVersion for the provided list is too old: {revision}"
                    if start is None
                    else "The provided continue parameter is too old to display a consistent "
                    "list result. You can start a new list without the continue parameter."
                ) from None
            except FutureRevisionError as err:
                raise Timeout(
                    f"Too large resource version: {err.requested}, current: {err.current}"
                ) from None
            revision = page.revision
            for index, kv in enumerate(page.kvs):
                obj = decode_stored(kv.value, kv.mod_revision)
                if matcher is not None and not matcher(obj):
                    continue
                items.append(obj)
                if limit and len(items) == limit:
                    more = page.more or index < len(page.kvs) - 1
                    token = (
                        encode_continue(revision, kv.key[len(prefix) :] + "\x00") if more else ""
                    )
                    return ListResult(items, revision, token)
            if not page.more or not page.kvs:
                return ListResult(items, revision)
            start = page.kvs[-1].key + "\x00"

    # ---- watch -----------------------------------------------------------------------

    async def watch(
        self, namespace: str, options: ListOptions
    ) -> tuple[list[dict[str, Any]], Watcher]:
        """The objects to announce as ADDED first, and the watcher for what follows."""
        if self.watch_cache is None:
            raise BadRequest(f"{self.resource.plural} cannot be watched")
        prefix, matcher = self.prefix(namespace), self.matcher(options)
        version = options.resource_version
        if version == "":
            # The state now, read consistently, then every change after it.
            listed = await self._list_store(prefix, matcher, 0, None, 0)
            initial, after = listed.items, listed.revision
        elif version == "0":
            objects, after = self.watch_cache.snapshot(prefix)
            initial = [o for o in objects if matcher is None or matcher(o)]
        else:
            initial, after = [], parse_resource_version(version)
        return initial, self.watch_cache.watch(prefix, after, matcher)
