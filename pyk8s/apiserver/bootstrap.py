"""What a fresh cluster has before anybody asks: the four system namespaces.

Run at every start; it creates only what is missing, so a restarted server keeps its data.
"""

from __future__ import annotations

import asyncio
import logging

from pyk8s.api.errors import AlreadyExists
from pyk8s.apiserver.registry import Registry
from pyk8s.apiserver.registry.options import WriteOptions
from pyk8s.apiserver.registry.store import GenericStore

logger = logging.getLogger("pyk8s.apiserver")

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


async def ensure_system_namespaces(registry: Registry) -> None:
    store = registry.find("", "namespaces")
    if store is None:
        logger.warning("no namespaces resource is registered; skipping system namespaces")
        return
    # All at once: the store commits concurrent writes together, so a fresh start pays for
    # one commit rather than eight.
    await asyncio.gather(*(_ensure_namespace(registry, store, name) for name in SYSTEM_NAMESPACES))


async def _ensure_namespace(registry: Registry, store: GenericStore, name: str) -> None:
    if await registry.lookup("namespaces", "", "", name) is not None:
        return
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    try:
        created = await store.create("", namespace, WriteOptions(field_manager="kube-apiserver"))
    except AlreadyExists:
        return
    # Creation resets status (a subresource); a namespace starts Active.
    if created.get("status", {}).get("phase") != "Active":
        created["status"] = {"phase": "Active"}
        await store.update(
            "", name, created, WriteOptions(field_manager="kube-apiserver"), "status"
        )
