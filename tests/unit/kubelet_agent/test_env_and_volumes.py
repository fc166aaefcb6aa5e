"""Environment resolution and volume files, as a container would see them."""

from __future__ import annotations

import base64
import os

import pytest

from pyk8s.kubelet.envvars import ConfigError, resolve_env
from pyk8s.kubelet.volumes import VolumeManager
from pyk8s.kubelet.volumes.atomic import FileProjection, write_atomically

POD = {
    "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "labels": {"app": "web"}},
    "spec": {
        "nodeName": "node-1",
        "containers": [
            {
                "name": "app",
                "image": "x",
                "resources": {"limits": {"memory": "64Mi", "cpu": "250m"}},
            }
        ],
    },
    "status": {"podIP": "10.244.1.5", "hostIP": "192.168.0.10"},
}
OBJECTS = {
    ("ConfigMap", "shop", "settings"): {"data": {"MODE": "fast", "bad key": "x", "color": "blue"}},
    ("Secret", "shop", "creds"): {"data": {"password": base64.b64encode(b"s3cret").decode()}},
}
SERVICES = [
    {"metadata": {"name": "redis-primary", "namespace": "shop"},
     "spec": {"clusterIP": "10.96.0.7", "ports": [{"name": "db", "port": 6379, "protocol": "TCP"}]}},
    {"metadata": {"name": "kubernetes", "namespace": "default"},
     "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}},
    {"metadata": {"name": "other", "namespace": "elsewhere"}, "spec": {"clusterIP": "10.96.0.9", "ports": [{"port": 80}]}},
]  # fmt: skip


def read(path: str) -> str:
    with open(path) as file:
        return file.read()


async def lookup(kind, namespace, name):
    from pyk8s.kubelet.envvars import configmap_data, secret_data

    obj = OBJECTS.get((kind, namespace, name))
    if obj is None:
        return None
    return secret_data(obj) if kind == "Secret" else configmap_data(obj)


async def get_raw(kind, namespace, name):
    return OBJECTS.get((kind, namespace, name))


async def test_env_sources_and_service_variables():
    container = {
        "name": "app",
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {
                "name": "MEM_MI",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
            {"name": "CPUS", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {
                "name": "PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}},
            },
            {
                "name": "URL",
                "value": "redis://$(REDIS_PRIMARY_SERVICE_HOST):6379/$(CFG_MODE) $(NOPE)",
            },
        ],
    }
    env = dict(await resolve_env(POD, container, lookup, SERVICES))
    assert env["CFG_MODE"] == "fast" and "CFG_bad key" not in env
    assert (env["POD_NAME"], env["POD_IP"], env["APP"]) == ("web", "10.244.1.5", "web")
    assert (env["MEM_MI"], env["CPUS"]) == ("64", "1")  # cpu rounds up, as Kubernetes does
    assert env["PASSWORD"] == "s3cret"
    assert env["URL"] == "redis://10.96.0.7:6379/fast $(NOPE)"
    assert env["REDIS_PRIMARY_SERVICE_PORT_DB"] == "6379"
    assert env["REDIS_PRIMARY_PORT"] == "tcp://10.96.0.7:6379"
    assert env["REDIS_PRIMARY_PORT_6379_TCP_ADDR"] == "10.96.0.7"
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert "OTHER_SERVICE_HOST" not in env  # another namespace's service


async def test_service_links_off_keeps_only_the_master_service():
    pod = {**POD, "spec": {**POD["spec"], "enableServiceLinks": False}}
    env = dict(await resolve_env(pod, {"name": "app"}, lookup, SERVICES))
    assert "KUBERNETES_SERVICE_HOST" in env and "REDIS_PRIMARY_SERVICE_HOST" not in env


async def test_missing_configmap_key_is_a_config_error_unless_optional():
    ref = {"name": "settings", "key": "absent"}
    container = {"name": "app", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": ref}}]}
    with pytest.raises(ConfigError, match="absent"):
        await resolve_env(POD, container, lookup)
    container["env"][0]["valueFrom"]["configMapKeyRef"]["optional"] = True
    assert await resolve_env(POD, container, lookup) == []


def test_atomic_writer_layout_and_update(tmp_path):
    target = str(tmp_path / "vol")
    assert write_atomically(
        target, {"a": FileProjection(b"1"), "dir/b": FileProjection(b"2", 0o600)}
    )
    assert os.readlink(os.path.join(target, "a")) == "..data/a"
    assert read(os.path.join(target, "dir/b")) == "2"
    assert os.stat(os.path.join(target, "dir/b")).st_mode & 0o777 == 0o600
    first = os.readlink(os.path.join(target, "..data"))
    assert not write_atomically(
        target, {"a": FileProjection(b"1"), "dir/b": FileProjection(b"2", 0o600)}
    )
    assert write_atomically(target, {"a": FileProjection(b"changed")})
    assert os.readlink(os.path.join(target, "..data")) != first
    assert not os.path.exists(os.path.join(target, first))  # the old version is gone
    assert not os.path.lexists(os.path.join(target, "dir"))
    assert read(os.path.join(target, "a")) == "changed"


async def test_volume_manager_configmap_secret_downward_and_subpath(tmp_path):
    async def no_token(pod, audience, expiration):
        return None

    pod = {**POD, "spec": {**POD["spec"], "volumes": [
        {"name": "cfg", "configMap": {"name": "settings", "items": [{"key": "color", "path": "colors/main"}]}},
        {"name": "sec", "secret": {"secretName": "creds", "defaultMode": 0o400}},
        {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "missing", "configMap": {"name": "nope", "optional": True}},
    ]}}  # fmt: skip
    manager = VolumeManager(str(tmp_path), get_raw, no_token, tmpfs=False)
    paths = await manager.setup(pod)
    assert read(os.path.join(paths["cfg"], "colors/main")) == "blue"
    secret_file = os.path.join(paths["sec"], "password")
    assert read(secret_file) == "s3cret"
    assert os.stat(secret_file).st_mode & 0o777 == 0o400
    assert read(os.path.join(paths["info"], "labels")) == 'app="web"'
    assert [e for e in os.listdir(paths["missing"]) if not e.startswith("..")] == []
    container = {"name": "app", "volumeMounts": [
        {"name": "scratch", "mountPath": "/data", "subPath": "logs"},
        {"name": "cfg", "mountPath": "/etc/cfg"},
    ]}  # fmt: skip
    scratch, cfg = manager.mounts(container, pod, paths)
    assert scratch.host_path.endswith("kubernetes.io~empty-dir/scratch/logs") and os.path.isdir(
        scratch.host_path
    )
    assert not scratch.read_only and cfg.read_only  # API-backed volumes are read-only
    bad = {
        "name": "app",
        "volumeMounts": [{"name": "scratch", "mountPath": "/x", "subPath": "../../etc"}],
    }
    with pytest.raises(ConfigError, match="escapes"):
        manager.mounts(bad, pod, paths)
    OBJECTS[("ConfigMap", "shop", "settings")]["data"]["color"] = "red"
    try:
        await manager.setup(pod)  # a changed source reaches the volume
        assert read(os.path.join(paths["cfg"], "colors/main")) == "red"
    finally:
        OBJECTS[("ConfigMap", "shop", "settings")]["data"]["color"] = "blue"
    await manager.teardown("u-1")
    assert not os.path.exists(manager.pod_dir("u-1"))


async def test_missing_secret_volume_is_refused(tmp_path):
    async def no_token(pod, audience, expiration):
        return None

    pod = {
        **POD,
        "spec": {**POD["spec"], "volumes": [{"name": "s", "secret": {"secretName": "gone"}}]},
    }
    with pytest.raises(ConfigError, match='secret "gone" not found'):
        await VolumeManager(str(tmp_path), get_raw, no_token, tmpfs=False).setup(pod)
