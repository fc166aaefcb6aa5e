"""The Job controller: run pods until enough of them succeed, or give up, and say which.

What it guarantees for every Job (`kubectl describe job` shows all of it):

- Pods: up to `parallelism` at a time, until `completions` have succeeded (NonIndexed), or
  until each index 0..completions-1 has one succeeded pod (Indexed: pods are named
  `<job>-<index>-<random>`, carry the index as annotation, label, hostname and the
  JOB_COMPLETION_INDEX variable). With no `completions`, the Job is a work queue: it is
  done when one pod succeeded and the others finished.
- Counting: every pod carries the `batch.kubernetes.io/job-tracking` finalizer, so it
  cannot vanish before it is counted. A finished (or deleted) pod is first written to
  `status.uncountedTerminatedPods`, then its finalizer is removed, then it moves into
  `status.succeeded` / `status.failed`. A crash at any step is repaired by the next
  reconcile: no pod is counted twice or lost.
- Endings: more than `backoffLimit` failed pods (BackoffLimitExceeded) or running longer
  than `activeDeadlineSeconds` (DeadlineExceeded) adds FailureTarget, deletes the remaining
  pods, then adds Failed once none is left; reaching the completions adds
  SuccessCriteriaMet, then Complete with `completionTime`. Events say the same.
- A failed pod is replaced after a delay: 10 s, doubling with each failure since the last
  success, at most 10 minutes.
- `suspend: true` deletes the running pods and adds the Suspended condition.

The TTL-after-finished controller (job_ttl.py) deletes finished Jobs later.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from pyk8s.api import errors
from pyk8s.client.cache import Object
from pyk8s.controllers import job_status as rules
from pyk8s.controllers.base import (
    Controller,
    controller_ref,
    is_being_deleted,
    is_pod_active,
    is_pod_ready,
)
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.expectations import Expectations
from pyk8s.controllers.registry import register_controller
from pyk8s.controllers.replicaset_pods import pod_from_template, pods_to_delete

logger = logging.getLogger("pyk8s.controllers.job")
FINISHED_PHASES = ("Succeeded", "Failed")
DEFAULT_POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 600.0


def phase(pod: Object) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def has_finalizer(pod: Object) -> bool:
    return rules.TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or [])


class JobController(Controller):
    name = "job"
    # The delay before replacing a failed pod doubles with each failure since the last
    # success (Kubernetes' DefaultJobPodFailureBackOff); tests shorten it.
    pod_failure_backoff: float = DEFAULT_POD_FAILURE_BACKOFF

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.jobs = ctx.informer("batch", "v1", "jobs")
        self.pods = ctx.informer("", "v1", "pods", indexers=["owner"])
        self.jobs_api = ctx.resource("batch", "v1", "jobs")
        self.pods_api = ctx.resource("", "v1", "pods")
        self.recorder = ctx.recorder_for("job-controller")
        self.expectations = Expectations(ctx.clock)
        self.failures: dict[str, tuple[int, float]] = {}  # key -> (count, monotonic time)
        self.enqueue_on_changes(self.jobs)
        self.pods.add_handler(
            on_add=self._pod_added,
            on_update=lambda _old, new: self.enqueue_owner(new, "Job"),
            on_delete=lambda pod: self.enqueue_owner(pod, "Job"),
        )

    def _pod_added(self, pod: Object) -> None:
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == "Job":
            self.expectations.creation_observed(f"{pod['metadata']['namespace']}/{ref['name']}")
        self.enqueue_owner(pod, "Job")

    # --- reconcile ----------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        try:
            await self._sync(key)
        except errors.Conflict:
            # Our copy is stale; the newer version's watch event enqueues the key again.
            logger.debug("job %s changed while we worked on it; will look again", key)

    async def _sync(self, key: str) -> None:
        job = self.jobs.cache.get(key)
        if job is None or is_being_deleted(job):
            self.expectations.forget(key)
            self.failures.pop(key, None)
            await self._release_pods_of_gone_job(key, job)
            return
        uid = job["metadata"]["uid"]
        pods = [p for p in self.pods.cache.by_index("owner", uid) if _controlled_by(p, uid)]
        if rules.is_finished(job):
            await self._remove_finalizers([p for p in pods if has_finalizer(p)])
            return
        status = copy.deepcopy(job.get("status") or {})
        now = rules.rfc3339(self.clock.now())
        if not job["spec"].get("suspend"):
            status.setdefault("startTime", now)
        job = await self._count_finished(job, pods, status)
        active = [p for p in pods if is_pod_active(p)]
        self._decide_ending(job, status, len(active), now)
        ending = rules.status_has(status, "FailureTarget") or rules.status_has(
            status, "SuccessCriteriaMet"
        )
        stopping: list[Object] = []
        if ending or job["spec"].get("suspend"):
            stopping, active = active, []
            await self._delete_pods(job, stopping)
        elif self.expectations.satisfied(key):
            active = await self._manage_pods(job, key, active, status)
        terminating = [p for p in pods if is_being_deleted(p) and phase(p) not in FINISHED_PHASES]
        # Complete/Failed only once no pod of the Job runs any more (Kubernetes 1.31+).
        if ending and not active and not terminating and not stopping:
            self._finish(job, status, now)
        self._suspension(job, status, now)
        status["active"] = len(active)
        status["ready"] = sum(1 for p in active if is_pod_ready(p))
        status["terminating"] = len(terminating)
        if status != (job.get("status") or {}):
            await self.jobs_api.update_status({**job, "status": status})
        self._wake_for_deadline(key, job, status)

    async def _count_finished(
        self, job: Object, pods: list[Object], status: dict[str, Any]
    ) -> Object:
        """Move finished pods into the counters, crash-safely (see the module docstring)."""
        uncounted = status.get("uncountedTerminatedPods") or {}
        succeeded, failed = (
            set(uncounted.get("succeeded") or []),
            set(uncounted.get("failed") or []),
        )
        completed = rules.parse_indexes(status.get("completedIndexes"))
        newly = [
            p
            for p in pods
            if has_finalizer(p) and (phase(p) in FINISHED_PHASES or is_being_deleted(p))
        ]
        for pod in newly:
            uid = pod["metadata"]["uid"]
            if phase(pod) == "Succeeded":
                succeeded.add(uid)
                index = rules.pod_index(pod)
                if rules.is_indexed(job) and index is not None:
                    completed.add(index)
            else:
                failed.add(uid)
        if not succeeded and not failed:
            return job
        if completed:
            status["completedIndexes"] = rules.format_indexes(completed)
        if newly:  # step 1: remember them before the finalizers go
            status["uncountedTerminatedPods"] = {
                "succeeded": sorted(succeeded),
                "failed": sorted(failed),
            }
            job = await self.jobs_api.update_status({**job, "status": status})
            status.update(copy.deepcopy(job["status"]))
        await self._remove_finalizers(newly)  # step 2
        self._note_outcomes(job, len(succeeded), len(failed))
        status["succeeded"] = status.get("succeeded", 0) + len(succeeded)  # step 3
        status["failed"] = status.get("failed", 0) + len(failed)
        status["uncountedTerminatedPods"] = {}
        return job

    def _note_outcomes(self, job: Object, succeeded: int, failed: int) -> None:
        """Track failures since the last success, which set the delay before a new pod."""
        key = f"{job['metadata']['namespace']}/{job['metadata']['name']}"
        if succeeded:
            self.failures.pop(key, None)
        if failed:
            count, _ = self.failures.get(key, (0, 0.0))
            self.failures[key] = (count + failed, self.clock.monotonic())

    def _backoff_remaining(self, key: str) -> float:
        """Seconds before a failed Job may start another pod: 10 s, doubling, at most 10 min."""
        count, last_failure = self.failures.get(key, (0, 0.0))
        if not count:
            return 0.0
        delay = min(self.pod_failure_backoff * 2 ** (count - 1), MAX_POD_FAILURE_BACKOFF)
        return last_failure + delay - self.clock.monotonic()

    def _decide_ending(self, job: Object, status: dict[str, Any], active: int, now: str) -> None:
        if rules.status_has(status, "FailureTarget") or rules.status_has(
            status, "SuccessCriteriaMet"
        ):
            return
        spec = job["spec"]
        completed = rules.parse_indexes(status.get("completedIndexes"))
        if status.get("failed", 0) > spec.get("backoffLimit", 6):
            rules.set_condition(status, "FailureTarget", "True", rules.BACKOFF_LIMIT_EXCEEDED, now)
        elif self._past_deadline(job, status):
            rules.set_condition(status, "FailureTarget", "True", rules.DEADLINE_EXCEEDED, now)
        elif rules.is_complete(job, status.get("succeeded", 0), completed, active):
            rules.set_condition(
                status, "SuccessCriteriaMet", "True", rules.COMPLETIONS_REACHED, now
            )

    def _past_deadline(self, job: Object, status: dict[str, Any]) -> bool:
        deadline = job["spec"].get("activeDeadlineSeconds")
        if deadline is None or not status.get("startTime") or job["spec"].get("suspend"):
            return False
        started = rules.parse_time(status["startTime"])
        return (self.clock.now() - started).total_seconds() >= deadline

    def _wake_for_deadline(self, key: str, job: Object, status: dict[str, Any]) -> None:
        deadline = job["spec"].get("activeDeadlineSeconds")
        if deadline is None or not status.get("startTime") or rules.is_finished({"status": status}):
            return
        elapsed = (self.clock.now() - rules.parse_time(status["startTime"])).total_seconds()
        self.queue.add_after(key, max(deadline - elapsed, 0) + 0.01)

    def _finish(self, job: Object, status: dict[str, Any], now: str) -> None:
        target = rules.job_condition({"status": status}, "FailureTarget")
        if target is not None:
            reason, message = target["reason"], target["message"]
            rules.set_condition(status, "Failed", "True", (reason, message), now)
            self.recorder.event(job, "Warning", reason, message)
        else:
            rules.set_condition(status, "Complete", "True", rules.COMPLETIONS_REACHED, now)
            status["completionTime"] = now
            self.recorder.event(job, "Normal", "Completed", "Job completed")

    def _suspension(self, job: Object, status: dict[str, Any], now: str) -> None:
        suspended = rules.status_has(status, "Suspended")
        if job["spec"].get("suspend") and not suspended:
            rules.set_condition(status, "Suspended", "True", ("JobSuspended", "Job suspended"), now)
            self.recorder.event(job, "Normal", "Suspended", "Job suspended")
        elif not job["spec"].get("suspend") and suspended:
            rules.set_condition(status, "Suspended", "False", ("JobResumed", "Job resumed"), now)
            status["startTime"] = now
            self.recorder.event(job, "Normal", "Resumed", "Job resumed")

    # --- pods ---------------------------------------------------------------------------------

    async def _manage_pods(
        self, job: Object, key: str, active: list[Object], status: dict[str, Any]
    ) -> list[Object]:
        completed = rules.parse_indexes(status.get("completedIndexes"))
        wanted = rules.wanted_active(job, status.get("succeeded", 0), completed)
        if len(active) > wanted:
            extra = pods_to_delete(active, len(active) - wanted)
            await self._delete_pods(job, extra)
            return [p for p in active if p not in extra]
        missing = wanted - len(active)
        if missing <= 0:
            return active
        wait = self._backoff_remaining(key)
        if wait > 0:
            self.queue.add_after(key, wait)
            return active
        pods = [self._new_pod(job) for _ in range(missing)]
        if rules.is_indexed(job):
            running = {i for p in active if (i := rules.pod_index(p)) is not None}
            indexes = rules.missing_indexes(job, completed, running, missing)
            pods = [rules.pod_for_index(pod, job, i) for pod, i in zip(pods, indexes, strict=False)]
        self.expectations.expect_creations(key, len(pods))
        created = []
        for pod in pods:
            try:
                created.append(await self.pods_api.create(pod, job["metadata"]["namespace"]))
            except errors.StatusError:
                self.expectations.creation_observed(key)
                raise
            name = created[-1]["metadata"]["name"]
            self.recorder.event(job, "Normal", "SuccessfulCreate", f"Created pod: {name}")
        return active + created

    def _new_pod(self, job: Object) -> Object:
        pod = pod_from_template(job, job["spec"]["template"])
        pod["metadata"]["finalizers"] = [rules.TRACKING_FINALIZER]
        return pod

    async def _delete_pods(self, job: Object, pods: list[Object]) -> None:
        for pod in pods:
            try:
                await self.pods_api.delete(pod["metadata"]["name"], pod["metadata"]["namespace"])
            except errors.NotFound:
                continue
            name = pod["metadata"]["name"]
            self.recorder.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    async def _remove_finalizers(self, pods: list[Object]) -> None:
        patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": [rules.TRACKING_FINALIZER]}}
        for pod in pods:
            with contextlib.suppress(errors.NotFound):
                await self.pods_api.patch(
                    pod["metadata"]["name"],
                    patch,
                    pod["metadata"]["namespace"],
                    patch_type="strategic",
                )

    async def _release_pods_of_gone_job(self, key: str, job: Object | None) -> None:
        """A deleted Job's pods must not stay stuck on our finalizer."""
        namespace, _, name = key.partition("/")
        stuck = [
            pod
            for pod in self.pods.cache.by_index("namespace", namespace)
            if has_finalizer(pod)
            and (ref := controller_ref(pod)) is not None
            and ref.get("kind") == "Job"
            and ref.get("name") == name
            and (job is None or ref.get("uid") == job["metadata"]["uid"])
        ]
        await self._remove_finalizers(stuck)


def _controlled_by(pod: Object, uid: str) -> bool:
    ref = controller_ref(pod)
    return ref is not None and ref.get("uid") == uid


register_controller(JobController.name, JobController)

from pyk8s.controllers import job_ttl  # noqa: E402, F401  (registers ttl-after-finished)
