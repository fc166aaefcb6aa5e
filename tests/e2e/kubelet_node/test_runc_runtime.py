"""The runc runtime on a real node: pods networked by CNI, real processes, real cgroups."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pyk8s.kubelet import logs
from pyk8s.kubelet.runtime.interface import ContainerConfig, ContainerRuntimeError, SandboxConfig
from pyk8s.kubelet.runtime.runc import RuncRuntime
from tests.e2e.kubelet_node.conftest import http_get, node_exec


def make_pod(name: str, **spec) -> dict:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4())},
        "spec": spec,
    }


async def start(
    runtime: RuncRuntime, sandbox_id: str, pod: dict, image: str, command: list[str], **container
) -> str:
    spec = {"name": container.pop("name", "main"), "image": image, "command": command, **container}
    env = container.pop("env", ())
    container_id = await runtime.create_container(
        sandbox_id, ContainerConfig(container=spec, pod=pod, image=image, env=env)
    )
    await runtime.start_container(container_id)
    return container_id


async def wait_exited(runtime: RuncRuntime, container_id: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while (status := await runtime.container_status(container_id)).state != "exited":
        assert time.monotonic() < deadline, f"container still {status.state} after {timeout}s"
        await asyncio.sleep(0.02)
    return status


async def test_pod_gets_an_ip_and_its_httpd_answers_from_the_node(
    runtime: RuncRuntime, busybox: str, node_netns: str
):
    pod = make_pod("web")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    subnet = ipaddress.ip_network(
        runtime.cni.network()["plugins"][0]["ipam"]["ranges"][0][0]["subnet"]
    )
    assert sandbox.state == "ready" and ipaddress.ip_address(sandbox.ip) in subnet
    container_id = await start(
        runtime, sandbox.id, pod, busybox, ["httpd", "-f", "-p", "8080", "-h", "/www"]
    )
    deadline = time.monotonic() + 5
    while True:
        try:
            assert http_get(node_netns, f"http://{sandbox.ip}:8080/") == b"hello from pyk8s\n"
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
    status = await runtime.container_status(container_id)
    assert status.state == "running" and status.pid and status.started_at
    # The pod's own /etc files: its name resolves to its IP.
    result = await runtime.exec(container_id, ["cat", "/etc/hosts", "/etc/hostname"])
    assert f"{sandbox.ip}\tweb" in result.stdout.decode() and result.stdout.endswith(b"web\n")

    await runtime.remove_sandbox(sandbox.id)
    assert not os.path.exists(sandbox.netns)
    assert await runtime.list_containers() == [] and await runtime.list_sandboxes() == []


async def test_exit_code_and_output_in_cri_log_format(runtime: RuncRuntime, busybox: str):
    pod = make_pod("job")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    script = "echo to-out; echo to-err >&2; printf 'no newline'; exit 3"
    container_id = await start(runtime, sandbox.id, pod, busybox, ["sh", "-c", script])
    status = await wait_exited(runtime, container_id)
    assert (status.exit_code, status.reason) == (3, "Error")
    assert status.finished_at >= status.started_at
    assert status.log_path.endswith(f"default_job_{pod['metadata']['uid']}/main/0.log")
    lines = Path(status.log_path).read_bytes().splitlines()
    assert [line.split(b" ", 1)[1] for line in lines] == [
        b"stdout F to-out",
        b"stderr F to-err",
        b"stdout F no newline",
    ]
    logs.parse_rfc3339(lines[0].split(b" ")[0].decode())  # a valid RFC 3339 timestamp
    assert [e.text for e in logs.read_log(status.log_path, streams=["stderr"])] == [b"to-err"]


async def test_memory_limit_is_enforced_and_reported_as_oomkilled(
    runtime: RuncRuntime, busybox: str
):
    pod = make_pod("hungry")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    resources = {"limits": {"memory": "16Mi"}}
    command = ["dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=48"]
    container_id = await start(runtime, sandbox.id, pod, busybox, command, resources=resources)
    status = await wait_exited(runtime, container_id)
    assert (status.exit_code, status.reason) == (137, "OOMKilled")


async def test_exec_returns_output_and_exit_code(runtime: RuncRuntime, busybox: str):
    pod = make_pod("shell")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    container_id = await start(
        runtime, sandbox.id, pod, busybox, ["sleep", "1000"], env=[("GREETING", "hi")]
    )
    result = await runtime.exec(container_id, ["sh", "-c", "echo $GREETING; echo oops >&2; exit 7"])
    assert (result.exit_code, result.stdout, result.stderr) == (7, b"hi\n", b"oops\n")
    piped = await runtime.exec(container_id, ["cat"], stdin=b"through stdin")
    assert piped.stdout == b"through stdin"
    await runtime.exec(container_id, ["sh", "-c", "seq 1 20000 > /dev/null"])
    stats = await runtime.container_stats(container_id)
    assert (
        stats.cpu_usage_core_nanoseconds > 0
        and 0 < stats.memory_working_set_bytes <= stats.memory_usage_bytes
    )


async def test_stop_sends_sigterm_then_sigkill_after_the_grace_period(
    runtime: RuncRuntime, busybox: str
):
    pod = make_pod("stopper")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    polite = "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.05; done"
    stubborn = "trap '' TERM; while true; do sleep 0.05; done"
    polite_id = await start(runtime, sandbox.id, pod, busybox, ["sh", "-c", polite], name="polite")
    stubborn_id = await start(
        runtime, sandbox.id, pod, busybox, ["sh", "-c", stubborn], name="stubborn"
    )
    await asyncio.sleep(0.2)  # let the shells install their traps

    began = time.monotonic()
    await runtime.stop_container(polite_id, grace_period=10)
    assert time.monotonic() - began < 2
    status = await runtime.container_status(polite_id)
    assert (status.exit_code, status.reason) == (0, "Completed")
    assert b"got-term" in Path(status.log_path).read_bytes()

    began = time.monotonic()
    await runtime.stop_container(stubborn_id, grace_period=0.5)
    elapsed = time.monotonic() - began
    assert 0.5 <= elapsed < 3, elapsed
    assert (await runtime.container_status(stubborn_id)).exit_code == 137


# Run in a separate Python process standing in for a kubelet that then exits (or crashes).
_KUBELET_THAT_EXITS = """
import asyncio, json, sys
from pyk8s.kubelet.images.store import ImageStore
from pyk8s.kubelet.network.cni import CNI
from pyk8s.kubelet.runtime.interface import ContainerConfig, SandboxConfig
from pyk8s.kubelet.runtime.runc import RuncRuntime

async def main(settings):
    cni = CNI(settings["conf_dir"], ["/usr/lib/cni"], cache_dir=settings["cache_dir"], exec_prefix=settings["prefix"])
    runtime = RuncRuntime(settings["root"], images=ImageStore(settings["images"]), cni=cni,
                          log_root=settings["logs"], cgroup_parent=settings["cgroup"], netns_prefix=settings["netns"])
    pod = settings["pod"]
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    container = {"name": "web", "command": ["httpd", "-f", "-p", "8080", "-h", "/www"]}
    container_id = await runtime.create_container(sandbox.id, ContainerConfig(container=container, pod=pod, image=settings["image"]))
    await runtime.start_container(container_id)
    print(json.dumps({"sandbox": sandbox.id, "ip": sandbox.ip, "container": container_id}))

asyncio.run(main(json.loads(sys.argv[1])))
"""


async def test_a_restarted_runtime_adopts_running_containers(
    runtime: RuncRuntime, busybox: str, node_netns: str
):
    settings = {
        "conf_dir": runtime.cni.conf_dir,
        "cache_dir": runtime.cni.cache_dir,
        "prefix": list(runtime.cni.exec_prefix),
        "root": runtime.root_dir,
        "images": runtime.images.root,
        "logs": runtime.log_root,
        "cgroup": runtime.sandboxes.cgroup_parent,
        "netns": runtime.sandboxes.netns_prefix,
        "pod": make_pod("survivor"),
        "image": busybox,
    }
    done = subprocess.run(
        [sys.executable, "-c", _KUBELET_THAT_EXITS, json.dumps(settings)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    created = json.loads(done.stdout)

    # That kubelet is gone; its container is not, and this runtime finds it from the files.
    [adopted] = await runtime.list_containers()
    assert (adopted.id, adopted.state, adopted.name) == (created["container"], "running", "web")
    assert [s.id for s in await runtime.list_sandboxes()] == [created["sandbox"]]
    deadline = time.monotonic() + 5
    while node_exec(
        node_netns,
        "timeout",
        "2",
        "busybox",
        "wget",
        "-q",
        "-O",
        "-",
        f"http://{created['ip']}:8080/",
    ).returncode:
        assert time.monotonic() < deadline, "the adopted pod does not answer"
        await asyncio.sleep(0.05)
    assert (await runtime.exec(adopted.id, ["echo", "still here"])).stdout == b"still here\n"
    await runtime.stop_container(adopted.id, grace_period=1)
    stopped = await runtime.container_status(adopted.id)
    assert stopped.state == "exited" and stopped.exit_code == 137  # httpd as pid 1 ignores TERM


async def test_security_context_and_image_layers(runtime: RuncRuntime, busybox_layout, tmp_path):
    from pyk8s.kubelet.images.archive import import_archive
    from tests.support.images import busybox_image, write_oci_layout

    layered = write_oci_layout(
        tmp_path / "layered", busybox_image(with_whiteouts=True), "docker.io/pyk8s/layered:1"
    )
    import_archive(runtime.images, str(layered))
    pod = make_pod("locked", securityContext={"runAsUser": 1000, "runAsGroup": 1000})
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    security = {"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    container_id = await start(
        runtime,
        sandbox.id,
        pod,
        "docker.io/pyk8s/layered:1",
        ["sleep", "1000"],
        securityContext=security,
    )

    async def run(script: str):
        return await runtime.exec(container_id, ["sh", "-c", script])

    assert (await run("id -u; id -g")).stdout == b"1000\n1000\n"
    assert (await run("grep CapEff /proc/self/status")).stdout.split() == [
        b"CapEff:",
        b"0000000000000000",
    ]
    assert (await run("echo x > /data/file")).exit_code != 0  # read-only root file system
    assert (await run("cat /www/index.html")).stdout == b"layer two\n"  # the upper layer wins
    assert (await run("cat /www/old.html")).exit_code != 0  # the opaque directory hid it
    assert (await run("test -e /bin/ls")).exit_code != 0  # the whiteout deleted it


async def test_a_command_that_does_not_exist_fails_create_and_leaves_nothing(
    runtime: RuncRuntime, busybox: str
):
    pod = make_pod("typo")
    sandbox = await runtime.run_sandbox(SandboxConfig(pod=pod))
    config = ContainerConfig(
        container={"name": "main", "command": ["/bin/nope"]}, pod=pod, image=busybox
    )
    with pytest.raises(ContainerRuntimeError, match="/bin/nope"):
        await runtime.create_container(sandbox.id, config)
    assert await runtime.list_containers() == []
    assert os.listdir(runtime.containers_dir) == []
    with open("/proc/self/mounts") as mounts:
        assert runtime.containers_dir not in mounts.read()  # no rootfs left mounted
