"""Jobs against a real API server: pods run, finish (set through /status as a kubelet
would), are counted, and the Job ends Complete or Failed with Kubernetes' conditions."""

from __future__ import annotations

import asyncio
from typing import Any

from pyk8s.api import errors
from pyk8s.controllers.job import JobController
from pyk8s.controllers.job_ttl import TTLAfterFinishedController
from tests.integration.controllers_b.conftest import Cluster, eventually, running, set_pod_status

FINALIZER = "batch.kubernetes.io/job-tracking"


def job_manifest(name: str, **spec: Any) -> dict[str, Any]:
    template = {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": template, **spec},
    }


async def job_pods(cluster: Cluster, job: str, phase: str | None = None) -> list[dict[str, Any]]:
    listed = await cluster.api("", "v1", "pods").list("test", label_selector=f"job-name={job}")
    pods = [p for p in listed["items"] if not p["metadata"].get("deletionTimestamp")]
    return [p for p in pods if phase is None or p["status"].get("phase") == phase]


async def pending_pods(cluster: Cluster, job: str, count: int) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        pods = await job_pods(cluster, job, "Pending")
        return pods if len(pods) == count else None

    return await eventually(check, 10, f"{count} pending pods of {job}")


def conditions(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in job.get("status", {}).get("conditions") or []}


async def finished_job(cluster: Cluster, name: str, condition: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        job = await cluster.api("batch", "v1", "jobs").get(name, "test")
        return job if conditions(job).get(condition, {}).get("status") == "True" else None

    return await eventually(check, 10, f"job {name} {condition}")


async def test_job_runs_parallel_pods_to_completion_then_expires(cluster: Cluster) -> None:
    jobs = cluster.api("batch", "v1", "jobs")
    spec = {"completions": 3, "parallelism": 2, "ttlSecondsAfterFinished": 1}
    await jobs.create(job_manifest("pi", **spec), "test")
    async with running(cluster, JobController, TTLAfterFinishedController):
        first = await pending_pods(cluster, "pi", 2)
        for pod in first:
            assert FINALIZER in pod["metadata"]["finalizers"]
            assert pod["metadata"]["ownerReferences"][0]["kind"] == "Job"
            assert pod["metadata"]["generateName"] == "pi-"
            await set_pod_status(cluster, "test", pod["metadata"]["name"], phase="Succeeded")
        third = await pending_pods(cluster, "pi", 1)  # only one more is needed
        await set_pod_status(cluster, "test", third[0]["metadata"]["name"], phase="Succeeded")

        job = await finished_job(cluster, "pi", "Complete")
        assert job["status"]["succeeded"] == 3 and job["status"].get("failed", 0) == 0
        assert job["status"]["active"] == 0 and job["status"]["completionTime"]
        assert conditions(job)["SuccessCriteriaMet"]["status"] == "True"
        assert conditions(job)["Complete"]["reason"] == "CompletionsReached"
        for pod in await job_pods(cluster, "pi"):
            assert FINALIZER not in (pod["metadata"].get("finalizers") or [])

        async def expired() -> bool:  # foreground deletion: marked, or already gone
            try:
                job = await jobs.get("pi", "test")
            except errors.NotFound:
                return True
            return bool(job["metadata"].get("deletionTimestamp"))

        await eventually(expired, 10, "the TTL controller to delete the finished job")
        events = await cluster.api("", "v1", "events").list("test")
        reasons = [e["reason"] for e in events["items"] if e["involvedObject"]["kind"] == "Job"]
        assert reasons.count("SuccessfulCreate") == 3 and "Completed" in reasons


class QuickRetryJobController(JobController):
    pod_failure_backoff = 0.5  # Kubernetes waits 10 s, then 20 s, ...


async def test_job_retries_with_backoff_then_fails_after_backoff_limit(cluster: Cluster) -> None:
    await cluster.api("batch", "v1", "jobs").create(job_manifest("flaky", backoffLimit=2), "test")
    async with running(cluster, QuickRetryJobController):
        loop = asyncio.get_running_loop()
        failed_at: list[float] = []
        created_at: list[float] = []
        for _attempt in range(3):
            [pod] = await pending_pods(cluster, "flaky", 1)
            created_at.append(loop.time())
            await set_pod_status(cluster, "test", pod["metadata"]["name"], phase="Failed")
            failed_at.append(loop.time())
        # The replacement waits 0.5 s after the first failure, 1 s after the second.
        assert created_at[1] - failed_at[0] >= 0.4
        assert created_at[2] - failed_at[1] >= 0.9
        job = await finished_job(cluster, "flaky", "Failed")
        assert job["status"]["failed"] == 3
        assert conditions(job)["Failed"]["reason"] == "BackoffLimitExceeded"
        assert conditions(job)["Failed"]["message"] == "Job has reached the specified backoff limit"
        assert conditions(job)["FailureTarget"]["status"] == "True"
        assert "Complete" not in conditions(job)


async def test_indexed_job_completes_every_index(cluster: Cluster) -> None:
    spec = {"completions": 3, "parallelism": 3, "completionMode": "Indexed"}
    await cluster.api("batch", "v1", "jobs").create(job_manifest("idx", **spec), "test")
    async with running(cluster, JobController):
        pods = await pending_pods(cluster, "idx", 3)
        by_index = {
            p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p
            for p in pods
        }
        assert sorted(by_index) == ["0", "1", "2"]
        assert by_index["1"]["spec"]["hostname"] == "idx-1"
        await set_pod_status(cluster, "test", by_index["1"]["metadata"]["name"], phase="Succeeded")

        async def index_one_done() -> bool:
            job = await cluster.api("batch", "v1", "jobs").get("idx", "test")
            return job["status"].get("completedIndexes") == "1"

        await eventually(index_one_done, 10, 'completedIndexes "1"')
        for index in ("0", "2"):
            await set_pod_status(
                cluster, "test", by_index[index]["metadata"]["name"], phase="Succeeded"
            )
        job = await finished_job(cluster, "idx", "Complete")
        assert job["status"]["completedIndexes"] == "0-2"
        assert job["status"]["succeeded"] == 3


async def test_job_past_its_deadline_fails_and_its_pods_go(cluster: Cluster) -> None:
    spec = {"activeDeadlineSeconds": 1, "parallelism": 2, "completions": 2}
    await cluster.api("batch", "v1", "jobs").create(job_manifest("slow", **spec), "test")
    async with running(cluster, JobController):
        await pending_pods(cluster, "slow", 2)
        job = await finished_job(cluster, "slow", "Failed")
        assert conditions(job)["Failed"]["reason"] == "DeadlineExceeded"
        assert (
            conditions(job)["Failed"]["message"] == "Job was active longer than specified deadline"
        )
        assert await job_pods(cluster, "slow") == []
