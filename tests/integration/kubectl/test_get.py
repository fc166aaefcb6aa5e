"""`kubectl get` in its usual forms: the columns, prefixes and documents a user reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import yaml

NODE = """
apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}}}
"""

EVENT = """
apiVersion: v1
kind: Event
metadata:
  name: hello.1
involvedObject: {kind: Pod, name: hello, namespace: NS}
reason: Scheduled
message: Successfully assigned hello to node1
type: Normal
count: 1
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
source: {component: default-scheduler}
"""


def header(output: str) -> list[str]:
    return output.splitlines()[0].split()


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()[1:]]


def stop(process: subprocess.Popen[str]) -> str:
    os.kill(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    return output


def test_get_all_lists_every_workload_with_its_type_prefix(kubectl):
    kubectl.run("create", "deployment", "web", "--image=nginx")
    kubectl.run("expose", "deployment", "web", "--port=80")
    kubectl.run("run", "hello", "--image=nginx")
    output = kubectl.run("get", "all").stdout
    names = [row[0] for row in rows(output) if row and row[0] != "NAME"]
    assert "pod/hello" in names
    assert "service/web" in names
    assert "deployment.apps/web" in names


def test_get_nodes_shows_status_roles_and_version_columns(cluster, tmp_path):
    manifest = tmp_path / "node.yaml"
    manifest.write_text(NODE.format(name=f"node-{cluster.backend}"))
    cluster.kubectl.run("create", "-f", str(manifest))
    output = cluster.kubectl.run("get", "nodes").stdout
    assert header(output) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    row = next(r for r in rows(output) if r[0] == f"node-{cluster.backend}")
    assert row[1] == "Unknown" and row[2] == "<none>"
    wide = cluster.kubectl.run("get", "nodes", "-o", "wide").stdout
    assert header(wide)[-3:] == ["OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]


def test_get_componentstatuses_reports_the_store_and_warns(cluster):
    result = cluster.kubectl.run("get", "componentstatuses", check=False)
    assert "Warning: v1 ComponentStatus is deprecated in v1.19+" in result.stderr
    assert header(result.stdout) == ["NAME", "STATUS", "MESSAGE", "ERROR"]
    etcd = next(r for r in rows(result.stdout) if r[0] == "etcd-0")
    assert etcd[1:3] == ["Healthy", "ok"]


def test_get_namespaces_shows_the_system_namespaces_active(cluster):
    output = cluster.kubectl.run("get", "namespaces").stdout
    assert header(output) == ["NAME", "STATUS", "AGE"]
    statuses = {row[0]: row[1] for row in rows(output)}
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert statuses[name] == "Active"


def test_get_events_prints_reason_object_and_message(kubectl, tmp_path):
    manifest = tmp_path / "event.yaml"
    manifest.write_text(EVENT.replace("NS", kubectl.namespace))
    kubectl.run("create", "-f", str(manifest))
    output = kubectl.run("get", "events").stdout
    assert header(output) == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert rows(output)[0][1:5] == ["Normal", "Scheduled", "pod/hello", "Successfully"]


def test_get_pods_wide_adds_ip_and_node_columns(kubectl):
    kubectl.run("run", "hello", "--image=nginx")
    output = kubectl.run("get", "pods", "-o", "wide").stdout
    assert header(output) == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
        "NOMINATED", "NODE", "READINESS", "GATES",
    ]  # fmt: skip
    row = rows(output)[0]
    assert row[:4] == ["hello", "0/1", "Pending", "0"]
    assert row[5:7] == ["<none>", "<none>"]


def test_get_yaml_and_json_print_the_stored_object_with_defaults(kubectl):
    kubectl.run("run", "hello", "--image=nginx", "--labels=app=hello")
    pod = yaml.safe_load(kubectl.run("get", "pod", "hello", "-o", "yaml").stdout)
    assert pod["kind"] == "Pod" and pod["apiVersion"] == "v1"
    assert pod["metadata"]["labels"] == {"app": "hello"}
    assert pod["metadata"]["uid"] and int(pod["metadata"]["resourceVersion"]) > 0
    container = pod["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "Always"  # defaulted for an untagged image
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert pod["spec"]["schedulerName"] == "default-scheduler"
    assert pod["status"]["phase"] == "Pending"
    listed = json.loads(kubectl.run("get", "pods", "-o", "json").stdout)
    assert listed["kind"] == "List"
    assert [item["metadata"]["name"] for item in listed["items"]] == ["hello"]


def test_get_watch_prints_each_change_of_a_list(kubectl):
    watcher = kubectl.popen("get", "configmaps", "-w")
    try:
        time.sleep(1.0)
        kubectl.run("create", "configmap", "w1", "--from-literal=a=1")
        kubectl.run("label", "configmap", "w1", "x=y")
        time.sleep(1.0)
    finally:
        output = stop(watcher)
    names = [line.split()[0] for line in output.splitlines() if line.strip()]
    assert names.count("w1") == 2, output  # created, then labelled


def test_get_watch_of_one_object_prints_it_and_then_its_change(kubectl):
    kubectl.run("create", "configmap", "one", "--from-literal=a=1")
    watcher = kubectl.popen("get", "configmap", "one", "-w", "-o", "name")
    try:
        time.sleep(1.0)
        kubectl.run("label", "configmap", "one", "x=y")
        time.sleep(1.0)
    finally:
        output = stop(watcher)
    # The current state, then the label change (kubectl drops the synthetic ADDED).
    assert output.splitlines() == ["configmap/one", "configmap/one"], output
