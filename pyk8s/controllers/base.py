"""The shape of every controller: informer handlers enqueue keys, workers reconcile them.

A controller subclass sets `name` (its --controllers name), and in `__init__` asks the
context for the shared informers it needs and adds handlers that do nothing but enqueue a
key ("namespace/name", or "name" for cluster-scoped objects). `reconcile(key)` then reads
the current state from the informer caches, compares it with the desired state, and
writes the difference through the API. It is level-triggered: it never trusts the event
that woke it, only what the caches hold now, so it is safe to run twice, after a crash,
or for an object that no longer exists.

Guarantees of `run(workers)`: `workers` reconciles run concurrently, never two for the
same key (the WorkQueue's rule); a reconcile that raises is retried with per-key
exponential backoff; cancelling `run` stops the workers and shuts the queue down.

Controllers that also need a periodic loop (node monitoring, cron schedules) override
`run` and gather `super().run(workers)` with their loop.

The helpers at the bottom answer questions every workload controller asks: who controls
this object, how to point at an owner, is this pod active or ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, ClassVar

from pyk8s.client.cache import Object, object_key
from pyk8s.client.informer import Informer
from pyk8s.client.workqueue import WorkQueue, run_worker
from pyk8s.controllers.context import ControllerContext

logger = logging.getLogger("pyk8s.controllers")


class Controller:
    name: ClassVar[str] = ""

    def __init__(self, ctx: ControllerContext) -> None:
        self.ctx = ctx
        self.client = ctx.client
        self.clock = ctx.clock
        self.options = ctx.options
        self.queue: WorkQueue[str] = WorkQueue(self.name, clock=ctx.clock)

    async def reconcile(self, key: str) -> None:
        raise NotImplementedError

    async def run(self, workers: int) -> None:
        """Reconcile queued keys with `workers` concurrent workers until cancelled."""
        tasks = [
            asyncio.create_task(run_worker(self.queue, self.reconcile), name=f"{self.name}-{i}")
            for i in range(max(1, workers))
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            self.queue.shut_down()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # enqueueing (called from informer handlers: quick, never awaiting)

    def enqueue(self, obj: Object) -> None:
        self.queue.add(object_key(obj))

    def enqueue_after(self, obj: Object, seconds: float) -> None:
        self.queue.add_after(object_key(obj), seconds)

    def enqueue_owner(self, obj: Object, kind: str) -> None:
        """Enqueue the controller of `obj` if it is a `kind` (e.g. a pod's ReplicaSet)."""
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == kind:
            namespace = obj.get("metadata", {}).get("namespace")
            self.queue.add(f"{namespace}/{ref['name']}" if namespace else ref["name"])

    def enqueue_on_changes(self, informer: Informer) -> None:
        """The common case: any add, update or delete of an object enqueues its own key."""
        informer.add_handler(
            on_add=self.enqueue,
            on_update=lambda _old, new: self.enqueue(new),
            on_delete=self.enqueue,
        )


# helpers shared by controllers


def controller_ref(obj: Object) -> dict[str, Any] | None:
    """The ownerReference marked `controller: true`, if any (at most one may be)."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Object, *, controller: bool = True) -> dict[str, Any]:
    """An ownerReference to `owner`, as controllers set on what they create.

    blockOwnerDeletion is set so a foreground deletion of the owner waits for the dependent.
    """
    metadata = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": metadata["name"],
        "uid": metadata["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def is_being_deleted(obj: Object) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def pod_condition(pod: Object, condition_type: str) -> dict[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition
    return None


def is_pod_ready(pod: Object) -> bool:
    condition = pod_condition(pod, "Ready")
    return condition is not None and condition.get("status") == "True"


def is_pod_active(pod: Object) -> bool:
    """Neither finished (Succeeded/Failed) nor being deleted: counts toward replicas."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_being_deleted(pod)
