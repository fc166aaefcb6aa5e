"""Notice containers changing state on their own, and wake their pods' workers (the kubelet's PLEG).

A container exits without telling anyone: an init container finishes, a program crashes, the
kernel kills it for memory. The pod worker would see that on its next periodic sync (seconds
later); like the kubelet's Pod Lifecycle Event Generator, this loop instead lists the runtime's
containers every `period` seconds, compares each pod's (container, state) pairs with the last
listing, and wakes the worker of every pod whose containers changed. The pod worker then
syncs as usual: this loop only shortens the wait, so a missed or duplicate wake-up is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from pyk8s.kubelet.runtime.interface import Runtime

RELIST_PERIOD_SECONDS = 1.0
logger = logging.getLogger("pyk8s.kubelet.pleg")

PodSnapshot = frozenset[tuple[str, str]]  # (container id, state)


async def snapshot(runtime: Runtime) -> dict[str, PodSnapshot]:
    """Every pod's containers and their states, keyed by pod UID."""
    pod_of_sandbox = {sandbox.id: sandbox.pod_uid for sandbox in await runtime.list_sandboxes()}
    pods: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for container in await runtime.list_containers():
        uid = pod_of_sandbox.get(container.sandbox_id)
        if uid is not None:
            pods[uid].add((container.id, container.state))
    return {uid: frozenset(containers) for uid, containers in pods.items()}


def changed_pods(before: dict[str, PodSnapshot], now: dict[str, PodSnapshot]) -> set[str]:
    return {uid for uid in before.keys() | now.keys() if before.get(uid) != now.get(uid)}


async def relist_forever(
    runtime: Runtime, wake: Callable[[str], None], period: float = RELIST_PERIOD_SECONDS
) -> None:
    before: dict[str, PodSnapshot] | None = None
    while True:
        try:
            now = await snapshot(runtime)
        except Exception as err:  # a runtime hiccup: try again on the next period
            logger.warning("relisting containers failed: %s", err)
        else:
            if before is not None:
                for uid in changed_pods(before, now):
                    wake(uid)
            before = now
        await asyncio.sleep(period)
