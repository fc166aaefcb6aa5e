"""The disruption controller: keeps every PodDisruptionBudget's status true to its pods.

The eviction API (pods/<name>/eviction) trusts `status.disruptionsAllowed` and nothing
else, so this controller is what makes a budget mean something. For each budget, from the
informer caches, it computes what kube-controller-manager's disruption controller computes:

- expectedPods: the pods the budget counts. With an integer minAvailable, the selected pods;
  with maxUnavailable or a percentage, the summed `spec.replicas` of the controllers
  (ReplicaSet, or the Deployment above it; StatefulSet; ReplicationController) owning the
  selected pods. A selected pod with no owner cannot be scaled against: it is left out and
  reported with an UnmanagedPods event; one owned by a kind with no replica count (a
  DaemonSet, a Job) makes the budget fail safe.
- desiredHealthy: minAvailable (scaled up for percentages), or expectedPods minus
  maxUnavailable (rounded up), never below 0.
- currentHealthy: selected pods that are Ready, not being deleted, and not recorded in
  disruptedPods by a recent eviction.
- disruptionsAllowed = currentHealthy - desiredHealthy, but 0 when negative or when no pod
  is expected (a budget that has just appeared protects its pods before it has counted them).
- disruptedPods: the evictions the API server recorded, kept until the pod is seen going
  or for 2 minutes; the budget is looked at again when the oldest entry expires.
- observedGeneration, and the condition DisruptionAllowed (True/SufficientPods or
  False/InsufficientPods).

If the status cannot be computed, the budget fails safe: disruptionsAllowed 0 and
DisruptionAllowed False with reason SyncFailed. Status writes are PUTs at the cached
resourceVersion; losing a race with the eviction API's decrement just retries the key.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pyk8s.api import errors
from pyk8s.api.labels import selector_from_label_selector
from pyk8s.client.cache import Object
from pyk8s.controllers.base import Controller, controller_ref, is_being_deleted, is_pod_ready
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.disruption")

DELETION_TIMEOUT = timedelta(minutes=2)
# (controller reference, namespace) -> (uid, replicas) of the controller that sets the scale.
ScaleLookup = Callable[[dict[str, Any], str], tuple[str, int] | None]


class CannotCompute(Exception):
    """The budget's status cannot be known; the budget must allow no disruption."""


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=None)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def scaled(value: int | str, total: int) -> int:
    """An IntOrString against `total`: "25%" of 10 is 3 (rounded up), 4 is 4."""
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not value[:-1].isdigit():
        raise CannotCompute(f'invalid value for IntOrString: invalid value "{value}"')
    return math.ceil(int(value[:-1]) * total / 100)


def expected_scale(pods: list[Object], scale_of: ScaleLookup) -> tuple[int, list[str]]:
    """The summed replicas of the pods' controllers, and the names of unowned pods."""
    replicas: dict[str, int] = {}
    unmanaged = []
    for pod in pods:
        ref = controller_ref(pod)
        if ref is None:
            unmanaged.append(pod["metadata"]["name"])
            continue
        if ref.get("uid") in replicas:
            continue
        found = scale_of(ref, pod["metadata"]["namespace"])
        if found is None:
            raise CannotCompute(f'found no controllers for pod "{pod["metadata"]["name"]}"')
        replicas[found[0]] = found[1]
    return sum(replicas.values()), unmanaged


def expected_and_desired(
    spec: dict[str, Any], pods: list[Object], scale_of: ScaleLookup
) -> tuple[int, int, list[str]]:
    """(expectedPods, desiredHealthy, unmanaged pod names) for a budget's spec."""
    if spec.get("maxUnavailable") is not None:
        expected, unmanaged = expected_scale(pods, scale_of)
        desired = max(expected - scaled(spec["maxUnavailable"], expected), 0)
        return expected, desired, unmanaged
    minimum = spec.get("minAvailable")
    if isinstance(minimum, int):
        return len(pods), minimum, []
    if minimum is not None:
        expected, unmanaged = expected_scale(pods, scale_of)
        return expected, scaled(minimum, expected), unmanaged
    return 0, 0, []


def still_disrupted(
    pods: list[Object], recorded: dict[str, str], now: datetime
) -> tuple[dict[str, str], datetime | None, list[Object]]:
    """The disruptedPods entries still pending, when to look again, and the pods whose
    eviction was recorded but which did not go in time."""
    kept: dict[str, str] = {}
    recheck: datetime | None = None
    overdue = []
    for pod in pods:
        name = pod["metadata"]["name"]
        if is_being_deleted(pod) or name not in recorded:
            continue
        expires = _time(recorded[name]) + DELETION_TIMEOUT
        if expires < now:
            overdue.append(pod)
            continue
        kept[name] = recorded[name]
        recheck = expires if recheck is None or expires < recheck else recheck
    return kept, recheck, overdue


def count_healthy(pods: list[Object], disrupted: dict[str, str]) -> int:
    return sum(
        1
        for pod in pods
        if not is_being_deleted(pod) and pod["metadata"]["name"] not in disrupted
        and is_pod_ready(pod)
    )  # fmt: skip


def set_allowed_condition(
    status: dict[str, Any], now: datetime, *, reason: str = "", message: str = ""
) -> None:
    """Set DisruptionAllowed from disruptionsAllowed; a changed status gets a new
    lastTransitionTime, an unchanged one keeps it."""
    allowed = status.get("disruptionsAllowed", 0) > 0
    wanted = {
        "type": "DisruptionAllowed",
        "status": "True" if allowed else "False",
        "reason": reason or ("SufficientPods" if allowed else "InsufficientPods"),
        "message": message,
        "observedGeneration": status.get("observedGeneration", 0),
        "lastTransitionTime": _stamp(now),
    }
    conditions = [dict(c) for c in status.get("conditions") or []]
    for index, condition in enumerate(conditions):
        if condition.get("type") == "DisruptionAllowed":
            if condition.get("status") == wanted["status"]:
                wanted["lastTransitionTime"] = condition.get("lastTransitionTime")
            conditions[index] = wanted
            break
    else:
        conditions.append(wanted)
    status["conditions"] = conditions


def conditions_up_to_date(pdb: Object) -> bool:
    status = pdb.get("status") or {}
    if status.get("observedGeneration", 0) != pdb["metadata"].get("generation", 0):
        return False
    for condition in status.get("conditions") or []:
        if condition.get("type") == "DisruptionAllowed":
            if status.get("disruptionsAllowed", 0) > 0:
                return (
                    condition.get("status") == "True"
                    and condition.get("reason") == "SufficientPods"
                )
            return (
                condition.get("status") == "False" and condition.get("reason") == "InsufficientPods"
            )
    return False


class DisruptionController(Controller):
    name = "disruption"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.budgets = ctx.informer("policy", "v1", "poddisruptionbudgets", indexers=["namespace"])
        self.pods = ctx.informer("", "v1", "pods", indexers=["namespace"])
        self.owners = {
            "ReplicaSet": ctx.informer("apps", "v1", "replicasets"),
            "Deployment": ctx.informer("apps", "v1", "deployments"),
            "StatefulSet": ctx.informer("apps", "v1", "statefulsets"),
            "ReplicationController": ctx.informer("", "v1", "replicationcontrollers"),
        }
        self.budgets_api = ctx.resource("policy", "v1", "poddisruptionbudgets")
        self.recorder = ctx.recorder_for("controllermanager")
        self.enqueue_on_changes(self.budgets)
        self.pods.add_handler(
            on_add=self._pod_changed,
            on_update=lambda old, new: (self._pod_changed(old), self._pod_changed(new)),
            on_delete=self._pod_changed,
        )
        for informer in self.owners.values():
            informer.add_handler(on_update=lambda _old, new: self._namespace_changed(new))

    # ---- handlers: only enqueue ----------------------------------------------------------

    def _budgets_in(self, namespace: str) -> list[Object]:
        return self.budgets.cache.by_index("namespace", namespace)

    def _pod_changed(self, pod: Object) -> None:
        labels = pod["metadata"].get("labels") or {}
        for budget in self._budgets_in(pod["metadata"].get("namespace", "")):
            try:
                selector = selector_from_label_selector((budget.get("spec") or {}).get("selector"))
            except errors.BadRequest:
                continue
            if selector.matches(labels):
                self.enqueue(budget)

    def _namespace_changed(self, owner: Object) -> None:
        """A scale change moves expectedPods of the budgets that count by controller."""
        for budget in self._budgets_in(owner["metadata"].get("namespace", "")):
            self.enqueue(budget)

    # ---- reconcile -----------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        budget = self.budgets.cache.get(key)
        if budget is None:
            return
        try:
            status, recheck = self._compute(budget)
        except CannotCompute as err:
            logger.warning("cannot compute the status of budget %s: %s", key, err)
            self.recorder.event(budget, "Warning", "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {err}")  # fmt: skip
            await self._write(budget, self._fail_safe(budget, str(err)))
            return
        if status is not None:
            await self._write(budget, status)
        if recheck is not None:
            self.queue.add_after(key, max((recheck - self._now()).total_seconds(), 0.0) + 0.5)

    def _now(self) -> datetime:
        return self.clock.now().replace(tzinfo=None, microsecond=0)

    def _compute(self, budget: Object) -> tuple[dict[str, Any] | None, datetime | None]:
        """The new status (None when it is already right) and when to look again."""
        namespace = budget["metadata"]["namespace"]
        spec, old = budget.get("spec") or {}, budget.get("status") or {}
        try:
            selector = selector_from_label_selector(spec.get("selector"))
        except errors.BadRequest as err:
            raise CannotCompute(err.message) from None
        pods = [
            p for p in self.pods.cache.by_index("namespace", namespace)
            if selector.matches(p["metadata"].get("labels"))
        ]  # fmt: skip
        if not pods:
            self.recorder.event(budget, "Normal", "NoPods", "No matching pods found")
        expected, desired, unmanaged = expected_and_desired(spec, pods, self._scale_of)
        if unmanaged:
            self._report_unmanaged(budget)
        now = self._now()
        disrupted, recheck, overdue = still_disrupted(pods, old.get("disruptedPods") or {}, now)
        for pod in overdue:
            self.recorder.event(pod, "Warning", "NotDeleted",
                f"Pod was expected by PDB {namespace}/{budget['metadata']['name']} to be deleted but it wasn't")  # fmt: skip
        healthy = count_healthy(pods, disrupted)
        allowed = healthy - desired if expected > 0 and healthy > desired else 0
        status: dict[str, Any] = {
            "observedGeneration": budget["metadata"].get("generation", 0),
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "expectedPods": expected,
            "disruptionsAllowed": allowed,
            "conditions": old.get("conditions") or [],
        }
        if disrupted:
            status["disruptedPods"] = disrupted
        unchanged = all(old.get(k, 0) == v for k, v in status.items() if k != "conditions")
        if (
            unchanged
            and (old.get("disruptedPods") or {}) == disrupted
            and conditions_up_to_date(budget)
        ):
            return None, recheck
        set_allowed_condition(status, now)
        return status, recheck

    def _scale_of(self, ref: dict[str, Any], namespace: str) -> tuple[str, int] | None:
        """The uid and replicas of the controller that decides how many pods `ref` runs."""
        informer = self.owners.get(ref.get("kind", ""))
        if informer is None:
            return None
        owner = informer.cache.get_by_name(namespace, ref["name"])
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        above = controller_ref(owner)
        if ref["kind"] == "ReplicaSet" and above is not None and above.get("kind") == "Deployment":
            return self._scale_of(above, namespace)  # a Deployment's ReplicaSets follow it
        return owner["metadata"]["uid"], (owner.get("spec") or {}).get("replicas", 1)

    def _report_unmanaged(self, budget: Object) -> None:
        selector = (budget.get("spec") or {}).get("selector")
        self.recorder.event(budget, "Warning", "UnmanagedPods",
            f"Pods selected by this PodDisruptionBudget (selector: {selector}) were found to be "
            "unmanaged. As a result, the status of the PDB cannot be calculated correctly, which "
            "may result in undefined behavior. To account for these pods please set "
            '".spec.minAvailable" field of the PDB to an integer value.')  # fmt: skip

    def _fail_safe(self, budget: Object, message: str) -> dict[str, Any]:
        status = dict(budget.get("status") or {})
        status["disruptionsAllowed"] = 0
        set_allowed_condition(status, self._now(), reason="SyncFailed", message=message)
        return status

    async def _write(self, budget: Object, status: dict[str, Any]) -> None:
        """PUT the status at the cached resourceVersion; a Conflict retries the key."""
        updated = {**budget, "status": status}
        try:
            await self.budgets_api.update_status(updated)
        except errors.NotFound:
            return  # deleted meanwhile: nothing left to keep


register_controller(DisruptionController.name, DisruptionController)
