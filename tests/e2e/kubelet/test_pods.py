"""Pods as runc containers, driven through kubectl: the tutorial, streaming, and container lifecycles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.e2e.kubelet.conftest import Cluster, wait_for


def test_deployment_pods_run_with_ips_and_serve_their_page(cluster: Cluster) -> None:
    cluster.kubectl("create", "deployment", "web", f"--image={cluster.web_image}", "--replicas=2")

    def two_running_pods() -> list[dict] | None:
        listed = json.loads(cluster.kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)
        running = [
            pod for pod in listed["items"]
            if pod["status"].get("phase") == "Running" and pod["status"].get("podIP")
        ]  # fmt: skip
        return running if len(running) == 2 else None

    pods = wait_for(two_running_pods, 60, "2 Running web pods with IPs")
    addresses = {pod["status"]["podIP"] for pod in pods}
    assert len(addresses) == 2 and all(ip.startswith("10.244.7.") for ip in addresses)
    for pod in pods:
        assert pod["spec"]["nodeName"] == "node-e2e"
        assert pod["status"]["hostIP"] == "127.0.0.1"
        [status] = pod["status"]["containerStatuses"]
        assert status["ready"] and status["containerID"].startswith("runc://")
        assert status["imageID"].endswith(status["imageID"].rsplit("@", 1)[-1])
    wide = cluster.kubectl("get", "pods", "-l", "app=web", "-o", "wide").stdout
    assert wide.count("Running") == 2 and "node-e2e" in wide
    for ip in addresses:
        assert cluster.http_get(f"http://{ip}/") == b"hello from pyk8s\n"
    ready = cluster.kubectl("get", "deployment", "web").stdout
    assert "2/2" in ready, ready


def _events(cluster: Cluster, pod: str) -> str:
    return cluster.kubectl("get", "events", "--field-selector", f"involvedObject.name={pod}").stdout


def test_logs_exec_and_port_forward_reach_runc_containers(cluster: Cluster) -> None:
    script = "for i in 1 2 3; do echo line $i; done; exec httpd -f -p 8080 -h /www"
    cluster.apply(cluster.pod("talker", [{"name": "app", "image": cluster.image,
                                          "command": ["sh", "-c", script]}]))  # fmt: skip
    cluster.wait_running("talker")
    assert wait_for(lambda: "line 3" in cluster.kubectl("logs", "talker").stdout, 10, "logs")
    assert cluster.kubectl("logs", "talker").stdout == "line 1\nline 2\nline 3\n"
    assert cluster.kubectl("logs", "talker", "--tail", "1").stdout == "line 3\n"

    done = cluster.kubectl(
        "exec", "talker", "--", "sh", "-c", "hostname; id -u; exit 7", check=False
    )
    assert done.stdout == "talker\n0\n" and done.returncode == 7, done
    echoed = cluster.kubectl("exec", "-i", "talker", "--", "cat", input="through stdin\n")
    assert echoed.stdout == "through stdin\n"

    forward = subprocess.Popen(
        ["ip", "netns", "exec", cluster.netns, "kubectl", "--server", cluster.api_url,
         "port-forward", "pod/talker", "18080:8080"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={"PATH": os.environ["PATH"],
        "HOME": str(cluster.tmp / "kubectl"), "KUBECONFIG": "/dev/null"},
    )  # fmt: skip
    try:
        assert forward.stdout is not None
        assert b"Forwarding from 127.0.0.1:18080" in forward.stdout.readline()
        assert cluster.http_get("http://127.0.0.1:18080/") == b"hello from pyk8s\n"
        assert cluster.http_get("http://127.0.0.1:18080/old.html") == b"old\n"
    finally:
        os.kill(forward.pid, signal.SIGTERM)
        forward.wait(10)


def test_failed_liveness_probe_restarts_the_container(cluster: Cluster) -> None:
    script = "echo ok > /tmp/health; sleep 2; echo bad > /tmp/health; sleep 1000"
    probe = {"exec": {"command": ["grep", "ok", "/tmp/health"]}, "periodSeconds": 1,
             "failureThreshold": 1}  # fmt: skip
    cluster.apply(cluster.pod("liveness", [{"name": "app", "image": cluster.image,
                  "command": ["sh", "-c", script], "livenessProbe": probe}],
                  terminationGracePeriodSeconds=1))  # sh as PID 1 ignores SIGTERM  # fmt: skip
    first = cluster.wait_running("liveness")["containerStatuses"][0]["containerID"]
    restarted = wait_for(
        lambda: cluster.container_status("liveness").get("restartCount", 0) >= 1, 30, "a restart"
    )
    assert restarted
    status = cluster.container_status("liveness")
    assert status["lastState"]["terminated"]["containerID"] == first

    # Events are sent by the kubelet's recorder on their own schedule, not with the status.
    def liveness_events() -> str | None:
        text = _events(cluster, "liveness")
        return text if "failed liveness probe, will be restarted" in text else None

    assert "Unhealthy" in wait_for(liveness_events, 15, "the liveness events")


def test_crashing_container_goes_into_crash_loop_back_off(cluster: Cluster) -> None:
    cluster.apply(cluster.pod("crasher", [{"name": "app", "image": cluster.image,
                  "command": ["sh", "-c", "echo crashing; exit 3"]}]))  # fmt: skip

    def backing_off() -> dict | None:
        status = cluster.container_status("crasher")
        waiting = status.get("state", {}).get("waiting", {})
        return status if waiting.get("reason") == "CrashLoopBackOff" else None

    status = wait_for(backing_off, 30, "CrashLoopBackOff")
    assert status["restartCount"] >= 1 and status["lastState"]["terminated"]["exitCode"] == 3
    assert "back-off 10s restarting failed container=app" in status["state"]["waiting"]["message"]
    assert "CrashLoopBackOff" in cluster.kubectl("get", "pod", "crasher").stdout
    assert cluster.kubectl("logs", "crasher", "--previous").stdout == "crashing\n"
    # Events are sent by the kubelet's recorder on their own schedule, not with the status.
    wait_for(
        lambda: "Back-off restarting failed container app" in _events(cluster, "crasher"),
        15, "the BackOff event",
    )  # fmt: skip


def test_init_container_volumes_and_env_from_config_map(cluster: Cluster) -> None:
    cluster.kubectl("create", "configmap", "settings", "--from-literal=greeting=hola",
                    "--from-literal=COLOR=blue")  # fmt: skip
    cluster.kubectl("create", "secret", "generic", "creds", "--from-literal=password=s3cret")
    mounts = [{"name": "work", "mountPath": "/work"}, {"name": "cfg", "mountPath": "/etc/cfg"},
              {"name": "sec", "mountPath": "/etc/sec", "readOnly": True}]  # fmt: skip
    app = {
        "name": "app", "image": cluster.image, "command": ["sleep", "1000"], "volumeMounts": mounts,
        "env": [{"name": "GREETING", "valueFrom": {"configMapKeyRef": {"name": "settings",
                                                                       "key": "greeting"}}}],
        "envFrom": [{"configMapRef": {"name": "settings"}}],
    }  # fmt: skip
    init = {"name": "init", "image": cluster.image, "volumeMounts": mounts[:1],
            "command": ["sh", "-c", "echo made by init > /work/init.txt"]}  # fmt: skip
    volumes = [{"name": "work", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "settings"}},
               {"name": "sec", "secret": {"secretName": "creds"}}]  # fmt: skip
    cluster.apply(cluster.pod("configured", [app], initContainers=[init], volumes=volumes))
    status = cluster.wait_running("configured")
    [init_status] = status["initContainerStatuses"]
    assert init_status["state"]["terminated"]["reason"] == "Completed"
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Initialized"] == "True" and conditions["Ready"] == "True"
    shown = cluster.kubectl("exec", "configured", "-c", "app", "--", "sh", "-c",
                            "cat /work/init.txt /etc/cfg/greeting; echo; cat /etc/sec/password; "
                            "echo; echo $GREETING $COLOR; echo x > /etc/sec/new",
                            check=False)  # fmt: skip
    assert shown.stdout == "made by init\nhola\ns3cret\nhola blue\n", shown
    assert "Read-only file system" in shown.stderr


def test_memory_limit_exceeded_is_oom_killed(cluster: Cluster) -> None:
    hog = {"name": "app", "image": cluster.image, "resources": {"limits": {"memory": "20Mi"}},
           "command": ["sh", "-c", "head -c 100000000 /dev/zero | tail > /dev/null"]}  # fmt: skip
    cluster.apply(cluster.pod("hog", [hog], restartPolicy="Never"))

    def terminated() -> dict | None:
        return cluster.container_status("hog").get("state", {}).get("terminated")

    state = wait_for(terminated, 30, "the memory hog to end")
    assert state["reason"] == "OOMKilled" and state["exitCode"] == 137
    assert cluster.pod_status("hog")["phase"] == "Failed"
    assert "OOMKilled" in cluster.kubectl("get", "pod", "hog").stdout


def test_graceful_deletion_runs_pre_stop_then_sigterm(cluster: Cluster) -> None:
    out = cluster.tmp / "graceful"
    script = "trap 'echo got TERM >> /out/log; exit 0' TERM; while true; do sleep 0.2; done"
    app = {"name": "app", "image": cluster.image, "command": ["sh", "-c", script],
           "volumeMounts": [{"name": "out", "mountPath": "/out"}],
           "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "echo preStop >> /out/log"]}}}}  # fmt: skip
    volumes = [{"name": "out", "hostPath": {"path": str(out), "type": "DirectoryOrCreate"}}]
    cluster.apply(cluster.pod("graceful", [app], volumes=volumes, terminationGracePeriodSeconds=20))
    cluster.wait_running("graceful")
    started = time.monotonic()
    cluster.kubectl("delete", "pod", "graceful", "--wait=false")
    wait_for(lambda: cluster.get("pod", "graceful") is None, 30, "the pod object to go")
    assert time.monotonic() - started < 15, "the container should stop on SIGTERM, not at SIGKILL"
    assert (out / "log").read_text() == "preStop\ngot TERM\n"
