"""Bring one pod's containers in line with its spec, and stop them when the pod goes.

`PodSyncer.sync(pod)` is level-triggered and idempotent: it reads the pod's sandbox and
containers from the runtime (never from memory, so a restarted kubelet *adopts* what is
running instead of starting it again) and takes the next steps, in Kubernetes' order:

1. a sandbox (network namespace with a pod IP) if the pod has no ready one;
2. the volumes, refreshed on every sync so changed ConfigMaps and Secrets reach the pod;
3. init containers one at a time, in order, each to a successful exit;
4. then every regular container: start what never ran, restart what exited when
   `restartPolicy` says so — at once the first time, then after a CrashLoopBackOff delay of
   10 s doubling to 5 min — and restart what failed its liveness probe;
5. the pod's status, written through pods/<name>/status only when it changed.

It returns how soon it wants to run again (a back-off ending, say); the pod worker also
runs it on every change of the pod and every probe verdict.

`terminate(pod, grace)` runs preStop hooks and stops containers within the grace period
(SIGTERM, then SIGKILL), then tears the sandbox's network down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyk8s.api.errors import NotFound
from pyk8s.kubelet.containers import (
    ContainerStarter,
    Recorder,
    StartFailed,
    container_field_path,
)
from pyk8s.kubelet.probes import ProbeManager, Target
from pyk8s.kubelet.runtime.interface import (
    ContainerRuntimeError,
    ContainerStatus,
    Runtime,
    Sandbox,
    SandboxConfig,
)
from pyk8s.kubelet.status import Observation, pod_status, status_patch

logger = logging.getLogger("pyk8s.kubelet.sync")

BACKOFF_INITIAL, BACKOFF_MAX = 10.0, 300.0
RESYNC_SECONDS = 10.0

StatusWriter = Callable[[Mapping[str, Any], dict[str, Any]], Any]  # pod, merge patch


@dataclass
class PodState:
    """What the kubelet remembers about a pod between syncs (all of it may be lost safely)."""

    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    crash_backoff: dict[str, float] = field(default_factory=dict)  # container -> delay
    reported: dict[str, Any] | None = None


def _history(containers: list[ContainerStatus]) -> dict[str, list[ContainerStatus]]:
    grouped: dict[str, list[ContainerStatus]] = defaultdict(list)
    for container in sorted(containers, key=lambda c: (c.attempt, c.created_at)):
        grouped[container.name].append(container)
    return grouped


def _should_restart(policy: str, exited: ContainerStatus) -> bool:
    return policy == "Always" or (policy == "OnFailure" and exited.exit_code != 0)


def _sandbox_config(pod: Mapping[str, Any], options: SandboxOptions, attempt: int) -> SandboxConfig:
    from pyk8s.kubelet.network.cni import PortMapping

    spec = pod["spec"]
    mappings = [
        PortMapping(
            p["containerPort"], p["hostPort"], p.get("protocol", "TCP").lower(), p.get("hostIP", "")
        )
        for c in spec.get("containers") or []
        for p in c.get("ports") or []
        if p.get("hostPort")
    ]
    servers, searches, dns_options = options.dns_for(pod)
    return SandboxConfig(
        pod, mappings, servers, searches, dns_options, options.cluster_domain, attempt
    )


@dataclass(frozen=True)
class SandboxOptions:
    cluster_dns: tuple[str, ...] = ()
    cluster_domain: str = "cluster.local"

    def dns_for(self, pod: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
        """Kubernetes' dnsPolicy: ClusterFirst uses the cluster DNS, Default the node's."""
        spec = pod["spec"]
        policy = spec.get("dnsPolicy", "ClusterFirst")
        if spec.get("hostNetwork") and policy != "ClusterFirstWithHostNet":
            policy = "Default"
        config = spec.get("dnsConfig") or {}
        servers, searches, options = [], [], ["ndots:5"]
        if policy in ("ClusterFirst", "ClusterFirstWithHostNet") and self.cluster_dns:
            namespace = pod["metadata"].get("namespace", "default")
            domain = self.cluster_domain
            servers = list(self.cluster_dns)
            searches = [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]
        else:
            options = []
        servers += config.get("nameservers") or []
        searches += config.get("searches") or []
        options += [
            o["name"] + (f":{o['value']}" if o.get("value") else "")
            for o in config.get("options") or []
        ]
        return servers, searches, options


class PodSyncer:
    def __init__(
        self,
        runtime: Runtime,
        starter: ContainerStarter,
        probes: ProbeManager,
        *,
        host_ip: str,
        record: Recorder,
        write_status: StatusWriter,
        sandbox_options: SandboxOptions = SandboxOptions(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.runtime, self.starter, self.probes = runtime, starter, probes
        self.host_ip, self.record, self.write_status = host_ip, record, write_status
        self.sandbox_options = sandbox_options
        self.clock = clock
        self.states: dict[str, PodState] = {}

    def state(self, uid: str) -> PodState:
        return self.states.setdefault(uid, PodState())

    # -- the sync ------------------------------------------------------------------------
    async def sync(self, pod: Mapping[str, Any]) -> float:
        uid = pod["metadata"]["uid"]
        state = self.state(uid)
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            await self._stop_finished(pod)
            return RESYNC_SECONDS * 6
        sandbox = await self._ensure_sandbox(pod, state)
        next_sync = RESYNC_SECONDS
        if sandbox is not None:
            next_sync = await self._sync_containers(pod, sandbox, state)
        await self.report(pod, sandbox)
        if (state.reported or {}).get("phase") in ("Succeeded", "Failed") and sandbox:
            await self._stop_finished(pod)
        return next_sync

    async def pod_sandboxes(self, uid: str) -> list[Sandbox]:
        found = [s for s in await self.runtime.list_sandboxes() if s.pod_uid == uid]
        return sorted(found, key=lambda s: s.created_at)

    async def _ensure_sandbox(self, pod: Mapping[str, Any], state: PodState) -> Sandbox | None:
        sandboxes = await self.pod_sandboxes(pod["metadata"]["uid"])
        ready = [s for s in sandboxes if s.state == "ready"]
        if ready:
            return ready[-1]
        try:
            # Volumes come before the sandbox, as in Kubernetes: a pod whose ConfigMap is
            # missing waits in ContainerCreating with a FailedMount event.
            await self.starter.prepare_volumes(pod)
        except StartFailed as err:
            self.record(pod, "Warning", "FailedMount", err.message)
            return None
        for old in sandboxes:
            await self.runtime.remove_sandbox(old.id)
        try:
            sandbox = await self.runtime.run_sandbox(
                _sandbox_config(pod, self.sandbox_options, len(sandboxes))
            )
        except ContainerRuntimeError as err:
            self.record(
                pod, "Warning", "FailedCreatePodSandBox", f"Failed to create pod sandbox: {err}"
            )
            return None
        if sandboxes:
            self.record(
                pod,
                "Normal",
                "SandboxChanged",
                "Pod sandbox changed, it will be killed and re-created.",
            )
        state.crash_backoff.clear()
        return sandbox

    def _with_addresses(self, pod: Mapping[str, Any], sandbox: Sandbox) -> dict[str, Any]:
        # The downward API (env and volumes) may ask for the pod's and the node's IPs.
        status = dict(pod.get("status") or {})
        status["hostIP"], status["hostIPs"] = self.host_ip, [{"ip": self.host_ip}]
        if sandbox.ips:
            status["podIP"], status["podIPs"] = sandbox.ips[0], [{"ip": ip} for ip in sandbox.ips]
        return {**pod, "status": status}

    async def _sync_containers(
        self, pod: Mapping[str, Any], sandbox: Sandbox, state: PodState
    ) -> float:
        pod = self._with_addresses(pod, sandbox)
        try:
            await self.starter.prepare_volumes(pod)
        except StartFailed as err:
            self.record(pod, "Warning", "FailedMount", err.message)
        history = _history(await self.runtime.list_containers(sandbox.id))
        policy = pod["spec"].get("restartPolicy", "Always")
        for spec in pod["spec"].get("initContainers") or []:
            latest = (history.get(spec["name"]) or [None])[-1]
            if latest is not None and latest.state == "exited" and latest.exit_code == 0:
                continue
            if latest is not None and latest.state == "exited" and policy == "Never":
                return RESYNC_SECONDS  # the pod has failed: status.py says so
            return await self._sync_one(pod, sandbox, spec, latest, state, init=True)
        delays = [
            await self._sync_one(
                pod, sandbox, spec, (history.get(spec["name"]) or [None])[-1], state
            )
            for spec in pod["spec"].get("containers") or []
        ]
        return min([RESYNC_SECONDS, *delays])

    async def _sync_one(
        self,
        pod: Mapping[str, Any],
        sandbox: Sandbox,
        spec: Mapping[str, Any],
        latest: ContainerStatus | None,
        state: PodState,
        *,
        init: bool = False,
    ) -> float:
        name = spec["name"]
        policy = (
            "OnFailure"
            if init and pod["spec"].get("restartPolicy") == "Always"
            else pod["spec"].get("restartPolicy", "Always")
        )
        if latest is not None and latest.state == "running":
            target = Target(pod["metadata"]["uid"], spec, latest.id, sandbox.ip or "")
            self.probes.ensure(target)
            if self.probes.verdict(latest.id, "livenessProbe") is not False:
                state.waiting.pop(name, None)
                return RESYNC_SECONDS
            message = f"Container {name} failed liveness probe, will be restarted"
            self.record(
                pod, "Normal", "Killing", message, field_path=container_field_path(pod, name)
            )
            await self.runtime.stop_container(latest.id, _grace(pod))
            latest = await self.runtime.container_status(latest.id)
        if latest is not None and latest.state == "exited":
            if not _should_restart(policy, latest):
                state.waiting.pop(name, None)
                return RESYNC_SECONDS
            delay = self._crash_backoff_left(pod, spec, latest, state)
            if delay > 0:
                return delay
        attempt = 0 if latest is None else latest.attempt + 1
        if latest is not None and latest.state in ("created", "unknown"):
            await self.runtime.remove_container(latest.id)
            attempt = latest.attempt
        try:
            await self.starter.start(pod, sandbox, spec, attempt)
        except StartFailed as err:
            state.waiting[name] = (err.reason, err.message)
            return err.retry_after
        state.waiting.pop(name, None)
        return RESYNC_SECONDS

    def _crash_backoff_left(
        self,
        pod: Mapping[str, Any],
        spec: Mapping[str, Any],
        exited: ContainerStatus,
        state: PodState,
    ) -> float:
        """Seconds until an exited container may restart (0: now), as the kubelet's back-off."""
        name = spec["name"]
        ran_for = (exited.finished_at or 0) - (exited.started_at or 0)
        if ran_for > 2 * BACKOFF_MAX:
            state.crash_backoff.pop(name, None)  # it ran long enough: forgive earlier crashes
        delay = state.crash_backoff.get(name)
        if delay is not None:
            left = (exited.finished_at or 0) + delay - self.clock()
            if left > 0:
                meta = pod["metadata"]
                who = f"{meta['name']}_{meta.get('namespace', 'default')}({meta['uid']})"
                message = f"back-off {int(delay)}s restarting failed container={name} pod={who}"
                if state.waiting.get(name, ("",))[0] != "CrashLoopBackOff":
                    self.record(
                        pod,
                        "Warning",
                        "BackOff",
                        f"Back-off restarting failed container {name} in pod {who}",
                        field_path=container_field_path(pod, name),
                    )
                state.waiting[name] = ("CrashLoopBackOff", message)
                return left
        state.crash_backoff[name] = (
            BACKOFF_INITIAL if delay is None else min(delay * 2, BACKOFF_MAX)
        )
        return 0.0

    # -- status --------------------------------------------------------------------------
    async def observe(self, pod: Mapping[str, Any], sandbox: Sandbox | None) -> Observation:
        uid = pod["metadata"]["uid"]
        containers = await self.runtime.list_containers(sandbox.id) if sandbox else []
        readiness, started = {}, {}
        for container in containers:
            for kind, verdicts in (("readinessProbe", readiness), ("startupProbe", started)):
                verdict = self.probes.verdict(container.id, kind)
                if verdict is not None:
                    verdicts[container.name] = verdict
        return Observation(
            sandbox=sandbox,
            containers=_history(containers),
            waiting=dict(self.state(uid).waiting),
            readiness=readiness,
            started=started,
            host_ip=self.host_ip,
            runtime=self.runtime.name,
        )

    async def report(
        self, pod: Mapping[str, Any], sandbox: Sandbox | None, *, final: bool = False
    ) -> None:
        observed = await self.observe(pod, sandbox)
        status = pod_status(pod, observed, datetime.now(UTC))
        if final:
            status = _terminal(status)
        state = self.state(pod["metadata"]["uid"])
        baseline = state.reported if state.reported is not None else pod.get("status")
        patch = status_patch(baseline, status)
        if patch is None:
            return
        try:
            await self.write_status(pod, patch)
        except NotFound:
            return  # not (or no longer, or not yet for a mirror pod) in the API
        except Exception as err:  # the API may be down: the pods keep running
            logger.warning("status of %s not written: %s", pod["metadata"]["name"], err)
            return
        state.reported = status

    # -- stopping ------------------------------------------------------------------------
    async def _stop_finished(self, pod: Mapping[str, Any]) -> None:
        for sandbox in await self.pod_sandboxes(pod["metadata"]["uid"]):
            if sandbox.state == "ready":
                await self.runtime.stop_sandbox(sandbox.id)
        self.probes.forget_pod(pod["metadata"]["uid"])

    async def terminate(self, pod: Mapping[str, Any], grace: float) -> None:
        """Stop every container within `grace` seconds (preStop hooks first), then the sandbox."""
        uid = pod["metadata"]["uid"]
        self.probes.forget_pod(uid)
        deadline = self.clock() + grace
        sandboxes = await self.pod_sandboxes(uid)
        running = [
            c
            for s in sandboxes
            for c in await self.runtime.list_containers(s.id)
            if c.state == "running"
        ]
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        specs |= {c["name"]: c for c in pod["spec"].get("initContainers") or []}
        await asyncio.gather(
            *(self._stop(pod, specs.get(c.name, {}), c, deadline) for c in running)
        )
        for sandbox in sandboxes:
            await self.runtime.stop_sandbox(sandbox.id)

    async def _stop(
        self,
        pod: Mapping[str, Any],
        spec: Mapping[str, Any],
        container: ContainerStatus,
        deadline: float,
    ) -> None:
        where = container_field_path(pod, container.name)
        message = f"Stopping container {container.name}"
        self.record(pod, "Normal", "Killing", message, field_path=where)
        pre_stop = (spec.get("lifecycle") or {}).get("preStop")
        if pre_stop:
            try:
                await asyncio.wait_for(
                    self.starter.run_hook(pre_stop, container, pod),
                    max(deadline - self.clock(), 0.1),
                )
            except TimeoutError:
                logger.info("preStop hook of %s ran out of grace", container.name)
            except StartFailed as err:
                self.record(pod, "Warning", "FailedPreStopHook", err.message, field_path=where)
        await self.runtime.stop_container(container.id, max(deadline - self.clock(), 0.0))

    async def remove(self, uid: str) -> None:
        """Forget the pod entirely: its sandboxes, containers and volumes go."""
        for sandbox in await self.pod_sandboxes(uid):
            await self.runtime.remove_sandbox(sandbox.id)
        await self.starter.teardown(uid)
        self.states.pop(uid, None)


def _grace(pod: Mapping[str, Any]) -> float:
    return float(pod["spec"].get("terminationGracePeriodSeconds", 30))


def _terminal(status: dict[str, Any]) -> dict[str, Any]:
    """A deleted pod whose containers stopped ends Succeeded (all exited 0) or Failed."""
    statuses = status.get("containerStatuses") or []
    exits = [s["state"].get("terminated", {}).get("exitCode") for s in statuses]
    phase = "Succeeded" if exits and all(code == 0 for code in exits) else "Failed"
    return {**status, "phase": phase}
