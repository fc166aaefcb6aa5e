"""KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): the subset pyk8s honours.

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    percentageOfNodesToScore: 50          # 0 or absent: adaptive, as kube-scheduler
    podInitialBackoffSeconds: 1
    podMaxBackoffSeconds: 10
    clientConnection: {kubeconfig: FILE, qps: 50, burst: 100}
    leaderElection: {leaderElect: true, leaseDuration: 15s, renewDeadline: 10s, retryPeriod: 2s}
    profiles:
    - schedulerName: default-scheduler
      plugins:
        multiPoint: {enabled: [{name: X, weight: 2}], disabled: [{name: "*"}]}
        score: {disabled: [{name: NodeResourcesBalancedAllocation}]}
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}

Plugin lists merge as kube-scheduler merges them: the profile's multiPoint list is merged into
the defaults (a default named again keeps its place with the new weight; "*" disables all
defaults); then at each extension point, plugins named there come first ("overrides"), then the
multiPoint ones that implement the point and are not disabled there, then other plugins named
there. A score weight of 0 counts as 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from pyk8s.scheduler.framework import Framework
from pyk8s.scheduler.plugin import Handle
from pyk8s.scheduler.plugins.registry import DEFAULT_PLUGINS, NOT_IMPLEMENTED, REGISTRY
from pyk8s.scheduler.podinfo import DEFAULT_SCHEDULER_NAME

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
# Extension point (as spelled in the configuration) -> method a plugin implements for it.
EXTENSION_POINTS = {
    "preFilter": "pre_filter",
    "filter": "filter",
    "postFilter": "post_filter",
    "preScore": "pre_score",
    "score": "score",
    "reserve": "reserve",
    "permit": "permit",
    "preBind": "pre_bind",
    "bind": "bind",
    "postBind": "post_bind",
}


class ConfigError(ValueError):
    pass


@dataclass
class Profile:
    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    plugins: dict[str, Any] = field(default_factory=dict)
    plugin_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    percentage_of_nodes_to_score: int | None = None


@dataclass
class SchedulerConfiguration:
    profiles: list[Profile] = field(default_factory=lambda: [Profile()])
    percentage_of_nodes_to_score: int = 0
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
    leader_elect: bool = True
    lease_duration_seconds: float = 15.0
    renew_deadline_seconds: float = 10.0
    retry_period_seconds: float = 2.0
    kubeconfig: str = ""
    # clientConnection: kube-scheduler's own client rate limit (not client-go's 5/10).
    client_qps: float = 50.0
    client_burst: int = 100


def load_configuration(text: str) -> SchedulerConfiguration:
    document = yaml.safe_load(text) or {}
    if document.get("apiVersion") != API_VERSION or document.get("kind") != KIND:
        raise ConfigError(f"expected apiVersion {API_VERSION} and kind {KIND}")
    profiles = [_profile(raw) for raw in document.get("profiles") or [{}]]
    names = [p.scheduler_name for p in profiles]
    if len(set(names)) != len(names):
        raise ConfigError(f"duplicate profile schedulerName in {names}")
    election = document.get("leaderElection") or {}
    connection = document.get("clientConnection") or {}
    return SchedulerConfiguration(
        profiles=profiles,
        percentage_of_nodes_to_score=int(document.get("percentageOfNodesToScore") or 0),
        pod_initial_backoff_seconds=float(document.get("podInitialBackoffSeconds") or 1),
        pod_max_backoff_seconds=float(document.get("podMaxBackoffSeconds") or 10),
        leader_elect=bool(election.get("leaderElect", True)),
        lease_duration_seconds=parse_duration(election.get("leaseDuration") or "15s"),
        renew_deadline_seconds=parse_duration(election.get("renewDeadline") or "10s"),
        retry_period_seconds=parse_duration(election.get("retryPeriod") or "2s"),
        kubeconfig=connection.get("kubeconfig") or "",
        client_qps=float(connection.get("qps") or 50),
        client_burst=int(connection.get("burst") or 100),
    )


_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str | int | float) -> float:
    """Seconds in a Go duration as the configuration spells them ("15s", "1m30s", "500ms")."""
    if isinstance(text, int | float):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ConfigError(f"invalid duration {text!r}")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def _profile(raw: dict[str, Any]) -> Profile:
    args = {entry["name"]: entry.get("args") or {} for entry in raw.get("pluginConfig") or []}
    plugins = raw.get("plugins") or {}
    for point in plugins:
        if point not in EXTENSION_POINTS and point not in ("multiPoint", "queueSort", "preEnqueue"):
            raise ConfigError(f"unknown extension point {point!r}")
        for entry in (plugins[point] or {}).get("enabled") or []:
            _check_name(entry["name"])
    percentage = raw.get("percentageOfNodesToScore")
    return Profile(
        scheduler_name=raw.get("schedulerName") or DEFAULT_SCHEDULER_NAME,
        plugins=plugins,
        plugin_args=args,
        percentage_of_nodes_to_score=None if percentage is None else int(percentage),
    )


def _check_name(name: str) -> None:
    if name not in REGISTRY and name not in NOT_IMPLEMENTED:
        raise ConfigError(f"plugin {name!r} is not registered")


def multi_point_plugins(profile: Profile) -> list[tuple[str, int]]:
    """The defaults merged with the profile's multiPoint section."""
    section = profile.plugins.get("multiPoint") or {}
    disabled = {entry["name"] for entry in section.get("disabled") or []}
    enabled = [(e["name"], int(e.get("weight") or 0)) for e in section.get("enabled") or []]
    chosen = dict(enabled)
    merged = []
    if "*" not in disabled:
        for name, weight in DEFAULT_PLUGINS:
            if name not in disabled:
                merged.append((name, chosen.pop(name, weight)))
    merged += [(name, weight) for name, weight in enabled if name in chosen]
    return [(name, weight) for name, weight in merged if name in REGISTRY]


def build_framework(profile: Profile, handle: Handle, global_percentage: int = 0) -> Framework:
    instances: dict[str, object] = {}

    def instance(name: str) -> object:
        if name not in instances:
            instances[name] = REGISTRY[name](profile.plugin_args.get(name, {}), handle)
        return instances[name]

    multi = multi_point_plugins(profile)
    weights = {name: weight or 1 for name, weight in multi}
    points: dict[str, list[object]] = {}
    for point, method in EXTENSION_POINTS.items():
        section = profile.plugins.get(point) or {}
        disabled = {entry["name"] for entry in section.get("disabled") or []}
        specific = [e["name"] for e in section.get("enabled") or [] if e["name"] in REGISTRY]
        if point == "score":
            for entry in section.get("enabled") or []:
                weights[entry["name"]] = int(entry.get("weight") or 0) or 1
        from_multi = []
        if "*" not in disabled:
            from_multi = [n for n, _ in multi if n not in disabled and hasattr(instance(n), method)]
        overrides = [n for n in specific if n in from_multi]
        ordered = overrides + [n for n in from_multi if n not in overrides]
        ordered += [n for n in specific if n not in ordered]
        points[point] = [instance(n) for n in ordered]
    percentage = profile.percentage_of_nodes_to_score
    framework = Framework(
        profile.scheduler_name,
        points,
        weights,
        global_percentage if percentage is None else percentage,
    )
    handle.framework = framework
    return framework
