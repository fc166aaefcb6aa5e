"""JSON patch (RFC 6902): `application/json-patch+json`, a list of operations.

`kubectl patch --type=json` and `kubectl rollout undo` send these, e.g.
`[{"op": "replace", "path": "/spec/replicas", "value": 2}]`. The operations themselves
(add, remove, replace, move, copy, test) are the `jsonpatch` library's; this module decodes
the body and maps failures onto the API server's answers:

- a body that is not JSON, or not a list of objects: 400 BadRequest "error decoding patch: ...";
- more than 10,000 operations: 413;
- an operation that cannot be applied (a failed "test", a missing path, an unknown op):
  422 with the server's generic "the server rejected our request ..." text.

The inputs are never modified.
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch as rfc6902
import jsonpointer

from pyk8s.api import errors
from pyk8s.api.patch.common import PatchRejected, copy_json

MAX_OPERATIONS = 10_000
_GO_KIND = {dict: "object", str: "string", bool: "bool", int: "number", float: "number"}


def apply_json_patch(original: dict[str, Any], patch: list[Any] | bytes | str) -> dict[str, Any]:
    """Return `original` with the JSON patch's operations applied in order."""
    operations = _decode(patch)
    if len(operations) > MAX_OPERATIONS:
        raise errors.RequestEntityTooLarge(
            f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, "
            f"got {len(operations)}"
        )
    try:
        patched = rfc6902.JsonPatch(operations).apply(original, in_place=False)
    except (rfc6902.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise PatchRejected(str(exc)) from exc
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        # Malformed operations (a non-string path, a missing field) surface as these.
        raise PatchRejected(repr(exc)) from exc
    if not isinstance(patched, dict):
        raise PatchRejected("the patched document is not a JSON object")
    return copy_json(patched)


def _decode(patch: list[Any] | bytes | str) -> list[dict[str, Any]]:
    if isinstance(patch, bytes | str):
        try:
            patch = json.loads(patch)
        except ValueError as exc:
            raise errors.BadRequest(f"error decoding patch: {exc}") from exc
    if patch is None:
        return []  # Go decodes `null` into an empty list of operations: nothing to do
    if not isinstance(patch, list):
        kind = _GO_KIND.get(type(patch), "value")
        raise errors.BadRequest(
            f"error decoding patch: json: cannot unmarshal {kind} into Go value of type "
            "[]handlers.jsonPatchOp"
        )
    for operation in patch:
        if not isinstance(operation, dict):
            kind = _GO_KIND.get(type(operation), "value")
            raise errors.BadRequest(
                f"error decoding patch: json: cannot unmarshal {kind} into Go value of type "
                "handlers.jsonPatchOp"
            )
    return patch
