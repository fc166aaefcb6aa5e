"""Sets of field paths, the currency of field ownership (server-side apply).

A path names one place in an object: a struct field or map key (`f:name`), an item of a list
keyed by some of its fields (`k:{"name":"app"}`), an item of a set (`v:"example.com/x"`). A
`FieldSet` is a tree of such paths. A path is a *member* when the set owns that place itself;
interior paths that are only on the way to members are not. This is exactly the FieldsV1 format
stored in `metadata.managedFields`, where `{}` is a member leaf and `".": {}` marks an
interior path that is also a member:

    {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}

Sets are values: every operation returns a new set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Path = tuple[str, ...]

_ORDER = {"f": 0, "k": 1, "v": 2, "i": 3}


class FieldSet:
    __slots__ = ("children", "members")

    def __init__(self) -> None:
        self.members: set[str] = set()
        self.children: dict[str, FieldSet] = {}

    # --- building -------------------------------------------------------------------------

    @classmethod
    def of(cls, *paths: Path) -> FieldSet:
        fs = cls()
        for path in paths:
            fs.insert(path)
        return fs

    def insert(self, path: Path) -> None:
        node = self
        for element in path[:-1]:
            node = node.children.setdefault(element, FieldSet())
        if path:
            node.members.add(path[-1])

    def copy(self) -> FieldSet:
        out = FieldSet()
        out.members = set(self.members)
        out.children = {pe: child.copy() for pe, child in self.children.items()}
        return out

    # --- set algebra ----------------------------------------------------------------------

    def empty(self) -> bool:
        return not self.members and all(c.empty() for c in self.children.values())

    def union(self, other: FieldSet) -> FieldSet:
        out = self.copy()
        out.members |= other.members
        for pe, child in other.children.items():
            mine = out.children.get(pe)
            out.children[pe] = mine.union(child) if mine else child.copy()
        return out

    def difference(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members - other.members
        for pe, child in self.children.items():
            theirs = other.children.get(pe)
            rest = child.difference(theirs) if theirs else child.copy()
            if not rest.empty():
                out.children[pe] = rest
        return out

    def intersection(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members & other.members
        for pe, child in self.children.items():
            theirs = other.children.get(pe)
            if theirs:
                common = child.intersection(theirs)
                if not common.empty():
                    out.children[pe] = common
        return out

    def without_subtree(self, path: Path) -> FieldSet:
        """This set minus `path` and everything under it."""
        out = self.copy()
        node = out
        for element in path[:-1]:
            if element not in node.children:
                return out
            node = node.children[element]
        if path:
            node.members.discard(path[-1])
            node.children.pop(path[-1], None)
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and self.to_fields_v1() == other.to_fields_v1()

    __hash__ = None  # type: ignore[assignment]

    # --- reading --------------------------------------------------------------------------

    def has(self, path: Path) -> bool:
        node = self
        for element in path[:-1]:
            if element not in node.children:
                return False
            node = node.children[element]
        return bool(path) and path[-1] in node.members

    def paths(self, prefix: Path = ()) -> Iterator[Path]:
        """Every member path, in a stable order (fields, then keyed items, then values)."""
        for pe in _sorted(self.members | set(self.children)):
            if pe in self.members:
                yield (*prefix, pe)
            if pe in self.children:
                yield from self.children[pe].paths((*prefix, pe))

    # --- FieldsV1 -------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pe in _sorted(self.members | set(self.children)):
            child = self.children.get(pe)
            inner = child.to_fields_v1() if child else {}
            if pe in self.members and inner:
                inner = {".": {}, **inner}
            if inner or pe in self.members:
                out[pe] = inner
        return out

    @classmethod
    def from_fields_v1(cls, tree: Any) -> FieldSet:
        """Decode FieldsV1; raises ValueError when `tree` is not in that format."""
        if not isinstance(tree, dict):
            raise ValueError("FieldsV1 must be a JSON object")
        fs = cls()
        for pe, inner in tree.items():
            if pe == ".":
                continue
            if pe[:2] not in ("f:", "k:", "v:", "i:") or not isinstance(inner, dict):
                raise ValueError(f"invalid FieldsV1 path element {pe!r}")
            if not inner or "." in inner:
                fs.members.add(pe)
            child = cls.from_fields_v1(inner)
            if not child.empty():
                fs.children[pe] = child
        return fs


def _sorted(elements: set[str]) -> list[str]:
    return sorted(elements, key=lambda pe: (_ORDER.get(pe[0], 9), pe))


# --- Path elements ----------------------------------------------------------------------------


def field_element(name: str) -> str:
    return "f:" + name


def key_element(keys: dict[str, Any]) -> str:
    return "k:" + _compact({k: keys[k] for k in sorted(keys)})


def value_element(value: Any) -> str:
    return "v:" + _compact(value)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def path_string(path: Path) -> str:
    """A path as the API server prints it: `.spec.containers[name="app"].image`."""
    out = []
    for pe in path:
        kind, text = pe[0], pe[2:]
        if kind == "f":
            out.append("." + text)
        elif kind == "k":
            keys = json.loads(text)
            out.append("[" + ",".join(f"{k}={_compact(v)}" for k, v in keys.items()) + "]")
        elif kind == "v":
            out.append(f"[={text}]")
        else:
            out.append(f"[{text}]")
    return "".join(out)
