"""The kubectl compatibility suite's fixtures: a real `pyk8s apiserver` per storage backend.

`cluster` is one API server process per backend for the whole session: embedded SQLite, and
a real etcd started for the purpose. Every test that asks for `kubectl` gets a fresh
namespace on it, so tests share the server (fast) but never each other's objects. Tests that
need a server of their own (restarts) start one with `own_server`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.apiserver import ServerProcess
from tests.support.etcd import EtcdProcess, etcd_server
from tests.support.kubectl import Kubectl

BACKENDS = ("sqlite", "etcd")
_namespace_numbers = itertools.count()


@dataclass
class Cluster:
    backend: str
    server: ServerProcess
    etcd: EtcdProcess | None
    kubectl: Kubectl  # no namespace set: cluster-wide commands


@contextlib.contextmanager
def own_server(backend: str, directory: Path) -> Iterator[tuple[ServerProcess, EtcdProcess | None]]:
    """A started API server on `backend`, with its own etcd when that is the backend."""
    with contextlib.ExitStack() as stack:
        etcd = stack.enter_context(etcd_server(directory / "etcd")) if backend == "etcd" else None
        server = ServerProcess(
            directory / "data",
            directory / "apiserver.log",
            etcd_servers=etcd.client_url if etcd else "",
            # As in the tutorials: no controller-manager makes service accounts here.
            # A small watch cache, so that the 410 Gone test needs only ~1,000 writes.
            flags=("--disable-admission-plugins=ServiceAccount", "--default-watch-cache-size=1000"),
        )
        server.start()
        stack.callback(server.stop)
        yield server, etcd


@pytest.fixture(scope="session", params=BACKENDS)
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp(f"kubectl-{request.param}")
    with own_server(request.param, directory) as (server, etcd):
        yield Cluster(request.param, server, etcd, Kubectl(server.url, directory / "kubectl"))


@pytest.fixture
def kubectl(cluster: Cluster) -> Iterator[Kubectl]:
    """kubectl pointed at a namespace made for this test alone."""
    namespace = f"t{next(_namespace_numbers)}"
    cluster.kubectl.run("create", "namespace", namespace)
    yield cluster.kubectl.in_namespace(namespace)
