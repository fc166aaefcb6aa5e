"""Pure rules of the Job controller: conditions, completion indexes, how many pods to run.

No I/O here: the decisions a user sees in `kubectl describe job` (when a Job is Complete or
Failed, which indexes are done, how many pods run at once) are unit-tested directly.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from pyk8s.client.cache import Object

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"

# (reason, message) pairs as the Kubernetes 1.32 Job controller writes them.
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def job_condition(job: Object, condition_type: str) -> dict[str, Any] | None:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type and condition.get("status") == "True":
            return condition
    return None


def is_finished(job: Object) -> bool:
    return job_condition(job, "Complete") is not None or job_condition(job, "Failed") is not None


def finished_at(job: Object) -> datetime | None:
    """When the Job reached Complete or Failed (None while it runs)."""
    for kind in ("Complete", "Failed"):
        condition = job_condition(job, kind)
        if condition is not None and condition.get("lastTransitionTime"):
            return parse_time(condition["lastTransitionTime"])
    completion = (job.get("status") or {}).get("completionTime")
    return parse_time(completion) if completion else None


def set_condition(
    status: dict[str, Any],
    condition_type: str,
    value: str,
    reason_message: tuple[str, str],
    now: str,
) -> None:
    """Add or change a condition; lastTransitionTime moves only when its status changes."""
    reason, message = reason_message
    conditions = status.setdefault("conditions", [])
    for condition in conditions:
        if condition["type"] == condition_type:
            if condition["status"] != value:
                condition["lastTransitionTime"] = now
            condition.update(status=value, reason=reason, message=message, lastProbeTime=now)
            return
    conditions.append(
        {
            "type": condition_type,
            "status": value,
            "reason": reason,
            "message": message,
            "lastProbeTime": now,
            "lastTransitionTime": now,
        }
    )


def status_has(status: dict[str, Any], condition_type: str) -> bool:
    return job_condition({"status": status}, condition_type) is not None


# --- completion indexes ("1,3-5,7") ----------------------------------------------------------


def parse_indexes(text: str | None) -> set[int]:
    indexes: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        indexes.update(range(int(low), int(high or low) + 1))
    return indexes


def format_indexes(indexes: set[int]) -> str:
    """Sorted, with runs of consecutive indexes as ranges: {1,3,4,5,7} -> "1,3-5,7"."""
    parts: list[str] = []
    ordered = sorted(indexes)
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            low, high = ordered[start], ordered[i - 1]
            parts.append(str(low) if low == high else f"{low}-{high}")
            start = i
    return ",".join(parts)


def pod_index(pod: Object) -> int | None:
    text = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    return int(text) if text is not None and text.isdigit() else None


# --- how many pods ----------------------------------------------------------------------------


def is_indexed(job: Object) -> bool:
    return (job.get("spec") or {}).get("completionMode") == "Indexed"


def wanted_active(job: Object, succeeded: int, completed_indexes: set[int]) -> int:
    """How many pods should be running now (Kubernetes' rule for each completion mode)."""
    spec = job.get("spec") or {}
    parallelism = spec.get("parallelism", 1)
    completions = spec.get("completions")
    if spec.get("suspend"):
        return 0
    if completions is None:
        # A work queue: once any pod succeeded, no new pods; the running ones finish.
        return 0 if succeeded > 0 else parallelism
    done = len(completed_indexes) if is_indexed(job) else succeeded
    return max(0, min(parallelism, completions - done))


def is_complete(job: Object, succeeded: int, completed_indexes: set[int], active: int) -> bool:
    completions = (job.get("spec") or {}).get("completions")
    if completions is None:
        return succeeded > 0 and active == 0
    if is_indexed(job):
        return len({i for i in completed_indexes if i < completions}) >= completions
    return succeeded >= completions


def missing_indexes(job: Object, completed: set[int], running: set[int], count: int) -> list[int]:
    """The lowest `count` indexes that neither succeeded nor have a running pod."""
    completions = (job.get("spec") or {}).get("completions") or 0
    free = (i for i in range(completions) if i not in completed and i not in running)
    return [i for _, i in zip(range(count), free, strict=False)]


def pod_for_index(pod: Object, job: Object, index: int) -> Object:
    """Make a templated pod the one for completion index `index` (name, hostname, env)."""
    pod = copy.deepcopy(pod)
    name = job["metadata"]["name"]
    metadata = pod["metadata"]
    metadata["generateName"] = f"{name}-{index}-"
    metadata.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
    metadata.setdefault("labels", {})[COMPLETION_INDEX] = str(index)
    spec = pod["spec"]
    spec.setdefault("hostname", f"{name}-{index}")
    field_ref = {"fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        env = container.setdefault("env", [])
        if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
            env.append({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": field_ref}})
    return pod
