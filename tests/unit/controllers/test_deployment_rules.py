"""The Deployment controller's arithmetic: surge and unavailability, rollout steps,
proportional scaling, template identity, completeness."""

from __future__ import annotations

from typing import Any

import pytest

from pyk8s.controllers import deployment_util as du
from pyk8s.controllers.deployment_rollout import plan_rolling, plan_scale


def make_deployment(replicas: int, surge: Any = "25%", unavailable: Any = "25%",
                    kind: str = "RollingUpdate") -> dict[str, Any]:  # fmt: skip
    strategy: dict[str, Any] = {"type": kind}
    if kind == "RollingUpdate":
        strategy["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"generation": 2}, "spec": {"replicas": replicas, "strategy": strategy}}


def make_rs(name: str, replicas: int, available: int | None = None, *, created: str = "",
            max_replicas: int | None = None, desired: int | None = None) -> dict[str, Any]:  # fmt: skip
    annotations = {}
    if max_replicas is not None:
        annotations[du.MAX_REPLICAS] = str(max_replicas)
    if desired is not None:
        annotations[du.DESIRED_REPLICAS] = str(desired)
    return {
        "metadata": {"name": name, "annotations": annotations,
                     "creationTimestamp": created or "2025-01-01T00:00:00Z"},
        "spec": {"replicas": replicas},
        "status": {"availableReplicas": replicas if available is None else available},
    }  # fmt: skip


def sizes(steps: list[tuple[dict[str, Any], int]]) -> dict[str, int]:
    return {rs["metadata"]["name"]: size for rs, size in steps}


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [
        (10, "25%", "25%", (3, 2)),  # 2.5 -> surge up to 3, unavailable down to 2
        (4, "25%", "25%", (1, 1)),
        (3, "25%", "25%", (1, 0)),  # 0.75: surge rounds up to 1, unavailable down to 0
        (1, "10%", "10%", (1, 0)),
        (5, 2, 1, (2, 1)),  # absolute numbers are taken as they are
        (5, 0, 0, (0, 1)),  # both zero would never progress: one may be unavailable
        (5, "0%", "0%", (0, 1)),
        (2, 0, 5, (0, 2)),  # never more unavailable than there are replicas
    ],
)
def test_surge_rounds_up_and_unavailable_rounds_down(
    replicas, surge, unavailable, expected
) -> None:
    assert du.surge_and_unavailable(make_deployment(replicas, surge, unavailable)) == expected


def test_recreate_has_no_surge_and_may_take_everything_down() -> None:
    assert du.surge_and_unavailable(make_deployment(4, kind="Recreate")) == (0, 4)


def test_a_rollout_first_surges_the_new_replicaset() -> None:
    deployment = make_deployment(10)  # surge 3, unavailable 2
    new, old = make_rs("new", 0), make_rs("old", 10)
    assert sizes(plan_rolling(deployment, new, [old])) == {"new": 3}


def test_then_scales_old_down_keeping_min_available() -> None:
    deployment = make_deployment(10)
    new, old = make_rs("new", 3, available=0), make_rs("old", 10)
    # 13 pods, at least 8 must stay available, 3 new ones are not yet: 13 - 8 - 3 = 2 may go.
    assert sizes(plan_rolling(deployment, new, [old])) == {"old": 8}


def test_unavailable_old_pods_go_first_and_cost_nothing() -> None:
    deployment = make_deployment(4, surge=1, unavailable=1)
    new, broken = make_rs("new", 1, available=1), make_rs("broken", 4, available=2)
    # 5 pods, 3 must stay: 2 may go, and the 2 not available anyway are the ones to go, so
    # availability (1 new + 2 old = 3) does not drop
    assert sizes(plan_rolling(deployment, new, [broken])) == {"broken": 2}
    # with no unavailability allowed only one may go, still an unavailable one
    strict = make_deployment(4, surge=1, unavailable=0)
    assert sizes(plan_rolling(strict, new, [broken])) == {"broken": 3}


def test_no_step_while_the_surge_is_used_and_nothing_is_available() -> None:
    deployment = make_deployment(4, surge=1, unavailable=0)
    assert plan_rolling(deployment, make_rs("new", 1, available=0), [make_rs("old", 4)]) == []


def test_an_oversized_new_replicaset_is_trimmed() -> None:
    deployment = make_deployment(3)
    assert sizes(plan_rolling(deployment, make_rs("new", 5), [])) == {"new": 3}


def test_proportional_scaling_as_in_the_kubernetes_documentation() -> None:
    # 10 replicas, maxSurge 3, maxUnavailable 2; a rollout stuck with 8 old and 5 new; the
    # user scales to 15. Of the 5 extra replicas 3 go to the old ReplicaSet, 2 to the new.
    deployment = make_deployment(15, surge=3, unavailable=2)
    new = make_rs(
        "new", 5, available=0, max_replicas=13, desired=10, created="2025-01-02T00:00:00Z"
    )
    old = make_rs("old", 8, max_replicas=13, desired=10)
    assert sizes(plan_scale(deployment, new, [old])) == {"old": 11, "new": 7}


def test_proportional_scaling_down_gives_leftovers_to_the_biggest() -> None:
    deployment = make_deployment(5, surge=1, unavailable=0)  # max 6, from 11
    new = make_rs(
        "new", 4, available=0, max_replicas=11, desired=10, created="2025-01-02T00:00:00Z"
    )
    old = make_rs("old", 7, max_replicas=11, desired=10)
    steps = sizes(plan_scale(deployment, new, [old]))
    # round(7 * 6 / 11) = 4 and round(4 * 6 / 11) = 2: the total is exactly 6
    assert steps == {"old": 4, "new": 2}


def test_scaling_a_single_active_replicaset_sets_its_size() -> None:
    deployment = make_deployment(7)
    assert sizes(plan_scale(deployment, make_rs("new", 3), [make_rs("old", 0)])) == {"new": 7}


def test_a_saturated_new_replicaset_scales_the_old_ones_to_zero() -> None:
    deployment = make_deployment(3)
    new = make_rs("new", 3, desired=3)
    assert sizes(plan_scale(deployment, new, [make_rs("old", 1, desired=3)])) == {"old": 0}


def test_template_identity_ignores_the_hash_label_and_empty_members() -> None:
    a = {"metadata": {"labels": {"app": "web"}},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}  # fmt: skip
    # what `kubectl rollout undo` sends back: the ReplicaSet's template, with its Go empties
    b = {"metadata": {"labels": {"app": "web", du.HASH_LABEL: "abc"}, "annotations": {}},
         "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {}}]}}  # fmt: skip
    assert du.same_template(a, b)
    assert du.template_hash(a, None) == du.template_hash(du.without_hash(b), None)
    c = {**a, "spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}
    assert not du.same_template(a, c)
    assert du.template_hash(a, None) != du.template_hash(c, None)


def test_the_hash_is_short_dns_safe_and_changes_with_collision_count() -> None:
    template = {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    first = du.template_hash(template, None)
    assert first == du.template_hash(template, 0)
    assert first != du.template_hash(template, 1)
    assert first.isalnum() and first.islower() and len(first) <= 10
    assert not set(first) & set("aeiou")


def test_complete_needs_every_count_and_the_generation_observed() -> None:
    deployment = make_deployment(3)
    status = {"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3, "observedGeneration": 2}
    assert du.is_complete(deployment, status)
    assert not du.is_complete(deployment, {**status, "observedGeneration": 1})
    assert not du.is_complete(deployment, {**status, "replicas": 4})  # old pods still there
    assert not du.is_complete(deployment, {**status, "availableReplicas": 2})


def test_a_condition_keeps_its_transition_time_while_its_status_holds() -> None:
    status: dict[str, Any] = {}
    du.set_condition(status, du.progressing("ReplicaSetUpdated", "True", "m", "T1"))
    du.set_condition(status, du.progressing("NewReplicaSetAvailable", "True", "m", "T2"))
    (condition,) = status["conditions"]
    assert (condition["reason"], condition["lastTransitionTime"]) == (
        "NewReplicaSetAvailable",
        "T1",
    )
    assert condition["lastUpdateTime"] == "T2"
    du.set_condition(status, du.progressing("ProgressDeadlineExceeded", "False", "m", "T3"))
    assert status["conditions"][0]["lastTransitionTime"] == "T3"
