"""Resources computed on request instead of stored: component statuses and self reviews.

- componentstatuses (GET one / LIST): the store ("etcd-0", healthy when a read succeeds),
  the scheduler (https://127.0.0.1:10259/healthz) and the controller-manager
  (https://127.0.0.1:10257/healthz), as kube-apiserver reports them, always with the
  Warning "v1 ComponentStatus is deprecated in v1.19+". A component that does not answer is
  Unhealthy with the connection error.
- selfsubjectaccessreviews / selfsubjectrulesreviews: with AlwaysAllow authorization every
  question is answered yes and every rule is "*".
- selfsubjectreviews: the caller's user info.

The handlers register themselves with pyk8s.apiserver.handlers.register_subresource for the
"" subresource (the whole resource), which serve_resource uses for resources without a
store. componentstatuses needs the Store: the server calls `configure(store)` at start.
"""

from __future__ import annotations

import asyncio
import copy
import ssl
from typing import Any

import aiohttp
from aiohttp import web

from pyk8s.api.errors import BadRequest, MethodNotAllowed, NotFound
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.authn import USER_KEY
from pyk8s.apiserver.handlers import register_subresource
from pyk8s.apiserver.handlers.common import Scope, json_response, read_body, table
from pyk8s.storage.interface import Store

DEPRECATED = "v1 ComponentStatus is deprecated in v1.19+"
HEALTH_URLS = {
    "scheduler": "https://127.0.0.1:10259/healthz",
    "controller-manager": "https://127.0.0.1:10257/healthz",
}
PROBE_TIMEOUT = 2.0
ANONYMOUS = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}

_store: Store | None = None


def configure(store: Store) -> None:
    global _store
    _store = store


# ---- componentstatuses ------------------------------------------------------------------


def _status(name: str, healthy: bool, message: str) -> dict[str, Any]:
    condition: dict[str, str] = {"type": "Healthy", "status": "True" if healthy else "False"}
    condition["message" if healthy else "error"] = message
    return {
        "kind": "ComponentStatus",
        "apiVersion": "v1",
        "metadata": {"name": name},
        "conditions": [condition],
    }


async def probe_url(name: str, url: str) -> dict[str, Any]:
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # a health probe, like upstream
    timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, ssl=tls) as response,
        ):
            body = (await response.text()).strip()
            if response.status != 200:
                return _status(name, False, f"unhealthy: {response.status} {body}")
            return _status(name, True, body)
    except aiohttp.ClientConnectorError as err:
        host_port = f"{err.host}:{err.port}"
        return _status(
            name, False, f'Get "{url}": dial tcp {host_port}: connect: connection refused'
        )
    except (TimeoutError, aiohttp.ClientError, OSError) as err:
        return _status(name, False, f'Get "{url}": {err or type(err).__name__}')


async def probe_store(store: Store | None) -> dict[str, Any]:
    if store is None:
        return _status("etcd-0", False, "the API server has no store configured")
    try:
        await asyncio.wait_for(store.get("/health"), PROBE_TIMEOUT)
    except Exception as err:  # any failure of the store is what this reports
        return _status("etcd-0", False, str(err) or type(err).__name__)
    return _status("etcd-0", True, "ok")


async def component_statuses() -> list[dict[str, Any]]:
    probes = [probe_url(name, url) for name, url in HEALTH_URLS.items()]
    return list(await asyncio.gather(*probes, probe_store(_store)))


async def serve_component_statuses(scope: Scope) -> web.StreamResponse:
    verb = scope.info.verb
    if verb not in ("get", "list"):
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    items = await component_statuses()
    if verb == "get":
        found = [item for item in items if item["metadata"]["name"] == scope.info.name]
        if not found:
            raise NotFound.of("componentstatuses", scope.info.name)
        items = found
    if scope.wants_table():
        return json_response(table(scope, items, {}), warnings=[DEPRECATED])
    if verb == "get":
        return json_response(items[0], warnings=[DEPRECATED])
    listed = {"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items}
    return json_response(listed, warnings=[DEPRECATED])


# ---- reviews ----------------------------------------------------------------------------


def user_info(request: web.Request) -> dict[str, Any]:
    user = request.get(USER_KEY)
    if hasattr(user, "to_dict"):
        return user.to_dict()
    if isinstance(user, dict):
        return copy.deepcopy(user)
    if isinstance(user, str) and user:
        return {"username": user, "groups": ["system:authenticated"]}
    return copy.deepcopy(ANONYMOUS)


async def _review_body(scope: Scope) -> dict[str, Any]:
    if scope.info.verb != "create":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    body = await read_body(scope.request)
    review = negotiation.decode_body(
        scope.request.headers.get("Content-Type"), body, allowed=negotiation.OBJECT_TYPES
    )
    if not isinstance(review, dict):
        raise BadRequest(f"a {scope.resource.kind} must be a JSON object")
    review["apiVersion"], review["kind"] = scope.resource.api_version, scope.resource.kind
    review.setdefault("metadata", {}).setdefault("creationTimestamp", None)
    return review


async def self_subject_access_review(scope: Scope) -> web.StreamResponse:
    review = await _review_body(scope)
    if not review.get("spec", {}).get("resourceAttributes") and not review.get("spec", {}).get(
        "nonResourceAttributes"
    ):
        raise BadRequest(
            "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        )
    review["status"] = {"allowed": True}
    return json_response(review, 201)


async def self_subject_rules_review(scope: Scope) -> web.StreamResponse:
    review = await _review_body(scope)
    review["status"] = {
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
        "incomplete": False,
    }
    return json_response(review, 201)


async def self_subject_review(scope: Scope) -> web.StreamResponse:
    review = await _review_body(scope)
    review["status"] = {"userInfo": user_info(scope.request)}
    return json_response(review, 201)


AUTHZ = "authorization.k8s.io"
register_subresource("", "componentstatuses", "", serve_component_statuses)
register_subresource(AUTHZ, "selfsubjectaccessreviews", "", self_subject_access_review)
register_subresource(AUTHZ, "selfsubjectrulesreviews", "", self_subject_rules_review)
register_subresource("authentication.k8s.io", "selfsubjectreviews", "", self_subject_review)
