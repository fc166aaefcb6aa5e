"""The FailedScheduling message, character for character as kube-scheduler writes it."""

from pyk8s.scheduler.status import Diagnosis, FitError, unresolvable, unschedulable

from .builders import make_node, make_pod
from .harness import make_scheduler, schedule_all

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


async def test_the_example_of_the_kubernetes_docs():
    # The workers are too small for the pod whatever runs there: preemption cannot help.
    nodes = [
        make_node("cp", cpu="4", taints=[CONTROL_PLANE_TAINT]),
        make_node("w1", cpu="1"),
        make_node("w2", cpu="1"),
    ]
    scheduler, recorder, _ = make_scheduler(nodes, [make_pod("big", cpu="2")])
    await schedule_all(scheduler)
    assert recorder.failures["default/big"][1] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


async def test_taint_and_insufficient_cpu_with_preemption_summary():
    nodes = [
        make_node("cp", cpu="4", taints=[CONTROL_PLANE_TAINT]),
        make_node("w1", cpu="2"),
        make_node("w2", cpu="2"),
    ]
    running = [make_pod("a", cpu="1", node="w1"), make_pod("b", cpu="1", node="w2")]
    scheduler, recorder, _ = make_scheduler(nodes, [*running, make_pod("big", cpu="2")])
    await schedule_all(scheduler)
    reason, message, nominated = recorder.failures["default/big"]
    assert reason == "Unschedulable"
    assert message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    assert nominated == ""
    assert scheduler.queue.pending() == {"unschedulable": ["default/big"]}


async def test_all_nodes_unresolvable():
    nodes = [make_node(f"n{i}", labels={"disk": "hdd"}) for i in range(3)]
    pod = make_pod("p", spec={"nodeSelector": {"disk": "ssd"}})
    scheduler, recorder, _ = make_scheduler(nodes, [pod])
    await schedule_all(scheduler)
    assert recorder.failures["default/p"][1] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )


async def test_preemption_policy_never():
    pod = make_pod("p", cpu="8", spec={"preemptionPolicy": "Never"})
    scheduler, recorder, _ = make_scheduler([make_node("n1")], [pod])
    await schedule_all(scheduler)
    assert recorder.failures["default/p"][1] == (
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never."
    )


async def test_no_nodes():
    scheduler, recorder, _ = make_scheduler([], [make_pod("p")])
    await schedule_all(scheduler)
    assert recorder.failures["default/p"][:2] == (
        "Unschedulable",
        "no nodes available to schedule pods",
    )


def test_reasons_are_counted_and_sorted_as_text():
    diagnosis = Diagnosis()
    for i in range(10):
        diagnosis.reject(f"a{i}", unschedulable("Insufficient memory", "Insufficient cpu"))
    diagnosis.reject("b", unresolvable("node(s) were unschedulable"))
    diagnosis.reject("c", unresolvable("node(s) were unschedulable"))
    # Sorted as strings, as Go's sort.Strings does: "10 ..." comes before "2 ...".
    assert FitError("default/p", 12, diagnosis).message() == (
        "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, "
        "2 node(s) were unschedulable."
    )


def test_pre_filter_message_replaces_per_node_reasons():
    diagnosis = Diagnosis(pre_filter_message="pod has unbound immediate PersistentVolumeClaims")
    diagnosis.reject("n1", unschedulable("ignored"))
    assert FitError("default/p", 1, diagnosis).message() == (
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    )
