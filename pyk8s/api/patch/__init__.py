"""Patches: the four ways a client can change part of an object, as pure functions.

| Content-Type                             | function                       | module        |
|------------------------------------------|--------------------------------|---------------|
| application/json-patch+json              | `apply_json_patch`             | jsonpatch.py  |
| application/merge-patch+json             | `apply_merge_patch`            | merge.py      |
| application/strategic-merge-patch+json   | `apply_strategic_merge_patch`  | strategic.py  |
| application/apply-patch+yaml             | `server_side_apply`            | apply.py      |

Every write that is not an apply records its author with `update_managed_fields`
(managed_fields.py). None of these functions modifies its inputs; each raises a
`pyk8s.api.errors` exception carrying the status code the real API server would answer.
"""

from pyk8s.api.patch.apply import server_side_apply
from pyk8s.api.patch.jsonpatch import apply_json_patch
from pyk8s.api.patch.managed_fields import update_managed_fields
from pyk8s.api.patch.merge import apply_merge_patch
from pyk8s.api.patch.strategic import apply_strategic_merge_patch

__all__ = [
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "server_side_apply",
    "update_managed_fields",
]
