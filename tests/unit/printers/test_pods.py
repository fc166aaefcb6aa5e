"""The READY / STATUS / RESTARTS cells of `kubectl get pods`, in the states users meet."""

from __future__ import annotations

from typing import Any

from pyk8s.api.printers.pods import COLUMNS, pod_cells, pod_conditions
from tests.unit.printers.clock import NOW, ago


def pod(
    containers: list[dict[str, Any]],
    *,
    phase: str = "Running",
    init: list[dict[str, Any]] | None = None,
    init_spec: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "containerStatuses": containers}
    if init is not None:
        status["initContainerStatuses"] = init
    if conditions is not None:
        status["conditions"] = conditions
    spec: dict[str, Any] = {"containers": [{"name": c["name"]} for c in containers]}
    if init_spec is not None:
        spec["initContainers"] = init_spec
    obj = {
        "metadata": {"name": "web", "creationTimestamp": ago(300)},
        "spec": spec,
        "status": status,
    }
    for key, value in extra.items():
        obj.setdefault(key, {}).update(value)
    return obj


def running(name: str = "app", ready: bool = True, restarts: int = 0, **extra: Any) -> dict:
    return {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": ago(60)}},
        **extra,
    }


def waiting(name: str, reason: str, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason}},
    }


def terminated(name: str, exit_code: int, reason: str = "", **extra: Any) -> dict[str, Any]:
    state = {"exitCode": exit_code, **({"reason": reason} if reason else {}), **extra}
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


def cells(obj: dict[str, Any]) -> list[Any]:
    return pod_cells(obj, NOW)


def test_columns_are_kubernetes_pod_columns():
    assert [c["name"] for c in COLUMNS if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    assert [c["name"] for c in COLUMNS if c["priority"] == 1] == [
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
    ]
    assert COLUMNS[0]["format"] == "name"


def test_running_pod_with_ip_and_node():
    obj = pod([running()])
    obj["spec"]["nodeName"] = "node1"
    obj["status"]["podIPs"] = [{"ip": "10.200.0.4"}]
    assert cells(obj) == [
        "web",
        "1/1",
        "Running",
        "0",
        "5m",
        "10.200.0.4",
        "node1",
        "<none>",
        "<none>",
    ]


def test_pending_pod_creating_containers():
    obj = pod([waiting("app", "ContainerCreating")], phase="Pending")
    assert cells(obj)[1:4] == ["0/1", "ContainerCreating", "0"]


def test_unscheduled_pod_shows_pending_and_none():
    obj = {
        "metadata": {"name": "p", "creationTimestamp": ago(5)},
        "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Pending"},
    }
    assert cells(obj) == ["p", "0/1", "Pending", "0", "5s", "<none>", "<none>", "<none>", "<none>"]


def test_crash_loop_shows_restarts_with_time_of_last_restart():
    status = waiting("app", "CrashLoopBackOff", restarts=2)
    status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ago(300)}}
    assert cells(pod([status]))[1:4] == ["0/1", "CrashLoopBackOff", "2 (5m ago)"]


def test_completed_and_failed_pods():
    done = pod([terminated("app", 0, "Completed")], phase="Succeeded")
    assert cells(done)[2] == "Completed"
    assert pod_conditions(done)[0]["type"] == "Completed"
    failed = pod([terminated("app", 2, "Error")], phase="Failed")
    assert cells(failed)[2] == "Error"
    assert pod_conditions(failed)[0]["reason"] == "Failed"
    assert pod_conditions(pod([running()])) is None


def test_termination_without_reason_shows_exit_code_or_signal():
    assert cells(pod([terminated("app", 3)], phase="Failed"))[2] == "ExitCode:3"
    assert cells(pod([terminated("app", 137, signal=9)], phase="Failed"))[2] == "Signal:9"


def test_last_container_with_a_reason_wins():
    obj = pod([waiting("a", "ImagePullBackOff"), running("b")], phase="Pending")
    assert cells(obj)[1:3] == ["1/2", "ImagePullBackOff"]


def test_completed_container_next_to_a_running_one():
    obj = pod(
        [terminated("a", 0, "Completed"), running("b")],
        conditions=[{"type": "Ready", "status": "True"}],
    )
    assert cells(obj)[2] == "Running"
    not_ready = pod([terminated("a", 0, "Completed"), running("b")])
    assert cells(not_ready)[2] == "NotReady"


def test_init_containers_progress_and_failures():
    init_spec = [{"name": "i1"}, {"name": "i2"}]
    second_running = [terminated("i1", 0, "Completed"), running("i2", ready=False)]
    obj = pod(
        [waiting("app", "PodInitializing")],
        phase="Pending",
        init=second_running,
        init_spec=init_spec,
    )
    assert cells(obj)[2] == "Init:1/2"
    crashing = [waiting("i1", "CrashLoopBackOff", restarts=3)]
    obj = pod(
        [waiting("app", "PodInitializing")], phase="Pending", init=crashing, init_spec=init_spec
    )
    assert cells(obj)[2:4] == ["Init:CrashLoopBackOff", "3"]
    errored = [terminated("i1", 1, "Error")]
    obj = pod(
        [waiting("app", "PodInitializing")], phase="Pending", init=errored, init_spec=init_spec
    )
    assert cells(obj)[2] == "Init:Error"
    no_reason = [terminated("i1", 4)]
    obj = pod(
        [waiting("app", "PodInitializing")], phase="Pending", init=no_reason, init_spec=init_spec
    )
    assert cells(obj)[2] == "Init:ExitCode:4"


def test_sidecar_init_container_counts_as_a_container():
    init_spec = [{"name": "proxy", "restartPolicy": "Always"}]
    init = [running("proxy", restarts=1, started=True)]
    obj = pod(
        [running("app")],
        init=init,
        init_spec=init_spec,
        conditions=[{"type": "Initialized", "status": "True"}],
    )
    assert cells(obj)[1:4] == ["2/2", "Running", "1"]


def test_terminating_and_node_lost_pods():
    obj = pod([running()], metadata={"deletionTimestamp": ago(1)})
    assert cells(obj)[2] == "Terminating"
    lost = pod([running()], metadata={"deletionTimestamp": ago(1)}, status={"reason": "NodeLost"})
    assert cells(lost)[2] == "Unknown"
    finished = pod(
        [terminated("app", 0, "Completed")],
        phase="Succeeded",
        metadata={"deletionTimestamp": ago(1)},
    )
    assert cells(finished)[2] == "Completed"


def test_status_reason_and_scheduling_gates():
    evicted = pod([], phase="Failed", status={"reason": "Evicted"})
    assert cells(evicted)[2] == "Evicted"
    gated = pod(
        [],
        phase="Pending",
        conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
    )
    assert cells(gated)[2] == "SchedulingGated"


def test_readiness_gates_and_nominated_node():
    obj = pod(
        [running()],
        conditions=[
            {"type": "example.com/lb", "status": "True"},
            {"type": "example.com/dns", "status": "False"},
        ],
    )
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/lb"},
        {"conditionType": "example.com/dns"},
    ]
    obj["status"]["nominatedNodeName"] = "node2"
    assert cells(obj)[7:] == ["node2", "1/2"]
