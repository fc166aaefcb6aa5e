"""Creating objects with kubectl: generators (protobuf bodies), files, apply, expose."""

from __future__ import annotations

import json

import yaml

APP = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
      - name: api
        image: {image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {{app: api}}
  ports:
  - port: 80
"""


def get(kubectl, *what: str) -> dict:
    return json.loads(kubectl.run("get", *what, "-o", "json").stdout)


def write_app(tmp_path, replicas: int = 1, image: str = "nginx:1.25"):
    path = tmp_path / f"app-{replicas}-{image.replace(':', '-')}.yaml"
    path.write_text(APP.format(replicas=replicas, image=image))
    return str(path)


def test_create_deployment_is_defaulted_by_the_server(kubectl):
    # A protobuf body (kubectl-contract §1.3), with only name, image and one replica set.
    assert kubectl.run("create", "deployment", "web", "--image=nginx").stdout == (
        "deployment.apps/web created\n"
    )
    deployment = get(kubectl, "deployment", "web")
    assert deployment["metadata"]["generation"] == 1
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {
        "maxSurge": "25%",
        "maxUnavailable": "25%",
    }
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"


def test_create_configmap_from_literal_stores_the_data(kubectl):
    out = kubectl.run("create", "configmap", "demo", "--from-literal=k=v", "--from-literal=a=b")
    assert out.stdout == "configmap/demo created\n"
    assert get(kubectl, "configmap", "demo")["data"] == {"a": "b", "k": "v"}


def test_run_creates_a_pending_pod_with_the_run_label(kubectl):
    assert kubectl.run("run", "hello", "--image=nginx").stdout == "pod/hello created\n"
    pod = get(kubectl, "pod", "hello")
    assert pod["metadata"]["labels"] == {"run": "hello"}
    assert pod["status"]["phase"] == "Pending"


def test_create_f_creates_every_object_of_the_file_in_order(kubectl, tmp_path):
    app = write_app(tmp_path)
    assert kubectl.run("create", "-f", app).stdout == (
        "deployment.apps/api created\nservice/api created\n"
    )
    again = kubectl.run("create", "-f", app, check=False)
    assert again.returncode == 1
    assert (
        f'Error from server (AlreadyExists): error when creating "{app}": '
        'deployments.apps "api" already exists'
    ) in again.stderr


def test_apply_twice_changes_a_field_and_a_list_element(kubectl, tmp_path):
    assert kubectl.run("apply", "-f", write_app(tmp_path)).stdout == (
        "deployment.apps/api created\nservice/api created\n"
    )
    first = get(kubectl, "deployment", "api")
    changed = write_app(tmp_path, replicas=3, image="nginx:1.26")
    assert kubectl.run("apply", "-f", changed).stdout == (
        "deployment.apps/api configured\nservice/api unchanged\n"
    )
    second = get(kubectl, "deployment", "api")
    assert second["spec"]["replicas"] == 3
    containers = second["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("api", "nginx:1.26")]
    assert containers[0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert second["metadata"]["generation"] == first["metadata"]["generation"] + 1
    last = json.loads(
        second["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert last["spec"]["replicas"] == 3
    # Applying the same file again sends nothing.
    assert "deployment.apps/api unchanged" in kubectl.run("apply", "-f", changed).stdout


def test_apply_server_side_creates_then_reports_conflicts(kubectl, tmp_path):
    app = write_app(tmp_path)
    assert kubectl.run("apply", "--server-side", "-f", app).stdout == (
        "deployment.apps/api serverside-applied\nservice/api serverside-applied\n"
    )
    shown = get(kubectl, "deploy", "api", "--show-managed-fields")
    managers = {entry["manager"] for entry in shown["metadata"]["managedFields"]}
    assert "kubectl" in managers
    kubectl.run("scale", "deployment", "api", "--replicas=5")
    conflict = kubectl.run("apply", "--server-side", "-f", app, check=False)
    assert conflict.returncode == 1
    assert "Apply failed with 1 conflict" in conflict.stderr
    assert ".spec.replicas" in conflict.stderr and "--force-conflicts" in conflict.stderr
    kubectl.run("apply", "--server-side", "--force-conflicts", "-f", app)
    assert get(kubectl, "deployment", "api")["spec"]["replicas"] == 1


def test_expose_deployment_allocates_cluster_ip_and_node_port(kubectl):
    kubectl.run("create", "deployment", "web", "--image=nginx")
    assert kubectl.run("expose", "deployment", "web", "--port=80").stdout == (
        "service/web exposed\n"
    )
    plain = get(kubectl, "service", "web")
    assert plain["spec"]["type"] == "ClusterIP"
    assert plain["spec"]["selector"] == {"app": "web"}
    assert plain["spec"]["clusterIP"].startswith("10.0.0.")
    assert plain["spec"]["clusterIPs"] == [plain["spec"]["clusterIP"]]
    kubectl.run("expose", "deployment", "web", "--port=80", "--type=NodePort", "--name=web-np")
    node_port = get(kubectl, "service", "web-np")
    assert node_port["spec"]["clusterIP"] != plain["spec"]["clusterIP"]
    assert 30000 <= node_port["spec"]["ports"][0]["nodePort"] <= 32767
    table = kubectl.run("get", "service", "web-np").stdout.splitlines()
    assert table[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    port = node_port["spec"]["ports"][0]["nodePort"]
    assert table[1].split()[:5] == [
        "web-np", "NodePort", node_port["spec"]["clusterIP"], "<none>", f"80:{port}/TCP",
    ]  # fmt: skip


def test_dry_run_server_writes_nothing(kubectl):
    out = kubectl.run("create", "configmap", "ghost", "--dry-run=server", "-o", "yaml").stdout
    assert yaml.safe_load(out)["metadata"]["name"] == "ghost"
    missing = kubectl.run("get", "configmap", "ghost", check=False)
    assert 'configmaps "ghost" not found' in missing.stderr
