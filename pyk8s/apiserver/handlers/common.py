"""What every resource handler shares: the request scope, body reading, JSON/Table answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDict

from pyk8s.api.errors import BadRequest, RequestEntityTooLarge
from pyk8s.api.resource import Resource
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.authn import USER_KEY
from pyk8s.apiserver.registry.options import WriteOptions
from pyk8s.apiserver.registry.store import GenericStore
from pyk8s.apiserver.requestinfo import RequestInfo

MAX_BODY_BYTES = 3 * 1024 * 1024


@dataclass(slots=True)
class Scope:
    """One resource request, resolved: what is asked, of which resource, through which store."""

    request: web.Request
    info: RequestInfo
    resource: Resource
    store: GenericStore
    accept: list[negotiation.MediaType] = field(default_factory=list)

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def namespace(self) -> str:
        return self.info.namespace if self.resource.namespaced else ""

    def write_options(self) -> WriteOptions:
        # Kubernetes names an unnamed manager after the client's User-Agent ("kubectl").
        agent = self.request.headers.get("User-Agent", "").split("/", 1)[0]
        options = WriteOptions.from_query(self.query, default_manager=agent)
        user = self.request.get(USER_KEY)
        if user is not None:
            options.user = user.name
        return options

    def wants_table(self) -> bool:
        return negotiation.require_json_or_table(self.accept)


async def read_body(request: web.Request) -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY_BYTES}")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestEntityTooLarge(
            f"Request entity too large: limit is {MAX_BODY_BYTES}"
        ) from None


def json_response(obj: Any, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict({"Content-Type": "application/json"})
    for warning in warnings or []:
        escaped = warning.replace("\\", "\\\\").replace('"', '\\"')
        headers.add("Warning", f'299 - "{escaped}"')
    return web.Response(body=orjson.dumps(obj), status=status, headers=headers)


def include_object(scope: Scope) -> str:
    value = scope.query.get("includeObject", "Metadata")
    if value not in ("None", "Metadata", "Object"):
        raise BadRequest(f'includeObject: Unsupported value: "{value}"')
    return value


def table(scope: Scope, objects: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, Any]:
    from pyk8s.api.printers import build_table

    result = build_table(scope.resource, objects, include_object=include_object(scope))
    result["metadata"] = metadata
    return result


def object_response(
    scope: Scope, obj: dict[str, Any], status: int = 200, warnings: list[str] | None = None
) -> web.Response:
    """One object, or a one-row Table when the client asked for tables."""
    if obj.get("kind") != "Status" and scope.wants_table():
        version = obj.get("metadata", {}).get("resourceVersion", "")
        obj = table(scope, [obj], {"resourceVersion": version})
    return json_response(obj, status, warnings)


def list_response(
    scope: Scope, items: list[dict[str, Any]], revision: int, token: str = ""
) -> web.Response:
    metadata: dict[str, Any] = {"resourceVersion": str(revision)}
    if token:
        metadata["continue"] = token
    if scope.wants_table():
        return json_response(table(scope, items, metadata))
    resource = scope.resource
    return json_response(
        {
            "kind": resource.list_kind,
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": items,
        }
    )
