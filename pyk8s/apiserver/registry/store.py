"""The generic store: create, get, list, update, patch and watch, the same for every resource.

What a resource does differently comes from its Strategy (strategy.py); everything here is
shared, as in Kubernetes' `registry/generic/registry/store.go`. Guarantees:

- `metadata.resourceVersion` is the store's mod revision of the object; it is not stored.
- Writes are compare-and-swap. An update or patch that names a resourceVersion other than
  the current one fails with 409 Conflict; one without a resourceVersion retries on a
  concurrent write (where the strategy allows unconditional updates).
- A write that changes nothing is not written: the object and its resourceVersion stay.
- `dryRun=All` runs every step (defaulting, validation, admission) except the write.
- Unknown fields are always dropped; `fieldValidation` decides whether they are an error
  (Strict), a `Warning` header (Warn, the default) or nothing (Ignore).
- LIST and WATCH at resourceVersion "0" come from the watch cache, every other read from
  the store itself, so a read that names no version sees every acknowledged write.

Deletion lives in deletion.py; this module calls into it for updates that finish a deletion.
"""

from __future__ import annotations

import random
from typing import Any

import orjson

from pyk8s.api.errors import AlreadyExists, BadRequest, Cause, Conflict, Invalid, NotFound
from pyk8s.api.meta import new_uid, now_rfc3339
from pyk8s.api.resource import Resource
from pyk8s.apiserver.admission import AdmissionChain, AdmissionRequest
from pyk8s.apiserver.registry import inputs
from pyk8s.apiserver.registry.deletion import Deletes
from pyk8s.apiserver.registry.limits import MAX_UPDATE_ATTEMPTS
from pyk8s.apiserver.registry.options import WriteOptions
from pyk8s.apiserver.registry.patching import Patches
from pyk8s.apiserver.registry.reads import Reads
from pyk8s.apiserver.registry.strategy import Strategy
from pyk8s.apiserver.watchcache import WatchCache, decode_stored
from pyk8s.storage.interface import ConflictError, KeyExistsError, KeyValue, Store

# Kubernetes' alphabet for generateName suffixes: no vowels (no words), no look-alikes.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SYSTEM_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")


def copy_object(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy; JSON round-trips are the fastest deep copy of JSON values."""
    return orjson.loads(orjson.dumps(obj))


def encode_for_storage(obj: dict[str, Any]) -> bytes:
    stored = dict(obj)
    stored["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    return orjson.dumps(stored)


class GenericStore(Reads, Patches, Deletes):
    def __init__(
        self,
        resource: Resource,
        strategy: Strategy,
        store: Store,
        watch_cache: WatchCache | None,
        admission: AdmissionChain | None = None,
        lookup: Any = None,
    ) -> None:
        super().__init__(resource, strategy, store, watch_cache)
        self.admission = admission or AdmissionChain([])
        # (plural, group, namespace, name) -> object | None; for admission plugins.
        self.lookup = lookup

    # ---- helpers shared by every write ---------------------------------------------------

    @property
    def qualified(self) -> str:
        """`configmaps` or `deployments.apps`, as error messages name a resource."""
        r = self.resource
        return f"{r.plural}.{r.group}" if r.group else r.plural

    def not_found(self, name: str) -> NotFound:
        return NotFound.of(self.resource.plural, name, self.resource.group)

    def conflict(self, name: str) -> Conflict:
        return Conflict.of(self.resource.plural, name, self.resource.group)

    def invalid(self, name: str, causes: list[Cause]) -> Invalid:
        return Invalid.of(self.resource.kind, name, causes, self.resource.group)

    def _request(
        self,
        operation: str,
        namespace: str,
        name: str,
        obj: Any,
        old: Any,
        options: WriteOptions,
        subresource: str = "",
    ) -> AdmissionRequest:
        return AdmissionRequest(
            operation, self.resource, namespace, name, subresource, obj, old,
            options.dry_run, options.user, self.lookup,
        )  # fmt: skip

    def _track_managed_fields(
        self, old: dict[str, Any] | None, new: dict[str, Any], options: WriteOptions,
        operation: str, subresource: str = "",
    ) -> None:  # fmt: skip
        inputs.track_managed_fields(
            self.resource, old, new, manager=options.field_manager, operation=operation,
            subresource=subresource, now=now_rfc3339(),
        )  # fmt: skip

    # ---- create --------------------------------------------------------------------------

    async def create(self, namespace: str, body: Any, options: WriteOptions) -> dict[str, Any]:
        obj = inputs.prepare_input(self.resource, body, options)
        meta = obj["metadata"]
        inputs.check_namespace(self.resource, meta, namespace)
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise self.invalid("", [Cause(
                    "FieldValueRequired", "Required value: name or generateName is required",
                    "metadata.name",
                )])  # fmt: skip
            suffix = "".join(random.choices(_SUFFIX_ALPHABET, k=5))
            meta["name"] = meta["generateName"] + suffix
        return await self._create_prepared(obj, options)

    async def _create_prepared(
        self, obj: dict[str, Any], options: WriteOptions, *, managed_fields_done: bool = False
    ) -> dict[str, Any]:
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace", "")
        self.strategy.default(obj)
        await self.admission.admit(self._request("CREATE", namespace, name, obj, None, options))
        for system_field in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
            meta.pop(system_field, None)
        self.strategy.prepare_for_create(obj)
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = now_rfc3339()
        await self.strategy.before_create(obj, dry_run=options.dry_run)
        try:
            return await self._validate_and_create(obj, options, managed_fields_done)
        except BaseException:
            if not options.dry_run:
                await self.strategy.after_delete(obj)  # give back what before_create claimed
            raise

    async def _validate_and_create(
        self, obj: dict[str, Any], options: WriteOptions, managed_fields_done: bool
    ) -> dict[str, Any]:
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace", "")
        if not managed_fields_done:
            self._track_managed_fields(None, obj, options, "Update")
        self.strategy.canonicalize(obj)
        causes = self.strategy.validate(obj)
        if causes:
            raise self.invalid(name, causes)
        await self.admission.validate(self._request("CREATE", namespace, name, obj, None, options))
        if options.dry_run:
            return obj
        try:
            revision = await self.store.create(
                self.resource.key(namespace, name), encode_for_storage(obj)
            )
        except KeyExistsError:
            raise AlreadyExists.of(self.resource.plural, name, self.resource.group) from None
        meta["resourceVersion"] = str(revision)
        return obj

    # ---- update --------------------------------------------------------------------------

    async def update(
        self, namespace: str, name: str, body: Any, options: WriteOptions, subresource: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """PUT. Returns the object and whether it was created."""
        obj = inputs.prepare_input(self.resource, body, options)
        meta = obj["metadata"]
        inputs.check_namespace(self.resource, meta, namespace)
        if meta.get("name") != name:
            raise BadRequest(
                f"the name of the object ({meta.get('name', '')}) does not match the name on the URL ({name})"
            )
        wanted_version = meta.get("resourceVersion", "")
        key = self.resource.key(namespace, name)
        for _ in range(MAX_UPDATE_ATTEMPTS):
            kv = await self.store.get(key)
            if kv is None:
                if subresource or not self.strategy.allow_create_on_update():
                    raise self.not_found(name)
                return await self._create_prepared(obj, options), True
            if wanted_version and wanted_version != str(kv.mod_revision):
                raise self.conflict(name)
            if not wanted_version and not self.strategy.allow_unconditional_update():
                raise self.invalid(name, [Cause(
                    "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
                    "metadata.resourceVersion",
                )])  # fmt: skip
            try:
                result = await self.update_from(kv, copy_object(obj), options, subresource)
            except ConflictError:
                if wanted_version:
                    raise self.conflict(name) from None
                continue
            return result, False
        raise self.conflict(name)

    async def update_from(
        self,
        kv: KeyValue,
        new: dict[str, Any],
        options: WriteOptions,
        subresource: str = "",
        *,
        operation: str = "Update",
        managed_fields_done: bool = False,
    ) -> dict[str, Any]:
        """Write `new` over the stored `kv`, as an update of the main resource or of
        `subresource`. Raises the store's ConflictError when `kv` is no longer current."""
        old = decode_stored(kv.value, kv.mod_revision)
        meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
        for system_field in _SYSTEM_FIELDS:
            if system_field in old_meta and not (system_field == "uid" and meta.get("uid")):
                meta[system_field] = old_meta[system_field]
            elif system_field != "uid":
                meta.pop(system_field, None)
        if "generation" in old_meta:
            meta["generation"] = old_meta["generation"]
        meta["resourceVersion"] = old_meta["resourceVersion"]
        name, namespace = old_meta["name"], old_meta.get("namespace", "")
        self._prepare_update(new, old, subresource)
        request = self._request("UPDATE", namespace, name, new, old, options, subresource)
        await self.admission.admit(request)
        self.strategy.canonicalize(new)
        if _same(new, old):
            return old  # nothing changed: nothing is written, resourceVersion stays
        if not managed_fields_done:
            self._track_managed_fields(old, new, options, operation, subresource)
        await self.strategy.before_update(new, old, dry_run=options.dry_run)
        try:
            written = await self._validate_and_write(kv, new, old, request, subresource)
        except BaseException:
            if not options.dry_run:
                await self.strategy.after_update(old, new)  # give back what before_update claimed
            raise
        if written == "deleted":
            await self.strategy.after_delete(new)
        elif written == "updated":
            await self.strategy.after_update(new, old)
        return new

    def _prepare_update(self, new: dict[str, Any], old: dict[str, Any], subresource: str) -> None:
        """Reset what this endpoint may not change: spec on /status, status on the main
        resource; a strategy may own other subresources (`prepare_for_finalize_update`)."""
        if subresource == "status":
            self.strategy.prepare_for_status_update(new, old)
        elif prepare := getattr(self.strategy, f"prepare_for_{subresource}_update", None):
            prepare(new, old)
        else:
            self.strategy.default(new)
            self.strategy.prepare_for_update(new, old)

    async def _validate_and_write(
        self, kv: KeyValue, new: dict[str, Any], old: dict[str, Any], request: AdmissionRequest,
        subresource: str,
    ) -> str:  # fmt: skip
        """Validate, admit and write an update; says whether it was "updated", "deleted"
        (its deletion finished) or not written at all ("dry-run")."""
        validate = getattr(self.strategy, f"validate_{subresource}_update", None)
        causes = (validate or self.strategy.validate_update)(new, old)
        if causes:
            raise self.invalid(new["metadata"]["name"], causes)
        await self.admission.validate(request)
        if request.dry_run:
            return "dry-run"
        if _deletion_finished(new) and self.strategy.should_delete_during_update(new):
            await self.store.delete(kv.key, kv.mod_revision)
            return "deleted"
        revision = await self.store.update(kv.key, encode_for_storage(new), kv.mod_revision)
        new["metadata"]["resourceVersion"] = str(revision)
        return "updated"


def _same(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """Equal apart from managedFields, which only record who changed what."""

    def strip(obj: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in obj.get("metadata", {}).items() if k != "managedFields"}
        return {**obj, "metadata": meta}

    return strip(new) == strip(old)


def _deletion_finished(obj: dict[str, Any]) -> bool:
    """An object marked for deletion whose last finalizer was just removed goes away."""
    meta = obj["metadata"]
    return (
        bool(meta.get("deletionTimestamp"))
        and not meta.get("finalizers")
        and not meta.get("deletionGracePeriodSeconds")
    )
