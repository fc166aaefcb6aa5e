"""Strategic merge patch: `application/strategic-merge-patch+json`, Kubernetes' own patch.

It is a JSON merge patch that knows the schema. Where the schema tags a list with
`patch_strategy="merge"` the list is merged instead of replaced: items with a `patch_merge_key`
(containers by `name`, container ports by `containerPort`) are matched and merged, lists of
scalars (finalizers) become a set union. kubectl's `patch` (by default), `edit`, `set image`,
`rollout restart` and client-side `apply` all send it.

The patch may carry directives, all handled here:

- `"$patch": "replace"` in an object: the object replaces the original instead of merging;
  in a list: the list (minus that marker item) replaces the original list.
- `"$patch": "delete"` in an object: the object becomes empty; in a list item: the original
  items with that merge key are removed.
- `"$retainKeys": [...]`: keys of the original object not listed are cleared (fields tagged
  `retainKeys`, e.g. a Deployment's `strategy`).
- `"$deleteFromPrimitiveList/<list>": [...]`: those values are removed from a scalar list.
- `"$setElementOrder/<list>": [...]`: the final order of the patched list's items; items of the
  original that are not mentioned keep their relative place among them.
- `null`: the key is deleted.

Order of a merged list, as the real server does it: items named in the patch come in the
patch's order, original items not in the patch keep their place relative to the items around
them; a brand-new item goes *before* the original items it is compared with (so an item added
without `$setElementOrder` ends up first).

Errors carry the real server's codes: 400 for a malformed directive, 422 for lists of lists,
500 (no reason) for a list item without its merge key or an unknown `$patch` value.
The inputs are never modified.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import errors
from pyk8s.api.patch.common import (
    PatchFailed,
    PatchRejected,
    Type,
    bad_patch_type,
    child_type,
    copy_json,
    field_of,
    go_repr,
    item_type,
    no_merge_key,
    strategies,
)
from pyk8s.api.schema import Field, Struct

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_LIST = "$deleteFromPrimitiveList"
SET_ORDER = "$setElementOrder"

_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_SET_ORDER = "invalid patch format of setElementOrder list"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"

_ABSENT = object()


def apply_strategic_merge_patch(
    original: dict[str, Any], patch: Any, struct: Struct
) -> dict[str, Any]:
    """Return `original` (an object of type `struct`) with the strategic merge patch applied."""
    if patch is None:
        return copy_json(original)  # Go decodes `null` into an empty patch
    if not isinstance(patch, dict):
        kind = "array" if isinstance(patch, list) else "value"
        raise errors.BadRequest(
            f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        )
    return _merge_object(copy_json(original), copy_json(patch), struct)


# --- Objects --------------------------------------------------------------------------------


def _merge_object(original: dict[str, Any], patch: dict[str, Any], t: Type) -> dict[str, Any]:
    """Merge `patch` into `original`; both are private copies and may be consumed."""
    if DIRECTIVE in patch:
        directive = patch.pop(DIRECTIVE)
        if directive == "replace":
            return _without_directives(patch)[0]
        if directive == "delete":
            return {}
        patch[DIRECTIVE] = directive
        raise bad_patch_type(directive, patch)
    _apply_retain_keys(original, patch)
    _apply_element_orders(original, patch, t)
    for key, value in patch.items():
        is_deletion_list = key.startswith(DELETE_FROM_LIST)
        if is_deletion_list:
            key = _directive_target(key, DELETE_FROM_LIST, _BAD_PRIMITIVE_LIST)
        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key, _ABSENT)
        if current is _ABSENT or _shape(current) != _shape(value):
            if not is_deletion_list:
                _set_or_drop(original, key, value)
            continue
        original[key] = _merge_value(
            current, value, field_of(t, key), child_type(t, key), is_deletion_list
        )
    return original


def _merge_value(current: Any, value: Any, f: Field | None, t: Type, is_deletion_list: bool) -> Any:
    """Merge two values of the same shape under the field's strategy."""
    merges = "merge" in strategies(f)
    if isinstance(value, dict):
        if "replace" in strategies(f):
            return _without_directives(value)[0]
        return _merge_object(current, value, t)
    if isinstance(value, list):
        if merges:
            return _merge_list(current, value, f, item_type(t), is_deletion_list)
        return _without_directives(value)[0]
    return value


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """`$retainKeys`: clear every key of the original not listed (and the patch must agree)."""
    if RETAIN_KEYS not in patch:
        return
    retained = patch.pop(RETAIN_KEYS)
    if not isinstance(retained, list) or not all(isinstance(k, str) for k in retained):
        raise errors.BadRequest(_BAD_RETAIN_KEYS)
    keep = set(retained)
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_LIST, SET_ORDER)):
            continue
        if key not in keep:
            raise errors.BadRequest(_BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _apply_element_orders(original: dict[str, Any], patch: dict[str, Any], t: Type) -> None:
    """Handle every `$setElementOrder/<list>` with its list, removing both from the patch."""
    for directive in [k for k in patch if k.startswith(SET_ORDER)]:
        order = patch.pop(directive)
        name = _directive_target(directive, SET_ORDER, _BAD_SET_ORDER)
        if not isinstance(order, list):
            raise errors.BadRequest(_BAD_SET_ORDER)
        f = field_of(t, name)
        merge_key = (f.patch_merge_key if f else None) or ""
        current = original.get(name, _ABSENT)
        patch_list = patch.pop(name, _ABSENT)
        for value in (current, patch_list):
            if value is not _ABSENT and not isinstance(value, list):
                raise PatchFailed(f"expected a []interface {{}}, but received a {go_repr(value)}")
        if patch_list is not _ABSENT:
            _check_order_matches(patch_list, order, merge_key)
        if current is _ABSENT and patch_list is _ABSENT:
            continue
        if patch_list is _ABSENT:
            merged = current
        elif current is _ABSENT or "merge" not in strategies(f):
            merged = _without_directives(patch_list)[0]
        else:
            merged = _merge_list(current, patch_list, f, item_type(child_type(t, name)), False)
        named, others = _partition(merged, order, merge_key)
        server_order = current if current is not _ABSENT else []
        original[name] = _interleave(
            _sorted_by(others, server_order, merge_key),
            _sorted_by(named, order, merge_key),
            server_order,
            merge_key,
        )


def _check_order_matches(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """The patch's items must appear in `$setElementOrder` and in the same relative order."""
    if not order or not patch_list:
        return
    items = [i for i in patch_list if not _is_deletion(i)] if merge_key else patch_list
    p = o = 0
    while p < len(items) and o < len(order):
        if isinstance(items[p], dict) and DIRECTIVE in items[p]:
            p += 1
            continue
        if _key(items[p], merge_key) == _key(order[o], merge_key):
            p += 1
        o += 1
    if p < len(items):
        raise PatchFailed(
            f"The order in patch list:\n{go_repr(patch_list)}\n doesn't match "
            f"{SET_ORDER} list:\n{go_repr(order)}\n"
        )


# --- Lists ----------------------------------------------------------------------------------


def _merge_list(
    original: list[Any], patch: list[Any], f: Field | None, t: Type, is_deletion_list: bool
) -> list[Any]:
    """Merge a list tagged `patch_strategy="merge"`."""
    if not original and not patch:
        return original
    merge_key = (f.patch_merge_key if f else None) or ""
    holds_objects = _element_shape(original + patch) == "object"
    if not holds_objects:
        if is_deletion_list:
            return [v for v in original if v not in patch]
        merged = _unique(original + patch)
    else:
        if not merge_key:
            raise PatchFailed("cannot merge lists without merge key for type map")
        original, patch_items = _apply_item_directives(original, patch, merge_key)
        merged = _merge_items(original, patch_items, merge_key, t)
    named, others = _partition(merged, patch, merge_key)
    return _interleave(
        _sorted_by(others, original, merge_key),
        _sorted_by(named, patch, merge_key),
        original,
        merge_key,
    )


def _apply_item_directives(
    original: list[Any], patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """Apply `$patch` items: delete matching originals, or replace the whole list."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
            original = [o for o in original if o.get(merge_key, _ABSENT) != item[merge_key]]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchFailed("merging lists cannot yet be specified in the patch")
        else:
            raise bad_patch_type(directive, item)
    if replace:
        return [_without_directives(i)[0] for i in plain], []
    return original, plain


def _merge_items(original: list[Any], patch: list[Any], merge_key: str, t: Type) -> list[Any]:
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        at = _find(merged, item[merge_key], merge_key)
        if at is None:
            merged.append(_without_directives(item)[0])
        else:
            merged[at] = _merge_object(merged[at], item, t)
    return merged


def _partition(items: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    """Split `items` into those named in `by` and the rest, keeping their order."""
    wanted = [_key(b, merge_key) for b in by]
    named = [i for i in items if _key(i, merge_key) in wanted]
    others = [i for i in items if _key(i, merge_key) not in wanted]
    return named, others


def _sorted_by(items: list[Any], order: list[Any], merge_key: str) -> list[Any]:
    positions = [_key(o, merge_key) for o in order]

    def position(item: Any) -> int:
        key = _key(item, merge_key)
        return positions.index(key) if key in positions else len(positions)

    return sorted(items, key=position)


def _interleave(
    server_only: list[Any], named: list[Any], server_order: list[Any], merge_key: str
) -> list[Any]:
    """Merge two sorted lists, keeping each one's order; the live list arbitrates between them.

    A server-only item goes first only when both items are in the live list and it came
    earlier there; otherwise the patch's item goes first.
    """
    positions = [_key(o, merge_key) for o in server_order]
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(named):
        if j >= len(named):
            out.append(server_only[i])
            i += 1
            continue
        if i < len(server_only):
            left, right = _key(server_only[i], merge_key), _key(named[j], merge_key)
            if (
                left in positions
                and right in positions
                and positions.index(left) < positions.index(right)
            ):
                out.append(server_only[i])
                i += 1
                continue
        out.append(named[j])
        j += 1
    return out


# --- Helpers --------------------------------------------------------------------------------


def _key(item: Any, merge_key: str) -> Any:
    if merge_key and isinstance(item, dict):
        return item.get(merge_key, _ABSENT)
    return item


def _find(items: list[Any], value: Any, merge_key: str) -> int | None:
    for at, item in enumerate(items):
        if isinstance(item, dict) and merge_key in item and item[merge_key] == value:
            return at
    return None


def _is_deletion(item: Any) -> bool:
    return isinstance(item, dict) and item.get(DIRECTIVE) == "delete"


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return "scalar"


def _element_shape(values: list[Any]) -> str:
    shapes = {_shape(v) for v in values}
    if "list" in shapes:
        raise PatchRejected("lists of lists are not supported")
    if len(shapes) > 1:
        raise PatchFailed(f"list element types are not identical: {go_repr(values)}")
    return shapes.pop()


def _directive_target(key: str, prefix: str, bad_format: str) -> str:
    head, _, target = key.partition("/")
    if head != prefix or not target:
        raise errors.BadRequest(bad_format)
    return target


def _set_or_drop(original: dict[str, Any], key: str, value: Any) -> None:
    cleaned, keep = _without_directives(value)
    if keep:
        original[key] = cleaned
    else:
        original.pop(key, None)


def _without_directives(value: Any) -> tuple[Any, bool]:
    """A patch value as plain data: objects holding `$patch` vanish, other `$` keys and nulls
    are dropped. The second result is False when the value itself must vanish."""
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        out = {}
        for k, v in value.items():
            if v is None or k.startswith("$"):
                continue
            cleaned, keep = _without_directives(v)
            if keep:
                out[k] = cleaned
        return out, True
    if isinstance(value, list):
        kept = (_without_directives(v) for v in value)
        return [v for v, keep in kept if keep], True
    return value, True
