"""What every patch flavour shares: reading the schema, and the errors a bad patch earns.

Patches are applied to plain JSON values (dicts, lists, scalars). The schema says how each
value merges: a struct's named fields, a map's values, a list's items and its semantics. A
value the schema does not describe (an unknown field, a free-form `RAW` field, a struct whose
module is not loaded) is *untyped*: its maps merge key by key and its lists are atomic, which is
exactly JSON merge patch.

The error classes reproduce the Status objects the real API server sends for patches it cannot
apply; their codes and texts come from the apiserver's patch handler.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import errors
from pyk8s.api.schema import RAW, Field, ListOf, MapOf, Scalar, Struct, resolve

# A resolved schema type, or None for an untyped value.
Type = Scalar | Struct | ListOf | MapOf | None


def resolve_type(ref: Any) -> Type:
    """Resolve a field's type; free-form and not-yet-defined structs count as untyped."""
    if ref is None:
        return None
    try:
        resolved = resolve(ref)
    except KeyError:
        return None
    return None if resolved == RAW else resolved


def field_of(t: Type, name: str) -> Field | None:
    """The named field of a struct (None for maps, untyped values and unknown names)."""
    return t.field(name) if isinstance(t, Struct) else None


def child_type(t: Type, key: str) -> Type:
    """The type of `key` inside a struct or a map value of type `t`."""
    if isinstance(t, Struct):
        f = t.field(key)
        return resolve_type(f.type) if f else None
    if isinstance(t, MapOf):
        return resolve_type(t.value)
    return None


def item_type(t: Type) -> Type:
    return resolve_type(t.item) if isinstance(t, ListOf) else None


def strategies(f: Field | None) -> set[str]:
    """A field's strategic-merge strategies: a subset of {"merge", "replace", "retainKeys"}."""
    if f is None or not f.patch_strategy:
        return set()
    return {s.strip() for s in f.patch_strategy.split(",")}


def list_semantics(f: Field | None) -> tuple[str, tuple[str, ...]]:
    """Server-side apply's view of a list field: ("atomic"|"set"|"map", map keys).

    An explicit list type wins. Otherwise it follows from the strategic-merge tags, as the
    OpenAPI-to-schema conversion in Kubernetes does: a merge list with a merge key is a map
    keyed by it, a merge list without one is a set, anything else is atomic.
    """
    if f is None:
        return "atomic", ()
    if f.list_type:
        keys = f.list_map_keys or ((f.patch_merge_key,) if f.patch_merge_key else ())
        return f.list_type, keys if f.list_type == "map" else ()
    if "merge" in strategies(f):
        if f.patch_merge_key:
            return "map", (f.patch_merge_key,)
        return "set", ()
    return "atomic", ()


def is_atomic_object(f: Field | None) -> bool:
    return f is not None and f.map_type == "atomic"


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value: results never share structure with the inputs, so a caller
    may default or mutate them freely (the live object may sit in the watch cache)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


# --- Go-style rendering, for error texts that must read like the real server's -------------


def go_repr(value: Any) -> str:
    """Render a JSON value the way Go's %v prints an unmarshalled interface{}."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_repr(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_repr(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Errors ---------------------------------------------------------------------------------


class PatchRejected(errors.Invalid):
    """422 with the generic text the API server uses when a patch cannot be applied.

    The real server drops the underlying reason (a failed JSON-patch "test", a missing path) and
    answers with an empty `details`; clients match on exactly this.
    """

    def __init__(self, detail: str = "") -> None:
        super().__init__("the server rejected our request due to an error in our request")
        self.detail = detail  # kept for logs; not sent

    def to_status(self) -> dict[str, Any]:
        status = super().to_status()
        status["details"] = {}
        return status


class PatchFailed(errors.StatusError):
    """500 without a reason: what the server answers for a patch error it has no class for.

    kubectl prints these as `Error from server: <message>`.
    """

    code, reason = 500, ""


def no_merge_key(item: dict[str, Any], key: str) -> PatchFailed:
    return PatchFailed(f"map: {go_repr(item)} does not contain declared merge key: {key}")


def bad_patch_type(directive: Any, where: dict[str, Any]) -> PatchFailed:
    return PatchFailed(f"unknown patch type: {go_repr(directive)} in map: {go_repr(where)}")
