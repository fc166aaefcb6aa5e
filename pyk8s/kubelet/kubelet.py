"""The kubelet: the agent that makes this machine a node and runs the pods bound to it.

What it wires together, and what each piece guarantees:

    pods bound here (API, field selector spec.nodeName=<node>) ─┐
    static manifests (--pod-manifest-path)                       ├─▶ PodWorkers ─▶ PodSyncer ─▶ Runtime
                                                                 ┘   (one task      (sandbox, init,
    probes (ProbeManager) ── verdict changed ──▶ wake the worker      per pod)        containers, status)
    relist (pleg.py) ── a container exited ────▶ wake the worker

    NodeStatusManager: registers the Node, keeps its status current (every 10 s)
    NodeLease:         renews kube-node-lease/<node> (every 10 s)
    mirror pods:       static pods made visible in the API (every 10 s)
    KubeletServer:     logs, exec, attach, port-forward on --port (10250)

Restart safety: nothing the pods need lives only in this process. Sandboxes and containers
are found through the runtime, so a restarted kubelet adopts them; an API server that goes
away only pauses status reports, lease renewals and news of new pods — running pods keep
running, and static pods run with no API server at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyk8s.api.errors import MethodNotAllowed, NotFound, StatusError
from pyk8s.client.events import EventRecorder
from pyk8s.client.informer import Informer
from pyk8s.client.rest import Client
from pyk8s.kubelet.containers import ContainerStarter, container_field_path, data_lookup
from pyk8s.kubelet.lease import NodeLease
from pyk8s.kubelet.node import NodeOptions, NodeStatusManager
from pyk8s.kubelet.pleg import RELIST_PERIOD_SECONDS, relist_forever
from pyk8s.kubelet.podsync import PodSyncer, SandboxOptions
from pyk8s.kubelet.podworkers import PodWorkers
from pyk8s.kubelet.probes import ProbeManager
from pyk8s.kubelet.runtime.interface import Runtime
from pyk8s.kubelet.static import (
    MIRROR_ANNOTATION,
    SOURCE_ANNOTATION,
    StaticPods,
    is_mirror_pod,
    sync_mirror_pods,
)
from pyk8s.kubelet.volumes import VolumeManager

logger = logging.getLogger("pyk8s.kubelet")


@dataclass
class KubeletConfig:
    node_name: str
    node_ip: str = "127.0.0.1"
    root_dir: str = "/var/lib/kubelet"
    pod_cidr: str = ""
    max_pods: int = 110
    node_labels: dict[str, str] = field(default_factory=dict)
    register_with_taints: list[dict[str, str]] = field(default_factory=list)
    cluster_dns: list[str] = field(default_factory=list)
    cluster_domain: str = "cluster.local"
    pod_manifest_path: str = ""
    port: int = 10250  # the kubelet API; 0 leaves it off (hollow nodes)
    mount_volumes: bool = True  # False for the hollow runtime: nothing to mount into
    node_status_period: float = 10.0
    lease_period: float = 10.0
    mirror_period: float = 10.0
    static_check_period: float = 20.0
    resources: dict[str, str] | None = None  # machine resources; None: read this machine
    relist_period: float = RELIST_PERIOD_SECONDS  # container state changes noticed; 0: off


class _NoEvents:
    def event(
        self, obj: Any, event_type: str, reason: str, message: str, *, field_path: str = ""
    ) -> None:
        logger.debug("event %s %s: %s", event_type, reason, message)


class Kubelet:
    def __init__(self, config: KubeletConfig, runtime: Runtime, client: Client | None) -> None:
        self.config, self.runtime, self.client = config, runtime, client
        self.recorder: EventRecorder | _NoEvents = (
            EventRecorder(client, "kubelet", config.node_name) if client else _NoEvents()
        )
        self.pod_informer = self._informer("pods", f"spec.nodeName={config.node_name}")
        self.service_informer = self._informer("services", None)
        volumes = None
        if config.mount_volumes:
            volumes = VolumeManager(config.root_dir, self._get_object, self._request_token)
        self.starter = ContainerStarter(
            runtime,
            lookup=data_lookup(self._get_object),
            services=self._services,
            record=self._record,
            volumes=volumes,
        )
        self.probes = ProbeManager(runtime, self._wake, self._probe_failed)
        self.syncer = PodSyncer(
            runtime, self.starter, self.probes,
            host_ip=config.node_ip, record=self._record, write_status=self._write_status,
            sandbox_options=SandboxOptions(tuple(config.cluster_dns), config.cluster_domain),
        )  # fmt: skip
        self.workers = PodWorkers(self.syncer, on_terminated=self._delete_pod)
        self.static = None
        if config.pod_manifest_path:
            self.static = StaticPods(
                config.pod_manifest_path, config.node_name, update=self.workers.update,
                forget=self.workers.forget, check_period=config.static_check_period,
            )  # fmt: skip
        self.node_status: NodeStatusManager | None = None
        if client is not None:
            options = NodeOptions(
                config.node_name, config.node_ip, config.pod_cidr, config.max_pods,
                config.node_labels, tuple(config.register_with_taints), config.port, config.root_dir,
            )  # fmt: skip
            self.node_status = NodeStatusManager(
                client, options, not_ready_reason=runtime.not_ready_reason,
                runtime_version=f"{runtime.name}://1.0.0", resources=config.resources,
            )  # fmt: skip
        self.lease = (
            NodeLease(client, config.node_name, node_uid=self._node_uid) if client else None
        )
        self._tasks: list[asyncio.Task[Any]] = []

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self.config.relist_period > 0:
            relist = relist_forever(self.runtime, self._wake, self.config.relist_period)
            self._spawn(relist, "relist")
        if self.static is not None:
            self.static.check()  # static pods first: they need nothing else
            self._spawn(self.static.run(), "static pods")
        if self.client is not None:
            if isinstance(self.recorder, EventRecorder):
                self.recorder.start()
            self._spawn(self._control_plane_loop(), "node status")
            assert self.pod_informer is not None and self.service_informer is not None
            self.pod_informer.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)
            self.pod_informer.start()
            self.service_informer.start()
            self._spawn(self._mirror_loop(), "mirror pods")
            self._spawn(self._remove_orphans_after_sync(), "orphans")
        else:
            self._spawn(self._remove_orphans(), "orphans")

    async def stop(self) -> None:
        """Stop the agent; pods keep running in the runtime for the next kubelet to adopt."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self.probes.close()
        await self.workers.close()
        for informer in (self.pod_informer, self.service_informer):
            if informer is not None:
                await informer.stop()
        if isinstance(self.recorder, EventRecorder):
            await self.recorder.stop(flush_timeout=1.0)

    async def run(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    def _spawn(self, coroutine: Any, name: str) -> None:
        self._tasks.append(asyncio.create_task(coroutine, name=f"kubelet {name}"))

    def _informer(self, plural: str, field_selector: str | None) -> Informer | None:
        if self.client is None:
            return None
        return Informer(self.client.resource("", "v1", plural), field_selector=field_selector)

    # -- the control plane -------------------------------------------------------------------
    async def _control_plane_loop(self) -> None:
        """Register the node (retrying while the API is away), then status and lease."""
        assert self.node_status is not None and self.lease is not None
        while True:
            try:
                await self.node_status.register()
                break
            except Exception as err:  # not reachable yet: static pods run meanwhile
                logger.warning("node registration failed, retrying: %s", err)
                await asyncio.sleep(2.0)
        self._spawn(self.lease.run(lambda: datetime.now(UTC), self.config.lease_period), "lease")
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.node_status.update(datetime.now(UTC), loop.time())
            except Exception as err:
                logger.warning("node status not updated: %s", err)
            await asyncio.sleep(self.config.node_status_period)

    def _node_uid(self) -> str | None:
        node = self.node_status.node if self.node_status else None
        return node["metadata"].get("uid") if node else None

    def _pod_added(self, pod: dict[str, Any]) -> None:
        if is_mirror_pod(pod):
            # A new mirror pod: its static pod's worker reports the status to it now.
            self.workers.wake(pod["metadata"]["annotations"][MIRROR_ANNOTATION])
        else:
            self.workers.update(pod)

    def _pod_updated(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._pod_added(new)

    def _pod_deleted(self, pod: dict[str, Any]) -> None:
        if not is_mirror_pod(pod):
            self.workers.forget(pod["metadata"]["uid"])

    async def _mirror_loop(self) -> None:
        assert self.client is not None and self.pod_informer is not None
        pods_api = self.client.resource("", "v1", "pods")
        while True:
            await asyncio.sleep(
                self.config.mirror_period if self.pod_informer.has_synced() else 0.2
            )
            if self.static is None or not self.pod_informer.has_synced():
                continue
            mirrors = {
                f"{p['metadata']['namespace']}/{p['metadata']['name']}": p
                for p in self.pod_informer.cache.objects()
                if is_mirror_pod(p)
            }
            node = self.node_status.node if self.node_status else None
            try:
                await sync_mirror_pods(pods_api, self.static.pods, mirrors, node)
            except Exception as err:
                logger.warning("mirror pods not synced: %s", err)

    async def _remove_orphans_after_sync(self) -> None:
        assert self.pod_informer is not None
        await self.pod_informer.wait_synced()
        await self._remove_orphans()

    async def _remove_orphans(self) -> None:
        """Sandboxes of pods that no longer exist (deleted while we were away) go."""
        await asyncio.sleep(0)
        for sandbox in await self.runtime.list_sandboxes():
            if sandbox.pod_uid not in self.workers:
                logger.info(
                    "removing the orphaned sandbox of %s/%s",
                    sandbox.pod_namespace,
                    sandbox.pod_name,
                )
                await self.syncer.remove(sandbox.pod_uid)

    # -- callbacks for the pod machinery -----------------------------------------------------
    def _record(
        self, obj: Mapping[str, Any], event_type: str, reason: str, message: str, *,
        field_path: str = "",
    ) -> None:  # fmt: skip
        self.recorder.event(dict(obj), event_type, reason, message, field_path=field_path)

    def _wake(self, uid: str) -> None:
        self.workers.wake(uid)

    def _probe_failed(self, uid: str, container: str, kind: str, message: str) -> None:
        pod = next((p for p in self.workers.pods() if p["metadata"]["uid"] == uid), None)
        if pod is not None:
            self._record(
                pod, "Warning", "Unhealthy", f"{kind} probe failed: {message}",
                field_path=container_field_path(pod, container),
            )  # fmt: skip

    def _services(self) -> list[dict[str, Any]]:
        return self.service_informer.cache.objects() if self.service_informer else []

    async def _get_object(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        if self.client is None:
            return None
        plural = {"ConfigMap": "configmaps", "Secret": "secrets"}[kind]
        try:
            return await self.client.resource("", "v1", plural).get(name, namespace)
        except NotFound:
            return None

    async def _request_token(
        self, pod: Mapping[str, Any], audience: str | None, expiration: int
    ) -> str | None:
        if self.client is None:
            return None
        meta = pod["metadata"]
        account = pod["spec"].get("serviceAccountName") or "default"
        path = f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{account}/token"
        spec: dict[str, Any] = {
            "expirationSeconds": expiration,
            "boundObjectRef": {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": meta["name"],
                "uid": meta["uid"],
            },
        }
        if audience:
            spec["audiences"] = [audience]
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
        try:
            answer = await self.client.request("POST", path, body=body)
        except (NotFound, MethodNotAllowed):
            return None  # this API server does not offer TokenRequest
        return answer.get("status", {}).get("token")

    async def _write_status(self, pod: Mapping[str, Any], patch: dict[str, Any]) -> None:
        if self.client is None:
            return
        meta = pod["metadata"]
        pods = self.client.resource("", "v1", "pods")
        # NotFound (deleted meanwhile, or a static pod whose mirror is not posted yet) is
        # raised: the status then counts as not reported, and goes out on a later sync.
        await pods.patch(meta["name"], patch, meta["namespace"], subresource="status")

    async def _delete_pod(self, pod: Mapping[str, Any]) -> None:
        """The last word on a deleted pod: its containers are gone, the object may go."""
        if (
            self.client is None
            or (pod["metadata"].get("annotations") or {}).get(SOURCE_ANNOTATION) == "file"
        ):
            return
        meta = pod["metadata"]
        pods = self.client.resource("", "v1", "pods")
        try:
            await pods.delete(
                meta["name"],
                meta["namespace"],
                grace_period_seconds=0,
                preconditions={"uid": meta["uid"]},
            )
        except (NotFound, StatusError) as err:
            if not isinstance(err, NotFound):
                logger.warning("final delete of %s failed: %s", meta["name"], err)
