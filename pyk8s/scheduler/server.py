"""The scheduler process: informers in, bindings out, one leader at a time.

    pod informer ──▶ Scheduler.on_pod / on_pod_deleted    (pending pods to the queue,
    node informer ─▶ Scheduler.on_node / on_node_deleted   bound pods and nodes to the cache)
    Scheduler.run() ─▶ ApiSeam: POST pods/<name>/binding, DELETE victims,
                       PATCH pods/<name>/status (PodScheduled=False, nominatedNodeName),
                       Events (Scheduled, FailedScheduling, Preempted)

With leader election (the Lease kube-system/kube-scheduler, as kube-scheduler uses), only the
leader starts informers and schedules; the others wait. /healthz is served on its own port
(HTTPS 10259 like kube-scheduler, with a self-signed pair unless one is given) so that
`kubectl get componentstatuses` finds it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from pyk8s.api import errors
from pyk8s.client.events import EventRecorder
from pyk8s.client.factory import SharedInformerFactory
from pyk8s.client.healthz import context_from_files, self_signed_context, serve_healthz
from pyk8s.client.leaderelection import LeaderElectionConfig, LeaderElector
from pyk8s.client.rest import Client
from pyk8s.scheduler.config import SchedulerConfiguration
from pyk8s.scheduler.plugins.default_preemption import (
    DISRUPTION_TARGET,
    PREEMPTION_BY_SCHEDULER,
)
from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.scheduler import (
    ApiSeam,
    Scheduler,
    pod_scheduled_condition,
    scheduled_message,
)

log = logging.getLogger("pyk8s.scheduler")


@dataclass
class ServerOptions:
    leader_elect: bool = True
    lease_namespace: str = "kube-system"
    lease_name: str = "kube-scheduler"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    healthz_address: str = "127.0.0.1"
    healthz_port: int = 10259
    tls_cert_file: str = ""
    tls_key_file: str = ""
    cert_dir: str = ""


class SchedulerServer:
    def __init__(self, client: Client, config: SchedulerConfiguration, options: ServerOptions):
        self.client = client
        self.config = config
        self.options = options
        self.identity = f"{socket.gethostname()}_{uuid.uuid4()}"
        self.pods = client.resource("", "v1", "pods", namespaced=True)
        # Each profile reports as its own component, as kube-scheduler's profiles do.
        self.recorders = {
            profile.scheduler_name: EventRecorder(client, profile.scheduler_name)
            for profile in config.profiles
        }
        self.scheduler = Scheduler(
            config, ApiSeam(self._bind, self._evict, self._scheduled, self._failed)
        )

    async def run(self) -> int:
        """Serve until cancelled; 1 when leadership was lost (the process must then exit, as
        kube-scheduler does, so that its state is rebuilt from scratch by the next leader)."""
        runner = await self._serve_healthz()
        try:
            if not self.options.leader_elect:
                await self._lead()
                return 0
            election = LeaderElectionConfig(
                self.options.lease_namespace,
                self.options.lease_name,
                self.identity,
                lease_duration=self.options.lease_duration,
                renew_deadline=self.options.renew_deadline,
                retry_period=self.options.retry_period,
            )
            await LeaderElector(self.client, election, on_started_leading=self._lead).run()
            log.error("leader election lost")
            return 1
        finally:
            await runner.cleanup()

    async def _lead(self) -> None:
        factory = SharedInformerFactory(self.client)
        scheduler = self.scheduler
        nodes = factory.informer("", "v1", "nodes")
        nodes.add_handler(
            on_add=lambda node: scheduler.on_node(node, added=True),
            on_update=lambda old, new: scheduler.on_node(new, added=False),
            on_delete=scheduler.on_node_deleted,
        )
        pods = factory.informer("", "v1", "pods")
        pods.add_handler(
            on_add=scheduler.on_pod,
            on_update=lambda old, new: scheduler.on_pod(new),
            on_delete=scheduler.on_pod_deleted,
        )
        for recorder in self.recorders.values():
            recorder.start()
        factory.start()
        try:
            await factory.wait_for_cache_sync()
            log.info("caches synced; scheduling as %s", self.identity)
            await scheduler.run()
        finally:
            scheduler.queue.close()
            await factory.shutdown()
            for recorder in self.recorders.values():
                with contextlib.suppress(Exception):
                    await recorder.stop()

    # --- the ApiSeam -------------------------------------------------------------------------

    async def _bind(self, pod: PodInfo, node: str) -> None:
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        path = self.pods.path(pod.namespace, pod.name, "binding")
        await self.client.request("POST", path, body=binding)

    async def _evict(self, victim: PodInfo, preemptor: PodInfo) -> None:
        node = preemptor.nominated_node_name or victim.node_name
        message = f"Preempted by pod {preemptor.uid} on node {node}"
        self._recorder(preemptor).event(victim.pod, "Normal", "Preempted", message)
        # The condition tells the kubelet, controllers and later scheduling cycles why the
        # pod goes (and that room is being made on its node), before the delete starts.
        condition = {
            "type": DISRUPTION_TARGET,
            "status": "True",
            "reason": PREEMPTION_BY_SCHEDULER,
            "message": f"{preemptor.scheduler_name}: preempting to accommodate a higher "
            "priority pod",
            "lastTransitionTime": _now(),
        }
        with contextlib.suppress(errors.NotFound):
            await self.pods.patch(
                victim.name,
                {"status": {"conditions": [condition]}},
                victim.namespace,
                patch_type="strategic",
                subresource="status",
            )
        await self.pods.delete(victim.name, victim.namespace, preconditions={"uid": victim.uid})

    async def _scheduled(self, pod: PodInfo, node: str) -> None:
        self._recorder(pod).event(pod.pod, "Normal", "Scheduled", scheduled_message(pod, node))

    async def _failed(self, pod: PodInfo, reason: str, message: str, nominated: str | None) -> None:
        self._recorder(pod).event(pod.pod, "Warning", "FailedScheduling", message)
        condition = pod_scheduled_condition(reason, message, _now())
        status: dict[str, object] = {"conditions": [condition]}
        if nominated is not None:
            status["nominatedNodeName"] = nominated or None
        await self.pods.patch(
            pod.name,
            {"status": status},
            pod.namespace,
            patch_type="strategic",
            subresource="status",
        )

    def _recorder(self, pod: PodInfo) -> EventRecorder:
        return self.recorders.get(pod.scheduler_name) or next(iter(self.recorders.values()))

    # --- health ------------------------------------------------------------------------------

    async def _serve_healthz(self) -> web.AppRunner:
        port = self.options.healthz_port
        context = self._ssl_context() if port else None
        return await serve_healthz(self.options.healthz_address, port, context)

    def _ssl_context(self) -> ssl.SSLContext:
        if self.options.tls_cert_file:
            return context_from_files(self.options.tls_cert_file, self.options.tls_key_file)
        # As kube-scheduler: kept in --cert-dir when given, else never left on disk.
        return self_signed_context(self.options.cert_dir or None, "kube-scheduler")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
