"""A real pyk8s API server for tests: in this process (fast) or as a `pyk8s apiserver` process.

Both serve plain HTTP on a free loopback port and keep their data in the test's tmp_path
(embedded SQLite); the process can use a real etcd instead (`etcd_servers=`). The process fixture stops its server by PID, also when the test fails.

    async def test_x(apiserver):            # in-process
        async with apiserver.session() as http: ...
    def test_y(apiserver_process):          # real process; .url, .restart()
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pyk8s.apiserver.config import APIServerConfig
from pyk8s.apiserver.server import APIServer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class InProcess:
    def __init__(self, server: APIServer) -> None:
        self.server = server
        self.url = server.http_url

    def session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(base_url=self.url)


@pytest.fixture
async def apiserver(tmp_path: Path) -> AsyncIterator[InProcess]:
    config = APIServerConfig(data_dir=str(tmp_path / "data"), insecure_port=0, secure_port=None)
    server = APIServer(config)
    await server.start()
    try:
        yield InProcess(server)
    finally:
        await server.stop()


class ServerProcess:
    """`pyk8s apiserver` as a child process; `restart()` keeps the data directory."""

    def __init__(
        self, data_dir: Path, log: Path, *, etcd_servers: str = "", flags: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        # With etcd_servers the store is that etcd (`--etcd-servers`), else SQLite in data_dir.
        self.etcd_servers = etcd_servers
        self.log_path = log
        self.flags = flags  # more `pyk8s apiserver` flags
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> None:
        command = [sys.executable, "-m", "pyk8s", "apiserver"]
        if self.etcd_servers:
            command += ["--etcd-servers", self.etcd_servers]
        else:
            command += ["--data-dir", str(self.data_dir)]
        command += ["--insecure-port", str(self.port), "--secure-port", "0", *self.flags]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=ROOT)
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if b"serving on" in line or not line:
                break
        if b"serving on" not in line:
            self.stop()
            pytest.fail(f"pyk8s apiserver did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def apiserver_process(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path / "data", tmp_path / "apiserver.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def secure_apiserver(data_dir: Path, port: int, pki: Any, *flags: str) -> Iterator[None]:
    """`pyk8s apiserver` serving only TLS on 127.0.0.1:`port`, with the certificates of
    `pki` (pyk8s.pki.cluster.ClusterPKI), client certificates required (no anonymous
    access) and any extra `flags`; stopped by PID on exit."""
    command = [
        sys.executable, "-m", "pyk8s", "apiserver", "--data-dir", str(data_dir),
        "--secure-port", str(port), "--insecure-port", "0",
        "--tls-cert-file", str(pki.path("kubernetes.pem")),
        "--tls-private-key-file", str(pki.path("kubernetes-key.pem")),
        "--client-ca-file", str(pki.ca_file), "--anonymous-auth=false", *flags,
    ]  # fmt: skip
    log_path = data_dir.parent / f"{data_dir.name}-apiserver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=ROOT)
    try:
        deadline, line = time.monotonic() + 30, b""
        while time.monotonic() < deadline and b"serving on" not in line:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
        if b"serving on" not in line:
            pytest.fail(f"pyk8s apiserver {' '.join(flags)} did not start:\n"
                        f"{log_path.read_text()[-2000:]}")  # fmt: skip
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
