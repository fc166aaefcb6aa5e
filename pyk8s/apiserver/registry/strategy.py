"""Strategies: what is particular about one resource, for the one generic store.

The generic store (store.py) does the same thing for every resource: decode, default,
validate, write with optimistic concurrency, watch. Everything that differs between
resources is a hook on a `Strategy`, as in Kubernetes' `pkg/registry/<group>/<kind>/strategy.go`:

- `prepare_for_create` / `prepare_for_update`: reset what a client may not set (status on
  the main resource, everything but status on `/status`), bump `generation`.
- `validate` / `validate_update`: causes for a 422 Invalid beyond the schema's own rules.
- `canonicalize`: normal form before storage.
- `allow_create_on_update`, `allow_unconditional_update`: PUT semantics.
- `field_values`: the fields a `fieldSelector` may use (metadata.name/namespace always).
- `graceful_delete_seconds`: None for immediate deletion, or a grace period.
- `return_deleted_object`: answer DELETE with the object instead of a Success Status.

The base class *is* the default strategy: it does everything from the kind's schema (static
defaults and per-struct defaulting hooks, schema validation, metadata validation) and splits
status from spec when the resource has a `status` subresource. A resource with special
behaviour (pods' graceful deletion, services' IP allocation, namespaces' termination)
subclasses it and registers the subclass with `register_strategy`.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api import validation
from pyk8s.api.defaults import apply_defaults
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Resource


class Strategy:
    """The default behaviour of a resource, derived from its schema alone."""

    # DELETE answers with the deleted object (pods, services) instead of a Success Status.
    return_deleted_object = False

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.has_status = resource.subresource("status") is not None
        fields = {f.name for f in resource.struct.fields}
        # Kubernetes tracks `metadata.generation` for kinds whose desired state a controller
        # reconciles (Deployments, Jobs, custom resources); core/v1 kinds do not record it.
        self.tracks_generation = "spec" in fields and resource.group != ""

    # ---- create / update -------------------------------------------------------------

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        if self.has_status:
            obj.pop("status", None)
        if self.tracks_generation:
            obj["metadata"]["generation"] = 1

    def prepare_for_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        """A write to the main resource: status stays what it was."""
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if self.tracks_generation:
            generation = old.get("metadata", {}).get("generation", 1)
            if _desired_state(new) != _desired_state(old):
                generation += 1
            new["metadata"]["generation"] = generation

    def prepare_for_status_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        """A write to `/status`: everything but status (and managedFields) stays as it was."""
        status = new.get("status")
        managed = new.get("metadata", {}).get("managedFields")
        new.clear()
        new.update(_deep_copy(old))
        if status is None:
            new.pop("status", None)
        else:
            new["status"] = status
        if managed is not None:
            new["metadata"]["managedFields"] = managed

    def default(self, obj: dict[str, Any]) -> None:
        apply_defaults(obj, self.resource.struct)

    def canonicalize(self, obj: dict[str, Any]) -> None:
        """Put an object in normal form before it is stored. Nothing by default."""

    def validate(self, obj: dict[str, Any]) -> list[Cause]:
        causes = self.validate_metadata(obj)
        causes += validation.validate_object(obj, self.resource.struct)
        return causes

    def validate_update(self, new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
        causes = self.validate(new)
        causes += validation.validate_object_meta_update(
            new.get("metadata", {}), old.get("metadata", {})
        )
        causes += validation.validate_update(new, old, self.resource.struct)
        return causes

    def validate_metadata(self, obj: dict[str, Any]) -> list[Cause]:
        metadata = obj.get("metadata", {})
        return list(validation.validate_object_meta(metadata, namespaced=self.resource.namespaced))

    # ---- PUT semantics -----------------------------------------------------------------

    def allow_create_on_update(self) -> bool:
        return False

    def allow_unconditional_update(self) -> bool:
        return True

    # ---- reads -------------------------------------------------------------------------

    def field_values(self, obj: dict[str, Any]) -> dict[str, str]:
        """The values `fieldSelector` can match on. Subclasses add their own fields."""
        metadata = obj.get("metadata", {})
        values = {"metadata.name": metadata.get("name", "")}
        if self.resource.namespaced:
            values["metadata.namespace"] = metadata.get("namespace", "")
        return values

    # ---- side effects outside the object (services claim IPs and ports) ----------------
    # The generic store calls these around every write. A claim made in `before_*` is given
    # back by the matching `after_*` call when the write fails, so nothing leaks.

    async def before_create(self, obj: dict[str, Any], *, dry_run: bool) -> None:
        """After `prepare_for_create` (uid set), before validation."""

    async def before_update(
        self, new: dict[str, Any], old: dict[str, Any], *, dry_run: bool
    ) -> None:
        """After `prepare_for_update`, before validation; only when something changed."""

    async def after_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        """After the update is written; also with (old, new) swapped when it failed."""

    async def after_delete(self, obj: dict[str, Any]) -> None:
        """After the object left the store; also when a create failed after before_create."""

    # ---- delete ------------------------------------------------------------------------

    def graceful_delete_seconds(self, obj: dict[str, Any], options: dict[str, Any]) -> int | None:
        """How long the object may take to go away; None deletes it at once."""
        return None

    def mark_for_deletion(
        self, obj: dict[str, Any], delete_options: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The object to keep instead of deleting it (namespaces turn Terminating), or None
        for the generic rules (finalizers, grace period)."""
        return None

    def should_delete_during_update(self, new: dict[str, Any]) -> bool:
        """Whether an update that leaves a deleted object with no finalizers removes it."""
        return True


def _desired_state(obj: dict[str, Any]) -> dict[str, Any]:
    # What `generation` counts changes of: everything except metadata and status.
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _deep_copy(obj: Any) -> Any:
    import copy

    return copy.deepcopy(obj)


_STRATEGIES: dict[tuple[str, str], type[Strategy]] = {}


def register_strategy(group: str, plural: str, strategy: type[Strategy]) -> type[Strategy]:
    """Use `strategy` (a Strategy subclass) for the resource `plural` of `group`."""
    _STRATEGIES[(group, plural)] = strategy
    return strategy


def strategy_for(resource: Resource) -> Strategy:
    cls = _STRATEGIES.get((resource.group, resource.plural), Strategy)
    return cls(resource)
