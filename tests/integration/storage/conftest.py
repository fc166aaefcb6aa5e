"""The store contract suite runs every test against both backends.

`store` is a fresh, empty store: SQLite in the test's own temporary directory, or real etcd
(one member for the whole session, started by tests/support/etcd.py) under a key prefix of
its own, so tests never see each other's keys. `reopen()` closes the store and opens it again
on the same data; for etcd it also stops and restarts the etcd process, so a test of "nothing
is lost" covers a restart of the database itself.

Revisions are global in etcd and shared by every test of the session: tests compare
revisions with each other, never with fixed numbers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pyk8s.storage.interface import Store

BACKENDS = ["sqlite", "etcd"]


class Backend:
    """Opens one backend's store and can reopen it on the same data."""

    name = ""
    store: Store

    async def open(self) -> Store:
        raise NotImplementedError

    async def reopen(self) -> Store:
        await self.store.close()
        await self.restart_database()
        return await self.open()

    async def restart_database(self) -> None:
        """Nothing to restart for an embedded store."""

    async def close(self) -> None:
        await self.store.close()


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    async def open(self) -> Store:
        from pyk8s.storage.sqlite import SQLiteStore

        self.store = await SQLiteStore.open(str(self.data_dir))
        return self.store


class EtcdBackend(Backend):
    name = "etcd"

    def __init__(self, member: Any, prefix: str) -> None:
        self.member = member
        self.prefix = prefix

    async def open(self) -> Store:
        try:
            from pyk8s.storage.etcd import EtcdStore
        except ImportError as err:
            pytest.fail(f"the etcd backend (pyk8s/storage/etcd.py) cannot be imported: {err}")
        self.store = await EtcdStore.connect([self.member.client_url], prefix=self.prefix)
        return self.store

    async def restart_database(self) -> None:
        await asyncio.to_thread(self.member.stop)
        await asyncio.to_thread(self.member.start)


@pytest.fixture(scope="session")
def etcd_member(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One etcd member shared by the session's etcd-backed tests."""
    try:
        from tests.support.etcd import etcd_server
    except ImportError as err:
        pytest.fail(f"tests/support/etcd.py (the etcd test helper) cannot be imported: {err}")
    with etcd_server(tmp_path_factory.mktemp("etcd")) as member:
        yield member


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        chosen: Backend = SQLiteBackend(tmp_path / "data")
    else:
        member = request.getfixturevalue("etcd_member")
        chosen = EtcdBackend(member, f"/t-{uuid.uuid4().hex[:12]}")
    await chosen.open()
    try:
        yield chosen
    finally:
        await chosen.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store


@pytest.fixture
def reopen(backend: Backend) -> Callable[[], Awaitable[Store]]:
    """`store = await reopen()`: the same data, after a restart."""
    return backend.reopen
