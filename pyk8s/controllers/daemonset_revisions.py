"""ControllerRevisions: the numbered history of a DaemonSet's or StatefulSet's pod template.

Both controllers keep one ControllerRevision per distinct template they have run, named
`<owner>-<hash>` and labelled `controller-revision-hash: <hash>`; their pods carry the
same label, which is how "is this pod up to date?" is answered. `kubectl rollout history`
lists these revisions and `kubectl rollout undo` copies one back into the owner.

Guarantees of `sync_revisions`: afterwards a revision exists for the current template
and holds the highest revision number (an older one is renumbered when a rollback
brings its template back, as Kubernetes does); revisions beyond `revisionHistoryLimit`
that no pod uses are deleted, oldest first. The hash is Kubernetes' recipe (FNV-32a of
the serialised data, then the "safe" alphabet), so names look like the real ones.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import orjson

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.client.resources import ResourceClient
from pyk8s.controllers.base import is_being_deleted, owner_reference

REVISION_HASH_LABEL = "controller-revision-hash"
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """apimachinery's SafeEncodeString: no vowels, no look-alike digits, so no words."""
    return "".join(_SAFE_ALPHABET[ord(char) % len(_SAFE_ALPHABET)] for char in text)


def revision_data(template: dict[str, Any]) -> dict[str, Any]:
    """What a revision stores: a patch that puts this template back into the owner."""
    return {"spec": {"template": {**copy.deepcopy(template), "$patch": "replace"}}}


def template_of(revision: Object) -> dict[str, Any]:
    template = copy.deepcopy(revision["data"]["spec"]["template"])
    template.pop("$patch", None)
    return template


def revision_hash(data: dict[str, Any], collision_count: int = 0) -> str:
    serialised = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    if collision_count:
        serialised += str(collision_count).encode()
    return safe_encode(str(fnv32a(serialised)))


def owned_revisions(revisions: list[Object], owner: Object) -> list[Object]:
    uid = owner["metadata"]["uid"]
    return sorted(
        (
            r
            for r in revisions
            if any(ref.get("uid") == uid for ref in r["metadata"].get("ownerReferences") or [])
        ),
        key=lambda r: r.get("revision", 0),
    )


async def sync_revisions(
    api: ResourceClient,
    owner: Object,
    revisions: list[Object],
    in_use: set[str],
) -> Object:
    """Make sure the owner's current template has the newest revision; returns that revision."""
    data = revision_data(owner["spec"]["template"])
    current_hash = revision_hash(data, (owner.get("status") or {}).get("collisionCount", 0))
    owned = owned_revisions(revisions, owner)
    newest = max((r.get("revision", 0) for r in owned), default=0)
    current = next(
        (
            r
            for r in owned
            if r["metadata"]["name"] == f"{owner['metadata']['name']}-{current_hash}"
        ),
        None,
    )
    if current is None:
        current = await _create(api, owner, data, current_hash, newest + 1)
    elif current.get("revision", 0) < newest:
        current = await api.update({**copy.deepcopy(current), "revision": newest + 1})
    limit = owner["spec"].get("revisionHistoryLimit", 10)
    old = [r for r in owned if r["metadata"]["name"] != current["metadata"]["name"]]
    removable = [r for r in old if r["metadata"]["labels"].get(REVISION_HASH_LABEL) not in in_use]
    for revision in removable[: max(len(old) - limit, 0)]:
        if not is_being_deleted(revision):
            with contextlib.suppress(errors.NotFound):
                await api.delete(revision["metadata"]["name"], revision["metadata"]["namespace"])
    return current


async def _create(
    api: ResourceClient, owner: Object, data: dict[str, Any], hash_: str, number: int
) -> Object:
    labels = dict((owner["spec"]["template"].get("metadata") or {}).get("labels") or {})
    labels[REVISION_HASH_LABEL] = hash_
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{owner['metadata']['name']}-{hash_}",
            "namespace": owner["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [owner_reference(owner)],
        },
        "data": data,
        "revision": number,
    }
    try:
        return await api.create(revision)
    except errors.AlreadyExists:
        # Made by an earlier run of ours that crashed before seeing it: the same data.
        return await api.get(revision["metadata"]["name"], owner["metadata"]["namespace"])
