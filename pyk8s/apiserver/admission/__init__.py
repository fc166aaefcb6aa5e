"""Admission: the plugins every write passes through after it is decoded and before it is stored.

As in Kubernetes, the chain runs in two phases: every *mutating* plugin (`admit`) may change
the object, then every *validating* plugin (`validate`) may only refuse it, by raising a
StatusError. Each plugin is one small module in this package that registers itself by name
with `register_plugin`; `--enable-admission-plugins` / `--disable-admission-plugins` choose
which run (those marked `default_enabled` run unless disabled). Plugins run in registration
order.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pyk8s.api.resource import Resource

# Plugin modules in this package, imported when a chain is built.
# Kubernetes' order: NamespaceLifecycle, ServiceAccount, Priority, DefaultTolerationSeconds.
PLUGIN_MODULES = (
    "namespace_lifecycle",
    "service_account",
    "priority",
    "default_toleration_seconds",
)


@dataclass(slots=True)
class AdmissionRequest:
    operation: str  # CREATE, UPDATE, DELETE or CONNECT
    resource: Resource
    namespace: str
    name: str
    subresource: str
    object: dict[str, Any] | None
    old_object: dict[str, Any] | None
    dry_run: bool
    user: str
    # Read another object, as a plugin needs (namespace lookups): (resource plural, group,
    # namespace, name) -> the object or None.
    lookup: Callable[[str, str, str, str], Awaitable[dict[str, Any] | None]]


class Plugin(Protocol):
    name: str

    async def admit(self, request: AdmissionRequest) -> None:
        """Mutating phase: may change request.object."""

    async def validate(self, request: AdmissionRequest) -> None:
        """Validating phase: raise a StatusError to refuse the request."""


@dataclass(frozen=True, slots=True)
class PluginSpec:
    name: str
    factory: Callable[[], Any]
    default_enabled: bool


_PLUGINS: dict[str, PluginSpec] = {}


def register_plugin(name: str, factory: Callable[[], Any], *, default_enabled: bool = True) -> None:
    _PLUGINS[name] = PluginSpec(name, factory, default_enabled)


def known_plugins() -> list[str]:
    _import_plugins()
    return list(_PLUGINS)


def _import_plugins() -> None:
    for module in PLUGIN_MODULES:
        importlib.import_module(f"{__name__}.{module}")


class AdmissionChain:
    def __init__(self, plugins: list[Any]) -> None:
        self.plugins = plugins

    @classmethod
    def build(cls, enable: list[str] = (), disable: list[str] = ()) -> AdmissionChain:  # type: ignore[assignment]
        _import_plugins()
        unknown = [n for n in [*enable, *disable] if n not in _PLUGINS]
        if unknown:
            raise ValueError(f"unknown admission plugins: {', '.join(unknown)}")
        chosen = [
            spec.factory()
            for spec in _PLUGINS.values()
            if (spec.default_enabled or spec.name in enable) and spec.name not in disable
        ]
        return cls(chosen)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.plugins]

    async def admit(self, request: AdmissionRequest) -> None:
        for plugin in self.plugins:
            admit = getattr(plugin, "admit", None)
            if admit:
                await admit(request)

    async def validate(self, request: AdmissionRequest) -> None:
        for plugin in self.plugins:
            validate = getattr(plugin, "validate", None)
            if validate:
                await validate(request)
