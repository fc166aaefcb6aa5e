"""Real etcd processes for tests and benchmarks: one member or a cluster, plain or with TLS.

Every process listens on free loopback ports, keeps its data in a directory under the test's
tmp_path, and is stopped by its PID when the `with` block ends, also when the test fails.
A member is "started" only once its /health endpoint says the cluster has a leader and can
serve a quorum read, so a test never races etcd's own start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pyk8s.pki.certs import issue, new_ca

LOOPBACK = "127.0.0.1"


def etcd_binary() -> str:
    """The etcd server binary; fails the test (not skips it) when etcd is not installed."""
    path = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
    if path is None:
        pytest.fail("etcd not found: apt-get install etcd-server")
    return path


def free_port() -> int:
    # The port is free when we look; etcd binds it a moment later. On a loopback-only test
    # machine the window is small enough, and start() reports a clear error if we lose it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class EtcdTLS:
    """Certificates for an etcd that requires client certificates (`--client-cert-auth`)."""

    cafile: str
    # The member's serving certificate. It carries both serverAuth and clientAuth: etcd's
    # gRPC gateway dials the member itself with it.
    server_certfile: str
    server_keyfile: str
    # A certificate a client (the API server) presents.
    client_certfile: str
    client_keyfile: str

    @classmethod
    def make(cls, directory: Path) -> EtcdTLS:
        ca = new_ca("etcd-test-ca")
        server = issue(ca, "etcd", hosts=(LOOPBACK, "localhost"), server=True, client=True)
        client = issue(ca, "kube-apiserver-etcd-client", client=True)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "ca.pem").write_bytes(ca.cert_pem())
        server_cert, server_key = server.write(directory, "etcd")
        client_cert, client_key = client.write(directory, "client")
        return cls(
            str(directory / "ca.pem"),
            str(server_cert),
            str(server_key),
            str(client_cert),
            str(client_key),
        )


class EtcdProcess:
    """One etcd member. `start()` launches it and waits until healthy; `stop()` ends it."""

    def __init__(
        self,
        name: str,
        base_dir: Path,
        *,
        client_port: int | None = None,
        peer_port: int | None = None,
        tls: EtcdTLS | None = None,
    ) -> None:
        self.name = name
        self.tls = tls
        base_dir.mkdir(parents=True, exist_ok=True)
        self.client_port = client_port or free_port()
        self.peer_port = peer_port or free_port()
        scheme = "https" if tls else "http"
        self.client_url = f"{scheme}://{LOOPBACK}:{self.client_port}"
        self.peer_url = f"http://{LOOPBACK}:{self.peer_port}"
        self.data_dir = base_dir / f"{name}.etcd"
        self.log_path = base_dir / f"{name}.log"
        # "name=peer_url,..." for every member; set by etcd_cluster before the first start.
        self.initial_cluster = f"{name}={self.peer_url}"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [
            etcd_binary(),
            f"--name={self.name}",
            f"--data-dir={self.data_dir}",
            f"--listen-client-urls={self.client_url}",
            f"--advertise-client-urls={self.client_url}",
            f"--listen-peer-urls={self.peer_url}",
            f"--initial-advertise-peer-urls={self.peer_url}",
            f"--initial-cluster={self.initial_cluster}",
            "--initial-cluster-state=new",
            f"--initial-cluster-token=pyk8s-test-{os.getpid()}",
            "--logger=zap",
            "--log-outputs=stderr",
        ]
        if self.tls:
            command += [
                "--client-cert-auth",
                f"--trusted-ca-file={self.tls.cafile}",
                f"--cert-file={self.tls.server_certfile}",
                f"--key-file={self.tls.server_keyfile}",
            ]
        return command

    def launch(self) -> None:
        """Start the process without waiting (cluster members must all be up to be healthy)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()

    def start(self, timeout: float = 10.0) -> None:
        self.launch()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"etcd {self.name} exited early:\n{self.log_tail()}")
            if self.healthy():
                return
            time.sleep(0.05)
        raise TimeoutError(f"etcd {self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    def healthy(self) -> bool:
        context = None
        if self.tls:
            context = ssl.create_default_context(cafile=self.tls.cafile)
            context.load_cert_chain(self.tls.client_certfile, self.tls.client_keyfile)
        try:
            with urllib.request.urlopen(
                f"{self.client_url}/health", timeout=1.0, context=context
            ) as response:
                return json.loads(response.read()).get("health") == "true"
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if etcd has not exited within `timeout`."""
        self._signal(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: the member dies the way a crashed machine does."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def _signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signum)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def etcd_server(tmp_path: Path, *, tls: bool = False) -> Iterator[EtcdProcess]:
    """One started etcd member; with `tls=True` it requires client certificates
    (the member's `.tls` holds the CA and a client certificate to connect with)."""
    certificates = EtcdTLS.make(tmp_path / "etcd-pki") if tls else None
    member = EtcdProcess("etcd0", tmp_path, tls=certificates)
    try:
        member.start()
        yield member
    finally:
        member.stop()


@contextlib.contextmanager
def etcd_cluster(tmp_path: Path, members: int = 3) -> Iterator[list[EtcdProcess]]:
    """A started cluster of `members` etcd members talking to each other over loopback."""
    cluster = [EtcdProcess(f"etcd{i}", tmp_path) for i in range(members)]
    initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in cluster)
    for member in cluster:
        member.initial_cluster = initial_cluster
    try:
        for member in cluster:
            member.launch()
        for member in cluster:
            member.wait_healthy(timeout=20.0)
        yield cluster
    finally:
        for member in cluster:
            member.stop()
