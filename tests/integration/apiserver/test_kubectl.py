"""The real kubectl against a real `pyk8s apiserver` process (SQLite in tmp_path)."""

from __future__ import annotations

import os
import signal
import time

import yaml

from tests.support.kubectl import Kubectl


def test_version_and_api_resources(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    assert "Server Version: v1.32.4" in kubectl.run("version").stdout
    resources = kubectl.run("api-resources").stdout
    assert any(line.split()[:2] == ["configmaps", "cm"] for line in resources.splitlines())


def test_create_get_label_delete_configmap(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    # `create configmap` sends a protobuf body (kubectl-contract §1.3).
    assert (
        kubectl.run("create", "configmap", "x", "--from-literal=a=b").stdout
        == "configmap/x created\n"
    )
    table = kubectl.run("get", "configmaps").stdout.splitlines()
    assert table[0].split()[0] == "NAME" and table[1].split()[0] == "x"
    obj = yaml.safe_load(kubectl.run("get", "cm", "x", "-o", "yaml").stdout)
    assert obj["data"] == {"a": "b"} and obj["metadata"]["namespace"] == "default"
    assert kubectl.run("label", "cm", "x", "tier=web").stdout == "configmap/x labeled\n"
    assert kubectl.run("get", "cm", "-l", "tier=web", "-o", "name").stdout == "configmap/x\n"
    assert kubectl.run("delete", "cm", "x").stdout == 'configmap "x" deleted\n'
    missing = kubectl.run("get", "cm", "x", check=False)
    assert missing.returncode == 1
    assert 'Error from server (NotFound): configmaps "x" not found' in missing.stderr


def test_get_watch_prints_changes(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    watcher = kubectl.popen("get", "cm", "-w")
    try:
        time.sleep(1.5)
        kubectl.run("create", "configmap", "w1")
        time.sleep(1.0)
    finally:
        os.kill(watcher.pid, signal.SIGTERM)
        output, _ = watcher.communicate(timeout=10)
    assert "w1" in output.split()


def test_errors_as_kubectl_prints_them(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    bad = kubectl.run("create", "configmap", "Bad_Name", check=False)
    assert bad.returncode == 1 and 'ConfigMap "Bad_Name" is invalid' in bad.stderr
    kubectl.run("create", "configmap", "twice")
    again = kubectl.run("create", "configmap", "twice", check=False)
    assert 'configmaps "twice" already exists' in again.stderr


def test_data_survives_a_restart(apiserver_process, tmp_path):
    kubectl = Kubectl(apiserver_process.url, tmp_path / "kubectl")
    kubectl.run("create", "configmap", "kept", "--from-literal=k=v")
    apiserver_process.restart()
    obj = yaml.safe_load(kubectl.run("get", "cm", "kept", "-o", "yaml").stdout)
    assert obj["data"] == {"k": "v"}
    assert "default" in kubectl.run("get", "namespaces", "-o", "name").stdout
