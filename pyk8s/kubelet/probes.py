"""Liveness, readiness and startup probes: one task per probe of each running container.

A probe is an `exec` in the container (exit 0 passes), an `httpGet` (a status from 200 to
399 passes; the host is the pod's IP unless set; a named port is looked up in the
container's ports) or a `tcpSocket` (a connection that opens passes). Timing follows the
spec: `initialDelaySeconds` before the first try, then one try every `periodSeconds`, each
given `timeoutSeconds`; the verdict flips to success after `successThreshold` consecutive
passes and to failure after `failureThreshold` consecutive failures.

Starting verdicts, as Kubernetes': readiness false, liveness true, startup false. While a
startup probe has not passed, the other two do not run; once it passes it stops. Every
change of verdict calls `on_change(pod_uid)`, so the pod worker acts at once (restart a
container whose liveness failed, update Ready); every failed try calls `on_failure` with
the message the "Unhealthy" event carries.

Workers are keyed by container ID: a restarted container gets fresh probes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from pyk8s.kubelet.runtime.interface import ContainerRuntimeError, Runtime

logger = logging.getLogger("pyk8s.kubelet.probes")

KINDS = ("startupProbe", "livenessProbe", "readinessProbe")
INITIAL_VERDICT = {"startupProbe": False, "livenessProbe": True, "readinessProbe": False}
LABELS = {"startupProbe": "Startup", "livenessProbe": "Liveness", "readinessProbe": "Readiness"}
USER_AGENT = "kube-probe/1.32"


@dataclass(frozen=True)
class Target:
    pod_uid: str
    container: Mapping[str, Any]
    container_id: str
    pod_ip: str


def _named_port(port: Any, container: Mapping[str, Any]) -> int:
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared["containerPort"])
    raise ValueError(f"port {port!r} not found in the container's ports")


async def _http_get(spec: Mapping[str, Any], target: Target, timeout: float) -> tuple[bool, str]:
    host = spec.get("host") or target.pod_ip or "127.0.0.1"
    port = _named_port(spec["port"], target.container)
    scheme = spec.get("scheme", "HTTP").lower()
    path = spec.get("path") or "/"
    url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    headers.update({h["name"]: h["value"] for h in spec.get("httpHeaders") or []})
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url, headers=headers, ssl=False) as response,
        ):
            if 200 <= response.status < 400:
                return True, ""
            return False, f"HTTP probe failed with statuscode: {response.status}"
    except (aiohttp.ClientError, OSError, TimeoutError) as err:
        return False, f'Get "{url}": {err or type(err).__name__}'


async def _tcp_socket(spec: Mapping[str, Any], target: Target, timeout: float) -> tuple[bool, str]:
    host = spec.get("host") or target.pod_ip or "127.0.0.1"
    port = _named_port(spec["port"], target.container)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as err:
        return False, f"dial tcp {host}:{port}: {err or 'i/o timeout'}"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True, ""


async def run_probe(probe: Mapping[str, Any], target: Target, runtime: Runtime) -> tuple[bool, str]:
    """One try of a probe: (passed, the failure's message)."""
    timeout = float(probe.get("timeoutSeconds") or 1)
    try:
        if probe.get("exec") is not None:
            command = probe["exec"].get("command") or []
            result = await runtime.exec(target.container_id, command, timeout=timeout)
            output = (result.stdout + result.stderr).decode(errors="replace").strip()
            return result.exit_code == 0, output or f"command {command} exited {result.exit_code}"
        if probe.get("httpGet") is not None:
            return await _http_get(probe["httpGet"], target, timeout)
        if probe.get("tcpSocket") is not None:
            return await _tcp_socket(probe["tcpSocket"], target, timeout)
    except (ContainerRuntimeError, ValueError) as err:
        return False, str(err)
    return False, "unsupported probe handler"


OnChange = Callable[[str], None]
OnFailure = Callable[[str, str, str, str], None]  # pod uid, container, kind label, message


class ProbeManager:
    def __init__(self, runtime: Runtime, on_change: OnChange, on_failure: OnFailure) -> None:
        self.runtime = runtime
        self.on_change, self.on_failure = on_change, on_failure
        self._verdicts: dict[tuple[str, str], bool] = {}  # (container id, kind) -> verdict
        # (pod uid, container id, kind) -> (container name, the probing task)
        self._tasks: dict[tuple[str, str, str], tuple[str, asyncio.Task[None]]] = {}

    def verdict(self, container_id: str, kind: str) -> bool | None:
        """The probe's current verdict for that container, or None when it has no such probe."""
        return self._verdicts.get((container_id, kind))

    def ensure(self, target: Target) -> None:
        """Probe a running container (idempotent); drops the probes of its predecessors."""
        name = target.container["name"]
        for key, (probed_name, _) in list(self._tasks.items()):
            if key[0] == target.pod_uid and probed_name == name and key[1] != target.container_id:
                self._cancel(key)
        for kind in KINDS:
            probe = target.container.get(kind)
            key = (target.pod_uid, target.container_id, kind)
            if probe is None or key in self._tasks:
                continue
            self._verdicts[(target.container_id, kind)] = INITIAL_VERDICT[kind]
            task = asyncio.create_task(self._loop(kind, probe, target), name=f"{kind} {name}")
            self._tasks[key] = (name, task)

    def _cancel(self, key: tuple[str, str, str]) -> None:
        _, task = self._tasks.pop(key)
        task.cancel()
        self._verdicts.pop((key[1], key[2]), None)

    def forget_pod(self, pod_uid: str) -> None:
        for key in [k for k in self._tasks if k[0] == pod_uid]:
            self._cancel(key)

    def close(self) -> None:
        for key in list(self._tasks):
            self._cancel(key)

    async def _loop(self, kind: str, probe: Mapping[str, Any], target: Target) -> None:
        period = float(probe.get("periodSeconds") or 10)
        success_threshold = int(probe.get("successThreshold") or 1)
        failure_threshold = int(probe.get("failureThreshold") or 3)
        await asyncio.sleep(float(probe.get("initialDelaySeconds") or 0))
        successes = failures = 0
        verdict_key = (target.container_id, kind)
        while True:
            startup = self._verdicts.get((target.container_id, "startupProbe"))
            if kind != "startupProbe" and startup is False:
                await asyncio.sleep(period)
                continue
            passed, message = await run_probe(probe, target, self.runtime)
            if passed:
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
                self.on_failure(target.pod_uid, target.container["name"], LABELS[kind], message)
            verdict = self._verdicts.get(verdict_key)
            if passed and successes >= success_threshold:
                verdict = True
            elif not passed and failures >= failure_threshold:
                verdict = False
            if verdict != self._verdicts.get(verdict_key):
                self._verdicts[verdict_key] = bool(verdict)
                logger.info("%s probe of %s: %s", kind, target.container["name"], verdict)
                self.on_change(target.pod_uid)
            if kind == "startupProbe" and verdict:
                return
            if kind == "livenessProbe" and verdict is False:
                return  # the worker restarts the container; its successor gets new probes
            await asyncio.sleep(period)
