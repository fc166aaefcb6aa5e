"""`pyk8s up`: the README's first command brings up a cluster kubectl can use, and stops cleanly."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.apiserver import ROOT, free_port
from tests.support.kubectl import kubectl_binary


def test_up_serves_tls_with_client_certificates_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    data_dir = tmp_path / "cluster"
    up = subprocess.Popen(
        [sys.executable, "-m", "pyk8s", "up", "--data-dir", str(data_dir),
         "--secure-port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    output = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            output.append(line)
            if "Ctrl-C stops it" in line or not line:
                break
        printed = "".join(output)
        assert "The cluster is up" in printed, printed
        kubeconfig = data_dir / "pki" / "admin.kubeconfig"
        assert f"export KUBECONFIG={kubeconfig}" in printed
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(tmp_path / "c")}
        created = subprocess.run(
            [kubectl_binary(), "create", "configmap", "hello", "--from-literal=a=b"],
            capture_output=True, text=True, env=env, timeout=30,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        # Plain HTTP gets nowhere: the port speaks only TLS, and no insecure port was asked for.
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/configmaps", timeout=5)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=15)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
            pytest.fail("pyk8s up did not stop on SIGINT")
    assert up.returncode == 0
