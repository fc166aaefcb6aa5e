"""The pod spec → OCI spec translation, rule by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyk8s.kubelet import ocispec
from pyk8s.kubelet.network import etcfiles

SANDBOX = ocispec.PodSandboxPaths(
    "/run/netns/p", "/s/ipc", "/s/uts", "/s/hosts", "/s/resolv.conf", "/s/hostname"
)
IMAGE = {
    "Entrypoint": ["/entry"],
    "Cmd": ["default"],
    "Env": ["PATH=/bin", "FROM_IMAGE=1"],
    "WorkingDir": "/app",
}


def spec(
    container: dict, pod_spec: dict | None = None, env=(), image=IMAGE, rootfs="/r", **kwargs
) -> dict:
    pod = {"metadata": {"name": "web", "namespace": "ns", "uid": "u1"}, "spec": pod_spec or {}}
    return ocispec.build_spec(
        pod=pod, container={"name": "c", **container}, image_config=image, rootfs=rootfs, env=env,
        sandbox=SANDBOX, cgroups_path="/pyk8s/podu1/c1", **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("container", "argv"),
    [
        ({}, ["/entry", "default"]),
        ({"command": ["/bin/sh"]}, ["/bin/sh"]),  # command alone drops the image's Cmd
        ({"args": ["x"]}, ["/entry", "x"]),
        ({"command": ["/bin/sh"], "args": ["-c", "echo"]}, ["/bin/sh", "-c", "echo"]),
        (
            {"args": ["$(NAME)", "$$(NAME)", "$(UNKNOWN)"]},
            ["/entry", "pod", "$(NAME)", "$(UNKNOWN)"],
        ),
    ],
)
def test_command_and_args_follow_kubernetes_rules(container: dict, argv: list[str]):
    assert spec(container, env=[("NAME", "pod")])["process"]["args"] == argv


def test_env_layers_container_over_image_and_working_dir():
    process = spec({"workingDir": "/work"}, env=[("FROM_IMAGE", "2"), ("B", "b")])["process"]
    assert process["env"] == ["PATH=/bin", "FROM_IMAGE=2", "B=b"]
    assert process["cwd"] == "/work"
    assert spec({})["process"]["cwd"] == "/app"


def test_no_command_anywhere_is_an_error():
    with pytest.raises(ValueError, match="no command"):
        spec({}, image={})


def test_users_from_security_context_or_the_images_passwd(tmp_path: Path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("app:x:1000:1000::/:/bin/sh\n")
    (tmp_path / "etc" / "group").write_text("staff:x:50:\n")
    pod_security = {"runAsUser": 5, "supplementalGroups": [7], "fsGroup": 8}
    user = spec({"securityContext": {"runAsGroup": 6}}, {"securityContext": pod_security})[
        "process"
    ]["user"]
    assert user == {"uid": 5, "gid": 6, "additionalGids": [7, 8]}
    named = spec({}, image={**IMAGE, "User": "app:staff"}, rootfs=str(tmp_path))["process"]["user"]
    assert named == {"uid": 1000, "gid": 50}
    with pytest.raises(ValueError, match="unable to find user ghost"):
        spec({}, image={**IMAGE, "User": "ghost"}, rootfs=str(tmp_path))


def test_capabilities_privileged_and_read_only_root():
    default = spec({})
    assert "CAP_NET_RAW" in default["process"]["capabilities"]["effective"]
    assert "CAP_SYS_ADMIN" not in default["process"]["capabilities"]["effective"]
    assert default["linux"]["maskedPaths"] and default["root"]["readonly"] is False
    changed = spec(
        {
            "securityContext": {
                "capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]},
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
            }
        }
    )
    assert changed["process"]["capabilities"]["bounding"] == ["CAP_NET_ADMIN"]
    assert changed["root"]["readonly"] is True and changed["process"]["noNewPrivileges"] is True
    privileged = spec({"securityContext": {"privileged": True}})
    assert "CAP_SYS_ADMIN" in privileged["process"]["capabilities"]["effective"]
    assert "maskedPaths" not in privileged["linux"]
    assert privileged["linux"]["resources"]["devices"] == [{"allow": True, "access": "rwm"}]


def test_resources_become_cgroup_limits():
    resources = {"requests": {"cpu": "250m"}, "limits": {"cpu": "500m", "memory": "64Mi"}}
    linux = spec({"resources": resources}, pids_limit=100)["linux"]
    assert linux["resources"]["cpu"] == {"shares": 256, "quota": 50000, "period": 100000}
    assert linux["resources"]["memory"] == {"limit": 64 * 1024 * 1024}
    assert linux["resources"]["pids"] == {"limit": 100}
    assert linux["cgroupsPath"] == "/pyk8s/podu1/c1"
    assert spec({})["linux"]["resources"]["cpu"] == {"shares": 2}  # best effort
    # A limit alone also sets the request, as the API server's defaulting would.
    assert (
        spec({"resources": {"limits": {"cpu": "1"}}})["linux"]["resources"]["cpu"]["shares"] == 1024
    )


def test_namespaces_hostname_and_mounts():
    built = spec({}, mounts=[ocispec.HostMount("/data", "/var/lib/vol", read_only=True)])
    assert built["linux"]["namespaces"] == [
        {"type": "pid"}, {"type": "mount"}, {"type": "network", "path": "/run/netns/p"},
        {"type": "ipc", "path": "/s/ipc"}, {"type": "uts", "path": "/s/uts"},
    ]  # fmt: skip
    assert built["hostname"] == "web"
    binds = {m["destination"]: m for m in built["mounts"] if m["type"] == "bind"}
    assert binds["/etc/hosts"]["source"] == "/s/hosts"
    assert binds["/data"]["source"] == "/var/lib/vol" and "ro" in binds["/data"]["options"]
    assert built["process"]["terminal"] is False


def test_hosts_and_resolv_conf_files():
    pod = {
        "metadata": {"name": "web-0", "namespace": "prod"},
        "spec": {"subdomain": "web", "hostAliases": [{"ip": "10.1.1.1", "hostnames": ["a", "b"]}]},
    }
    hosts = etcfiles.hosts_file(pod, ["10.244.1.5"])
    assert "10.244.1.5\tweb-0.web.prod.svc.cluster.local\tweb-0" in hosts
    assert hosts.rstrip().endswith("10.1.1.1\ta\tb")
    resolv = etcfiles.resolv_conf(
        ["10.0.0.10"], ["prod.svc.cluster.local", "svc.cluster.local"], ["ndots:5"]
    )
    assert (
        resolv
        == "search prod.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\noptions ndots:5\n"
    )
