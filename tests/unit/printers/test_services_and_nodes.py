"""Columns of core/v1 kinds: services of every type, nodes, namespaces, config, storage, events."""

from __future__ import annotations

from typing import Any

from pyk8s.api.printers import core, events, storage
from tests.unit.printers.clock import NOW, ago


def service(kind: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "creationTimestamp": ago(7200)},
        "spec": {"type": kind, "clusterIPs": ["10.32.0.10"], "ports": ports, **spec},
    }


def test_cluster_ip_service():
    obj = service("ClusterIP", [{"port": 80, "protocol": "TCP"}], selector={"app": "web"})
    assert core.service_cells(obj, NOW) == [
        "web",
        "ClusterIP",
        "10.32.0.10",
        "<none>",
        "80/TCP",
        "120m",
        "app=web",
    ]


def test_node_port_service_shows_node_ports():
    ports = [
        {"port": 80, "nodePort": 30080, "protocol": "TCP"},
        {"port": 53, "nodePort": 30053, "protocol": "UDP"},
    ]
    cells = core.service_cells(service("NodePort", ports), NOW)
    assert cells[3:5] == ["<none>", "80:30080/TCP,53:30053/UDP"]
    assert cells[6] == "<none>"


def test_load_balancer_pending_then_addressed():
    obj = service("LoadBalancer", [{"port": 443, "nodePort": 31443, "protocol": "TCP"}])
    assert core.service_cells(obj, NOW)[3] == "<pending>"
    obj["status"] = {
        "loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}]}
    }
    obj["spec"]["externalIPs"] = ["198.51.100.1"]
    assert core.service_cells(obj, NOW)[3] == "203.0.113.9,lb.example.com,198.51.100.1"


def test_headless_and_external_name_services():
    headless = service("ClusterIP", [], clusterIPs=["None"])
    assert core.service_cells(headless, NOW)[2:5] == ["None", "<none>", "<none>"]
    external = service("ExternalName", [], externalName="db.example.com", clusterIPs=[])
    assert core.service_cells(external, NOW)[2:4] == ["<none>", "db.example.com"]


def test_endpoints_list_three_then_count_the_rest():
    subsets = [
        {"addresses": [{"ip": f"10.200.0.{i}"} for i in range(1, 6)], "ports": [{"port": 80}]}
    ]
    obj = {"metadata": {"name": "web"}, "subsets": subsets}
    assert (
        core.endpoints_cells(obj, NOW)[1] == "10.200.0.1:80,10.200.0.2:80,10.200.0.3:80 + 2 more..."
    )
    assert core.endpoints_cells({"metadata": {"name": "e"}}, NOW)[1] == "<none>"


def node(conditions: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "metadata": {
            "name": "node1",
            "creationTimestamp": ago(3 * 86400 + 7200),
            "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"},
        },
        "spec": {},
        "status": {
            "conditions": conditions,
            "addresses": [
                {"type": "Hostname", "address": "node1"},
                {"type": "InternalIP", "address": "10.240.0.20"},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.32.4",
                "osImage": "Debian GNU/Linux 12",
                "kernelVersion": "6.1.0",
                "containerRuntimeVersion": "runc://1.1.12",
            },
        },
    }
    obj["spec"].update(extra)
    return obj


def test_ready_node_with_roles_and_wide_columns():
    cells = core.node_cells(node([{"type": "Ready", "status": "True"}]), NOW)
    assert cells == [
        "node1",
        "Ready",
        "control-plane,worker",
        "3d2h",
        "v1.32.4",
        "10.240.0.20",
        "<none>",
        "Debian GNU/Linux 12",
        "6.1.0",
        "runc://1.1.12",
    ]


def test_cordoned_not_ready_and_unknown_nodes():
    cordoned = node([{"type": "Ready", "status": "True"}], unschedulable=True)
    assert core.node_cells(cordoned, NOW)[1] == "Ready,SchedulingDisabled"
    assert core.node_cells(node([{"type": "Ready", "status": "Unknown"}]), NOW)[1] == "NotReady"
    assert core.node_cells(node([]), NOW)[1] == "Unknown"


def test_namespace_configmap_secret_serviceaccount_cells():
    meta = {"name": "x", "creationTimestamp": ago(40)}
    assert core.namespace_cells({"metadata": meta, "status": {"phase": "Terminating"}}, NOW) == [
        "x",
        "Terminating",
        "40s",
    ]
    assert core.config_map_cells(
        {"metadata": meta, "data": {"a": "1"}, "binaryData": {"b": "AA=="}}, NOW
    ) == ["x", 2, "40s"]
    assert core.secret_cells({"metadata": meta, "type": "Opaque", "data": {"a": "YQ=="}}, NOW) == [
        "x",
        "Opaque",
        1,
        "40s",
    ]
    assert core.service_account_cells({"metadata": meta}, NOW) == ["x", 0, "40s"]


def test_component_status_cells():
    healthy = {
        "metadata": {"name": "etcd-0"},
        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
    }
    assert core.component_status_cells(healthy, NOW) == ["etcd-0", "Healthy", "ok", ""]
    broken = {
        "metadata": {"name": "scheduler"},
        "conditions": [{"type": "Healthy", "status": "False", "error": "refused"}],
    }
    assert core.component_status_cells(broken, NOW) == ["scheduler", "Unhealthy", "", "refused"]


def test_resource_quota_splits_requests_and_limits():
    obj = {
        "metadata": {"name": "q", "creationTimestamp": ago(60)},
        "status": {
            "hard": {"pods": "10", "requests.cpu": "1", "limits.memory": "1Gi"},
            "used": {"pods": "2", "requests.cpu": "500m"},
        },
    }
    assert core.resource_quota_cells(obj, NOW) == [
        "q",
        "pods: 2/10, requests.cpu: 500m/1",
        "limits.memory: 0/1Gi",
        "60s",
    ]


def test_persistent_volume_and_claim():
    pv = {
        "metadata": {"name": "pv1", "creationTimestamp": ago(60)},
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "local",
        },
        "status": {"phase": "Bound"},
    }
    assert storage.persistent_volume_cells(pv, NOW) == [
        "pv1",
        "10Gi",
        "RWO,ROX",
        "Retain",
        "Bound",
        "default/data",
        "local",
        "<unset>",
        "",
        "60s",
        "<unset>",
    ]
    pending = {
        "metadata": {"name": "data", "creationTimestamp": ago(60)},
        "spec": {},
        "status": {"phase": "Pending"},
    }
    assert storage.persistent_volume_claim_cells(pending, NOW)[:5] == [
        "data",
        "Pending",
        "",
        "",
        "",
    ]


def test_core_event_cells_and_series():
    event = {
        "metadata": {"name": "web.17a"},
        "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
        "reason": "Pulled",
        "type": "Normal",
        "message": "Image pulled\n",
        "firstTimestamp": ago(600),
        "lastTimestamp": ago(30),
        "count": 3,
        "source": {"component": "kubelet", "host": "node1"},
    }
    assert events.core_event_cells(event, NOW) == [
        "30s",
        "Normal",
        "Pulled",
        "pod/web",
        "spec.containers{app}",
        "kubelet, node1",
        "Image pulled",
        "10m",
        3,
        "web.17a",
    ]
    new_style = {
        "metadata": {"name": "e"},
        "eventTime": "2025-05-01T11:59:00.000000Z",
        "regarding": {"kind": "Node"},
        "note": "x",
        "reportingController": "ctl",
        "series": {"count": 7, "lastObservedTime": ago(5)},
    }
    cells = events.events_v1_event_cells(new_style, NOW)
    assert (
        cells[0] == "5s"
        and cells[3] == "node"
        and cells[5] == "ctl"
        and cells[7] == "60s"
        and cells[8] == 7
    )
