"""A Scheduler wired to in-memory fakes of the API: it records binds, evictions and reports."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pyk8s.scheduler.config import SchedulerConfiguration
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.scheduler import ApiSeam, Scheduler


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recorder:
    def __init__(self) -> None:
        self.bound: dict[str, str] = {}
        self.evicted: list[str] = []
        self.failures: dict[str, tuple[str, str, str | None]] = {}
        self.scheduled: list[str] = []
        self.refuse_binds = False

    async def bind(self, pod: PodInfo, node: str) -> None:
        if self.refuse_binds:
            raise RuntimeError("binding refused")
        self.bound[pod.key] = node

    async def evict(self, victim: PodInfo, preemptor: PodInfo) -> None:
        self.evicted.append(victim.key)

    async def on_scheduled(self, pod: PodInfo, node: str) -> None:
        self.scheduled.append(pod.key)

    async def on_failed(
        self, pod: PodInfo, reason: str, message: str, nominated: str | None
    ) -> None:
        self.failures[pod.key] = (reason, message, nominated)

    def seam(self) -> ApiSeam:
        return ApiSeam(self.bind, self.evict, self.on_scheduled, self.on_failed)


def make_scheduler(
    nodes: list[dict[str, Any]] = (),
    pods: list[dict[str, Any]] = (),
    config: SchedulerConfiguration | None = None,
) -> tuple[Scheduler, Recorder, FakeClock]:
    recorder, clock = Recorder(), FakeClock()
    scheduler = Scheduler(
        config or SchedulerConfiguration(), recorder.seam(), clock=clock, rng=random.Random(7)
    )
    for node in nodes:
        scheduler.on_node(node, added=True)
    for pod in pods:
        scheduler.on_pod(pod)
    return scheduler, recorder, clock


async def schedule_all(scheduler: Scheduler) -> None:
    """Run scheduling cycles until the active queue is empty, and let bindings finish."""
    while (entry := scheduler.queue.pop_nowait()) is not None:
        scheduler.schedule_one(entry)
        await asyncio.sleep(0)
    await scheduler.wait_for_bindings()
