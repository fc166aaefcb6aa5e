"""Resource handlers: one function per verb, and a registry for special subresources.

`serve_resource` resolves a request's RequestInfo to a resource and its store, checks the
verb is allowed, and calls the verb's handler. The `status` subresource is served by the
same handlers (the store keeps it apart from the main resource); any other subresource
(scale, binding, eviction, log, exec, ...) needs a handler registered with
`register_subresource` by the module that implements it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from pyk8s.api.errors import MethodNotAllowed, NotFound
from pyk8s.api.resource import find
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers import delete, reads, watch, writes
from pyk8s.apiserver.handlers.common import Scope
from pyk8s.apiserver.registry import Registry
from pyk8s.apiserver.requestinfo import RequestInfo

Handler = Callable[[Scope], Awaitable[web.StreamResponse]]

VERB_HANDLERS: dict[str, Handler] = {
    "get": reads.get,
    "list": reads.list_,
    "watch": watch.watch,
    "create": writes.create,
    "update": writes.update,
    "patch": writes.patch,
    "delete": delete.delete,
    "deletecollection": delete.delete_collection,
}
STATUS_VERBS = ("get", "update", "patch")

# (group, plural, subresource) -> handler, for subresources with their own behaviour.
_SUBRESOURCE_HANDLERS: dict[tuple[str, str, str], Handler] = {}


def register_subresource(group: str, plural: str, subresource: str, handler: Handler) -> None:
    _SUBRESOURCE_HANDLERS[(group, plural, subresource)] = handler


def _not_found() -> NotFound:
    return NotFound("the server could not find the requested resource")


def _method_not_allowed(info: RequestInfo) -> MethodNotAllowed:
    return MethodNotAllowed("the server does not allow this method on the requested resource")


# Subresources that are a view of the object itself, read and written by the generic verb
# handlers; the strategy decides what each may change (prepare_for_<sub>_update).
OBJECT_SUBRESOURCES = ("status", "finalize", "ephemeralcontainers")


async def serve_resource(
    request: web.Request, info: RequestInfo, registry: Registry
) -> web.StreamResponse:
    resource = find(info.group, info.version, info.resource)
    if resource is None:
        raise _not_found()
    if info.namespace and not resource.namespaced:
        raise _not_found()
    if not info.name and resource.namespaced is False and info.subresource:
        raise _not_found()
    store = registry.get(resource)
    scope = Scope(
        request, info, resource, store, negotiation.parse_accept(request.headers.get("Accept"))
    )  # type: ignore[arg-type]
    if info.subresource:
        sub = resource.subresource(info.subresource)
        if sub is None:
            raise _not_found()
        special = _SUBRESOURCE_HANDLERS.get((resource.group, resource.plural, info.subresource))
        if special is not None:
            return await special(scope)
        if info.subresource not in OBJECT_SUBRESOURCES or store is None:
            raise _not_found()
        if info.verb not in STATUS_VERBS or info.verb not in sub.verbs:
            raise _method_not_allowed(info)
        return await VERB_HANDLERS[info.verb](scope)
    if store is None:
        special = _SUBRESOURCE_HANDLERS.get((resource.group, resource.plural, ""))
        if special is not None:
            return await special(scope)
        raise _not_found()
    needs_name = info.verb in ("update", "patch")
    if (
        info.verb not in resource.verbs
        or info.verb not in VERB_HANDLERS
        or (needs_name and not info.name)
    ):
        raise _method_not_allowed(info)
    if info.verb == "create" and info.name:
        raise _method_not_allowed(info)
    return await VERB_HANDLERS[info.verb](scope)


def _register_builtin_subresources() -> None:
    from pyk8s.apiserver.handlers.scale import SCALABLE, serve_scale

    for group, plural in SCALABLE:
        register_subresource(group, plural, "scale", serve_scale)


_register_builtin_subresources()
