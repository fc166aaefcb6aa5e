"""The pure rules of the Job and CronJob controllers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pyk8s.controllers import cronjob_schedule as cron
from pyk8s.controllers import job_status as rules


def job(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "pi"}, "spec": {"parallelism": 1, **spec}}


@pytest.mark.parametrize(
    ("text", "indexes"),
    [("", set()), ("1", {1}), ("1,3-5,7", {1, 3, 4, 5, 7}), ("0-2", {0, 1, 2})],
)
def test_completed_indexes_round_trip(text: str, indexes: set[int]) -> None:
    assert rules.parse_indexes(text) == indexes
    assert rules.format_indexes(indexes) == text


def test_wanted_active_per_completion_mode() -> None:
    assert rules.wanted_active(job(parallelism=4, completions=10), 8, set()) == 2
    assert rules.wanted_active(job(parallelism=2), 0, set()) == 2  # a work queue
    assert rules.wanted_active(job(parallelism=2), 1, set()) == 0  # one succeeded: no more
    indexed = job(parallelism=3, completions=3, completionMode="Indexed")
    assert rules.wanted_active(indexed, 5, {0, 2}) == 1  # counts indexes, not pods
    assert rules.wanted_active(job(parallelism=3, completions=3, suspend=True), 0, set()) == 0


def test_completion_rules() -> None:
    assert rules.is_complete(job(completions=2), 2, set(), 1)
    assert not rules.is_complete(job(), 1, set(), 1)  # work queue: wait for the others
    assert rules.is_complete(job(), 1, set(), 0)
    indexed = job(completions=3, completionMode="Indexed")
    assert not rules.is_complete(indexed, 3, {0, 1}, 0)
    assert rules.is_complete(indexed, 3, {0, 1, 2}, 0)


def test_missing_indexes_are_the_lowest_free_ones() -> None:
    indexed = job(completions=5, completionMode="Indexed")
    assert rules.missing_indexes(indexed, completed={0}, running={1, 3}, count=2) == [2, 4]


def test_indexed_pod_identity() -> None:
    pod = {"metadata": {}, "spec": {"containers": [{"name": "c"}]}}
    made = rules.pod_for_index(pod, job(), 2)
    assert made["metadata"]["generateName"] == "pi-2-"
    assert made["metadata"]["annotations"][rules.COMPLETION_INDEX] == "2"
    assert made["spec"]["hostname"] == "pi-2"
    assert made["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX"


def cronjob(schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "report", "uid": "u1", "creationTimestamp": "2025-01-01T00:00:00Z"},
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {}}, **spec},
    }


def at(minutes: float) -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)


def test_due_run_is_the_latest_missed_one() -> None:
    due = cron.due_run(cronjob(), at(17))
    assert due.scheduled == at(15) and due.missed == 3 and due.next_run == at(20)
    nothing = cron.due_run(
        {**cronjob(), "status": {"lastScheduleTime": "2025-01-01T00:15:00Z"}}, at(17)
    )
    assert nothing.scheduled is None


def test_starting_deadline_skips_runs_that_are_too_late() -> None:
    assert cron.due_run(cronjob(startingDeadlineSeconds=60), at(17)).scheduled is None
    assert cron.due_run(cronjob(startingDeadlineSeconds=180), at(17)).scheduled == at(15)


def test_time_zone_moves_the_schedule() -> None:
    due = cron.due_run(cronjob("0 9 * * *", timeZone="Europe/Paris"), at(60 * 9))
    assert due.scheduled is not None and due.scheduled.astimezone(UTC) == at(60 * 8)


def test_job_for_a_run_is_named_by_its_minute() -> None:
    made = cron.job_for_run(cronjob(), at(15))
    assert made["metadata"]["name"] == f"report-{int(at(15).timestamp()) // 60}"
    assert made["metadata"]["ownerReferences"][0]["uid"] == "u1"
    assert made["metadata"]["annotations"][cron.SCHEDULED_TIMESTAMP].startswith("2025-01-01T00:15")


def test_history_limit_keeps_the_newest() -> None:
    def finished(name: str, start: str, outcome: str) -> dict[str, Any]:
        condition = {"type": outcome, "status": "True"}
        return {"metadata": {"name": name, "creationTimestamp": start},
                "status": {"startTime": start, "conditions": [condition]}}  # fmt: skip

    jobs = [
        finished("a", "2025-01-01T00:00:00Z", "Complete"),
        finished("b", "2025-01-01T00:05:00Z", "Complete"),
        finished("c", "2025-01-01T00:10:00Z", "Failed"),
    ]
    assert [j["metadata"]["name"] for j in cron.jobs_over_history_limit(jobs, "Complete", 1)] == [
        "a"
    ]
    assert cron.jobs_over_history_limit(jobs, "Failed", 1) == []
