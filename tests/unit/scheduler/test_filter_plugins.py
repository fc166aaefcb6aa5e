"""Each Filter plugin: which nodes it rejects, with which reason and which code."""

import numpy as np

from pyk8s.scheduler.framework import FilterOutcome
from pyk8s.scheduler.plugin import CycleState
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.status import Code, Diagnosis

from .builders import cluster, default_framework, make_node, make_pod


def verdicts(nodes, pod, running=()) -> dict[str, tuple[Code, tuple[str, ...]]]:
    """Run PreFilter + Filter of the default profile; node -> (code, reasons) of rejected ones."""
    cache = cluster(nodes, running)
    framework = default_framework(cache)
    state, info = CycleState(), PodInfo.of(pod)
    status, _ = framework.run_pre_filter(state, info)
    assert status.ok, status
    outcome: FilterOutcome = framework.run_filter(state, info, np.arange(cache.table.count))
    diagnosis = Diagnosis()
    outcome.record(cache.table.names, diagnosis)
    return {n: (diagnosis.node_codes[n], diagnosis.node_reasons[n]) for n in diagnosis.node_codes}


UNRESOLVABLE, UNSCHEDULABLE = Code.UNSCHEDULABLE_AND_UNRESOLVABLE, Code.UNSCHEDULABLE


def test_node_name():
    pod = make_pod("p", spec={"nodeName": "b"})
    assert verdicts([make_node("a"), make_node("b")], pod) == {
        "a": (UNRESOLVABLE, ("node(s) didn't match the requested node name",))
    }


def test_node_unschedulable_unless_tolerated():
    nodes = [make_node("a", unschedulable=True), make_node("b")]
    assert verdicts(nodes, make_pod("p")) == {"a": (UNRESOLVABLE, ("node(s) were unschedulable",))}
    tolerant = make_pod(
        "p",
        spec={"tolerations": [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}]},
    )
    assert verdicts(nodes, tolerant) == {}


def test_taints_report_the_first_untolerated_taint():
    taints = [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        {"key": "zone-maintenance", "effect": "NoExecute"},
    ]
    nodes = [make_node("a", taints=taints), make_node("b", taints=taints[1:]), make_node("c")]
    assert verdicts(nodes, make_pod("p")) == {
        "a": (UNRESOLVABLE, ("node(s) had untolerated taint {dedicated: gpu}",)),
        "b": (UNRESOLVABLE, ("node(s) had untolerated taint {zone-maintenance: }",)),
    }
    gpu = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    assert set(verdicts(nodes, make_pod("p", spec={"tolerations": [gpu]}))) == {"a", "b"}
    everything = {"operator": "Exists"}
    assert verdicts(nodes, make_pod("p", spec={"tolerations": [everything]})) == {}


def test_prefer_no_schedule_does_not_filter():
    nodes = [make_node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}])]
    assert verdicts(nodes, make_pod("p")) == {}


def test_node_selector_and_required_affinity():
    nodes = [
        make_node("ssd-1", labels={"disk": "ssd", "cores": "16"}),
        make_node("ssd-2", labels={"disk": "ssd", "cores": "4"}),
        make_node("hdd", labels={"disk": "hdd", "cores": "32"}),
    ]
    reason = (UNRESOLVABLE, ("node(s) didn't match Pod's node affinity/selector",))
    assert verdicts(nodes, make_pod("p", spec={"nodeSelector": {"disk": "ssd"}})) == {"hdd": reason}
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]},
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": "In", "values": ["ssd-2"]}
                        ]
                    },
                ]
            }
        }
    }
    assert verdicts(nodes, make_pod("p", spec={"affinity": affinity})) == {}
    both = make_pod("p", spec={"affinity": affinity, "nodeSelector": {"disk": "hdd"}})
    assert verdicts(nodes, both) == {"ssd-1": reason, "ssd-2": reason}
    not_in = {"key": "disk", "operator": "NotIn", "values": ["ssd"]}
    affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [{"matchExpressions": [not_in]}]
    }
    assert set(verdicts(nodes, make_pod("p", spec={"affinity": affinity}))) == {"ssd-1", "ssd-2"}


def test_resources_fit_lists_every_missing_resource():
    nodes = [
        make_node("small", cpu="1", memory="1Gi"),
        make_node("busy", cpu="4", memory="8Gi"),
        make_node("roomy", cpu="8", memory="16Gi", extra={"example.com/gpu": "2"}),
    ]
    running = [make_pod("r", cpu="3500m", memory="1Gi", node="busy")]
    pod = make_pod("p", cpu="2", memory="2Gi", extra={"example.com/gpu": "1"})
    assert verdicts(nodes, pod, running) == {
        # More than the node has at all: preemption cannot help there.
        "small": (
            UNRESOLVABLE,
            ("Insufficient cpu", "Insufficient memory", "Insufficient example.com/gpu"),
        ),
        "busy": (UNRESOLVABLE, ("Insufficient cpu", "Insufficient example.com/gpu")),
    }


def test_insufficient_because_of_running_pods_is_resolvable():
    running = [make_pod("r", cpu="3", node="a")]
    assert verdicts([make_node("a", cpu="4")], make_pod("p", cpu="2"), running) == {
        "a": (UNSCHEDULABLE, ("Insufficient cpu",))
    }


def test_too_many_pods():
    running = [make_pod("r", node="a")]
    assert verdicts([make_node("a", pods=1)], make_pod("p"), running) == {
        "a": (UNSCHEDULABLE, ("Too many pods",))
    }


def test_init_containers_count_at_their_largest():
    init = {"name": "i", "image": "x", "resources": {"requests": {"cpu": "3"}}}
    pod = make_pod("p", cpu="1", spec={"initContainers": [init]})
    assert PodInfo.of(pod).requests["cpu"] == 3000
    sidecar = dict(init, restartPolicy="Always")
    assert (
        PodInfo.of(make_pod("p", cpu="1", spec={"initContainers": [sidecar]})).requests["cpu"]
        == 4000
    )


def test_node_ports():
    nodes = [make_node("a"), make_node("b")]
    running = [make_pod("web", node="a", host_port=8080)]
    assert verdicts(nodes, make_pod("p", host_port=8080), running) == {
        "a": (UNSCHEDULABLE, ("node(s) didn't have free ports for the requested pod ports",))
    }
    assert verdicts(nodes, make_pod("p", host_port=9090), running) == {}


def test_first_failing_plugin_gives_the_reason():
    # Tainted AND too small: TaintToleration runs before NodeResourcesFit.
    taint = {"key": "k", "effect": "NoSchedule"}
    nodes = [make_node("a", cpu="1", taints=[taint])]
    assert verdicts(nodes, make_pod("p", cpu="2")) == {
        "a": (UNRESOLVABLE, ("node(s) had untolerated taint {k: }",))
    }
