"""GET of one object and LIST of a collection."""

from __future__ import annotations

from aiohttp import web

from pyk8s.apiserver.handlers.common import Scope, list_response, object_response
from pyk8s.apiserver.registry.options import ListOptions


async def get(scope: Scope) -> web.StreamResponse:
    scope.wants_table()  # 406 before any work when nothing acceptable was offered
    version = scope.query.get("resourceVersion", "")
    obj = await scope.store.get(scope.namespace, scope.info.name, version)
    return object_response(scope, obj)


async def list_(scope: Scope) -> web.StreamResponse:
    scope.wants_table()
    result = await scope.store.list(scope.namespace, ListOptions.from_query(scope.query))
    return list_response(scope, result.items, result.revision, result.continue_token)
