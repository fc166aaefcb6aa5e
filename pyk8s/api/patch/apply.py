"""Server-side apply: `PATCH` with `application/apply-patch+yaml` (`kubectl apply --server-side`).

The client sends the fields it cares about (its *configuration*) and a field manager name. The
server:

1. merges the configuration into the live object, structurally: struct fields and map keys
   merge one by one, lists merge by their schema type (a "map" list by its keys, a "set" by
   value, an "atomic" list is replaced whole);
2. removes what this manager applied last time but no longer applies, unless another manager
   still owns it (pruning);
3. checks ownership: a field this apply changes that another manager owns is a conflict, and
   the request fails with 409 naming every such field and owner, unless `force`, which moves
   ownership to the applier;
4. records the applier as owner of exactly the fields in its configuration.

On a missing object `live` is None and the configuration becomes the object (the API server
answers 201 then). `server_side_apply` never modifies its inputs.
"""

from __future__ import annotations

import json
from typing import Any

from pyk8s.api import errors
from pyk8s.api.patch.common import Type, copy_json
from pyk8s.api.patch.fieldset import FieldSet, path_string
from pyk8s.api.patch.managed_fields import (
    ABSENT,
    Entry,
    Managers,
    children,
    compare,
    decode_or_empty,
    encode_into,
    field_set,
    json_equal,
    owned,
    shape,
    with_named_fields,
    without_managed_fields,
)
from pyk8s.api.schema import Field, Struct

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    struct: Struct,
    *,
    manager: str,
    force: bool,
    api_version: str,
    now: str,
    subresource: str = "",
    reset_fields: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Apply `applied` (the manager's configuration) to `live`; return the new object.

    `reset_fields` are top-level-relative dotted paths (e.g. "status") the endpoint ignores;
    nobody gains their ownership here. Raises BadRequest for a malformed configuration and
    Conflict (409) for fields owned by others.
    """
    _check_configuration(applied, api_version)
    current = without_managed_fields(live or {})
    managers = decode_or_empty(live)
    me = Entry(manager, "Apply", api_version, now, subresource, FieldSet())
    previous = managers.get(me.key)

    merged = merge(current, applied, struct, None)
    config = field_set(applied, struct, strict=True)
    managers[me.key] = me
    me.fields = config
    if previous is not None:
        merged = _prune(merged, previous.fields, managers, struct)

    diff = compare(current, merged, struct)
    _settle_ownership(managers, me, diff.changed, diff.removed, force)
    me.fields = owned(config, reset_fields)

    unchanged = json_equal(current, merged)
    if unchanged and previous is not None:
        me.time = previous.time
    if manager == "kubectl" and _annotations(live).get(LAST_APPLIED) is not None:
        merged.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = (
            _last_applied(applied)
        )
    for entry in managers.values():
        if entry is not me:
            entry.fields = owned(entry.fields, ())
    encode_into(merged, managers)
    return merged


def _check_configuration(applied: Any, api_version: str) -> None:
    if not isinstance(applied, dict):
        raise errors.BadRequest("error decoding YAML: the configuration must be an object")
    if (applied.get("metadata") or {}).get("managedFields") is not None:
        raise errors.BadRequest("metadata.managedFields must be nil")
    sent = applied.get("apiVersion", "")
    if sent != api_version:
        raise errors.BadRequest(
            "Incorrect version specified in apply patch. "
            f"Specified patch version: {sent}, expected: {api_version}"
        )


# --- Merging --------------------------------------------------------------------------------


def merge(live: Any, config: Any, t: Type, f: Field | None) -> Any:
    """The configuration merged into the live value (a new value; inputs untouched)."""
    if live is ABSENT or config is None:
        return copy_json(config)
    live_form, config_form = shape(live, t, f), shape(config, t, f)
    if config_form == "leaf" or live_form != config_form:
        return copy_json(config)
    if config_form in ("struct", "map"):
        out = copy_json(live)
        for key, (value, ct, cf) in children(config, t, f).items():
            name = key[2:]
            if value is None:
                out.pop(name, None)  # an applied null clears the field (it is still owned)
            else:
                out[name] = merge(live.get(name, ABSENT), value, ct, cf)
        return out
    return _merge_list(live, config, t, f)


def _merge_list(live: list[Any], config: list[Any], t: Type, f: Field | None) -> list[Any]:
    """Merge keyed (or set) lists.

    Items keep the configuration's order; live-only items stay where they were relative to
    the shared items around them.
    """
    live_items = children(live, t, f)
    config_items = children(config, t, f, strict=True)
    live_keys, config_keys = list(live_items), list(config_items)
    pending_shared = [k for k in config_keys if k in live_items]
    out: list[Any] = []
    emitted: set[str] = set()
    i = j = 0
    while i < len(live_keys) or j < len(config_keys):
        if i < len(live_keys):
            key = live_keys[i]
            if j < len(config_keys) and key == config_keys[j]:
                i, j = i + 1, j + 1
                out.append(_merge_item(live_items, config_items, key))
                emitted.add(key)
                if pending_shared and pending_shared[0] == key:
                    pending_shared.pop(0)
                continue
            if key not in config_items:
                out.append(copy_json(live_items[key][0]))
                i += 1
                continue
            if key in emitted or (pending_shared and pending_shared[0] != key):
                i += 1  # a shared item out of order: it comes when the configuration does
                continue
        key = config_keys[j]
        out.append(_merge_item(live_items, config_items, key))
        emitted.add(key)
        j += 1
        if pending_shared and pending_shared[0] == key:
            pending_shared.pop(0)
    return out


def _merge_item(live_items: dict[str, Any], config_items: dict[str, Any], key: str) -> Any:
    value, item_t, _ = config_items[key]
    live_value = live_items[key][0] if key in live_items else ABSENT
    return merge(live_value, value, item_t, None)


# --- Pruning and ownership ------------------------------------------------------------------


def _prune(merged: Any, last_applied: FieldSet, managers: Managers, struct: Struct) -> Any:
    """Remove what the applier owned last time, no longer applies, and nobody else owns."""
    everyone = FieldSet()
    for entry in managers.values():
        everyone = everyone.union(entry.fields)
    gone = with_named_fields(last_applied, struct).difference(with_named_fields(everyone, struct))
    return _remove(merged, gone, struct, None) if not gone.empty() else merged


def _remove(value: Any, gone: FieldSet, t: Type, f: Field | None) -> Any:
    form = shape(value, t, f)
    if form == "leaf":
        return value
    items = children(value, t, f)
    kept: dict[str, Any] = {}
    for element, (child, ct, cf) in items.items():
        if element in gone.members:
            continue
        inner = gone.children.get(element)
        kept[element] = _remove(child, inner, ct, cf) if inner else child
    if form in ("struct", "map"):
        return {element[2:]: child for element, child in kept.items()}
    # Items without a key were not listed by children(): keep them as they are.
    listed = {id(entry[0]) for entry in items.values()}
    keyless = [item for item in value if id(item) not in listed]
    return list(kept.values()) + keyless


def _settle_ownership(
    managers: Managers, me: Entry, changed: FieldSet, removed: FieldSet, force: bool
) -> None:
    conflicts = {}
    for key, entry in managers.items():
        if entry is me:
            continue
        clash = entry.fields.intersection(changed)
        if not clash.empty():
            conflicts[key] = clash
    if conflicts and not force:
        raise _conflict_error(managers, conflicts)
    for key, entry in list(managers.items()):
        if entry is me:
            continue
        entry.fields = entry.fields.difference(conflicts.get(key, FieldSet())).difference(removed)
        if entry.fields.empty():
            del managers[key]


def _conflict_error(managers: Managers, conflicts: dict[Any, FieldSet]) -> errors.Conflict:
    found = sorted(
        (managers[key].describe(), path_string(path))
        for key, clash in conflicts.items()
        for path in clash.paths()
    )
    causes = [
        errors.Cause("FieldManagerConflict", f"conflict with {who}", where) for who, where in found
    ]
    if len(found) == 1:
        who, where = found[0]
        return errors.Conflict(
            f"Apply failed with 1 conflict: conflict with {who}: {where}", causes=causes
        )
    lines: list[str] = []
    for who in sorted({who for who, _ in found}):
        lines.append(f"conflicts with {who}:")
        lines.extend(f"- {where}" for w, where in found if w == who)
    message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return errors.Conflict(message, causes=causes)


# --- kubectl's last-applied annotation ------------------------------------------------------


def _annotations(obj: dict[str, Any] | None) -> dict[str, Any]:
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def _last_applied(applied: dict[str, Any]) -> str:
    """The annotation kubectl keeps, rewritten so client-side apply stays in step with `kubectl
    apply --server-side`: the configuration itself, without the annotation, as sorted JSON."""
    config = copy_json(applied)
    annotations = _annotations(config)
    if LAST_APPLIED in annotations:
        del annotations[LAST_APPLIED]
        if not annotations:
            del config["metadata"]["annotations"]
    return json.dumps(config, sort_keys=True, separators=(",", ":")) + "\n"
