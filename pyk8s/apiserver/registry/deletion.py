"""DELETE for the generic store: preconditions, finalizers, graceful deletion, propagation.

An object goes away at once unless something must happen first:
- it has finalizers (set by controllers, or `orphan`/`foregroundDeletion` added here from
  the propagationPolicy): it is kept with `metadata.deletionTimestamp` set, and goes away
  when an update removes the last finalizer;
- its strategy asks for a grace period (pods): it is kept with `deletionTimestamp` = now +
  grace and `deletionGracePeriodSeconds`, until the kubelet confirms with a 0-grace delete.

The answer is the object while it is still there; once gone, the object itself when the
strategy says `return_deleted_object`, otherwise a Success Status naming it.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.errors import BadRequest, Conflict
from pyk8s.apiserver.registry.limits import MAX_UPDATE_ATTEMPTS
from pyk8s.apiserver.registry.options import ListOptions, WriteOptions
from pyk8s.apiserver.watchcache import decode_stored
from pyk8s.storage.interface import ConflictError, KeyNotFoundError

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
POLICIES = ("Orphan", "Background", "Foreground")


def _propagation(options: dict[str, Any]) -> str | None:
    policy = options.get("propagationPolicy")
    orphan = options.get("orphanDependents")
    if policy is not None and orphan is not None:
        raise BadRequest("orphanDependents and propagationPolicy may not both be set")
    if policy is not None and policy not in POLICIES:
        raise BadRequest(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: '
            '"Foreground", "Background", "Orphan"'
        )
    if orphan is not None:
        return "Orphan" if orphan else "Background"
    return policy


def _apply_propagation(meta: dict[str, Any], policy: str | None) -> None:
    """Record the policy as Kubernetes does: as a finalizer the garbage collector honours."""
    if policy is None:
        return  # keep whatever an earlier delete recorded
    finalizers = [f for f in meta.get("finalizers", []) if f not in (ORPHAN, FOREGROUND)]
    if policy == "Orphan":
        finalizers.append(ORPHAN)
    elif policy == "Foreground":
        finalizers.append(FOREGROUND)
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)


def _at(seconds: int) -> str:
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Deletes:
    def _check_preconditions(self, obj: dict[str, Any], delete_options: dict[str, Any]) -> None:
        preconditions = delete_options.get("preconditions") or {}
        meta = obj["metadata"]
        uid, version = preconditions.get("uid"), preconditions.get("resourceVersion")
        if uid and uid != meta.get("uid"):
            raise Conflict(
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta.get('uid', '')}",
                details={"name": meta["name"], "kind": self.resource.plural},  # type: ignore[attr-defined]
            )
        if version and version != meta.get("resourceVersion"):
            raise Conflict(
                "Precondition failed: ResourceVersion in precondition: "
                f"{version}, ResourceVersion in object meta: {meta.get('resourceVersion', '')}",
                details={"name": meta["name"], "kind": self.resource.plural},  # type: ignore[attr-defined]
            )

    async def delete(
        self, namespace: str, name: str, delete_options: dict[str, Any], options: WriteOptions
    ) -> tuple[dict[str, Any], bool]:
        """Returns (the object or a Success Status, whether it is gone now)."""
        policy = _propagation(delete_options)
        key = self.resource.key(namespace, name)  # type: ignore[attr-defined]
        for _ in range(MAX_UPDATE_ATTEMPTS):
            kv = await self.store.get(key)  # type: ignore[attr-defined]
            if kv is None:
                raise self.not_found(name)  # type: ignore[attr-defined]
            obj = decode_stored(kv.value, kv.mod_revision)
            self._check_preconditions(obj, delete_options)
            request = self._request("DELETE", namespace, name, None, obj, options)  # type: ignore[attr-defined]
            await self.admission.admit(request)  # type: ignore[attr-defined]
            await self.admission.validate(request)  # type: ignore[attr-defined]
            marked = self._mark_for_deletion(obj, delete_options, policy)
            try:
                if marked is not None:
                    return await self._write_marked(kv, obj, marked, options), False
                if not options.dry_run:
                    await self.store.delete(key, kv.mod_revision)  # type: ignore[attr-defined]
                    await self.strategy.after_delete(obj)  # type: ignore[attr-defined]
            except ConflictError:
                continue
            except KeyNotFoundError:
                raise self.not_found(name) from None  # type: ignore[attr-defined]
            return self._deleted_answer(obj), True
        raise self.conflict(name)  # type: ignore[attr-defined]

    def _mark_for_deletion(
        self, obj: dict[str, Any], delete_options: dict[str, Any], policy: str | None
    ) -> dict[str, Any] | None:
        """The object as it must be kept while its deletion is pending, or None to delete now."""
        kept = self.strategy.mark_for_deletion(obj, delete_options)  # type: ignore[attr-defined]
        if kept is not None:
            return kept
        marked = {**obj, "metadata": dict(obj["metadata"])}
        meta = marked["metadata"]
        _apply_propagation(meta, policy)
        grace = self.strategy.graceful_delete_seconds(marked, delete_options)  # type: ignore[attr-defined]
        if not meta.get("finalizers") and not grace:
            return None
        if grace:
            current = meta.get("deletionGracePeriodSeconds")
            if current is None or grace < current:
                meta["deletionTimestamp"] = _at(grace)
                meta["deletionGracePeriodSeconds"] = grace
        elif not meta.get("deletionTimestamp"):
            meta["deletionTimestamp"] = _at(0)
            meta["deletionGracePeriodSeconds"] = 0
        return marked

    async def _write_marked(
        self, kv: Any, old: dict[str, Any], marked: dict[str, Any], options: WriteOptions
    ) -> dict[str, Any]:
        from pyk8s.apiserver.registry.store import encode_for_storage

        if marked == old or options.dry_run:
            return marked
        revision = await self.store.update(kv.key, encode_for_storage(marked), kv.mod_revision)  # type: ignore[attr-defined]
        marked["metadata"]["resourceVersion"] = str(revision)
        return marked

    def _deleted_answer(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.strategy.return_deleted_object:  # type: ignore[attr-defined]
            return obj
        details = {"name": obj["metadata"]["name"], "kind": self.resource.plural}  # type: ignore[attr-defined]
        if self.resource.group:  # type: ignore[attr-defined]
            details["group"] = self.resource.group  # type: ignore[attr-defined]
        details["uid"] = obj["metadata"].get("uid", "")
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }

    async def delete_collection(
        self, namespace: str, list_options: ListOptions, delete_options: dict[str, Any],
        options: WriteOptions,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Delete every object the selectors match; returns what was deleted or marked."""
        listed = await self.list(namespace, list_options)  # type: ignore[attr-defined]
        results = []
        for obj in listed.items:
            meta = obj["metadata"]
            try:
                answer, gone = await self.delete(
                    meta.get("namespace", ""), meta["name"], delete_options, options
                )
            except Exception as err:
                if getattr(err, "code", None) == 404:
                    continue  # deleted meanwhile
                raise
            results.append(obj if gone else answer)
        return results
