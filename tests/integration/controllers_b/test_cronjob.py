"""CronJobs on a FakeClock: time moves by whole minutes, Jobs appear, finish and are trimmed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pyk8s.api import errors
from pyk8s.client.clock import FakeClock
from pyk8s.controllers.cronjob import CronJobController
from pyk8s.controllers.job import JobController
from tests.integration.controllers_b.conftest import Cluster, eventually, running, set_pod_status


def cronjob_manifest(name: str, **spec: Any) -> dict[str, Any]:
    template = {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}, **spec},
    }


async def job_names(cluster: Cluster) -> list[str]:
    listed = await cluster.api("batch", "v1", "jobs").list("test")
    return sorted(
        j["metadata"]["name"] for j in listed["items"] if not j["metadata"].get("deletionTimestamp")
    )


async def next_minute(clock: FakeClock) -> str:
    """Let the controller settle, move to the next minute; returns that run's name suffix."""
    await asyncio.sleep(0.3)
    clock.advance(60)
    return str(int(clock.now().timestamp()) // 60)


async def finish_job(cluster: Cluster, job: str) -> None:
    pods = cluster.api("", "v1", "pods")

    async def pod_of_job() -> list[dict[str, Any]]:
        return (await pods.list("test", label_selector=f"job-name={job}"))["items"]

    [pod] = await eventually(pod_of_job, 10, f"the pod of {job}")
    await set_pod_status(cluster, "test", pod["metadata"]["name"], phase="Succeeded")


async def test_cronjob_forbid_completion_and_history(cluster: Cluster) -> None:
    cronjobs = cluster.api("batch", "v1", "cronjobs")
    spec = {"concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 1}
    await cronjobs.create(cronjob_manifest("tick", **spec), "test")
    clock = FakeClock(start=datetime.now(UTC))
    async with running(cluster, CronJobController, JobController, clock=clock):
        first = f"tick-{await next_minute(clock)}"

        async def first_started() -> bool:
            cronjob = await cronjobs.get("tick", "test")
            active = [ref["name"] for ref in cronjob.get("status", {}).get("active") or []]
            return await job_names(cluster) == [first] and active == [first]

        await eventually(first_started, 10, f"job {first} listed as active")
        cronjob = await cronjobs.get("tick", "test")
        assert cronjob["status"]["lastScheduleTime"]

        held_back = f"tick-{await next_minute(clock)}"  # Forbid: the first run still goes

        async def forbidden() -> bool:
            events = await cluster.api("", "v1", "events").list("test")
            return any(e["reason"] == "JobAlreadyActive" for e in events["items"])

        await eventually(forbidden, 10, "a JobAlreadyActive event")
        assert await job_names(cluster) == [first]

        # Once the first run finishes, the run held back starts (late, as in Kubernetes).
        await finish_job(cluster, first)

        async def held_back_started() -> bool:
            status = (await cronjobs.get("tick", "test")).get("status") or {}
            active = [ref["name"] for ref in status.get("active") or []]
            return active == [held_back] and bool(status.get("lastSuccessfulTime"))

        await eventually(held_back_started, 10, f"{held_back} active after {first} succeeded")
        await finish_job(cluster, held_back)

        async def trimmed() -> bool:  # successfulJobsHistoryLimit 1: the older run goes
            cronjob = await cronjobs.get("tick", "test")
            return await job_names(cluster) == [held_back] and not cronjob["status"].get("active")

        await eventually(trimmed, 10, f"only {held_back} kept, nothing active")


async def _has(cluster: Cluster, name: str) -> bool:
    return name in await job_names(cluster)


async def test_cronjob_replace_deletes_the_running_job(cluster: Cluster) -> None:
    await cluster.api("batch", "v1", "cronjobs").create(
        cronjob_manifest("swap", concurrencyPolicy="Replace"), "test"
    )
    clock = FakeClock(start=datetime.now(UTC))
    async with running(cluster, CronJobController, clock=clock):
        first = f"swap-{await next_minute(clock)}"
        await eventually(lambda: _has(cluster, first), 10, f"job {first}")
        second = f"swap-{await next_minute(clock)}"

        async def replaced() -> bool:
            return await job_names(cluster) == [second]

        await eventually(replaced, 10, f"{first} replaced by {second}")
        try:
            job = await cluster.api("batch", "v1", "jobs").get(first, "test")
            assert job["metadata"].get("deletionTimestamp")
        except errors.NotFound:
            pass
