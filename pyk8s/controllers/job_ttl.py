"""TTL after finished: a finished Job with `ttlSecondsAfterFinished` is deleted when it expires.

The clock starts when the Job became Complete or Failed (that condition's
lastTransitionTime). An expired Job is deleted with foreground propagation, so its pods go
first, and with a precondition on its uid, so a new Job of the same name is never touched.
A Job that is not yet due is looked at again exactly when it will be; changing its TTL is
seen at once, since every change of a Job re-enqueues it.
"""

from __future__ import annotations

import contextlib
import logging

from pyk8s.api import errors
from pyk8s.controllers.base import Controller, is_being_deleted
from pyk8s.controllers.context import ControllerContext
from pyk8s.controllers.job_status import finished_at
from pyk8s.controllers.registry import register_controller

logger = logging.getLogger("pyk8s.controllers.ttl_after_finished")


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.jobs = ctx.informer("batch", "v1", "jobs")
        self.jobs_api = ctx.resource("batch", "v1", "jobs")
        self.enqueue_on_changes(self.jobs)

    async def reconcile(self, key: str) -> None:
        job = self.jobs.cache.get(key)
        if job is None or is_being_deleted(job):
            return
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        finished = finished_at(job)
        if ttl is None or finished is None:
            return
        remaining = ttl - (self.clock.now() - finished).total_seconds()
        if remaining > 0:
            self.queue.add_after(key, remaining)
            return
        metadata = job["metadata"]
        logger.info("deleting job %s: finished more than %s s ago", key, ttl)
        # NotFound: gone already; Conflict: replaced by a new Job of the same name.
        with contextlib.suppress(errors.NotFound, errors.Conflict):
            await self.jobs_api.delete(
                metadata["name"],
                metadata["namespace"],
                propagation_policy="Foreground",
                preconditions={"uid": metadata["uid"]},
            )


register_controller(TTLAfterFinishedController.name, TTLAfterFinishedController)
