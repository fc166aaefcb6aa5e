"""What every incoming object goes through before the registry acts on it.

- The body must be a JSON object of the resource's kind and apiVersion (both may be absent;
  they are filled in).
- Unknown fields are found from the schema; `fieldValidation` turns them into a 400
  (Strict), `Warning` headers (Warn) or nothing (Ignore). They are dropped in every case.
- Values must have their schema types (a 400 otherwise) and are put in normal form.
- The namespace of the body must agree with the URL's.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import structural
from pyk8s.api.errors import BadRequest
from pyk8s.api.resource import Resource
from pyk8s.apiserver.registry.options import WriteOptions


def cannot_handle(resource: Resource, reason: str) -> BadRequest:
    return BadRequest(
        f'{resource.kind} in version "{resource.version}" cannot be handled as a '
        f"{resource.kind}: {reason}"
    )


def prepare_input(resource: Resource, body: Any, options: WriteOptions) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise cannot_handle(resource, "the body must be a JSON object")
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind and kind != resource.kind:
        raise BadRequest(
            f"the object provided is unrecognized (must be of type {resource.kind}): "
            f"kind {kind!r} does not match"
        )
    if api_version and api_version != resource.api_version:
        raise BadRequest(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource.api_version})"
        )
    obj = {"apiVersion": resource.api_version, "kind": resource.kind, **body}
    obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise cannot_handle(resource, "metadata must be an object")
    obj["metadata"] = dict(metadata)
    check_fields(resource, obj, options)
    return obj


def check_fields(resource: Resource, obj: dict[str, Any], options: WriteOptions) -> None:
    """Apply fieldValidation, drop unknown fields, check types, normalise (in place)."""
    struct = resource.struct
    unknown = structural.unknown_fields(obj, struct)
    if unknown and options.field_validation == "Strict":
        listed = ", ".join(f'unknown field "{path}"' for path in unknown)
        raise cannot_handle(resource, f"strict decoding error: {listed}")
    if unknown and options.field_validation == "Warn":
        options.warnings.extend(f'unknown field "{path}"' for path in unknown)
    if unknown:
        structural.prune_unknown(obj, struct)
    structural.check_types(obj, struct, kind=resource.kind, api_version=resource.api_version)
    structural.normalize(obj, struct)
    drop_empty_metadata(obj["metadata"])


# ObjectMeta's maps and lists are all `omitempty` in Go: an emptied one (a patch removed the
# last label) is not shown at all, rather than as `{}`.
_OMIT_WHEN_EMPTY = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")


def drop_empty_metadata(metadata: dict[str, Any]) -> None:
    for name in _OMIT_WHEN_EMPTY:
        if name in metadata and not metadata[name]:
            del metadata[name]


def check_namespace(resource: Resource, metadata: dict[str, Any], namespace: str) -> None:
    """The body's namespace must be the URL's (or absent); cluster-scoped objects have none."""
    if not resource.namespaced:
        metadata.pop("namespace", None)
        return
    given = metadata.get("namespace")
    if given and given != namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    metadata["namespace"] = namespace


def track_managed_fields(
    resource: Resource,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    operation: str,
    subresource: str,
    now: str,
) -> None:
    """Record in new.metadata.managedFields which fields `manager` set (server-side apply's
    bookkeeping)."""
    if not manager:
        return
    from pyk8s.api.patch import update_managed_fields

    result = update_managed_fields(
        old or {},
        new,
        resource.struct,
        manager=manager,
        operation=operation,
        api_version=resource.api_version,
        now=now,
        subresource=subresource,
    )
    if isinstance(result, list):
        new["metadata"]["managedFields"] = result
    elif isinstance(result, dict) and result is not new:
        new.clear()
        new.update(result)
