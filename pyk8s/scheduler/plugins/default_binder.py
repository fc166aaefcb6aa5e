"""DefaultBinder: bind by POSTing a Binding to pods/<name>/binding (through an injected call)."""

from __future__ import annotations

from typing import Any

from pyk8s.scheduler import status as st
from pyk8s.scheduler.plugin import CycleState, Handle
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Status

NAME = "DefaultBinder"


class DefaultBinder:
    name = NAME

    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status:
        if self.handle.bind_pod is None:
            return st.error("DefaultBinder has no API connection to bind with")
        try:
            await self.handle.bind_pod(pod, node_name)
        except Exception as failure:  # the API said no: report it, the pod is retried
            return st.error(str(failure) or type(failure).__name__)
        return st.SUCCESS


def factory(args: dict[str, Any], handle: Handle) -> DefaultBinder:
    return DefaultBinder(handle)
