"""The aiohttp application: one catch-all route, a middleware that turns errors into Status
objects, and the non-resource endpoints (version, health, discovery, OpenAPI).

Every response of pyk8s is JSON. Every error is a `Status` with Kubernetes' code and
reason: unknown paths 404, disallowed methods 405, oversized bodies 413, and anything
unexpected 500 (logged with its traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from pyk8s.api.errors import (
    InternalError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    StatusError,
)
from pyk8s.apiserver import discovery, negotiation
from pyk8s.apiserver.authn import USER_KEY, Authenticator
from pyk8s.apiserver.handlers import serve_resource
from pyk8s.apiserver.handlers.common import MAX_BODY_BYTES, json_response
from pyk8s.apiserver.registry import Registry
from pyk8s.apiserver.requestinfo import RequestInfo, parse_request_info
from pyk8s.apiserver.version import version_info

logger = logging.getLogger("pyk8s.apiserver")

HEALTH_PATHS = ("/healthz", "/livez", "/readyz")
# A one-item list, so the server can fill in its real port after the app has started.
SERVER_ADDRESS = web.AppKey("server_address", list)


@web.middleware
async def status_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except StatusError as err:
        return json_response(err.to_status(), err.code)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("%s %s failed", request.method, request.path)
        err = InternalError("an error on the server prevented the request from succeeding")
        return json_response(err.to_status(), err.code)


def build_app(
    registry: Registry,
    *,
    server_address: str = "127.0.0.1:6443",
    authenticator: Authenticator | None = None,
    authorizer: Any = None,
) -> web.Application:
    # Errors first, so an authentication failure is a Status too; then who is asking.
    authenticator = authenticator or Authenticator()
    app = web.Application(
        middlewares=[status_errors, authenticator.middleware()], client_max_size=MAX_BODY_BYTES
    )
    # The address /api advertises; the server updates it once it knows its real port.
    app[SERVER_ADDRESS] = [server_address]

    async def dispatch(request: web.Request) -> web.StreamResponse:
        info = parse_request_info(request.method, request.path, request.query)
        if authorizer is not None:  # None is AlwaysAllow: nothing to ask
            await _authorize(authorizer, request, info)
        if info.is_resource_request:
            return await serve_resource(request, info, registry)
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        return non_resource(request, info, request.app[SERVER_ADDRESS][0])

    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


async def _authorize(authorizer: Any, request: web.Request, info: RequestInfo) -> None:
    """Ask the authorizer (authz/) whether the authenticated user may do this; 403 if not."""
    from pyk8s.apiserver import authz

    attrs = authz.attributes_for(info, request[USER_KEY], request.query)
    decision = await authorizer.authorize(attrs)
    if not decision.allowed:
        raise authz.forbidden(attrs, decision.reason)


def non_resource(
    request: web.Request, info: RequestInfo, server_address: str
) -> web.StreamResponse:
    path = request.path.rstrip("/") or "/"
    if path == "/version":
        return json_response(version_info())
    if path in HEALTH_PATHS or any(path.startswith(p + "/") for p in HEALTH_PATHS):
        return web.Response(text="ok", content_type="text/plain")
    if path.startswith("/openapi/v3"):
        return _openapi(path)
    if path == "/openapi/v2":
        return _openapi_v2(request)
    if info.api_prefix:
        document = _discovery(request, info, server_address)
        if document is not None:
            return document
    from pyk8s.apiserver import serviceaccounts

    # /.well-known/openid-configuration and /openid/v1/jwks: how others check our tokens.
    if (oidc := serviceaccounts.oidc_response(path)) is not None:
        return oidc
    raise NotFound("the server could not find the requested resource")


def _discovery(
    request: web.Request, info: RequestInfo, server_address: str
) -> web.StreamResponse | None:
    path = request.path.rstrip("/")
    if path in ("/api", "/apis"):
        aggregated = negotiation.discovery_version(
            negotiation.parse_accept(request.headers.get("Accept"))
        )
        if aggregated:
            response = json_response(discovery.aggregated(path == "/api", aggregated))
            response.headers["Content-Type"] = discovery.aggregated_content_type(aggregated)
            return response
        if path == "/api":
            return json_response(discovery.api_versions(server_address))
        return json_response(discovery.api_group_list())
    if info.api_prefix == "apis" and info.group and not info.version:
        document = discovery.api_group_document(info.group)
    else:
        document = discovery.api_resource_list(info.group, info.version)
    return json_response(document) if document is not None else None


def _openapi_v2(request: web.Request) -> web.StreamResponse:
    """Swagger 2.0, in protobuf for kubectl (or JSON), with an ETag so clients can cache it."""
    from pyk8s.api.openapi_v2 import openapi_v2_etag, openapi_v2_response

    chosen = openapi_v2_response(request.headers.get("Accept", ""))
    if chosen is None:
        raise NotAcceptable("only application/json and the OpenAPI v2 protobuf are served")
    headers = {"ETag": openapi_v2_etag(), "Vary": "Accept"}
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return web.Response(status=304, headers=headers)
    body, content_type = chosen
    return web.Response(body=body, headers={**headers, "Content-Type": content_type})


def _openapi(path: str) -> web.StreamResponse:
    from pyk8s.api import openapi  # built on first use: not on the start-up path

    if path == "/openapi/v3":
        return json_response(openapi.openapi_v3_index())
    rest = path[len("/openapi/v3/") :].split("/")
    if rest[:1] == ["api"] and len(rest) == 2:
        document = openapi.openapi_v3_document("", rest[1])
    elif rest[:1] == ["apis"] and len(rest) == 3:
        document = openapi.openapi_v3_document(rest[1], rest[2])
    else:
        document = None
    if document is None:
        raise NotFound("the server could not find the requested resource")
    return json_response(document)
