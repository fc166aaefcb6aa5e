"""Columns of jobs and cron jobs.

A job's STATUS is read from its conditions in order of finality (Complete, Failed, then
Terminating while deleted, Suspended, FailureTarget, else Running); COMPLETIONS is
`succeeded/completions` (`0/1 of 3` for a work queue with parallelism 3); DURATION runs from
the start until completion, or until now while it runs.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    Obj,
    age,
    column,
    container_cells,
    format_selector,
    human_duration,
    name_of,
    parse_time,
    printer,
    since,
    template_spec,
)

SELECTOR = column("Selector", "The label selector of the job's pods.", priority=1)


@printer(
    "batch",
    "Job",
    [
        NAME,
        column("Status", "Complete, Failed, Suspended, Terminating or Running."),
        column("Completions", "Pods that succeeded out of those needed."),
        column("Duration", "How long the job ran (or has been running)."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
)
def job_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec", {})
    return [
        name_of(obj),
        job_status(obj),
        _completions(obj),
        _duration(obj.get("status", {}), now),
        age(obj, now),
        *container_cells(template_spec(obj)),
        format_selector(spec.get("selector")),
    ]


def job_status(obj: Obj) -> str:
    conditions = {}
    for condition in obj.get("status", {}).get("conditions") or ():
        conditions.setdefault(condition.get("type"), condition.get("status") == "True")
    if conditions.get("Complete"):
        return "Complete"
    if conditions.get("Failed"):
        return "Failed"
    if obj.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    if conditions.get("Suspended"):
        return "Suspended"
    if conditions.get("FailureTarget"):
        return "FailureTarget"
    return "Running"


def _completions(obj: Obj) -> str:
    spec, succeeded = obj.get("spec", {}), obj.get("status", {}).get("succeeded", 0)
    if spec.get("completions") is not None:
        return f"{succeeded}/{spec['completions']}"
    parallelism = spec.get("parallelism") or 0
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _duration(status: dict[str, Any], now: datetime.datetime) -> str:
    started = parse_time(status.get("startTime"))
    if started is None:
        return ""
    finished = parse_time(status.get("completionTime")) or now
    return human_duration((finished - started).total_seconds())


@printer(
    "batch",
    "CronJob",
    [
        NAME,
        column("Schedule", "When jobs start, in cron syntax."),
        column("Timezone", "The time zone of the schedule."),
        column("Suspend", "Whether new jobs are held back.", type="boolean"),
        column("Active", "Jobs running now.", type="integer"),
        column("Last Schedule", "How long ago a job was last started."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
)
def cron_job_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    job_spec = spec.get("jobTemplate", {}).get("spec", {})
    last = status.get("lastScheduleTime")
    suspend = spec.get("suspend")
    return [
        name_of(obj),
        spec.get("schedule", ""),
        "<none>" if spec.get("timeZone") is None else spec["timeZone"],
        "<unset>" if suspend is None else str(bool(suspend)),
        len(status.get("active") or []),
        since(last, now) if last else "<none>",
        age(obj, now),
        *container_cells(job_spec.get("template", {}).get("spec")),
        format_selector(job_spec.get("selector")),
    ]
