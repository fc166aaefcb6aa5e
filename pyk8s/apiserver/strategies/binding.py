"""Binding a pod to a node: POST pods/<name>/binding (and the older POST bindings).

What the scheduler does to place a pod. Like Kubernetes' BindingREST, the write goes straight
to the stored pod (no admission, no pod update rules, which would forbid changing
spec.nodeName):

- the Binding must name a node (`target.name`; `target.kind` Node or empty) -> 422;
- a pod already bound, or being deleted, cannot be bound -> 409 Conflict on pods/binding;
- `metadata.uid` / `metadata.resourceVersion` of the Binding, when set, must be the pod's;
- the pod gets spec.nodeName, the Binding's annotations, and condition PodScheduled=True.

The answer is a Success Status with code 201, as Kubernetes sends.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp import web

from pyk8s.api.errors import BadRequest, Conflict, Invalid, MethodNotAllowed, NotFound
from pyk8s.api.kinds.core_pod_update import validate_binding
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers import register_subresource
from pyk8s.apiserver.handlers.common import Scope, json_response, read_body
from pyk8s.apiserver.registry.store import encode_for_storage
from pyk8s.apiserver.watchcache import decode_stored
from pyk8s.storage.interface import ConflictError

MAX_ATTEMPTS = 10


def _binding_conflict(name: str, reason: str) -> Conflict:
    return Conflict(
        f'Operation cannot be fulfilled on pods/binding "{name}": {reason}',
        details={"name": name, "kind": "pods/binding"},
    )


def bind(pod: dict[str, Any], binding: dict[str, Any], now: str) -> dict[str, Any]:
    """The pod bound as `binding` says (a new dict), or Conflict."""
    meta, name = pod["metadata"], pod["metadata"]["name"]
    wanted = binding.get("metadata") or {}
    if wanted.get("uid") and wanted["uid"] != meta.get("uid"):
        raise _binding_conflict(
            name,
            f"Precondition failed: UID in precondition: {wanted['uid']}, "
            f"UID in object meta: {meta.get('uid', '')}",
        )
    if meta.get("deletionTimestamp"):
        raise _binding_conflict(name, f"pod {name} is being deleted, cannot be assigned to a host")
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        raise _binding_conflict(name, f'pod {name} is already assigned to node "{node}"')
    bound = {**pod, "metadata": dict(meta), "spec": dict(pod.get("spec") or {})}
    bound["spec"]["nodeName"] = binding["target"]["name"]
    if wanted.get("annotations"):
        bound["metadata"]["annotations"] = {
            **(meta.get("annotations") or {}), **wanted["annotations"],
        }  # fmt: skip
    status = dict(pod.get("status") or {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conditions.append(
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
    )
    status["conditions"] = conditions
    bound["status"] = status
    return bound


async def bind_pod(
    scope: Scope, namespace: str, name: str, binding: dict[str, Any], dry_run: bool
) -> None:
    causes = validate_binding(binding, "")
    if causes:
        raise Invalid.of("Binding", name, causes)
    store, key = scope.store.store, scope.store.resource.key(namespace, name)
    wanted_version = (binding.get("metadata") or {}).get("resourceVersion")
    for _ in range(MAX_ATTEMPTS):
        kv = await store.get(key)
        if kv is None:
            raise NotFound.of("pods", name)
        if wanted_version and wanted_version != str(kv.mod_revision):
            raise Conflict.of("pods", name)
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        bound = bind(decode_stored(kv.value, kv.mod_revision), binding, now)
        if dry_run:
            return
        try:
            await store.update(key, encode_for_storage(bound), kv.mod_revision)
        except ConflictError:
            continue
        return
    raise Conflict.of("pods", name)


async def _read_binding(scope: Scope) -> dict[str, Any]:
    if scope.info.verb != "create":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    body = await read_body(scope.request)
    binding = negotiation.decode_body(
        scope.request.headers.get("Content-Type"), body, allowed=negotiation.OBJECT_TYPES
    )
    if not isinstance(binding, dict):
        raise BadRequest("a Binding must be a JSON object")
    namespace = (binding.get("metadata") or {}).get("namespace")
    if namespace and namespace != scope.info.namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    return binding


def _created() -> web.Response:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    return json_response(status, 201)


async def pod_binding(scope: Scope) -> web.StreamResponse:
    """POST /api/v1/namespaces/<ns>/pods/<name>/binding"""
    binding = await _read_binding(scope)
    dry_run = scope.write_options().dry_run
    await bind_pod(scope, scope.info.namespace, scope.info.name, binding, dry_run)
    return _created()


register_subresource("", "pods", "binding", pod_binding)
