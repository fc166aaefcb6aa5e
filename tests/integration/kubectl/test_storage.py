"""What is stored, and that it stays: etcdctl reads the objects as JSON under /registry, and
a restarted API server serves everything it had."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.integration.kubectl.conftest import BACKENDS, own_server
from tests.support.kubectl import Kubectl


def etcdctl(endpoint: str, *args: str) -> str:
    env = {**os.environ, "ETCDCTL_API": "3"}
    result = subprocess.run(
        ["etcdctl", "--endpoints", endpoint, *args],
        capture_output=True, text=True, timeout=20, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("cluster", ["etcd"], indirect=True)
def test_etcdctl_prints_stored_objects_as_json(cluster, kubectl):
    kubectl.run("create", "configmap", "demo", "--from-literal=greeting=hello")
    kubectl.run("create", "deployment", "web", "--image=nginx")
    namespace = kubectl.namespace
    assert cluster.etcd is not None
    endpoint = cluster.etcd.client_url
    key, value = etcdctl(endpoint, "get", f"/registry/configmaps/{namespace}/demo").splitlines()
    assert key == f"/registry/configmaps/{namespace}/demo"
    stored = json.loads(value)
    assert stored["kind"] == "ConfigMap" and stored["data"] == {"greeting": "hello"}
    assert "resourceVersion" not in stored["metadata"]  # the key's revision is the version
    keys = etcdctl(endpoint, "get", "/registry", "--prefix", "--keys-only").split()
    assert f"/registry/deployments/{namespace}/web" in keys
    assert "/registry/namespaces/kube-system" in keys
    assert "/registry/services/specs/default/kubernetes" in keys


@pytest.mark.parametrize("backend", BACKENDS)
def test_everything_is_still_there_after_a_restart(backend, tmp_path):
    with own_server(backend, tmp_path) as (server, _):
        kubectl = Kubectl(server.url, tmp_path / "kubectl")
        kubectl.run("create", "namespace", "keep")
        kept = kubectl.in_namespace("keep")
        kept.run("create", "configmap", "kept", "--from-literal=k=v")
        kept.run("create", "deployment", "web", "--image=nginx")
        kept.run("expose", "deployment", "web", "--port=80")
        before = json.loads(kept.run("get", "service", "web", "-o", "json").stdout)
        server.restart()
        assert json.loads(kept.run("get", "configmap", "kept", "-o", "json").stdout)["data"] == {
            "k": "v"
        }
        after = json.loads(kept.run("get", "service", "web", "-o", "json").stdout)
        assert after["spec"]["clusterIP"] == before["spec"]["clusterIP"]
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        assert kept.run("get", "deployment", "-o", "name").stdout == "deployment.apps/web\n"
        # A new service after the restart gets a different address.
        kept.run("expose", "deployment", "web", "--port=81", "--name=web2")
        second = json.loads(kept.run("get", "service", "web2", "-o", "json").stdout)
        assert second["spec"]["clusterIP"] != before["spec"]["clusterIP"]
