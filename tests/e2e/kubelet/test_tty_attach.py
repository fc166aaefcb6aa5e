"""`kubectl exec -it` on a real terminal, `kubectl attach`, and the kubelet's stats/summary,
against runc containers.

kubectl runs on a pseudo-terminal the test holds (30 rows, 100 columns), so it sends that
size, and what the test writes to the terminal is what a user types.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
import time

from tests.e2e.kubelet.conftest import NODE, Cluster, wait_for
from tests.support.kubectl import kubectl_binary

ROWS, COLUMNS = 30, 100


def _kubectl_on_terminal(cluster: Cluster, *args: str) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cluster.tmp / "kubectl"),
        "KUBECONFIG": str(cluster.tmp / "kubectl" / "kubeconfig"),
    }
    command = ["ip", "netns", "exec", cluster.netns, kubectl_binary(), "--server", cluster.api_url]
    process = subprocess.Popen(
        [*command, *args], stdin=slave, stdout=slave, stderr=slave, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    return process, master


def _read_until_exit(process: subprocess.Popen, master: int, timeout: float = 20) -> str:
    output, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: kubectl exited and the terminal closed
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return output.decode(errors="replace")


def _sleeper(cluster: Cluster, name: str, **container: object) -> None:
    spec = {"name": "main", "image": cluster.image, **container}
    spec.setdefault("command", ["sleep", "3600"])
    pod = cluster.pod(name, [spec], terminationGracePeriodSeconds=0, restartPolicy="Never")
    cluster.apply(pod)
    cluster.wait_running(name)


def test_exec_it_gets_a_terminal_of_kubectls_size(cluster: Cluster) -> None:
    _sleeper(cluster, "terminal")
    script = "read line; busybox stty size; tty; echo got:$line; exit 5"
    process, master = _kubectl_on_terminal(
        cluster, "exec", "-it", "terminal", "--", "sh", "-c", script
    )
    time.sleep(1.5)  # kubectl connects and sends its terminal's size first
    os.write(master, b"hello\r")
    text = _read_until_exit(process, master)
    assert f"{ROWS} {COLUMNS}" in text, text
    assert "/dev/pts/" in text, text  # a real terminal, not pipes
    assert "got:hello" in text, text
    assert process.returncode == 5, text
    cluster.kubectl("delete", "pod", "terminal", "--wait=false")


def test_attach_feeds_stdin_and_follows_output(cluster: Cluster) -> None:
    script = 'while read line; do echo "echo:$line"; echo "err:$line" >&2; done; echo bye'
    _sleeper(cluster, "reader", command=["sh", "-c", script], stdin=True, stdinOnce=True)
    done = cluster.kubectl("attach", "-i", "reader", input="one\ntwo\n", timeout=30)
    assert "echo:one" in done.stdout and "echo:two" in done.stdout, done
    assert "err:two" in done.stderr, done
    assert "bye" in done.stdout, done  # stdinOnce: our end of input was the container's

    wait_for(lambda: cluster.pod_status("reader").get("phase") == "Succeeded", 20,
             "the reader to exit after its stdin closed")  # fmt: skip
    assert "echo:two" in cluster.kubectl("logs", "reader").stdout


def test_attach_it_to_a_container_with_a_terminal(cluster: Cluster) -> None:
    script = "while read line; do busybox stty size; echo got:$line; done"
    _sleeper(cluster, "console", command=["sh", "-c", script], stdin=True, tty=True)
    process, master = _kubectl_on_terminal(cluster, "attach", "-it", "console")
    try:
        time.sleep(1.5)
        os.write(master, b"hello\r")
        output, deadline = b"", time.monotonic() + 15
        while b"got:hello" not in output and time.monotonic() < deadline:
            output += os.read(master, 4096)
    finally:
        process.kill()
        process.wait()
        os.close(master)
    text = output.decode(errors="replace")
    assert "got:hello" in text, text
    assert f"{ROWS} {COLUMNS}" in text, text  # kubectl's size reached the container's terminal
    assert cluster.pod_status("console")["phase"] == "Running"  # detaching left it running


def test_stats_summary_through_the_api_server_lists_the_pod(cluster: Cluster) -> None:
    _sleeper(cluster, "measured")
    raw = cluster.kubectl("get", "--raw", f"/api/v1/nodes/{NODE}/proxy/stats/summary").stdout
    summary = json.loads(raw)
    node = summary["node"]
    assert node["nodeName"] == NODE
    assert node["memory"]["workingSetBytes"] > 0 and node["fs"]["capacityBytes"] > 0
    pod = next(p for p in summary["pods"] if p["podRef"]["name"] == "measured")
    assert pod["podRef"]["namespace"] == "default"
    assert pod["memory"]["workingSetBytes"] > 0
    assert pod["cpu"]["usageCoreNanoSeconds"] > 0
    assert pod["network"]["name"] == "eth0" and pod["network"]["rxBytes"] >= 0
    assert [c["name"] for c in pod["containers"]] == ["main"]
    assert pod["containers"][0]["memory"]["usageBytes"] > 0
