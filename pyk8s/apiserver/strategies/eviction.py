"""Evicting a pod: POST pods/<name>/eviction with a policy/v1 Eviction (what `kubectl drain` sends).

An eviction is a delete that respects PodDisruptionBudgets, as kube-apiserver's EvictionREST:

- A pod that is Pending, Succeeded, Failed or already being deleted is deleted without
  looking at any budget: evicting it disrupts nothing that is not already disrupted.
- Otherwise the budgets whose selector matches the pod's labels decide (a budget with no
  selector matches nothing; an empty selector matches every pod of the namespace):
  none -> the pod is deleted; more than one -> 500, Kubernetes does not know which to honour;
  one -> its `status.disruptionsAllowed` must be above 0 (else 429 TooManyRequests with a
  DisruptionBudget cause), and is decremented, with the pod recorded in
  `status.disruptedPods`, by a compare-and-swap write before the pod is deleted. A budget
  the disruption controller has not yet seen at its current generation answers 429 too.
- A pod that is not Ready may be deleted without spending the budget when the budget says
  `unhealthyPodEvictionPolicy: AlwaysAllow`, or when the application is healthy enough
  anyway (currentHealthy >= desiredHealthy > 0).
- Before deleting, the pod gets the condition DisruptionTarget=True (EvictionByEvictionAPI),
  and the delete carries the Eviction's `deleteOptions` (grace period, preconditions,
  dryRun), so a bound pod is deleted gracefully, as by DELETE.
- Where the pod was read to take a decision, the delete is conditional on the pod's
  resourceVersion, so a pod that became Ready meanwhile is not evicted behind the budget's
  back; such a lost race answers 429, and the client retries.

The answer to a successful eviction is a Success Status with code 201.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

from aiohttp import web

from pyk8s.api.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    StatusError,
    Timeout,
    TooManyRequests,
)
from pyk8s.api.labels import selector_from_label_selector
from pyk8s.api.resource import find
from pyk8s.apiserver import negotiation
from pyk8s.apiserver.handlers import register_subresource
from pyk8s.apiserver.handlers.common import Scope, json_response, read_body
from pyk8s.apiserver.registry.options import WriteOptions
from pyk8s.apiserver.registry.store import GenericStore, copy_object, encode_for_storage
from pyk8s.apiserver.watchcache import decode_stored
from pyk8s.storage.interface import ConflictError, KeyValue

# Kubernetes retries a lost compare-and-swap 20 times; pauses are short, writes are local.
MAX_ATTEMPTS = 20
RETRY_PAUSE = 0.05
# Evictions the disruption controller has not confirmed yet; beyond this, refuse more.
MAX_DISRUPTED_PODS = 2000
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_BUDGETS = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
    "support."
)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(pod: dict[str, Any]) -> dict[str, Any]:
    return pod.get("status") or {}


def can_ignore_budgets(pod: dict[str, Any]) -> bool:
    """Pods whose eviction disrupts nothing: not started, finished, or already going."""
    phase = _status(pod).get("phase")
    return phase in ("Pending", "Succeeded", "Failed") or bool(
        pod["metadata"].get("deletionTimestamp")
    )


def _must_pin_version(pod: dict[str, Any]) -> bool:
    """A running pod could turn Ready between our read and our delete; a finished one not."""
    phase = _status(pod).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_ready(pod: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in _status(pod).get("conditions") or []
    )


def budgets_for(pod: dict[str, Any], budgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The budgets whose selector matches the pod (a budget with a bad selector matches none)."""
    labels = pod["metadata"].get("labels") or {}
    matching = []
    for budget in budgets:
        try:
            selector = selector_from_label_selector((budget.get("spec") or {}).get("selector"))
        except StatusError:
            continue
        if selector.matches(labels):
            matching.append(budget)
    return matching


def _budget_cause(message: str) -> dict[str, Any]:
    return {"causes": [{"reason": "DisruptionBudget", "message": message}]}


def still_processing(name: str) -> TooManyRequests:
    return TooManyRequests(
        VIOLATION,
        details=_budget_cause(
            f"The disruption budget {name} is still being processed by the server."
        ),
        retry_after=10,
    )


def _forbidden(name: str, why: str) -> Forbidden:
    return Forbidden(
        f'poddisruptionbudgets.policy "{name}" is forbidden: {why}',
        details={"name": name, "group": "policy", "kind": "poddisruptionbudgets"},
    )


def spend_disruption(budget: dict[str, Any], pod_name: str, now: str) -> dict[str, Any]:
    """The budget after allowing one more disruption (a new dict), or the error to answer."""
    name, meta = budget["metadata"]["name"], budget["metadata"]
    status = dict(budget.get("status") or {})
    allowed = status.get("disruptionsAllowed", 0)
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        raise still_processing(name)
    if allowed < 0:
        raise _forbidden(name, "pdb disruptions allowed is negative")
    if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_PODS:
        raise _forbidden(
            name,
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
        )
    if allowed == 0:
        raise TooManyRequests(
            VIOLATION,
            details=_budget_cause(
                f"The disruption budget {name} needs {status.get('desiredHealthy', 0)} healthy "
                f"pods and has {status.get('currentHealthy', 0)} currently"
            ),
        )
    status["disruptionsAllowed"] = allowed - 1
    if allowed - 1 == 0:
        status["conditions"] = _insufficient(status, now)
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: now}
    return {**budget, "status": status}


def _insufficient(status: dict[str, Any], now: str) -> list[dict[str, Any]]:
    """The DisruptionAllowed condition turned False, as the disruption controller sets it."""
    conditions = [dict(c) for c in status.get("conditions") or []]
    for condition in conditions:
        if condition.get("type") == "DisruptionAllowed":
            if condition.get("status") != "False":
                condition["lastTransitionTime"] = now
            condition.update(status="False", reason="InsufficientPods")
            condition["observedGeneration"] = status.get("observedGeneration", 0)
            return conditions
    conditions.append({
        "type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
        "message": "", "observedGeneration": status.get("observedGeneration", 0),
        "lastTransitionTime": now,
    })  # fmt: skip
    return conditions


def _pinned(delete_options: dict[str, Any], version: str) -> dict[str, Any]:
    preconditions = {**(delete_options.get("preconditions") or {}), "resourceVersion": version}
    return {**delete_options, "preconditions": preconditions}


def _has_pinned_version(delete_options: dict[str, Any]) -> bool:
    return bool((delete_options.get("preconditions") or {}).get("resourceVersion"))


class Eviction:
    """One eviction request, carried out against the pods store and the budgets in the store."""

    def __init__(self, pods: GenericStore, namespace: str, name: str, delete_options: dict) -> None:
        self.pods, self.namespace, self.name = pods, namespace, name
        self.delete_options = delete_options
        self.dry_run = "All" in (delete_options.get("dryRun") or [])
        self.options = WriteOptions(dry_run=self.dry_run, field_manager="eviction")
        budgets = find("policy", "v1", "poddisruptionbudgets")
        assert budgets is not None, "policy/v1 poddisruptionbudgets is not registered"
        self.budgets = budgets

    async def run(self) -> dict[str, Any] | None:
        """Evict; None on success, or a Failure Status to answer as it is (several budgets)."""
        pod = await self._delete_if_budgets_do_not_apply()
        if pod is None:
            return None
        matching = budgets_for(pod, await self._budgets())
        if len(matching) > 1:
            return {
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": MULTIPLE_BUDGETS, "code": 500,
            }  # fmt: skip
        options, pinned = self.delete_options, False
        if matching:
            budget = matching[0]
            if self._unhealthy_pod_may_go(pod, budget):
                options, pinned = _pinned(options, pod["metadata"]["resourceVersion"]), True
            else:
                await self._spend(budget, pod["metadata"]["name"])
        try:
            await self._mark_and_delete(options)
        except Conflict:
            if pinned and not _has_pinned_version(self.delete_options):
                raise still_processing(matching[0]["metadata"]["name"]) from None
            raise
        return None

    async def _delete_if_budgets_do_not_apply(self) -> dict[str, Any] | None:
        """Delete the pod at once if no budget can apply to it; else the pod, for the budgets."""
        for _ in range(MAX_ATTEMPTS):
            pod = await self.pods.get(self.namespace, self.name)
            if not can_ignore_budgets(pod):
                return pod
            options = self.delete_options
            if _must_pin_version(pod) and not _has_pinned_version(options):
                options = _pinned(options, pod["metadata"]["resourceVersion"])
            try:
                await self._mark_and_delete(options)
            except Conflict:
                if _has_pinned_version(self.delete_options):
                    raise  # the client's own precondition: no retry
                await asyncio.sleep(RETRY_PAUSE)
                continue
            return None
        raise self.pods.conflict(self.name)

    def _unhealthy_pod_may_go(self, pod: dict[str, Any], budget: dict[str, Any]) -> bool:
        """A pod that is not Ready does not count as healthy: evicting it costs nothing when
        the budget says so, or when the application is healthy enough without it."""
        if is_ready(pod):
            return False
        if (budget.get("spec") or {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
            return True
        status = budget.get("status") or {}
        desired = status.get("desiredHealthy", 0)
        return desired > 0 and status.get("currentHealthy", 0) >= desired

    async def _budgets(self) -> list[dict[str, Any]]:
        prefix = self.budgets.key(self.namespace, "")
        result = await self.pods.store.range(prefix)
        return [decode_stored(kv.value, kv.mod_revision) for kv in result.kvs]

    async def _spend(self, budget: dict[str, Any], pod_name: str) -> None:
        """Decrement the budget's allowance with a compare-and-swap, re-reading on a race."""
        name = budget["metadata"]["name"]
        key = self.budgets.key(self.namespace, name)
        for _ in range(MAX_ATTEMPTS):
            kv = await self.pods.store.get(key)
            if kv is None:
                raise NotFound.of("poddisruptionbudgets", name, "policy")
            spent = spend_disruption(decode_stored(kv.value, kv.mod_revision), pod_name, _now())
            if self.dry_run:
                return
            try:
                await self.pods.store.update(key, encode_for_storage(spent), kv.mod_revision)
            except ConflictError:
                await asyncio.sleep(RETRY_PAUSE)
                continue
            return
        raise Timeout(
            f'couldn\'t update PodDisruptionBudget "{name}" due to conflicts', retry_after=10
        )

    async def _mark_and_delete(self, delete_options: dict[str, Any]) -> None:
        """Say why the pod goes (condition DisruptionTarget), then delete it."""
        if not self.dry_run:
            version = await self._add_disruption_condition(delete_options)
            if _has_pinned_version(delete_options):
                delete_options = _pinned(delete_options, version)  # our own write moved it
        await self.pods.delete(self.namespace, self.name, delete_options, self.options)

    async def _add_disruption_condition(self, delete_options: dict[str, Any]) -> str:
        key = self.pods.resource.key(self.namespace, self.name)
        for _ in range(MAX_ATTEMPTS):
            kv = await self.pods.store.get(key)
            if kv is None:
                raise self.pods.not_found(self.name)
            pod = decode_stored(kv.value, kv.mod_revision)
            self.pods._check_preconditions(pod, delete_options)
            try:
                return await self._write_condition(kv, pod)
            except ConflictError:
                continue
        raise self.pods.conflict(self.name)

    async def _write_condition(self, kv: KeyValue, pod: dict[str, Any]) -> str:
        updated = copy_object(pod)
        status = updated.setdefault("status", {})
        conditions = [
            c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"
        ]
        conditions.append({
            "type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
            "lastTransitionTime": _now(), "reason": "EvictionByEvictionAPI",
            "message": "Eviction API: evicting",
        })  # fmt: skip
        status["conditions"] = conditions
        written = await self.pods.update_from(kv, updated, self.options, "status")
        return written["metadata"]["resourceVersion"]


def _delete_options(eviction: dict[str, Any], query_dry_run: bool) -> dict[str, Any]:
    """The Eviction's deleteOptions, with the request's dryRun carried into them."""
    options = dict(eviction.get("deleteOptions") or {})
    in_body = options.get("dryRun") or []
    in_query = ["All"] if query_dry_run else []
    if in_body and in_query and in_body != in_query:
        raise StatusError(
            f"Non-matching dry-run options in request and content: {in_query} and {in_body}"
        )
    if in_query:
        options["dryRun"] = in_query
    return options


async def _read_eviction(scope: Scope) -> dict[str, Any]:
    if scope.info.verb != "create":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    body = await read_body(scope.request)
    eviction = negotiation.decode_body(
        scope.request.headers.get("Content-Type"), body, allowed=negotiation.OBJECT_TYPES,
        kind="Eviction",
    )  # fmt: skip
    if not isinstance(eviction, dict):
        raise BadRequest("an Eviction must be a JSON object")
    meta = eviction.get("metadata") or {}
    if meta.get("namespace") and meta["namespace"] != scope.info.namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    if meta.get("name") != scope.info.name:
        raise BadRequest("name in URL does not match name in Eviction object")
    return eviction


def _error_response(err: StatusError) -> web.Response:
    response = json_response(err.to_status(), err.code)
    if err.retry_after:
        response.headers["Retry-After"] = str(err.retry_after)
    return response


async def pod_eviction(scope: Scope) -> web.StreamResponse:
    """POST /api/v1/namespaces/<ns>/pods/<name>/eviction"""
    eviction = await _read_eviction(scope)
    delete_options = _delete_options(eviction, scope.write_options().dry_run)
    try:
        failure = await Eviction(
            scope.store, scope.namespace, scope.info.name, delete_options
        ).run()
    except (TooManyRequests, Timeout) as err:
        return _error_response(err)  # with the Retry-After header Kubernetes sends
    if failure is not None:
        return json_response(failure, failure["code"])
    success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    return json_response({**success, "code": 201}, 201)


register_subresource("", "pods", "eviction", pod_eviction)
