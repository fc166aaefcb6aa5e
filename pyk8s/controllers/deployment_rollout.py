"""The Deployment's rollout strategies as plans: which ReplicaSet to scale to what, now.

Each function looks at the Deployment and its ReplicaSets and returns the scale steps
to take in this reconcile, as (replicaset, new spec.replicas) pairs; the controller applies
them and waits for the next event. Taking one bounded step at a time from the observed
state is what makes a rollout survive a controller crash at any point.

RollingUpdate, as Kubernetes does it:
1. scale the new ReplicaSet up, while the total of all ReplicaSets' spec.replicas stays
   within replicas + maxSurge;
2. otherwise scale old ReplicaSets down, first their unavailable pods, then available ones
   while the available total stays at least replicas - maxUnavailable.
Recreate: the controller scales every old ReplicaSet to 0, waits until their pods are
gone, then scales the new one up (see deployment.py).
Scaling (spec.replicas changed mid-rollout, or paused): `plan_scale` spreads the change
over the ReplicaSets in proportion to their size, rounding as Kubernetes does (its
"proportional scaling").
"""

from __future__ import annotations

import math

from pyk8s.client.cache import Object
from pyk8s.controllers.deployment_util import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    new_rs_replicas,
    parse_time,
    replicas,
    surge_and_unavailable,
)

Step = tuple[Object, int]


def _available(rs: Object) -> int:
    return (rs.get("status") or {}).get("availableReplicas", 0)


def _oldest_first(rss: list[Object]) -> list[Object]:
    return sorted(
        rss,
        key=lambda rs: (
            parse_time(rs["metadata"].get("creationTimestamp")),
            rs["metadata"]["name"],
        ),
    )


def plan_rolling(deployment: Object, new_rs: Object, old_rss: list[Object]) -> list[Step]:
    wanted = deployment["spec"].get("replicas", 1)
    all_rss = [new_rs, *old_rss]
    if replicas(new_rs) > wanted:
        return [(new_rs, wanted)]
    if replicas(new_rs) < wanted:
        target = new_rs_replicas(deployment, all_rss, new_rs)
        if target != replicas(new_rs):
            return [(new_rs, target)]
    return _scale_down_old(deployment, new_rs, old_rss)


def _scale_down_old(deployment: Object, new_rs: Object, old_rss: list[Object]) -> list[Step]:
    if sum(replicas(rs) for rs in old_rss) == 0:
        return []
    wanted = deployment["spec"].get("replicas", 1)
    _, max_unavailable = surge_and_unavailable(deployment)
    min_available = wanted - max_unavailable
    all_pods = replicas(new_rs) + sum(replicas(rs) for rs in old_rss)
    new_unavailable = replicas(new_rs) - _available(new_rs)
    budget = all_pods - min_available - new_unavailable
    if budget <= 0:
        return []
    steps: dict[str, Step] = {}
    # First the old pods that are not available anyway: removing them costs nothing.
    cleaned = 0
    for rs in _oldest_first(old_rss):
        if cleaned >= budget:
            break
        unhealthy = replicas(rs) - _available(rs)
        if unhealthy <= 0:
            continue
        cut = min(budget - cleaned, unhealthy)
        steps[rs["metadata"]["name"]] = (rs, replicas(rs) - cut)
        cleaned += cut
    # Then available old pods, keeping minAvailable.
    available_total = _available(new_rs) + sum(_available(rs) for rs in old_rss)
    allowance = available_total - min_available
    for rs in _oldest_first(old_rss):
        if allowance <= 0:
            break
        current = steps.get(rs["metadata"]["name"], (rs, replicas(rs)))[1]
        if current == 0:
            continue
        cut = min(current, allowance)
        steps[rs["metadata"]["name"]] = (rs, current - cut)
        allowance -= cut
    return [step for step in steps.values() if step[1] != replicas(step[0])]


def plan_scale(deployment: Object, new_rs: Object | None, old_rss: list[Object]) -> list[Step]:
    """Resize for a changed spec.replicas (or while paused) without a rollout step."""
    wanted = deployment["spec"].get("replicas", 1)
    all_rss = ([new_rs] if new_rs else []) + old_rss
    active = [rs for rs in all_rss if replicas(rs) > 0]
    if len(active) <= 1:
        # One ReplicaSet holds every pod: it simply takes the new size. With none, the new
        # one (or else the newest old one) does.
        newest_old = _oldest_first(old_rss)[-1] if old_rss else None
        target = active[0] if active else (new_rs or newest_old)
        if target is None or replicas(target) == wanted:
            return []
        return [(target, wanted)]
    if new_rs is not None and _saturated(deployment, new_rs):
        return [(rs, 0) for rs in old_rss if replicas(rs) > 0]
    if (deployment["spec"].get("strategy") or {}).get("type") == "Recreate":
        return []  # Recreate never runs two ReplicaSets at once for long: nothing to share
    return _scale_proportionally(deployment, active)


def _saturated(deployment: Object, new_rs: Object) -> bool:
    wanted = deployment["spec"].get("replicas", 1)
    desired = (new_rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
    return replicas(new_rs) == wanted and desired == str(wanted) and _available(new_rs) == wanted


def _scale_proportionally(deployment: Object, active: list[Object]) -> list[Step]:
    """Share a change of size among the active ReplicaSets, in proportion to their size.

    Each ReplicaSet keeps its share of the Deployment's maximum size: it grows (or shrinks)
    by round(size * new maximum / maximum it was scaled for) - size, where that old maximum
    is its max-replicas annotation. The biggest go first and take what rounding left over,
    so the total lands exactly on replicas + maxSurge.
    """
    wanted = deployment["spec"].get("replicas", 1)
    surge, _ = surge_and_unavailable(deployment)
    new_max = wanted + surge if wanted > 0 else 0
    to_add = new_max - sum(replicas(rs) for rs in active)
    if to_add == 0:
        return []
    # Biggest first; among equals the newest first when growing, the oldest when shrinking.
    order = sorted(active, key=lambda rs: parse_time(rs["metadata"].get("creationTimestamp")),
                   reverse=to_add > 0)  # fmt: skip
    order.sort(key=replicas, reverse=True)
    sizes: dict[str, int] = {}
    added = 0
    for rs in order:
        left = to_add - added
        share = _fraction(deployment, rs, new_max) if left else 0
        share = min(share, left) if to_add > 0 else max(share, left)
        sizes[rs["metadata"]["name"]] = replicas(rs) + share
        added += share
    first = order[0]["metadata"]["name"]
    sizes[first] = max(sizes[first] + to_add - added, 0)
    return [
        (rs, sizes[rs["metadata"]["name"]])
        for rs in order
        if sizes[rs["metadata"]["name"]] != replicas(rs)
    ]


def _fraction(deployment: Object, rs: Object, new_max: int) -> int:
    if new_max == 0:
        return -replicas(rs)
    try:
        old_max = int((rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS, "0"))
    except ValueError:
        old_max = 0
    if old_max == 0:
        old_max = (deployment.get("status") or {}).get("replicas", 0)
        if old_max == 0:
            return 0
    # Go's math.Round: halves away from zero (sizes here are never negative).
    return math.floor(replicas(rs) * new_max / old_max + 0.5) - replicas(rs)
