"""One worker per pod: the pod's syncs, one at a time, and its termination.

The kubelet hears about pods from two sources (the API server's pods bound to this node,
and static manifests); both call `update(pod)` with the newest object and `forget(uid)` when
the object is gone. Each pod has its own asyncio task, so a slow image pull in one pod never
delays another, and a pod's syncs never overlap.

A worker's life:

- while the pod exists and is not being deleted: sync it (podsync.py) whenever it changes,
  a probe verdict changes (`wake(uid)`), or the delay the last sync asked for has passed;
- once `deletionTimestamp` is set: terminate its containers within the grace period, report
  the final status, then `on_terminated(pod)` (the kubelet issues the final DELETE with
  grace 0 there) and remove the sandbox and volumes;
- when the object vanished without that (a force delete, or a static manifest removed):
  stop everything at once and clean up.

A failing sync is logged and retried (1 s doubling to 30 s): a kubelet never crashes because
of one pod.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pyk8s.kubelet.podsync import PodSyncer

logger = logging.getLogger("pyk8s.kubelet.workers")

Pod = Mapping[str, Any]


class _Worker:
    def __init__(self, pod: Pod) -> None:
        self.pod = pod
        self.gone = False
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class PodWorkers:
    def __init__(
        self,
        syncer: PodSyncer,
        *,
        on_terminated: Callable[[Pod], Awaitable[None]] | None = None,
    ) -> None:
        self.syncer = syncer
        self.on_terminated = on_terminated
        self._workers: dict[str, _Worker] = {}
        self._finished: set[str] = set()

    def pods(self) -> list[Pod]:
        return [w.pod for w in self._workers.values() if not w.gone]

    def update(self, pod: Pod) -> None:
        uid = pod["metadata"]["uid"]
        if uid in self._finished:
            return  # late news of a pod we already stopped and deleted
        worker = self._workers.get(uid)
        if worker is None:
            worker = self._workers[uid] = _Worker(pod)
            worker.task = asyncio.create_task(self._run(uid, worker), name=f"pod {uid}")
        worker.pod = pod
        worker.wakeup.set()

    def forget(self, uid: str) -> None:
        worker = self._workers.get(uid)
        if worker is not None:
            worker.gone = True
            worker.wakeup.set()

    def wake(self, uid: str) -> None:
        worker = self._workers.get(uid)
        if worker is not None:
            worker.wakeup.set()

    def __contains__(self, uid: str) -> bool:
        return uid in self._workers

    async def close(self) -> None:
        """Stop the workers (not the pods: they keep running for the next kubelet to adopt)."""
        tasks = [w.task for w in self._workers.values() if w.task]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

    async def _run(self, uid: str, worker: _Worker) -> None:
        failures = 0
        while True:
            worker.wakeup.clear()
            if worker.gone or worker.pod["metadata"].get("deletionTimestamp"):
                try:
                    await self._finish(worker)
                except Exception:
                    failures += 1
                    logger.exception("stopping pod %s failed; retrying", _name(worker.pod))
                    await asyncio.sleep(min(2.0 ** (failures - 1), 30.0))
                    continue
                self._finished.add(uid)
                del self._workers[uid]
                return
            try:
                delay = await self.syncer.sync(worker.pod)
                failures = 0
            except Exception:  # one pod's trouble must not stop the kubelet
                failures += 1
                delay = min(2.0 ** (failures - 1), 30.0)
                logger.exception("sync of pod %s failed; again in %.0fs", _name(worker.pod), delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker.wakeup.wait(), max(delay, 0.05))

    async def _finish(self, worker: _Worker) -> None:
        pod = worker.pod
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            grace = 0 if worker.gone else pod["spec"].get("terminationGracePeriodSeconds", 30)
        logger.info("stopping pod %s (grace %ss)", _name(pod), grace)
        await self.syncer.terminate(pod, float(grace))
        if not worker.gone:
            await self.syncer.report(pod, None, final=True)
            if self.on_terminated is not None:
                await self.on_terminated(pod)
        await self.syncer.remove(pod["metadata"]["uid"])


def _name(pod: Pod) -> str:
    meta = pod["metadata"]
    return f"{meta.get('namespace', 'default')}/{meta['name']}"
