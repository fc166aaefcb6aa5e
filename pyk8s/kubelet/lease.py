"""The node's heartbeat: a Lease named after the node in kube-node-lease, renewed every 10 s.

The node lifecycle controller reads `spec.renewTime`; a Lease not renewed for the node's
grace period (40 s by default) makes the node NotReady/Unknown. Renewal is a conditional PUT
of the Lease just read, so a stale copy never wins; a Lease that is missing is created with
the Node as its owner, so deleting the Node deletes its Lease too (as in Kubernetes).

A failed renewal is retried on the next tick: the control plane being away never stops the
kubelet, which simply renews again once it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pyk8s.api.errors import NotFound
from pyk8s.client.leaderelection import micro_time
from pyk8s.client.rest import Client

logger = logging.getLogger("pyk8s.kubelet.lease")

NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = 10.0


class NodeLease:
    def __init__(
        self,
        client: Client,
        node_name: str,
        *,
        node_uid: Callable[[], str | None] = lambda: None,
        duration_seconds: int = LEASE_DURATION_SECONDS,
    ) -> None:
        self.leases = client.resource("coordination.k8s.io", "v1", "leases")
        self.node_name = node_name
        self.node_uid = node_uid
        self.duration_seconds = duration_seconds
        self.lease: dict[str, Any] | None = None

    def _spec(self, now: datetime) -> dict[str, Any]:
        return {
            "holderIdentity": self.node_name,
            "leaseDurationSeconds": self.duration_seconds,
            "renewTime": micro_time(now),
        }

    def _new_lease(self, now: datetime) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.node_name, "namespace": NAMESPACE}
        uid = self.node_uid()
        if uid:
            owner = {"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": uid}
            metadata["ownerReferences"] = [owner]
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": self._spec(now),
        }

    async def renew(self, now: datetime) -> Mapping[str, Any]:
        """Renew (creating the Lease if it is missing); returns the Lease as stored."""
        try:
            current = await self.leases.get(self.node_name, NAMESPACE)
        except NotFound:
            self.lease = await self.leases.create(self._new_lease(now), NAMESPACE)
            return self.lease
        current["spec"] = {**current.get("spec", {}), **self._spec(now)}
        self.lease = await self.leases.update(current, NAMESPACE)
        return self.lease

    async def run(self, now: Callable[[], datetime], interval: float = RENEW_INTERVAL) -> None:
        while True:
            try:
                await self.renew(now())
            except Exception as err:  # the API may be away for a while: try on the next tick
                logger.warning("lease %s/%s not renewed: %s", NAMESPACE, self.node_name, err)
            await asyncio.sleep(interval)
