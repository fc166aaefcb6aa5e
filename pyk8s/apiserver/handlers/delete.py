"""DELETE of one object and of a collection (deletecollection). Both read a DeleteOptions body."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api.errors import BadRequest
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers.common import Scope, json_response, object_response, read_body
from pyk8s.apiserver.registry.options import ListOptions


async def _delete_options(scope: Scope) -> dict[str, Any]:
    body = await read_body(scope.request)
    options: dict[str, Any] = {}
    if body.strip():
        decoded = negotiation.decode_body(
            scope.request.headers.get("Content-Type"), body, allowed=negotiation.OBJECT_TYPES
        )
        if not isinstance(decoded, dict):
            raise BadRequest("DeleteOptions must be a JSON object")
        options = decoded
    # Query parameters are the older way to say the same things.
    for name in ("gracePeriodSeconds", "propagationPolicy", "orphanDependents"):
        if name in scope.query and name not in options:
            value: Any = scope.query[name]
            if name == "gracePeriodSeconds":
                value = int(value)
            elif name == "orphanDependents":
                value = value.lower() == "true"
            options[name] = value
    return options


async def delete(scope: Scope) -> web.StreamResponse:
    delete_options = await _delete_options(scope)
    options = scope.write_options()
    options.dry_run = options.dry_run or "All" in (delete_options.get("dryRun") or [])
    result, _ = await scope.store.delete(scope.namespace, scope.info.name, delete_options, options)
    return object_response(scope, result)


async def delete_collection(scope: Scope) -> web.StreamResponse:
    delete_options = await _delete_options(scope)
    options = scope.write_options()
    options.dry_run = options.dry_run or "All" in (delete_options.get("dryRun") or [])
    list_options = ListOptions.from_query(scope.query)
    items = await scope.store.delete_collection(
        scope.namespace, list_options, delete_options, options
    )
    resource = scope.resource
    return json_response(
        {
            "kind": resource.list_kind,
            "apiVersion": resource.api_version,
            "metadata": {},
            "items": items,
        }
    )
