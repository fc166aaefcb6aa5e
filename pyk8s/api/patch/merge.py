"""JSON merge patch (RFC 7386): `application/merge-patch+json`.

`kubectl label`, `annotate`, `scale` and `patch --type=merge` send these. The rules are short:
an object in the patch merges into the object it lands on, key by key; `null` deletes a key;
anything else (strings, numbers, lists) replaces what was there. Lists are never merged.

The inputs are never modified. A patch that is not a JSON object is refused with the
400 BadRequest texts the real API server gives (it decodes the body into a Go map first).
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import errors
from pyk8s.api.patch.common import copy_json

# How Go's JSON decoder names a JSON value that cannot go into a map.
_JSON_KIND = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def apply_merge_patch(original: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Return `original` with the merge patch applied."""
    if patch is None:
        raise errors.BadRequest("Invalid JSON Patch")
    if not isinstance(patch, dict):
        kind = _JSON_KIND.get(type(patch), "value")
        raise errors.BadRequest(
            f"error decoding patch: json: cannot unmarshal {kind} into Go value of type "
            "map[string]interface {}"
        )
    return _merge(copy_json(original), patch)


def _merge(target: Any, patch: Any) -> Any:
    """Merge `patch` into `target`, which the caller owns and which may be reused."""
    if not isinstance(patch, dict):
        return copy_json(patch)
    merged = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged
