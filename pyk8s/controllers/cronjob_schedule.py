"""Pure rules of the CronJob controller: which run is due, what its Job looks like.

Kept free of I/O so the timing rules (missed runs, starting deadlines, time zones) are
unit-tested with plain datetimes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pyk8s.api.kinds.batch_cron import CronSchedule, parse
from pyk8s.client.cache import Object
from pyk8s.controllers.base import owner_reference

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
# More missed runs than this and Kubernetes warns that the clock or the schedule is odd.
TOO_MANY_MISSED = 100


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Due:
    """The most recent run that should have started by now, and how many were missed."""

    scheduled: datetime | None  # None: nothing due since the last run
    missed: int
    next_run: datetime


def schedule_of(cronjob: Object) -> tuple[CronSchedule, ZoneInfo | None]:
    spec = cronjob["spec"]
    zone = spec.get("timeZone")
    return parse(spec["schedule"]), ZoneInfo(zone) if zone else None


def due_run(cronjob: Object, now: datetime) -> Due:
    """Which run is due at `now`: the latest schedule time after the last one we started.

    Runs are counted from `status.lastScheduleTime` (or the CronJob's creation); with
    `startingDeadlineSeconds`, runs older than that deadline are not considered at all.
    """
    schedule, zone = schedule_of(cronjob)
    local_now = now.astimezone(zone or UTC)
    last = (cronjob.get("status") or {}).get("lastScheduleTime") or cronjob["metadata"].get(
        "creationTimestamp"
    )
    earliest = datetime.fromisoformat(last).astimezone(zone or UTC) if last else local_now
    deadline = cronjob["spec"].get("startingDeadlineSeconds")
    if deadline is not None:
        earliest = max(earliest, local_now - timedelta(seconds=deadline))
    scheduled, missed = None, 0
    t = schedule.next_after(earliest)
    while t <= local_now:
        scheduled, missed = t, missed + 1
        t = schedule.next_after(t)
    return Due(scheduled, missed, t)


def job_name(cronjob: Object, scheduled: datetime) -> str:
    """`<cronjob>-<minutes since the epoch>`: the same run always gets the same name."""
    return f"{cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_for_run(cronjob: Object, scheduled: datetime) -> Object:
    template = cronjob["spec"]["jobTemplate"]
    metadata = copy.deepcopy(template.get("metadata") or {})
    metadata["name"] = job_name(cronjob, scheduled)
    metadata.setdefault("annotations", {})[SCHEDULED_TIMESTAMP] = scheduled.isoformat()
    metadata["ownerReferences"] = [owner_reference(cronjob)]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def job_reference(job: Object) -> dict[str, Any]:
    metadata = job["metadata"]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "namespace": metadata["namespace"],
        "name": metadata["name"],
        "uid": metadata["uid"],
        "resourceVersion": metadata.get("resourceVersion", ""),
    }


def finished_condition(job: Object) -> str | None:
    """ "Complete" or "Failed" once the Job has ended, else None."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return str(condition["type"])
    return None


def jobs_over_history_limit(jobs: list[Object], outcome: str, limit: int | None) -> list[Object]:
    """The oldest finished Jobs with this outcome beyond `limit` (None keeps them all)."""
    if limit is None:
        return []
    ended = [j for j in jobs if finished_condition(j) == outcome]
    ended.sort(
        key=lambda j: (j.get("status") or {}).get("startTime") or j["metadata"]["creationTimestamp"]
    )
    return ended[: max(len(ended) - limit, 0)]
