"""A pod's status, computed from what the runtime reports, as the kubelet writes it.

`pod_status(pod, observed, now)` is a pure function: given the pod and an `Observation`
(its sandbox, its containers in the runtime, the reasons the worker recorded for containers
that are waiting, and the probes' verdicts) it returns the `status` the API should hold:

- `phase`: Pending while init containers run or a container has never started; Running
  while a container runs (or will be restarted); Succeeded when all exited 0 and none will
  restart; Failed when one exited non-zero and none will restart. A terminal phase is final.
- conditions PodReadyToStartContainers, Initialized, ContainersReady, Ready (+ the
  scheduler's PodScheduled, kept), with Kubernetes' reasons and messages, and a
  lastTransitionTime that moves only when the condition's status changes;
- `initContainerStatuses` in spec order and `containerStatuses` sorted by name, each with
  waiting/running/terminated, lastState, ready, started, restartCount, image, imageID and
  `containerID` as `<runtime>://<id>`;
- hostIP(s), podIP(s), startTime, qosClass (kept).

`status_patch(old, new)` is the merge patch that turns one into the other, or None when
nothing changed: the kubelet writes pods/<name>/status only then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyk8s.kubelet.runtime.interface import ContainerStatus, Sandbox

TERMINAL_PHASES = ("Succeeded", "Failed")
CONDITION_ORDER = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


@dataclass
class Observation:
    """What the pod worker saw of one pod in the runtime, and what it decided."""

    sandbox: Sandbox | None = None
    containers: Mapping[str, Sequence[ContainerStatus]] = field(
        default_factory=dict
    )  # oldest first
    waiting: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name -> reason, message
    readiness: Mapping[str, bool] = field(default_factory=dict)  # absent: no readiness probe
    started: Mapping[str, bool] = field(default_factory=dict)  # absent: no startup probe
    host_ip: str = ""
    runtime: str = "runc"


def timestamp(moment: datetime | float | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, float | int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _terminated(status: ContainerStatus, runtime: str) -> dict[str, Any]:
    state: dict[str, Any] = {
        "exitCode": status.exit_code if status.exit_code is not None else 0,
        "reason": status.reason or ("Completed" if status.exit_code == 0 else "Error"),
        "startedAt": timestamp(status.started_at),
        "finishedAt": timestamp(status.finished_at),
        "containerID": f"{runtime}://{status.id}",
    }
    if status.message:
        state["message"] = status.message
    return {"terminated": {k: v for k, v in state.items() if v is not None}}


def _container_status(
    spec: Mapping[str, Any], observed: Observation, default_waiting: str
) -> dict[str, Any]:
    name = spec["name"]
    history = list(observed.containers.get(name) or [])
    latest = history[-1] if history else None
    previous = history[-2] if len(history) > 1 else None
    waiting = observed.waiting.get(name)
    result: dict[str, Any] = {"name": name, "image": spec.get("image", ""), "imageID": ""}
    last_state: dict[str, Any] = {}
    if latest is not None and latest.state == "exited" and waiting is not None:
        last_state = _terminated(latest, observed.runtime)  # waiting to restart it
    elif previous is not None and previous.state == "exited":
        last_state = _terminated(previous, observed.runtime)
    if waiting is not None or latest is None:
        reason, message = waiting or (default_waiting, "")
        state: dict[str, Any] = {
            "waiting": {"reason": reason, **({"message": message} if message else {})}
        }
    elif latest.state == "running":
        state = {"running": {"startedAt": timestamp(latest.started_at or latest.created_at)}}
    elif latest.state == "exited":
        state = _terminated(latest, observed.runtime)
    else:
        state = {"waiting": {"reason": default_waiting}}
    running = "running" in state
    started = running and observed.started.get(name, True)
    result.update(
        state=state,
        lastState=last_state,
        ready=started and observed.readiness.get(name, True),
        restartCount=latest.attempt if latest else 0,
        started=started,
    )
    if latest is not None:
        result["imageID"] = latest.image_id
        result["containerID"] = f"{observed.runtime}://{latest.id}"
    return result


def _init_done(init_statuses: list[dict[str, Any]]) -> bool:
    return all(s["state"].get("terminated", {}).get("exitCode") == 0 for s in init_statuses)


def _phase(pod: Mapping[str, Any], init: list[dict], regular: list[dict]) -> str:
    policy = pod["spec"].get("restartPolicy", "Always")
    for status in init:
        if status["state"].get("terminated", {}).get("exitCode", 0) != 0 and policy == "Never":
            return "Failed"
    if not _init_done(init):
        return "Pending"
    running = stopped = succeeded = waiting = 0
    for status in regular:
        state = status["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"].get("exitCode") == 0
        elif "terminated" in status["lastState"]:
            stopped += 1  # waiting to be restarted: the pod is still Running
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if stopped and policy == "Always":
        return "Running"
    if stopped and stopped == succeeded:
        return "Succeeded"
    if stopped and policy == "OnFailure":
        return "Running"
    return "Failed" if stopped else "Pending"


def _condition(kind: str, ok: bool, reason: str = "", message: str = "") -> dict[str, Any]:
    condition: dict[str, Any] = {"type": kind, "status": "True" if ok else "False"}
    if not ok and reason:
        condition["reason"] = reason
    if not ok and message:
        condition["message"] = message
    return condition


def _conditions(pod: Mapping, phase: str, observed: Observation, init: list, regular: list) -> list:
    sandbox_ready = observed.sandbox is not None and observed.sandbox.state == "ready"
    init_pending = [
        s["name"] for s in init if s["state"].get("terminated", {}).get("exitCode") != 0
    ]
    unready = [s["name"] for s in regular if not s["ready"]]
    completed = phase == "Succeeded"
    initialized = _condition(
        "Initialized", not init_pending or completed, "ContainersNotInitialized",
        f"containers with incomplete status: [{' '.join(init_pending)}]",
    )  # fmt: skip
    if completed:
        ready_reason, ready_message = "PodCompleted", ""
    else:
        ready_reason = "ContainersNotReady"
        ready_message = f"containers with unready status: [{' '.join(unready)}]"
    all_ready = not unready and not completed and phase == "Running"
    conditions = [
        _condition("PodReadyToStartContainers", sandbox_ready),
        initialized,
        _condition("Ready", all_ready, ready_reason, ready_message),
        _condition("ContainersReady", all_ready, ready_reason, ready_message),
    ]
    previous = {c["type"]: c for c in (pod.get("status") or {}).get("conditions") or []}
    conditions.append(previous.get("PodScheduled") or _condition("PodScheduled", True))
    return conditions


def _carry_transition_times(conditions: list[dict], old: Mapping, now: datetime) -> None:
    before = {c["type"]: c for c in (old or {}).get("conditions") or []}
    for condition in conditions:
        earlier = before.get(condition["type"])
        if (
            earlier
            and earlier.get("status") == condition["status"]
            and earlier.get("lastTransitionTime")
        ):
            condition["lastTransitionTime"] = earlier["lastTransitionTime"]
        else:
            condition.setdefault("lastTransitionTime", timestamp(now))


def pod_status(pod: Mapping[str, Any], observed: Observation, now: datetime) -> dict[str, Any]:
    spec, old = pod["spec"], pod.get("status") or {}
    init = [
        _container_status(c, observed, "PodInitializing") for c in spec.get("initContainers") or []
    ]
    initialized = _init_done(init)
    regular_default = "ContainerCreating" if initialized else "PodInitializing"
    regular = [
        _container_status(c, observed, regular_default) for c in spec.get("containers") or []
    ]
    regular.sort(key=lambda s: s["name"])
    phase = old["phase"] if old.get("phase") in TERMINAL_PHASES else _phase(pod, init, regular)
    conditions = _conditions(pod, phase, observed, init, regular)
    _carry_transition_times(conditions, old, now)
    status: dict[str, Any] = {"phase": phase, "conditions": conditions}
    if observed.host_ip:
        status["hostIP"] = observed.host_ip
        status["hostIPs"] = [{"ip": observed.host_ip}]
    sandbox = observed.sandbox
    pod_ips = list(sandbox.ips) if sandbox and sandbox.state == "ready" else []
    if spec.get("hostNetwork") and observed.host_ip:
        pod_ips = [observed.host_ip]
    if not pod_ips and old.get("podIP") and phase in TERMINAL_PHASES:
        pod_ips = [ip["ip"] for ip in old.get("podIPs") or [{"ip": old["podIP"]}]]
    if pod_ips:
        status["podIP"] = pod_ips[0]
        status["podIPs"] = [{"ip": ip} for ip in pod_ips]
    status["startTime"] = old.get("startTime") or timestamp(now)
    if init:
        status["initContainerStatuses"] = init
    status["containerStatuses"] = regular
    if old.get("qosClass"):
        status["qosClass"] = old["qosClass"]
    return status


def status_patch(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any] | None:
    """A JSON merge patch of `status` from old to new; None when they are the same."""
    old = old or {}
    patch: dict[str, Any] = {key: value for key, value in new.items() if old.get(key) != value}
    for key in old:
        if key not in new and key not in ("qosClass", "nominatedNodeName", "resize"):
            patch[key] = None
    return {"status": patch} if patch else None
