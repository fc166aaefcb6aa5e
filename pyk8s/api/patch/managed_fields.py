"""Field ownership: who set which field, kept in `metadata.managedFields`.

Every write records its author (the request's `fieldManager`). An entry says: this manager,
through this operation ("Apply" for server-side apply, "Update" for everything else), at this
API version and time, on this subresource, owns these fields (a FieldsV1 tree, see fieldset.py).
Server-side apply (apply.py) uses the entries to find conflicts and to know what an applier
stopped applying; `update_managed_fields` keeps them right for every other write:

- the writer gains every field it added or changed;
- every other manager loses the fields that were changed or removed under it;
- a manager left owning nothing disappears.

Identity fields (`apiVersion`, `kind`, `metadata.name`, `namespace`, `uid`, `resourceVersion`,
`generation`, `creationTimestamp`, `selfLink`, `managedFields`) are never owned, as in Kubernetes.
This module also holds the schema-aware walks over values that apply.py shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api.patch.common import (
    PatchFailed,
    Type,
    child_type,
    field_of,
    is_atomic_object,
    item_type,
    list_semantics,
)
from pyk8s.api.patch.fieldset import (
    FieldSet,
    Path,
    field_element,
    key_element,
    path_string,
    value_element,
)
from pyk8s.api.schema import Field, ListOf, Scalar, Struct

ABSENT: Any = object()  # a value that is not there at all (unlike JSON null)

# Never owned by anyone: the object's identity and bookkeeping.
UNOWNED = FieldSet.of(
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata",),
    *(
        ("f:metadata", field_element(name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        )
    ),
)


# --- Schema-aware walks over values ---------------------------------------------------------


def shape(value: Any, t: Type, f: Field | None) -> str:
    """How a value merges: "leaf", "struct", "map", "list-map" or "list-set"."""
    if isinstance(value, dict):
        if is_atomic_object(f) or isinstance(t, Scalar | ListOf):
            return "leaf"
        return "struct" if isinstance(t, Struct) else "map"  # untyped objects merge as maps
    if isinstance(value, list) and isinstance(t, ListOf):
        kind, _ = list_semantics(f)
        return {"map": "list-map", "set": "list-set"}.get(kind, "leaf")
    return "leaf"


def children(
    value: Any, t: Type, f: Field | None, *, strict: bool = False, where: Path = ()
) -> dict[str, tuple[Any, Type, Field | None]]:
    """The path elements directly under a struct, map or keyed list, with their values.

    List items lacking a key are skipped, unless `strict` (an applied config), where they are
    an error, as are duplicate keys.
    """
    form = shape(value, t, f)
    if form in ("struct", "map"):
        return {field_element(k): (v, child_type(t, k), field_of(t, k)) for k, v in value.items()}
    if form == "leaf":
        return {}
    out: dict[str, tuple[Any, Type, Field | None]] = {}
    item_t = item_type(t)
    for index, item in enumerate(value):
        element = _item_element(item, item_t, f, form, strict, where, index)
        if element is None:
            continue
        if element in out and strict:
            raise PatchFailed(f"{path_string(where)}: duplicate entries for key {element[2:]}")
        out[element] = (item, item_t if form == "list-map" else None, None)
    return out


def _item_element(
    item: Any, item_t: Type, f: Field | None, form: str, strict: bool, where: Path, index: int
) -> str | None:
    if form == "list-set":
        return value_element(item)
    keys = list_semantics(f)[1]
    found: dict[str, Any] = {}
    for key in keys:
        if isinstance(item, dict) and key in item:
            found[key] = item[key]
            continue
        default = getattr(field_of(item_t, key), "default", None)
        if default is not None:
            found[key] = default
        elif strict:
            raise PatchFailed(
                f"{path_string(where)}: element {index}: associative list with keys has an element "
                f'that omits key field "{key}" (and doesn\'t have default value)'
            )
        else:
            return None
    return key_element(found)


def field_set(value: Any, t: Type, f: Field | None = None, *, strict: bool = False) -> FieldSet:
    """The fields a value sets: what an applier owns after applying it.

    Leaves are members; so are list items and map keys (even when they have children), and
    struct fields that are null or empty objects. A non-empty struct field is only a prefix.
    """
    out = FieldSet()
    _collect(value, t, f, (), out, strict)
    return out


def _collect(value: Any, t: Type, f: Field | None, path: Path, out: FieldSet, strict: bool) -> None:
    form = shape(value, t, f)
    if form == "leaf":
        if path:
            out.insert(path)
        return
    for element, (child, ct, cf) in children(value, t, f, strict=strict, where=path).items():
        child_path = (*path, element)
        if form != "struct" or child is None or child == {}:
            out.insert(child_path)
        _collect(child, ct, cf, child_path, out, strict)


@dataclass
class Diff:
    """What changed between two versions of an object, as sets of paths."""

    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    @property
    def changed(self) -> FieldSet:
        return self.added.union(self.modified)


def compare(old: Any, new: Any, t: Type) -> Diff:
    diff = Diff(FieldSet(), FieldSet(), FieldSet())
    _compare(old, new, t, None, (), diff)
    return diff


def _compare(old: Any, new: Any, t: Type, f: Field | None, path: Path, diff: Diff) -> None:
    old_form = shape(old, t, f) if old is not ABSENT else None
    new_form = shape(new, t, f) if new is not ABSENT else None
    form = new_form or old_form
    if old_form and new_form and old_form != new_form:
        form = "leaf"
    if form != "leaf" and not _has_content(old) and not _has_content(new):
        form = "leaf"  # empty on both sides: the emptiness itself is the value
    if form == "leaf":
        if old is ABSENT:
            diff.added.insert(path)
        elif new is ABSENT:
            diff.removed.insert(path)
        elif not json_equal(old, new):
            diff.modified.insert(path)
        return
    before = children(old, t, f) if old is not ABSENT else {}
    after = children(new, t, f) if new is not ABSENT else {}
    for element in {**before, **after}:
        o = before.get(element, (ABSENT, None, None))
        n = after.get(element, (ABSENT, None, None))
        ct, cf = (n[1], n[2]) if element in after else (o[1], o[2])
        _compare(o[0], n[0], ct, cf, (*path, element), diff)
    # A node that appears or disappears is itself owned, except where Go always serialises
    # the field (a non-pointer struct, a required field), so that it never "appears".
    always_there = f is not None and (f.required or (isinstance(t, Struct) and not f.pointer))
    if path and not always_there:
        if old is ABSENT:
            diff.added.insert(path)
        elif new is ABSENT:
            diff.removed.insert(path)


def _has_content(value: Any) -> bool:
    return isinstance(value, dict | list) and len(value) > 0


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values, where true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def with_named_fields(fs: FieldSet, t: Type) -> FieldSet:
    """`fs` plus, as members, every struct field it reaches into.

    Pruning uses this so that dropping the last owned field under a struct field removes the
    struct field itself, while map keys and list items stay individually owned.
    """
    out = FieldSet()
    out.members = set(fs.members)
    for element, child in fs.children.items():
        is_field = element.startswith("f:")
        ct = child_type(t, element[2:]) if is_field else item_type(t)
        if is_field and field_of(t, element[2:]) is not None:
            out.members.add(element)
        out.children[element] = with_named_fields(child, ct)
    return out


# --- Entries --------------------------------------------------------------------------------


@dataclass
class Entry:
    """One `metadata.managedFields` item."""

    manager: str
    operation: str  # "Apply" or "Update"
    api_version: str
    time: str | None
    subresource: str
    fields: FieldSet

    @property
    def key(self) -> tuple[str, str, str, str]:
        # An applier is the same manager whatever version it applies with; an updater is not.
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """How conflict messages name the manager."""
        text = f'"{self.manager}"'
        if self.subresource:
            text += f' with subresource "{self.subresource}"'
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manager": self.manager, "operation": self.operation}
        out["apiVersion"] = self.api_version
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = self.fields.to_fields_v1()
        if self.subresource:
            out["subresource"] = self.subresource
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Entry:
        if not isinstance(raw, dict) or raw.get("fieldsType", "FieldsV1") != "FieldsV1":
            raise ValueError("managedFields entries must be objects with fieldsType FieldsV1")
        operation = raw.get("operation")
        if operation not in ("Apply", "Update"):
            raise ValueError(f"invalid managedFields operation {operation!r}")
        return cls(
            manager=str(raw.get("manager", "")),
            operation=operation,
            api_version=str(raw.get("apiVersion", "")),
            time=raw.get("time"),
            subresource=str(raw.get("subresource", "")),
            fields=FieldSet.from_fields_v1(raw.get("fieldsV1", {})),
        )


Managers = dict[tuple[str, str, str, str], Entry]


def decode(managed_fields: Any) -> Managers:
    """Decode `metadata.managedFields`; raises ValueError if malformed."""
    if managed_fields is None:
        return {}
    if not isinstance(managed_fields, list):
        raise ValueError("managedFields must be a list")
    entries = [Entry.from_json(raw) for raw in managed_fields]
    return {e.key: e for e in entries}


def decode_or_empty(obj: dict[str, Any] | None) -> Managers:
    try:
        return decode(((obj or {}).get("metadata") or {}).get("managedFields"))
    except ValueError:
        return {}


def encode_into(obj: dict[str, Any], managers: Managers) -> None:
    """Write the entries into `obj.metadata.managedFields`, in the server's order."""
    entries = [e for e in managers.values() if not e.fields.empty()]
    entries.sort(key=lambda e: (e.operation, e.time or "", e.manager, e.api_version, e.subresource))
    metadata = obj.setdefault("metadata", {})
    if entries:
        metadata["managedFields"] = [e.to_json() for e in entries]
    else:
        metadata.pop("managedFields", None)


def owned(fs: FieldSet, reset_fields: tuple[str, ...]) -> FieldSet:
    """What of `fs` can be owned: identity fields and reset fields (e.g. "status") removed."""
    out = fs.difference(UNOWNED)
    for dotted in reset_fields:
        out = out.without_subtree(tuple(field_element(p) for p in dotted.split(".")))
    return out


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or "managedFields" not in metadata:
        return obj
    return {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}


# --- Updates --------------------------------------------------------------------------------


def update_managed_fields(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    struct: Struct,
    *,
    manager: str,
    operation: str = "Update",
    api_version: str,
    now: str,
    subresource: str = "",
    reset_fields: tuple[str, ...] = (),
) -> None:
    """Record a create, update or (non-apply) patch by `manager` in `new`'s managedFields.

    `old` is the stored object (None on create). `new.metadata.managedFields`, when the client
    sent a valid non-empty list, is taken as the starting point (so clients may edit
    ownership); an empty list `[]` clears all ownership; otherwise `old`'s entries are used.
    On a subresource the client's entries are always ignored.
    """
    managers = _starting_managers(old, new, subresource)
    before = without_managed_fields(old or {})
    after = without_managed_fields(new)
    diff = compare(before, after, struct)
    changed = owned(diff.changed, reset_fields)
    removed = diff.removed
    me = Entry(manager, operation, api_version, now, subresource, FieldSet())
    for entry in managers.values():
        entry.fields = entry.fields.difference(removed)
        if entry.key != me.key:
            entry.fields = entry.fields.difference(changed)
    if not changed.empty():
        previous = managers.get(me.key)
        me.fields = changed.union(previous.fields) if previous else changed
        managers[me.key] = me
    encode_into(new, managers)


def _starting_managers(
    old: dict[str, Any] | None, new: dict[str, Any], subresource: str
) -> Managers:
    live = decode_or_empty(old)
    if subresource:
        return live
    sent = (new.get("metadata") or {}).get("managedFields")
    if sent == [] or sent == [{}]:
        return {}
    try:
        decoded = decode(sent)
    except ValueError:
        return live
    return decoded or live
