"""Columns of deployments, replica sets, stateful sets, daemon sets, jobs and cron jobs."""

from __future__ import annotations

from typing import Any

from pyk8s.api.printers import apps, batch, cluster
from tests.unit.printers.clock import NOW, ago

TEMPLATE = {
    "spec": {
        "containers": [{"name": "app", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]
    }
}


def workload(spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "creationTimestamp": ago(90)},
        "spec": {"template": TEMPLATE, **spec},
        "status": status,
    }


def test_deployment_cells():
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
    }
    obj = workload(
        {"replicas": 3, "selector": selector},
        {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    )
    assert apps.deployment_cells(obj, NOW) == [
        "web",
        "2/3",
        3,
        2,
        "90s",
        "app,log",
        "nginx:1.27,busybox",
        "app=web,tier in (a,b)",
    ]


def test_replica_set_stateful_set_daemon_set_cells():
    rs = workload(
        {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
        {"replicas": 2, "readyReplicas": 1},
    )
    assert apps.replica_set_cells(rs, NOW)[:5] == ["web", 2, 2, 1, "90s"]
    sts = workload({"replicas": 3}, {"readyReplicas": 3})
    assert apps.stateful_set_cells(sts, NOW) == [
        "web",
        "3/3",
        "90s",
        "app,log",
        "nginx:1.27,busybox",
    ]
    ds = workload(
        {"selector": {}},
        {
            "desiredNumberScheduled": 2,
            "currentNumberScheduled": 2,
            "numberReady": 1,
            "updatedNumberScheduled": 2,
            "numberAvailable": 1,
        },
    )
    ds["spec"]["template"] = {
        "spec": {**TEMPLATE["spec"], "nodeSelector": {"kubernetes.io/os": "linux"}}
    }
    assert apps.daemon_set_cells(ds, NOW)[:8] == [
        "web",
        2,
        2,
        1,
        2,
        1,
        "kubernetes.io/os=linux",
        "90s",
    ]
    assert apps.daemon_set_cells(ds, NOW)[-1] == "<none>"


def test_controller_revision_names_its_owner():
    obj = {
        "metadata": {
            "name": "web-5d8",
            "creationTimestamp": ago(90),
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "controller": True}
            ],
        },
        "revision": 2,
    }
    assert apps.controller_revision_cells(obj, NOW) == ["web-5d8", "statefulset.apps/web", 2, "90s"]


def job(spec: dict[str, Any], status: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "pi", "creationTimestamp": ago(600), **meta},
        "spec": {"template": TEMPLATE, "selector": {"matchLabels": {"job-name": "pi"}}, **spec},
        "status": status,
    }


def test_job_status_completions_and_duration():
    running = job({"completions": 1}, {"startTime": ago(200)})
    assert batch.job_cells(running, NOW)[:5] == ["pi", "Running", "0/1", "3m20s", "10m"]
    done = job(
        {"completions": 1},
        {
            "startTime": ago(200),
            "completionTime": ago(100),
            "succeeded": 1,
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    )
    assert batch.job_cells(done, NOW)[:4] == ["pi", "Complete", "1/1", "100s"]
    failed = job({}, {"conditions": [{"type": "Failed", "status": "True"}]})
    assert batch.job_cells(failed, NOW)[1:4] == ["Failed", "0/1", ""]
    queue = job({"parallelism": 3}, {"succeeded": 1})
    assert batch.job_cells(queue, NOW)[2] == "1/1 of 3"
    suspended = job({"completions": 2}, {"conditions": [{"type": "Suspended", "status": "True"}]})
    assert batch.job_cells(suspended, NOW)[1] == "Suspended"
    deleting = job({}, {}, deletionTimestamp=ago(1))
    assert batch.job_cells(deleting, NOW)[1] == "Terminating"
    assert batch.job_cells(done, NOW)[-1] == "job-name=pi"


def test_cron_job_cells():
    obj = {
        "metadata": {"name": "hello", "creationTimestamp": ago(3600)},
        "spec": {
            "schedule": "*/1 * * * *",
            "suspend": False,
            "jobTemplate": {"spec": {"template": TEMPLATE}},
        },
        "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": ago(30)},
    }
    assert batch.cron_job_cells(obj, NOW)[:7] == [
        "hello",
        "*/1 * * * *",
        "<none>",
        "False",
        1,
        "30s",
        "60m",
    ]


def test_bindings_priority_classes_budgets_and_leases():
    binding = {
        "metadata": {"name": "b", "creationTimestamp": ago(5)},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
            {"kind": "User", "name": "bob"},
        ],
    }
    assert cluster.binding_cells(binding, NOW) == [
        "b",
        "ClusterRole/view",
        "5s",
        "alice, bob",
        "devs",
        "tools:ci",
    ]
    pc = {
        "metadata": {"name": "high", "creationTimestamp": ago(5)},
        "value": 1000,
        "globalDefault": True,
    }
    assert cluster.priority_class_cells(pc, NOW) == ["high", 1000, True, "5s", ""]
    pdb = {
        "metadata": {"name": "p", "creationTimestamp": ago(5)},
        "spec": {"minAvailable": "50%"},
        "status": {"disruptionsAllowed": 1},
    }
    assert cluster.pod_disruption_budget_cells(pdb, NOW) == ["p", "50%", "N/A", 1, "5s"]
    lease = {
        "metadata": {"name": "node1", "creationTimestamp": ago(5)},
        "spec": {"holderIdentity": "node1"},
    }
    assert cluster.lease_cells(lease, NOW) == ["node1", "node1", "5s"]
