"""Controllers registered by name, and kube-controller-manager's --controllers rule.

Each controller module calls `register_controller("deployment", DeploymentController)` at
import. `enabled_controllers(["*", "-garbage-collector"])` then answers which of them run:

- "*"      every controller that is on by default;
- "name"   this controller, even if it is off by default;
- "-name"  not this controller (wins over "*" and over "name").

The default (`--controllers=*`) therefore runs everything registered with
default_enabled=True.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyk8s.controllers.base import Controller


@dataclass(frozen=True)
class Registration:
    name: str
    factory: type[Controller]
    default_enabled: bool


CONTROLLERS: dict[str, Registration] = {}


def register_controller(
    name: str, factory: type[Controller], *, default_enabled: bool = True
) -> None:
    existing = CONTROLLERS.get(name)
    if existing is not None and existing.factory is not factory:
        raise ValueError(f"controller {name!r} is already registered by {existing.factory}")
    CONTROLLERS[name] = Registration(name, factory, default_enabled)


def known_controllers() -> list[str]:
    return sorted(CONTROLLERS)


def enabled_controllers(selection: Sequence[str] = ("*",)) -> list[Registration]:
    """The registrations `--controllers` selects, in name order. Unknown names raise."""
    unknown = [
        item.lstrip("-") for item in selection if item.lstrip("-") not in (*CONTROLLERS, "*")
    ]
    if unknown:
        raise ValueError(f"unknown controllers {unknown}; known: {', '.join(known_controllers())}")
    disabled = {item[1:] for item in selection if item.startswith("-")}
    named = {item for item in selection if item != "*" and not item.startswith("-")}
    wildcard = "*" in selection
    return [
        registration
        for name, registration in sorted(CONTROLLERS.items())
        if name not in disabled and (name in named or (wildcard and registration.default_enabled))
    ]
