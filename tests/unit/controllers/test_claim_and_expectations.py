"""Adoption and release by selector (claim.py) and creation/deletion expectations."""

from __future__ import annotations

import copy
from typing import Any

from pyk8s.api import errors
from pyk8s.api.labels import parse_selector
from pyk8s.client.clock import FakeClock
from pyk8s.controllers.claim import claim
from pyk8s.controllers.expectations import EXPECTATIONS_TIMEOUT, Expectations

OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "web", "namespace": "default", "uid": "owner-uid"}}  # fmt: skip
SELECTOR = parse_selector("app=web")


class RecordingPods:
    """Stands in for the pods ResourceClient: applies ownerReference patches, records them."""

    def __init__(self, objects: list[dict[str, Any]], gone: set[str] = frozenset()) -> None:
        self.objects = {o["metadata"]["name"]: o for o in objects}
        self.gone = gone
        self.patches: list[tuple[str, dict[str, Any]]] = []

    async def patch(self, name: str, patch: dict[str, Any], namespace: str | None,
                    *, patch_type: str) -> dict[str, Any]:  # fmt: skip
        assert patch_type == "strategic"
        self.patches.append((name, patch))
        if name in self.gone:
            raise errors.NotFound(f'pods "{name}" not found')
        obj = copy.deepcopy(self.objects[name])
        assert patch["metadata"]["uid"] == obj["metadata"]["uid"], "patch must carry the uid"
        refs = obj["metadata"].setdefault("ownerReferences", [])
        for ref in patch["metadata"]["ownerReferences"]:
            if ref.get("$patch") == "delete":
                refs[:] = [r for r in refs if r["uid"] != ref["uid"]]
            else:
                refs.append(ref)
        return obj


def pod(name: str, labels: dict[str, str], controller_uid: str | None = None,
        deleting: bool = False) -> dict[str, Any]:  # fmt: skip
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "uid": f"uid-{name}",
                                "labels": labels}  # fmt: skip
    if controller_uid:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                        "name": "x", "uid": controller_uid, "controller": True}]  # fmt: skip
    if deleting:
        metadata["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    return {"metadata": metadata}


def names(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects)


async def test_owned_and_matching_is_kept_without_a_write() -> None:
    mine = pod("mine", {"app": "web"}, "owner-uid")
    pods = RecordingPods([mine])
    assert names(await claim(OWNER, [mine], SELECTOR, pods)) == ["mine"]
    assert pods.patches == []


async def test_a_matching_orphan_is_adopted_with_a_controller_reference() -> None:
    orphan = pod("orphan", {"app": "web"})
    pods = RecordingPods([orphan])
    (adopted,) = await claim(OWNER, [orphan], SELECTOR, pods)
    (ref,) = adopted["metadata"]["ownerReferences"]
    assert (ref["uid"], ref["controller"], ref["blockOwnerDeletion"]) == ("owner-uid", True, True)


async def test_an_owned_pod_that_no_longer_matches_is_released() -> None:
    relabelled = pod("relabelled", {"app": "debug"}, "owner-uid")
    pods = RecordingPods([relabelled])
    assert await claim(OWNER, [relabelled], SELECTOR, pods) == []
    ((name, patch),) = pods.patches
    assert name == "relabelled"
    assert patch["metadata"]["ownerReferences"] == [{"$patch": "delete", "uid": "owner-uid"}]


async def test_others_pods_non_matching_orphans_and_dying_pods_are_left_alone() -> None:
    candidates = [
        pod("theirs", {"app": "web"}, "someone-else"),
        pod("unrelated", {"app": "db"}),
        pod("dying-orphan", {"app": "web"}, deleting=True),
    ]
    pods = RecordingPods(candidates)
    assert await claim(OWNER, candidates, SELECTOR, pods) == []
    assert pods.patches == []


async def test_an_owner_being_deleted_adopts_nothing_and_releases_nothing() -> None:
    dying_owner = copy.deepcopy(OWNER)
    dying_owner["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    candidates = [pod("orphan", {"app": "web"}), pod("relabelled", {"app": "x"}, "owner-uid")]
    pods = RecordingPods(candidates)
    assert await claim(dying_owner, candidates, SELECTOR, pods) == []
    assert pods.patches == []


async def test_an_orphan_gone_before_adoption_is_skipped() -> None:
    orphan = pod("orphan", {"app": "web"})
    assert await claim(OWNER, [orphan], SELECTOR, RecordingPods([orphan], gone={"orphan"})) == []


def test_expectations_hold_until_every_creation_is_seen() -> None:
    expectations = Expectations(FakeClock())
    assert expectations.satisfied("default/web")
    expectations.expect_creations("default/web", 2)
    assert not expectations.satisfied("default/web")
    expectations.creation_observed("default/web")
    assert not expectations.satisfied("default/web")
    expectations.creation_observed("default/web")
    assert expectations.satisfied("default/web")


def test_expectations_hold_until_each_expected_deletion_is_seen() -> None:
    expectations = Expectations(FakeClock())
    expectations.expect_deletions("default/web", {"a", "b"})
    expectations.deletion_observed("default/web", "a")
    expectations.deletion_observed("default/web", "someone-else")
    assert not expectations.satisfied("default/web")
    expectations.deletion_observed("default/web", "b")
    assert expectations.satisfied("default/web")


def test_expectations_expire_so_a_lost_event_cannot_wedge_a_controller() -> None:
    clock = FakeClock()
    expectations = Expectations(clock)
    expectations.expect_creations("default/web", 3)
    clock.advance(EXPECTATIONS_TIMEOUT - 1)
    assert not expectations.satisfied("default/web")
    clock.advance(2)
    assert expectations.satisfied("default/web")


def test_forgetting_a_deleted_owner_clears_its_expectations() -> None:
    expectations = Expectations(FakeClock())
    expectations.expect_creations("default/web", 1)
    expectations.forget("default/web")
    assert expectations.satisfied("default/web")
    expectations.creation_observed("default/web")  # a late event for a forgotten key: harmless
    assert expectations.satisfied("default/web")
