"""`pyk8s scheduler` as a real process against a real `pyk8s apiserver` process, checked the
way a user checks it: kubectl get events / describe pod / get componentstatuses, the Lease.

No kubelet runs: Nodes are API objects with an allocatable status, and the scheduler only
binds pods to them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.scheduler.processes import Api, SchedulerProcesses, eventually
from tests.support.apiserver import apiserver_process  # noqa: F401  (fixture)
from tests.support.kubectl import Kubectl

HEALTHZ_PORT = 10259  # where the API server probes the scheduler for componentstatuses
FAST_ELECTION = [
    "--leader-elect=true",
    "--leader-elect-lease-duration=3s",
    "--leader-elect-renew-deadline=2s",
    "--leader-elect-retry-period=500ms",
    "--secure-port=0",
]
LEASE_SECONDS, RETRY_SECONDS = 3.0, 0.5
TAINTED = (
    "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. "
    "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
)


@pytest.fixture
def schedulers(apiserver_process, tmp_path: Path) -> Iterator[SchedulerProcesses]:  # noqa: F811
    started = SchedulerProcesses(apiserver_process.url, tmp_path / "schedulers")
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def api(apiserver_process) -> Api:  # noqa: F811
    api = Api(apiserver_process.url)
    api.ensure_default_service_account()
    return api


@pytest.fixture
def kubectl(apiserver_process, tmp_path: Path) -> Kubectl:  # noqa: F811
    return Kubectl(apiserver_process.url, tmp_path / "kubectl")


def require_free_port(port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            pytest.fail(f"127.0.0.1:{port} is in use: the scheduler's /healthz needs it")


def events_of(kubectl: Kubectl, pod: str) -> list[tuple[str, str, str]]:
    columns = "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message"
    selector = f"involvedObject.name={pod}"
    output = kubectl.run("get", "events", "--field-selector", selector, "-o", columns).stdout
    rows = [line.split(None, 2) for line in output.splitlines()[1:]]
    return [(row[0], row[1], row[2]) for row in rows if len(row) == 3]


def test_pending_pod_waits_for_the_scheduler_then_is_bound_with_events(
    api: Api, kubectl: Kubectl, schedulers: SchedulerProcesses
) -> None:
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    api.create_node("worker-1", taints=[taint])
    api.create_pod("web", "500m")
    time.sleep(1)
    assert kubectl.run("get", "pod", "web", "-o", "jsonpath={.status.phase}").stdout == "Pending"
    assert api.node_of("web") == "", "bound with no scheduler running"

    require_free_port(HEALTHZ_PORT)
    scheduler = schedulers.start("scheduler")  # the tutorial's defaults: leader election, :10259
    failed = ("Warning", "FailedScheduling", TAINTED)
    eventually(lambda: failed in events_of(kubectl, "web"), what="FailedScheduling event")
    condition = next(
        c for c in api.pod("web")["status"]["conditions"] if c["type"] == "PodScheduled"
    )
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "False",
        "Unschedulable",
        TAINTED,
    )

    def scheduler_health() -> str:
        table = kubectl.run("get", "componentstatuses").stdout
        return next((line for line in table.splitlines() if line.startswith("scheduler ")), "")

    assert eventually(lambda: "Healthy" in scheduler_health() and scheduler_health()).split()[
        :3
    ] == ["scheduler", "Healthy", "ok"]

    # A node the pod can use arrives: the waiting pod is retried and bound there.
    api.create_node("worker-2")
    eventually(lambda: api.node_of("web") == "worker-2", what="web bound to worker-2")
    scheduled = ("Normal", "Scheduled", "Successfully assigned default/web to worker-2")
    eventually(lambda: scheduled in events_of(kubectl, "web"), what="Scheduled event")
    described = kubectl.run("describe", "pod", "web").stdout
    assert "Node:             worker-2/" in described
    events = described[described.index("Events:") :]
    assert "Warning  FailedScheduling" in events and "default-scheduler  " + TAINTED in events
    assert "Normal   Scheduled" in events
    assert "became leader of kube-system/kube-scheduler" in scheduler.log()


def lease_holder(api: Api) -> str:
    path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler"
    try:
        return api.request("GET", path)["spec"].get("holderIdentity") or ""
    except AssertionError:  # not made yet
        return ""


def test_two_schedulers_one_leader_and_the_standby_takes_over(
    api: Api, schedulers: SchedulerProcesses
) -> None:
    first = schedulers.start("first", *FAST_ELECTION)
    second = schedulers.start("second", *FAST_ELECTION)
    holder = eventually(lambda: lease_holder(api), what="a lease holder")
    eventually(lambda: holder in first.log() + second.log(), what="the leader's log line")
    leader, standby = (first, second) if holder in first.log() else (second, first)

    api.create_node("worker-1")
    for name in ("a", "b", "c"):
        api.create_pod(name)
    for name in ("a", "b", "c"):
        eventually(lambda name=name: api.node_of(name) == "worker-1", what=f"{name} bound")
    assert "caches synced" in leader.log()
    assert "caches synced" not in standby.log(), "the standby must not watch or schedule"

    leader.kill()
    killed_at = time.monotonic()
    api.create_pod("after-failover")
    new_holder = eventually(
        lambda: lease_holder(api) not in ("", holder) and lease_holder(api),
        timeout=LEASE_SECONDS * 4,
        what="a new lease holder",
    )
    took_over_in = time.monotonic() - killed_at
    # The standby waits for the lease to expire (it cannot know the leader died), then
    # takes it at its next retry.
    assert took_over_in <= LEASE_SECONDS + 2 * RETRY_SECONDS + 1.0, took_over_in
    assert new_holder in standby.log()
    eventually(lambda: api.node_of("after-failover") == "worker-1", what="scheduled after failover")


PROFILES = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection: {leaderElect: false}
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
"""


def test_a_second_profile_schedules_its_own_pods_by_scheduler_name(
    api: Api, kubectl: Kubectl, schedulers: SchedulerProcesses, tmp_path: Path
) -> None:
    config = tmp_path / "scheduler.yaml"
    config.write_text(PROFILES)
    api.create_node("roomy", cpu="8")
    api.create_node("busy", cpu="2")
    api.create_pod("filler", "1", nodeName="busy")  # already bound: uses half of busy
    api.create_pod("spread-me", "200m")
    api.create_pod("pack-me", "200m", schedulerName="bin-packer")
    api.create_pod("not-ours", "200m", schedulerName="someone-else")
    schedulers.start("profiles", "--config", str(config), "--secure-port=0")

    # LeastAllocated (the default profile) prefers the emptier node, MostAllocated the fuller.
    eventually(lambda: api.node_of("spread-me") == "roomy", what="spread-me on roomy")
    eventually(lambda: api.node_of("pack-me") == "busy", what="pack-me on busy")
    scheduled_by = kubectl.run(
        "get", "events", "--field-selector", "involvedObject.name=pack-me,reason=Scheduled",
        "-o", "jsonpath={.items[*].source.component}{.items[*].reportingComponent}",
    ).stdout  # fmt: skip
    assert "bin-packer" in scheduled_by
    time.sleep(1)
    assert api.node_of("not-ours") == "", "a pod for another scheduler must be left alone"
    assert events_of(kubectl, "not-ours") == []
