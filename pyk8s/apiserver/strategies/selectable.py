"""Field selectors beyond metadata.name/namespace, declared as a table of getters.

A strategy lists the fields `?fieldSelector=` may use as `selectable_fields`, a mapping from
the selector's field name to a function returning the object's value as text. The values
are the ones Kubernetes compares with: unset strings are "", unset booleans "false",
unset integers "0" (Go's zero values, formatted as strconv does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pyk8s.apiserver.registry.strategy import Strategy

Getter = Callable[[dict[str, Any]], str]


def text(path: str, zero: str = "") -> Getter:
    """The value at a dotted path, as text; `zero` when it is unset."""
    keys = path.split(".")

    def get(obj: dict[str, Any]) -> str:
        value: Any = obj
        for key in keys:
            if not isinstance(value, dict):
                return zero
            value = value.get(key)
        if value is None:
            return zero
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return get


def boolean(path: str) -> Getter:
    return text(path, "false")


def integer(path: str) -> Getter:
    return text(path, "0")


class SelectableStrategy(Strategy):
    """A Strategy whose field selectors are the metadata ones plus `selectable_fields`."""

    selectable_fields: ClassVar[dict[str, Getter]] = {}

    def field_values(self, obj: dict[str, Any]) -> dict[str, str]:
        values = super().field_values(obj)
        for name, get in self.selectable_fields.items():
            values[name] = get(obj)
        return values
