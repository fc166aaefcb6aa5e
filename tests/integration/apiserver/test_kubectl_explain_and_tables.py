"""The real kubectl reading pyk8s's OpenAPI documents (explain, create -f, apply) and its
server-side tables (get), against a real `pyk8s apiserver` process."""

from __future__ import annotations

import json

import yaml

from tests.support.kubectl import Kubectl

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: blue}]
      - name: log
        image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: {a: "1", b: "2"}
"""


def test_explain_walks_the_schema(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    pod = kubectl.run("explain", "pod").stdout
    assert pod.startswith("KIND:       Pod\nVERSION:    v1\n")
    assert "spec\t<PodSpec>" in pod and "metadata\t<ObjectMeta>" in pod
    containers = kubectl.run("explain", "pod.spec.containers").stdout
    assert "FIELD: containers <[]Container>" in containers
    assert "name\t<string> -required-" in containers
    assert "ports\t<[]ContainerPort>" in containers
    limits = kubectl.run("explain", "deployment.spec.template.spec.containers.resources").stdout
    assert "GROUP:      apps" in limits and "limits\t<map[string]Quantity>" in limits
    missing = kubectl.run("explain", "pod.spec.nosuchfield", check=False)
    assert missing.returncode != 0 and 'field "nosuchfield" does not exist' in missing.stderr


def test_create_and_apply_use_the_documents(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    app = tmp_path / "app.yaml"
    app.write_text(APP)
    created = kubectl.run("create", "-f", str(app)).stdout
    assert created == "deployment.apps/web created\nconfigmap/settings created\n"
    # The server validates fields itself (the PATCH operations declare fieldValidation).
    bad = kubectl.run(
        "create", "-f", "-", input=APP.split("---\n")[1].replace("data:", "datum:"), check=False
    )
    assert 'strict decoding error: unknown field "datum"' in bad.stderr

    applied = tmp_path / "applied.yaml"
    applied.write_text(APP.replace("name: web", "name: api"))
    assert "deployment.apps/api created" in kubectl.run("apply", "-f", str(applied)).stdout
    applied.write_text(APP.replace("name: web", "name: api").replace("nginx:1.25", "nginx:1.27"))
    result = kubectl.run("apply", "-f", str(applied))
    assert "deployment.apps/api configured" in result.stdout
    assert "warning" not in result.stderr.lower(), result.stderr
    live = json.loads(kubectl.run("get", "deploy", "api", "-o", "json").stdout)
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("nginx", "nginx:1.27"),
        ("log", "busybox"),
    ]
    assert containers[0]["env"] == [{"name": "MODE", "value": "blue"}]
    assert "unchanged" in kubectl.run("apply", "-f", str(applied)).stdout


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


def test_get_prints_kubernetes_columns(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    app = tmp_path / "app.yaml"
    app.write_text(APP)
    kubectl.run("create", "-f", str(app))
    deployments = rows(kubectl.run("get", "deployments", "-o", "wide").stdout)
    assert deployments[0] == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert deployments[1][:4] == ["web", "0/2", "0", "0"]
    assert deployments[1][5:] == ["nginx,log", "nginx:1.25,busybox", "app=web"]
    assert rows(kubectl.run("get", "configmaps", "settings").stdout)[1][:2] == ["settings", "2"]
    namespaces = rows(kubectl.run("get", "namespaces").stdout)
    assert namespaces[0] == ["NAME", "STATUS", "AGE"] and namespaces[1][:2] == ["default", "Active"]

    # With no controller manager running, nobody makes the namespace's default
    # ServiceAccount, which the ServiceAccount admission plugin requires for a pod.
    kubectl.run("create", "serviceaccount", "default")
    kubectl.run("run", "hello", "--image=nginx")
    status = {
        "phase": "Running",
        "podIPs": [{"ip": "10.200.0.7"}],
        "containerStatuses": [
            {
                "name": "hello",
                "image": "nginx",
                "imageID": "",
                "ready": True,
                "restartCount": 2,
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-01-01T00:00:00Z"}},
                "state": {"running": {"startedAt": "2025-01-01T00:00:01Z"}},
            }
        ],
    }
    kubectl.run(
        "patch",
        "pod",
        "hello",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    pods = rows(kubectl.run("get", "pods", "-o", "wide").stdout)
    assert pods[0] == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]
    assert pods[1][:4] == ["hello", "1/1", "Running", "2"] and pods[1][4].startswith("(")
    assert pods[1][5] == "ago)"
    assert pods[1][-4:] == ["10.200.0.7", "<none>", "<none>", "<none>"]
    # `get all` prefixes names with the resource thanks to the Name column's "name" format.
    everything = kubectl.run("get", "all").stdout
    assert "pod/hello" in everything and "deployment.apps/web" in everything

    kubectl.run("create", "clusterrole", "reader", "--verb=get", "--resource=pods")
    roles = rows(kubectl.run("get", "clusterroles", "reader").stdout)
    assert roles[0] == ["NAME", "CREATED", "AT"] and roles[1][0] == "reader"
    listed = yaml.safe_load(kubectl.run("get", "pods", "-A", "-o", "yaml").stdout)
    assert listed["items"][0]["metadata"]["namespace"] == "default"
    assert rows(kubectl.run("get", "pods", "-A").stdout)[1][:2] == ["default", "hello"]
