"""The columns of `kubectl get pods`: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE
READINESS GATES with -o wide).

STATUS is not a field of the pod: it is a one-word summary computed as kube-apiserver computes
it. It starts from the phase (or status.reason), then lets the containers speak, first the
init containers (`Init:1/3`, `Init:CrashLoopBackOff`, `Init:Error`), then the app containers,
the last one with something to say winning (`ContainerCreating`, `CrashLoopBackOff`,
`Completed`, `Error`, `ExitCode:3`). A pod being deleted shows `Terminating` (or `Unknown` when
its node is lost). RESTARTS adds when the last restart happened: `2 (5m ago)`.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import (
    AGE,
    NAME,
    PRINTERS,
    Obj,
    Printer,
    age,
    column,
    name_of,
    parse_time,
    since,
)

COLUMNS = [
    NAME,
    column("Ready", "Ready containers out of all containers (sidecars included)."),
    column("Status", "A one-word summary of the pod's state, computed from its containers."),
    column("Restarts", "How often the containers restarted, and how long ago the last time."),
    AGE,
    column("IP", "The pod's first IP address.", priority=1),
    column("Node", "The node the pod is bound to.", priority=1),
    column("Nominated Node", "The node where preemption made room for the pod.", priority=1),
    column("Readiness Gates", "Readiness gates whose condition is True, of all.", priority=1),
]

# Reason the node lifecycle controller gives pods of a node that stopped reporting.
NODE_LOST = "NodeLost"
_TERMINAL_PHASES = ("Succeeded", "Failed")


def pod_cells(pod: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = pod.get("spec", {}), pod.get("status", {})
    summary = _Summary(pod)
    summary.read_init_containers()
    if not summary.initializing or _condition_true(status, "Initialized"):
        summary.read_containers()
    reason = summary.reason
    if pod.get("metadata", {}).get("deletionTimestamp"):
        if status.get("reason") == NODE_LOST:
            reason = "Unknown"
        elif status.get("phase") not in _TERMINAL_PHASES:
            reason = "Terminating"
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts = f"{summary.restarts} ({since(summary.last_restart, now)} ago)"
    pod_ips = status.get("podIPs") or []
    return [
        name_of(pod),
        f"{summary.ready}/{summary.total}",
        reason,
        restarts,
        age(pod, now),
        (pod_ips[0].get("ip") if pod_ips else "") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        _readiness_gates(spec, status),
    ]


def pod_conditions(pod: Obj) -> list[dict[str, str]] | None:
    """Rows of finished pods are marked Completed, so clients may hide or dim them."""
    phase = pod.get("status", {}).get("phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return None
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


PRINTERS[("", "Pod")] = Printer(COLUMNS, pod_cells, pod_conditions)


class _Summary:
    """Walks a pod's container statuses, accumulating the READY/STATUS/RESTARTS cells."""

    def __init__(self, pod: Obj) -> None:
        self.spec, self.status = pod.get("spec", {}), pod.get("status", {})
        self.reason = self.status.get("reason") or self.status.get("phase", "")
        for condition in self.status.get("conditions") or ():
            if (
                condition.get("type") == "PodScheduled"
                and condition.get("reason") == "SchedulingGated"
            ):
                self.reason = "SchedulingGated"
        # Sidecars (init containers that keep running) count as containers of the pod.
        self.sidecars = {
            c.get("name") for c in self.spec.get("initContainers") or () if _is_sidecar(c)
        }
        self.total = len(self.spec.get("containers") or ()) + len(self.sidecars)
        self.ready = 0
        self.restarts = 0
        self.last_restart: str | None = None
        self.sidecar_restarts = 0
        self.last_sidecar_restart: str | None = None
        self.initializing = False

    def read_init_containers(self) -> None:
        count = len(self.spec.get("initContainers") or ())
        for index, container in enumerate(self.status.get("initContainerStatuses") or ()):
            restarts, finished = _restarts(container)
            self.restarts += restarts
            self.last_restart = _later(self.last_restart, finished)
            sidecar = container.get("name") in self.sidecars
            if sidecar:
                self.sidecar_restarts += restarts
                self.last_sidecar_restart = _later(self.last_sidecar_restart, finished)
            state = container.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if terminated is not None and terminated.get("exitCode", 0) == 0:
                continue
            if sidecar and container.get("started"):
                self.ready += 1 if container.get("ready") else 0
                continue
            if terminated is not None:
                self.reason = "Init:" + _termination_text(terminated)
            elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
                self.reason = "Init:" + waiting["reason"]
            else:
                self.reason = f"Init:{index}/{count}"
            self.initializing = True
            break

    def read_containers(self) -> None:
        # Only sidecars' restarts count once the pod is initialized; the last container
        # with a reason to report sets STATUS, so they are read from the end.
        self.restarts, self.last_restart = self.sidecar_restarts, self.last_sidecar_restart
        running = False
        for container in reversed(self.status.get("containerStatuses") or ()):
            restarts, finished = _restarts(container)
            self.restarts += restarts
            self.last_restart = _later(self.last_restart, finished)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                self.reason = waiting["reason"]
            elif terminated is not None:
                self.reason = _termination_text(terminated)
            elif container.get("ready") and state.get("running") is not None:
                running = True
                self.ready += 1
        if self.reason == "Completed" and running:
            self.reason = "Running" if _condition_true(self.status, "Ready") else "NotReady"


def _is_sidecar(container: dict[str, Any]) -> bool:
    return container.get("restartPolicy") == "Always"


def _restarts(container: dict[str, Any]) -> tuple[int, str | None]:
    """A container's restart count, and when its previous run ended."""
    terminated = (container.get("lastState") or {}).get("terminated")
    finished = terminated.get("finishedAt") if terminated else None
    return int(container.get("restartCount") or 0), finished


def _later(current: str | None, candidate: str | None) -> str | None:
    if candidate is None:
        return current
    if current is None:
        return candidate
    current_time, candidate_time = parse_time(current), parse_time(candidate)
    if candidate_time is not None and (current_time is None or candidate_time > current_time):
        return candidate
    return current


def _termination_text(terminated: dict[str, Any]) -> str:
    if terminated.get("reason"):
        return terminated["reason"]
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


def _condition_true(status: dict[str, Any], condition_type: str) -> bool:
    return any(
        c.get("type") == condition_type and c.get("status") == "True"
        for c in status.get("conditions") or ()
    )


def _readiness_gates(spec: dict[str, Any], status: dict[str, Any]) -> str:
    gates = spec.get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {}
    for condition in status.get("conditions") or ():
        conditions.setdefault(condition.get("type"), condition.get("status"))
    passed = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
    return f"{passed}/{len(gates)}"
