"""Starting one container of a pod: image, environment, mounts, create, start, postStart.

`ContainerStarter.start(pod, sandbox, spec, attempt)` does what the kubelet does between
"this container should run" and "it runs", with the events `kubectl describe pod` shows:

- the image, by `imagePullPolicy`: Always pulls; IfNotPresent pulls when absent; Never
  refuses (ErrImageNeverPull). Events Pulling / Pulled ("already present on machine" when
  no pull was needed) / Failed. A failed pull, whatever the cause, leaves the container
  waiting in ErrImagePull, and the tries until its back-off ends wait in ImagePullBackOff
  (event BackOff; 10 s doubling to 5 min, per pod and image). Each of these waits also
  records Failed "Error: <reason>", as the kubelet does;
- the environment (envvars.py) and the volume mounts (volumes/); a missing ConfigMap or
  Secret leaves it waiting in CreateContainerConfigError;
- create (event Created), start (event Started), then the postStart hook: a failing hook
  kills the container (FailedPostStartHook), as in Kubernetes.

A step that cannot be done raises StartFailed with the waiting reason, the message, and how
soon to try again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

from pyk8s.kubelet.envvars import (
    ConfigError,
    ObjectLookup,
    configmap_data,
    resolve_env,
    secret_data,
)
from pyk8s.kubelet.probes import Target, run_probe
from pyk8s.kubelet.runtime.interface import (
    ContainerConfig,
    ContainerRuntimeError,
    ContainerStatus,
    Runtime,
    Sandbox,
)
from pyk8s.kubelet.volumes import VolumeManager

logger = logging.getLogger("pyk8s.kubelet.containers")

PULL_BACKOFF_INITIAL, PULL_BACKOFF_MAX = 10.0, 300.0


class Recorder(Protocol):
    """Records an Event about `obj`. `field_path` names the part of it the event is about
    (`spec.containers{web}`): `kubectl describe pod` shows it in the event's From column."""

    def __call__(
        self, obj: Mapping[str, Any], event_type: str, reason: str, message: str, *,
        field_path: str = "",
    ) -> None: ...  # fmt: skip


ServicesSource = Callable[[], Iterable[Mapping[str, Any]]]


class StartFailed(Exception):
    def __init__(self, reason: str, message: str, retry_after: float = 2.0) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason, self.message, self.retry_after = reason, message, retry_after


class ContainerStarter:
    def __init__(
        self,
        runtime: Runtime,
        *,
        lookup: ObjectLookup,
        services: ServicesSource,
        record: Recorder,
        volumes: VolumeManager | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime, self.lookup, self.services = runtime, lookup, services
        self.record, self.volumes, self.clock = record, volumes, clock
        # (pod uid, image) -> (back-off delay, when the last pull failed)
        self._pull_backoff: dict[tuple[str, str], tuple[float, float]] = {}
        self._volume_paths: dict[str, dict[str, str]] = {}

    # -- volumes ---------------------------------------------------------------------------
    async def prepare_volumes(self, pod: Mapping[str, Any]) -> None:
        if self.volumes is None:
            return  # the hollow runtime mounts nothing
        try:
            self._volume_paths[pod["metadata"]["uid"]] = await self.volumes.setup(pod)
        except (ConfigError, OSError) as err:
            raise StartFailed("ContainerCreating", f"MountVolume.SetUp failed: {err}") from None

    async def teardown(self, uid: str) -> None:
        self._volume_paths.pop(uid, None)
        for key in [key for key in self._pull_backoff if key[0] == uid]:
            del self._pull_backoff[key]
        if self.volumes is not None:
            await self.volumes.teardown(uid)

    # -- images ----------------------------------------------------------------------------
    async def ensure_image(self, pod: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        """Have the container's image, as `imagePullPolicy` says, or raise StartFailed."""
        image = spec["image"]
        policy = spec.get("imagePullPolicy") or "IfNotPresent"
        present = await self.runtime.image_status(image) is not None
        if policy == "Never" and not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            self._container_event(pod, spec, "Warning", "ErrImageNeverPull", message)
            raise StartFailed("ErrImageNeverPull", message, 10.0)
        if present and policy != "Always":
            message = f'Container image "{image}" already present on machine'
            self._container_event(pod, spec, "Normal", "Pulled", message)
            return
        # Back-off is per pod and image, as Kubernetes keys it: one pod's failures never
        # hold back another pod that asks for the same image.
        key = (pod["metadata"]["uid"], image)
        delay, failed_at = self._pull_backoff.get(key, (0.0, 0.0))
        now = self.clock()
        if now - failed_at < delay:
            message = f'Back-off pulling image "{image}"'
            self._container_event(pod, spec, "Normal", "BackOff", message)
            raise StartFailed("ImagePullBackOff", message, failed_at + delay - now)
        await self._pull(pod, spec, key, delay, failed_at)

    async def _pull(
        self,
        pod: Mapping[str, Any],
        spec: Mapping[str, Any],
        key: tuple[str, str],
        delay: float,
        last: float,
    ) -> None:
        image = spec["image"]
        self._container_event(pod, spec, "Normal", "Pulling", f'Pulling image "{image}"')
        began = self.clock()
        try:
            info = await self.runtime.pull_image(image)
        except Exception as err:
            # Whatever broke the pull (a missing tag, a refused connection, a bad blob), the
            # pod waits in ErrImagePull with the reason: a pull never fails the whole sync.
            logger.warning("pulling %s failed: %s", image, err)
            now = self.clock()
            # The delay doubles on each failure, and starts over at 10 s when the last
            # failure is older than twice the longest back-off (an old story by then).
            expired = not delay or now - last > 2 * PULL_BACKOFF_MAX
            delay = PULL_BACKOFF_INITIAL if expired else min(delay * 2, PULL_BACKOFF_MAX)
            self._pull_backoff[key] = (delay, now)
            self._container_event(
                pod, spec, "Warning", "Failed", f'Failed to pull image "{image}": {err}'
            )
            raise StartFailed("ErrImagePull", str(err), delay) from None
        self._pull_backoff.pop(key, None)
        took = go_duration(self.clock() - began)
        self._container_event(
            pod, spec, "Normal", "Pulled",
            f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
            f"Image size: {info.size} bytes.",
        )  # fmt: skip

    def _container_event(
        self, pod: Mapping[str, Any], spec: Mapping[str, Any], event_type: str, reason: str,
        message: str,
    ) -> None:  # fmt: skip
        field_path = container_field_path(pod, spec["name"])
        self.record(pod, event_type, reason, message, field_path=field_path)

    # -- the container ---------------------------------------------------------------------
    async def start(
        self, pod: Mapping[str, Any], sandbox: Sandbox, spec: Mapping[str, Any], attempt: int
    ) -> str:
        try:
            await self.ensure_image(pod, spec)
        except StartFailed as err:
            self._container_event(pod, spec, "Warning", "Failed", f"Error: {err.reason}")
            raise
        try:
            env = await resolve_env(pod, spec, self.lookup, self.services())
            paths = self._volume_paths.get(pod["metadata"]["uid"], {})
            mounts = self.volumes.mounts(spec, pod, paths) if self.volumes else []
        except ConfigError as err:
            self._container_event(pod, spec, "Warning", "Failed", f"Error: {err}")
            raise StartFailed("CreateContainerConfigError", str(err)) from None
        config = ContainerConfig(spec, pod, spec["image"], env, mounts, attempt=attempt)
        try:
            container_id = await self.runtime.create_container(sandbox.id, config)
        except ContainerRuntimeError as err:
            self._container_event(pod, spec, "Warning", "Failed", f"Error: {err}")
            raise StartFailed("CreateContainerError", str(err), 10.0) from None
        self._container_event(pod, spec, "Normal", "Created", f"Created container: {spec['name']}")
        try:
            await self.runtime.start_container(container_id)
        except ContainerRuntimeError as err:
            self._container_event(pod, spec, "Warning", "Failed", f"Error: {err}")
            raise StartFailed("RunContainerError", str(err), 10.0) from None
        self._container_event(pod, spec, "Normal", "Started", f"Started container {spec['name']}")
        await self._post_start(pod, sandbox, spec, container_id)
        return container_id

    async def _post_start(
        self, pod: Mapping[str, Any], sandbox: Sandbox, spec: Mapping[str, Any], container_id: str
    ) -> None:
        hook = (spec.get("lifecycle") or {}).get("postStart")
        if not hook:
            return
        status = await self.runtime.container_status(container_id)
        try:
            await self.run_hook(hook, status, pod, sandbox.ip or "")
        except StartFailed as err:
            self._container_event(pod, spec, "Warning", "FailedPostStartHook", err.message)
            await self.runtime.stop_container(container_id, 0)

    async def run_hook(
        self,
        hook: Mapping[str, Any],
        container: ContainerStatus,
        pod: Mapping[str, Any],
        pod_ip: str | None = None,
    ) -> None:
        """A lifecycle handler (exec, httpGet, tcpSocket or sleep); raises StartFailed if it fails."""
        if hook.get("sleep"):
            await asyncio.sleep(float(hook["sleep"].get("seconds", 0)))
            return
        if pod_ip is None:
            pod_ip = ((pod.get("status") or {}).get("podIP")) or ""
        spec = next(
            (c for c in pod["spec"].get("containers") or [] if c["name"] == container.name), {}
        )
        probe = {**hook, "timeoutSeconds": 3600}  # a hook is bounded by the grace period, not here
        passed, message = await run_probe(
            probe, Target(pod["metadata"]["uid"], spec, container.id, pod_ip), self.runtime
        )
        if not passed:
            raise StartFailed("HookFailed", message)


def container_field_path(pod: Mapping[str, Any], name: str) -> str:
    """Where container `name` sits in its pod, as Kubernetes names it in events:
    `spec.containers{web}`, `spec.initContainers{setup}`; "" when the pod has no such one."""
    spec = pod.get("spec") or {}
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        if any(container.get("name") == name for container in spec.get(kind) or ()):
            return f"spec.{kind}{{{name}}}"
    return ""


def go_duration(seconds: float) -> str:
    """`seconds` as Go prints a time.Duration truncated to milliseconds: 0s, 12ms, 1.5s, 1m0s."""
    millis = int(seconds * 1000)
    if millis < 1000:
        return f"{millis}ms" if millis else "0s"
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    whole, fraction = divmod(millis, 1000)
    text = f"{whole}.{fraction:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    return f"{minutes}m{text}" if minutes else text


def data_lookup(get: Callable[[str, str, str], Awaitable[dict | None]]) -> ObjectLookup:
    """An envvars lookup (decoded data) over a getter of raw ConfigMaps and Secrets."""

    async def lookup(kind: str, namespace: str, name: str) -> Mapping[str, str] | None:
        obj = await get(kind, namespace, name)
        if obj is None:
            return None
        return secret_data(obj) if kind == "Secret" else configmap_data(obj)

    return lookup
