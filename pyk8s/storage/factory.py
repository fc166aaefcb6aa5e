"""Choose and open a backend from the API server's flags."""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.storage.interface import DEFAULT_PREFIX, Store


@dataclass
class StoreOptions:
    # Embedded SQLite (the default) lives in this directory.
    data_dir: str | None = None
    # Real etcd: a list of http(s)://host:port client URLs. When set, data_dir is ignored.
    etcd_servers: list[str] | None = None
    etcd_prefix: str = DEFAULT_PREFIX
    etcd_cafile: str | None = None
    etcd_certfile: str | None = None
    etcd_keyfile: str | None = None
    # How much history the embedded store keeps for watches and old reads.
    compaction_window: int = 10_000


async def open_store(options: StoreOptions) -> Store:
    # The backends are imported lazily: the etcd one needs grpcio, which an embedded-only
    # install does not have to carry.
    if options.etcd_servers:
        from pyk8s.storage.etcd import EtcdStore

        return await EtcdStore.connect(
            options.etcd_servers,
            prefix=options.etcd_prefix,
            cafile=options.etcd_cafile,
            certfile=options.etcd_certfile,
            keyfile=options.etcd_keyfile,
        )
    if not options.data_dir:
        raise ValueError("either a data directory or --etcd-servers is needed")
    from pyk8s.storage.sqlite import SQLiteStore

    return await SQLiteStore.open(
        options.data_dir, prefix=options.etcd_prefix, compaction_window=options.compaction_window
    )
