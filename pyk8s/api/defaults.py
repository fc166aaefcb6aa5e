"""Defaulting: fill what the user left out, as kube-apiserver does before validation.

`apply_defaults` works in two passes over an object, along its schema:

1. every struct present in the object gets its fields' static defaults (`Field.default`)
   where they are absent (a fresh copy each time, so objects never share a default list);
2. the DEFAULTERS hooks run, outermost struct first (Pod before PodSpec before Container),
   as Kubernetes' generated SetObjectDefaults_* functions call SetDefaults_*; a struct's static
   defaults are applied again just before its hooks, so structs that a parent hook created
   (e.g. an empty securityContext) are complete too.

A hook therefore always sees its own struct's static defaults, and its children's.
"""

from __future__ import annotations

import copy
from typing import Any

from pyk8s.api.schema import DEFAULTERS, ListOf, MapOf, Scalar, Struct
from pyk8s.api.structural import fields_of

# Per struct, what defaulting needs: (field name, static default) and (field name, type) of
# the fields that can hold structs. Computed once per struct name.
_Plan = tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]
_PLANS: dict[str, _Plan] = {}


def _plan(struct: Struct) -> _Plan:
    plan = _PLANS.get(struct.name)
    if plan is None:
        table = fields_of(struct)
        statics = tuple(
            (name, info.field.default)
            for name, info in table.items()
            if info.field.default is not None
        )
        nested = tuple(
            (name, info.type) for name, info in table.items() if _may_hold_structs(info.type)
        )
        plan = _PLANS[struct.name] = (statics, nested)
    return plan


def _may_hold_structs(t: Any) -> bool:
    if isinstance(t, Struct):
        return True
    if isinstance(t, ListOf):
        return _may_hold_structs(t.item)
    if isinstance(t, MapOf):
        return _may_hold_structs(t.value)
    return False


def apply_defaults(obj: dict[str, Any], struct: Struct) -> None:
    _visit(obj, struct, run_hooks=False)
    _visit(obj, struct, run_hooks=True)


def _fill_statics(obj: dict[str, Any], statics: tuple[tuple[str, Any], ...]) -> None:
    for name, default in statics:
        if obj.get(name) is None:
            obj[name] = copy.deepcopy(default) if isinstance(default, dict | list) else default


def _visit(obj: dict[str, Any], struct: Struct, *, run_hooks: bool) -> None:
    statics, nested = _plan(struct)
    _fill_statics(obj, statics)
    if run_hooks:
        for hook in DEFAULTERS.get(struct.name, ()):
            hook(obj)
    for name, t in nested:
        value = obj.get(name)
        if value is not None:
            _visit_value(value, t, run_hooks)


def _visit_value(value: Any, t: Any, run_hooks: bool) -> None:
    if isinstance(t, Struct):
        if isinstance(value, dict):
            _visit(value, t, run_hooks=run_hooks)
    elif isinstance(t, ListOf):
        if isinstance(value, list):
            for item in value:
                _visit_value(item, t.item, run_hooks)
    elif isinstance(t, MapOf) and isinstance(value, dict):
        for item in value.values():
            _visit_value(item, t.value, run_hooks)
    elif isinstance(t, Scalar):
        return
