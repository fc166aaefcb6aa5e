"""Small builders for Pod and Node JSON, in the spirit of kube-scheduler's MakePod()."""

from __future__ import annotations

from typing import Any

from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.config import Profile, build_framework
from pyk8s.scheduler.framework import Framework
from pyk8s.scheduler.plugin import Handle


def make_node(
    name: str,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: int = 110,
    *,
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    unschedulable: bool = False,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    allocatable = {"cpu": cpu, "memory": memory, "pods": str(pods), **(extra or {})}
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, **(labels or {})},
        },
        "spec": spec,
        "status": {"allocatable": allocatable, "capacity": allocatable},
    }


def make_pod(
    name: str,
    cpu: str | None = None,
    memory: str | None = None,
    *,
    namespace: str = "default",
    node: str = "",
    labels: dict[str, str] | None = None,
    priority: int = 0,
    host_port: int = 0,
    spec: dict[str, Any] | None = None,
    extra: dict[str, str] | None = None,
    start_time: str = "",
) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    requests.update(extra or {})
    container: dict[str, Any] = {"name": "c", "image": "busybox"}
    if requests:
        container["resources"] = {"requests": requests}
    if host_port:
        container["ports"] = [{"containerPort": 80, "hostPort": host_port, "protocol": "TCP"}]
    pod_spec: dict[str, Any] = {"containers": [container], "priority": priority, **(spec or {})}
    if node:
        pod_spec["nodeName"] = node
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{namespace}-{name}",
            "labels": labels or {},
        },
        "spec": pod_spec,
        "status": {"startTime": start_time} if start_time else {},
    }


def cluster(nodes: list[dict[str, Any]], pods: list[dict[str, Any]] = ()) -> SchedulerCache:
    cache = SchedulerCache()
    for node in nodes:
        cache.add_node(node)
    for pod in pods:
        cache.add_pod(pod)
    return cache


def default_framework(cache: SchedulerCache, profile: Profile | None = None) -> Framework:
    return build_framework(profile or Profile(), Handle(cache))
