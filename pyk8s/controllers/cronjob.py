"""The CronJob controller: create a Job each time the schedule fires, and tidy up after.

What it guarantees for every CronJob:

- At each schedule time (in `spec.timeZone`, UTC without one) a Job named
  `<cronjob>-<scheduled minutes since the epoch>` is created from `jobTemplate`, owned by
  the CronJob. The name is a function of the schedule time, so a crash and restart can
  never start the same run twice: the second create is an AlreadyExists.
- Only the most recent missed run is started; a run older than `startingDeadlineSeconds`
  is skipped. `suspend: true` starts nothing.
- `concurrencyPolicy`: Allow runs overlap; Forbid skips a run while one is active;
  Replace deletes the active Jobs first.
- `status.active` lists the running Jobs, `lastScheduleTime` the latest run started,
  `lastSuccessfulTime` the latest completion; finished Jobs beyond
  `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are deleted, oldest first.

Time comes from the injected clock, and the controller wakes itself for the next run,
so tests move time with a FakeClock instead of waiting minutes.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.api.kinds.batch_cron import CronError
from pyk8s.client.cache import Object
from pyk8s.controllers import cronjob_schedule as cron
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.cronjob")


class CronJobController(Controller):
    name = "cronjob"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.cronjobs = ctx.informer("batch", "v1", "cronjobs")
        self.jobs = ctx.informer("batch", "v1", "jobs", indexers=["owner"])
        self.cronjobs_api = ctx.resource("batch", "v1", "cronjobs")
        self.jobs_api = ctx.resource("batch", "v1", "jobs")
        self.recorder = ctx.recorder_for("cronjob-controller")
        self.enqueue_on_changes(self.cronjobs)
        self.jobs.add_handler(
            on_add=lambda job: self.enqueue_owner(job, "CronJob"),
            on_update=lambda _old, new: self.enqueue_owner(new, "CronJob"),
            on_delete=lambda job: self.enqueue_owner(job, "CronJob"),
        )

    async def reconcile(self, key: str) -> None:
        try:
            await self._sync(key)
        except errors.Conflict:
            logger.debug("cronjob %s changed while we worked on it; will look again", key)

    async def _sync(self, key: str) -> None:
        cronjob = self.cronjobs.cache.get(key)
        if cronjob is None or is_being_deleted(cronjob):
            return
        jobs = self.jobs.cache.by_index("owner", cronjob["metadata"]["uid"])
        status = copy.deepcopy(cronjob.get("status") or {})
        running = self._observe_jobs(cronjob, jobs, status)
        await self._trim_history(cronjob, jobs)
        if not cronjob["spec"].get("suspend"):
            try:
                await self._start_due_run(key, cronjob, running, status)
            except CronError as error:  # validation keeps these out; an old object may not
                self.recorder.event(cronjob, "Warning", "UnparseableSchedule", str(error))
        status["active"] = [cron.job_reference(job) for job in running]
        if not status["active"]:
            del status["active"]
        if status != (cronjob.get("status") or {}):
            await self.cronjobs_api.update_status({**cronjob, "status": status})

    def _observe_jobs(
        self, cronjob: Object, jobs: list[Object], status: dict[str, Any]
    ) -> list[Object]:
        """The running Jobs; finished ones are reported once and update lastSuccessfulTime."""
        was_active = {ref.get("uid") for ref in status.get("active") or []}
        running = []
        for job in sorted(jobs, key=lambda j: j["metadata"]["name"]):
            outcome = cron.finished_condition(job)
            if outcome is None:
                if not is_being_deleted(job):
                    running.append(job)
                continue
            if job["metadata"]["uid"] in was_active:
                name = job["metadata"]["name"]
                self.recorder.event(
                    cronjob,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {name}, condition: {outcome}",
                )
            completed_at = (job.get("status") or {}).get("completionTime")
            latest = status.get("lastSuccessfulTime") or ""
            if outcome == "Complete" and completed_at and completed_at > latest:
                status["lastSuccessfulTime"] = completed_at
        return running

    async def _trim_history(self, cronjob: Object, jobs: list[Object]) -> None:
        spec = cronjob["spec"]
        doomed = cron.jobs_over_history_limit(
            jobs, "Complete", spec.get("successfulJobsHistoryLimit")
        ) + cron.jobs_over_history_limit(jobs, "Failed", spec.get("failedJobsHistoryLimit"))
        for job in doomed:
            if not is_being_deleted(job):
                await self._delete_job(cronjob, job)

    async def _start_due_run(
        self, key: str, cronjob: Object, running: list[Object], status: dict[str, Any]
    ) -> None:
        now = self.clock.now()
        due = cron.due_run(cronjob, now)
        self.queue.add_after(key, max((due.next_run - now).total_seconds(), 0.0) + 0.001)
        if due.scheduled is None:
            return
        if due.missed > cron.TOO_MANY_MISSED:
            self.recorder.event(
                cronjob,
                "Warning",
                "TooManyMissedTimes",
                f"too many missed start times: {due.missed}. Set or decrease "
                ".spec.startingDeadlineSeconds or check clock skew",
            )
        policy = cronjob["spec"].get("concurrencyPolicy", "Allow")
        if running and policy == "Forbid":
            self.recorder.event(
                cronjob,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            return
        if policy == "Replace":
            for job in running:
                await self._delete_job(cronjob, job)
            running.clear()
        job = await self._create_job(cronjob, due.scheduled)
        if job is not None:
            running.append(job)
        status["lastScheduleTime"] = cron.rfc3339(due.scheduled)

    async def _create_job(self, cronjob: Object, scheduled: datetime) -> Object | None:
        manifest = cron.job_for_run(cronjob, scheduled)
        try:
            job = await self.jobs_api.create(manifest, cronjob["metadata"]["namespace"])
        except errors.AlreadyExists:
            return None  # this run was started before (we crashed before recording it)
        name = job["metadata"]["name"]
        logger.info("cronjob %s: created job %s", cronjob["metadata"]["name"], name)
        self.recorder.event(cronjob, "Normal", "SuccessfulCreate", f"Created job {name}")
        return job

    async def _delete_job(self, cronjob: Object, job: Object) -> None:
        name = job["metadata"]["name"]
        try:
            await self.jobs_api.delete(
                name, job["metadata"]["namespace"], propagation_policy="Background"
            )
        except errors.NotFound:
            return
        self.recorder.event(cronjob, "Normal", "SuccessfulDelete", f"Deleted job {name}")


register_controller(CronJobController.name, CronJobController)
