"""PATCH for the generic store: the four patch types, then the ordinary update path.

- `application/json-patch+json` (RFC 6902), `application/merge-patch+json` (RFC 7386) and
  `application/strategic-merge-patch+json` (merge keys from the schema) are applied to the
  current object; `application/apply-patch+yaml` is server-side apply, which may create
  the object (the caller answers 201 then) and records field ownership itself.
- A `metadata.resourceVersion` inside the patch is a precondition (409 when stale); without
  one, a concurrent write makes the patch retry on the fresh object.
- The patched object then goes through `update_from` like a PUT, so a patch that changes
  nothing writes nothing and keeps the resourceVersion.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.errors import BadRequest, StatusError
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.registry import inputs
from pyk8s.apiserver.registry.limits import MAX_UPDATE_ATTEMPTS
from pyk8s.apiserver.registry.options import WriteOptions
from pyk8s.apiserver.watchcache import decode_stored
from pyk8s.storage.interface import ConflictError


class UnprocessablePatch(StatusError):
    """A patch that is well formed but cannot be applied (a failed json-patch `test`)."""

    code, reason = 422, "Invalid"


class Patches:
    async def patch(
        self,
        namespace: str,
        name: str,
        patch_type: str,
        patch: Any,
        options: WriteOptions,
        *,
        force: bool = False,
        subresource: str = "",
    ) -> tuple[dict[str, Any], bool]:
        """Returns the object and whether it was created (server-side apply only)."""
        applying = patch_type == negotiation.APPLY_PATCH
        if applying and not options.field_manager:
            raise BadRequest(
                "PATCH requests with content type application/apply-patch+yaml require fieldManager"
            )
        key = self.resource.key(namespace, name)  # type: ignore[attr-defined]
        for _ in range(MAX_UPDATE_ATTEMPTS):
            kv = await self.store.get(key)  # type: ignore[attr-defined]
            if kv is None:
                if applying and not subresource:
                    return await self._apply_create(namespace, name, patch, options, force), True
                raise self.not_found(name)  # type: ignore[attr-defined]
            current = decode_stored(kv.value, kv.mod_revision)
            patched = self._patched(current, patch_type, patch, options, force)
            wanted = patched.get("metadata", {}).get("resourceVersion")
            if wanted and wanted != str(kv.mod_revision):
                raise self.conflict(name)  # type: ignore[attr-defined]
            try:
                result = await self.update_from(  # type: ignore[attr-defined]
                    kv, patched, options, subresource,
                    operation="Apply" if applying else "Update", managed_fields_done=applying,
                )  # fmt: skip
            except ConflictError:
                # Someone wrote in between: patch the newer object. A resourceVersion the
                # patch itself names is checked against it on the next pass.
                continue
            return result, False
        raise self.conflict(name)  # type: ignore[attr-defined]

    def _patched(
        self,
        current: dict[str, Any],
        patch_type: str,
        patch: Any,
        options: WriteOptions,
        force: bool,
    ) -> dict[str, Any]:
        resource = self.resource  # type: ignore[attr-defined]
        from pyk8s.api import patch as patches

        try:
            if patch_type == negotiation.JSON_PATCH:
                if not isinstance(patch, list):
                    raise BadRequest("a JSON patch must be a list of operations")
                result = patches.apply_json_patch(current, patch)
            elif patch_type == negotiation.MERGE_PATCH:
                result = patches.apply_merge_patch(current, patch)
            elif patch_type == negotiation.STRATEGIC_MERGE_PATCH:
                result = patches.apply_strategic_merge_patch(current, patch, resource.struct)
            else:
                result = self._server_side_apply(current, patch, options, force)
        except StatusError:
            raise
        except Exception as err:  # the patch libraries raise their own error types
            if patch_type == negotiation.JSON_PATCH:
                raise UnprocessablePatch(
                    f"the server rejected our request due to an error in our request: {err}"
                ) from None
            raise BadRequest(f"unable to apply the patch: {err}") from None
        if not isinstance(result, dict):
            raise BadRequest("the patched object is not a JSON object")
        meta = result.get("metadata")
        if not isinstance(meta, dict):
            raise BadRequest("the patched object has no metadata")
        old_meta = current["metadata"]
        if meta.get("name") != old_meta["name"] or meta.get("namespace", "") != old_meta.get(
            "namespace", ""
        ):
            raise BadRequest("metadata.name and metadata.namespace may not be changed by a patch")
        inputs.check_fields(resource, result, options)
        result["apiVersion"], result["kind"] = resource.api_version, resource.kind
        return result

    def _server_side_apply(
        self, live: dict[str, Any] | None, applied: Any, options: WriteOptions, force: bool
    ) -> dict[str, Any]:
        from pyk8s.api.patch import server_side_apply
        from pyk8s.apiserver.registry.store import now_rfc3339

        resource = self.resource  # type: ignore[attr-defined]
        if not isinstance(applied, dict):
            raise BadRequest("an apply patch must be an object")
        return server_side_apply(
            live, applied, resource.struct, manager=options.field_manager, force=force,
            api_version=resource.api_version, now=now_rfc3339(),
        )  # fmt: skip

    async def _apply_create(
        self, namespace: str, name: str, patch: Any, options: WriteOptions, force: bool
    ) -> dict[str, Any]:
        resource = self.resource  # type: ignore[attr-defined]
        obj = inputs.prepare_input(resource, patch, options)
        meta = obj["metadata"]
        if meta.get("name", name) != name:
            raise BadRequest(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        meta["name"] = name
        inputs.check_namespace(resource, meta, namespace)
        created = self._server_side_apply(None, obj, options, force)
        return await self._create_prepared(created, options, managed_fields_done=True)  # type: ignore[attr-defined]
