"""The `/scale` subresource: a workload's replica count, read and written as an autoscaling/v1 Scale.

`kubectl scale` (a merge patch), the HorizontalPodAutoscaler and `kubectl patch
--subresource=scale` see only `spec.replicas` and a `status.selector` *string*; the registry
turns every write into a change of the owner's `spec.replicas` and nothing else, then stores
the owner through the ordinary update path (optimistic concurrency, generation bump,
managedFields recorded for the `scale` subresource).

Guarantees, as kube-apiserver's scale REST storage gives them:
- the Scale's name, namespace, uid, resourceVersion and creationTimestamp are the owner's;
- a `metadata.resourceVersion` in a PUT body or a patch is a precondition (409 when stale);
- a write that leaves the count as it is changes nothing (same resourceVersion).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyk8s.api.errors import BadRequest, Cause, Invalid, MethodNotAllowed, UnsupportedMediaType
from pyk8s.api.labels import selector_from_label_selector
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers.common import Scope, json_response, read_body
from pyk8s.apiserver.registry.store import copy_object
from pyk8s.apiserver.watchcache import decode_stored
from pyk8s.storage.interface import ConflictError

SCALABLE = (
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("", "replicationcontrollers"),
)
MAX_ATTEMPTS = 10


def selector_text(owner: dict[str, Any]) -> str:
    """The owner's pod selector in query form (`app=web`), as Scale.status.selector carries it."""
    selector = owner.get("spec", {}).get("selector")
    if selector is None:
        return ""
    if "matchLabels" in selector or "matchExpressions" in selector:
        return str(selector_from_label_selector(selector))
    # ReplicationControllers select with a plain map.
    return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))


def scale_of(owner: dict[str, Any]) -> dict[str, Any]:
    meta = owner["metadata"]
    copied = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {key: meta[key] for key in copied if key in meta},
        "spec": {"replicas": owner.get("spec", {}).get("replicas", 0)},
        "status": {
            "replicas": owner.get("status", {}).get("replicas", 0),
            "selector": selector_text(owner),
        },
    }


def _wanted_replicas(scope: Scope, scale: Any) -> int:
    if not isinstance(scale, dict):
        raise BadRequest("the body of a scale request must be a Scale object")
    kind = scale.get("kind")
    if kind not in (None, "Scale"):
        raise BadRequest(
            f"the object provided is unrecognized (must be of type Scale): kind {kind!r}"
        )
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise BadRequest(
            'Scale in version "v1" cannot be handled as a Scale: spec.replicas must be an integer'
        )
    if replicas < 0:
        cause = Cause(
            "FieldValueInvalid",
            f"Invalid value: {replicas}: must be greater than or equal to 0",
            "spec.replicas",
        )
        raise Invalid.of("Scale", scope.info.name, [cause], "autoscaling")
    return replicas


def _patched_scale(content_type: str, scale: dict[str, Any], patch: Any) -> Any:
    from pyk8s.api import patch as patches

    try:
        if content_type == negotiation.JSON_PATCH:
            return patches.apply_json_patch(scale, patch)
        # A Scale has no lists, so a strategic merge patch merges exactly as a merge patch.
        if content_type in (negotiation.MERGE_PATCH, negotiation.STRATEGIC_MERGE_PATCH):
            return patches.apply_merge_patch(scale, patch)
    except BadRequest:
        raise
    except Exception as err:
        raise BadRequest(f"unable to apply the patch: {err}") from None
    raise UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(negotiation.PATCH_TYPES[:3])
    )


async def serve_scale(scope: Scope) -> web.StreamResponse:
    store, verb = scope.store, scope.info.verb
    if verb == "get":
        owner = await store.get(scope.namespace, scope.info.name)
        return json_response(scale_of(owner))
    if verb not in ("update", "patch"):
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    options = scope.write_options()
    body = await read_body(scope.request)
    content_type = negotiation.parse_media_type(scope.request.headers.get("Content-Type", "")).type
    allowed = negotiation.OBJECT_TYPES if verb == "update" else negotiation.PATCH_TYPES
    decoded = negotiation.decode_body(content_type, body, allowed=allowed)
    key = store.resource.key(scope.namespace, scope.info.name)
    for _ in range(MAX_ATTEMPTS):
        kv = await store.store.get(key)
        if kv is None:
            raise store.not_found(scope.info.name)
        owner = decode_stored(kv.value, kv.mod_revision)
        current = scale_of(owner)
        wanted = decoded if verb == "update" else _patched_scale(content_type, current, decoded)
        replicas = _wanted_replicas(scope, wanted)
        precondition = (wanted.get("metadata") or {}).get("resourceVersion")
        if precondition and precondition != owner["metadata"]["resourceVersion"]:
            raise store.conflict(scope.info.name)
        updated = copy_object(owner)
        updated.setdefault("spec", {})["replicas"] = replicas
        try:
            result = await store.update_from(kv, updated, options, "scale")
        except ConflictError:
            if precondition:
                raise store.conflict(scope.info.name) from None
            continue
        return json_response(scale_of(result), 200, options.warnings)
    raise store.conflict(scope.info.name)
