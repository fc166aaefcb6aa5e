"""POST (create), PUT (update) and PATCH of one object."""

from __future__ import annotations

from aiohttp import web

from pyk8s.api.errors import BadRequest
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers.common import Scope, object_response, read_body


async def create(scope: Scope) -> web.StreamResponse:
    if scope.info.name:
        raise BadRequest("a create (POST) goes to the collection, not to an object")
    options = scope.write_options()
    body = await read_body(scope.request)
    obj = negotiation.decode_body(
        scope.request.headers.get("Content-Type"),
        body,
        allowed=negotiation.OBJECT_TYPES,
        kind=scope.resource.kind,
    )
    created = await scope.store.create(scope.namespace, obj, options)
    return object_response(scope, created, 201, options.warnings)


async def update(scope: Scope) -> web.StreamResponse:
    options = scope.write_options()
    body = await read_body(scope.request)
    obj = negotiation.decode_body(
        scope.request.headers.get("Content-Type"),
        body,
        allowed=negotiation.OBJECT_TYPES,
        kind=scope.resource.kind,
    )
    result, created = await scope.store.update(
        scope.namespace, scope.info.name, obj, options, scope.info.subresource
    )
    return object_response(scope, result, 201 if created else 200, options.warnings)


async def patch(scope: Scope) -> web.StreamResponse:
    content_type = negotiation.parse_media_type(scope.request.headers.get("Content-Type", "")).type
    options = scope.write_options()
    if content_type == negotiation.APPLY_PATCH:
        # Server-side apply needs a manager named by the client, never a derived one.
        options.field_manager = scope.query.get("fieldManager", "")
    force = scope.query.get("force", "").lower() == "true"
    if force and content_type != negotiation.APPLY_PATCH:
        raise BadRequest("force may only be specified with apply patches")
    body = await read_body(scope.request)
    patch = negotiation.decode_body(content_type, body, allowed=negotiation.PATCH_TYPES)
    result, created = await scope.store.patch(
        scope.namespace, scope.info.name, content_type, patch, options,
        force=force, subresource=scope.info.subresource,
    )  # fmt: skip
    return object_response(scope, result, 201 if created else 200, options.warnings)
