"""Adoption and release: which objects a controller owns, decided by selector and ownerRefs.

`claim(owner, candidates, selector, ...)` follows Kubernetes' ControllerRefManager:

- an object whose controller reference points at `owner` is kept while the selector still
  matches it, and *released* (its ownerReference removed) when it no longer does;
- an object with no controller reference that the selector matches is *adopted* (a
  controller ownerReference to `owner` is added), unless either side is being deleted;
- an object controlled by someone else is never touched.

Adoption and release are strategic-merge PATCHes that carry the object's uid, so they fail
(and the next reconcile retries) rather than touch a same-named replacement. Returns the
objects owned after the claim.
"""

from __future__ import annotations

import logging

from pyk8s.api import errors
from pyk8s.api.labels import Selector
from pyk8s.client.cache import Object
from pyk8s.client.resources import ResourceClient
from pyk8s.controllers.base import controller_ref, is_being_deleted, owner_reference

logger = logging.getLogger("pyk8s.controllers.claim")


async def claim(
    owner: Object, candidates: list[Object], selector: Selector, resource: ResourceClient
) -> list[Object]:
    owner_uid = owner["metadata"]["uid"]
    owned: list[Object] = []
    for obj in candidates:
        labels = obj["metadata"].get("labels") or {}
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if selector.matches(labels):
                owned.append(obj)
            elif not is_being_deleted(owner):
                await _release(owner, obj, resource)
            continue
        if is_being_deleted(owner) or is_being_deleted(obj) or not selector.matches(labels):
            continue
        adopted = await _adopt(owner, obj, resource)
        if adopted is not None:
            owned.append(adopted)
    return owned


async def _adopt(owner: Object, obj: Object, resource: ResourceClient) -> Object | None:
    meta = obj["metadata"]
    patch = {"metadata": {"ownerReferences": [owner_reference(owner)], "uid": meta["uid"]}}
    try:
        return await resource.patch(
            meta["name"], patch, meta.get("namespace"), patch_type="strategic"
        )
    except (errors.NotFound, errors.Invalid, errors.Conflict) as error:
        logger.info("not adopting %s: %s", meta["name"], error)
        return None


async def _release(owner: Object, obj: Object, resource: ResourceClient) -> None:
    meta = obj["metadata"]
    remove = {"$patch": "delete", "uid": owner["metadata"]["uid"]}
    patch = {"metadata": {"ownerReferences": [remove], "uid": meta["uid"]}}
    try:
        await resource.patch(meta["name"], patch, meta.get("namespace"), patch_type="strategic")
    except (errors.NotFound, errors.Invalid, errors.Conflict) as error:
        logger.info("not releasing %s: %s", meta["name"], error)
