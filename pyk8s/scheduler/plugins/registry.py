"""Plugins by name: the in-tree registry, and the default profile's plugin list.

A factory takes the plugin's arguments (from the profile's pluginConfig) and the Handle.
`DEFAULT_PLUGINS` is kube-scheduler's default multiPoint list in its order (the order of
Filter plugins decides which reason a rejected node reports) with its score weights; plugins
kube-scheduler has but pyk8s does not (volumes, images) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyk8s.scheduler.plugin import Handle
from pyk8s.scheduler.plugins import (
    balanced_allocation,
    default_binder,
    default_preemption,
    inter_pod_affinity,
    node_affinity,
    node_name,
    node_ports,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    taint_toleration,
)

Factory = Callable[[dict[str, Any], Handle], object]

REGISTRY: dict[str, Factory] = {
    module.NAME: module.factory
    for module in (
        node_unschedulable,
        node_name,
        taint_toleration,
        node_affinity,
        node_ports,
        node_resources_fit,
        pod_topology_spread,
        inter_pod_affinity,
        default_preemption,
        balanced_allocation,
        default_binder,
    )
}

DEFAULT_PLUGINS: list[tuple[str, int]] = [
    (node_unschedulable.NAME, 0),
    (node_name.NAME, 0),
    (taint_toleration.NAME, 3),
    (node_affinity.NAME, 2),
    (node_ports.NAME, 0),
    (node_resources_fit.NAME, 1),
    (pod_topology_spread.NAME, 2),
    (inter_pod_affinity.NAME, 2),
    (default_preemption.NAME, 0),
    (balanced_allocation.NAME, 1),
    (default_binder.NAME, 0),
]

# Real kube-scheduler plugins that a configuration may name but pyk8s has no use for (the queue
# sorts by priority itself; there are no volumes or image lists to consider). Accepted, ignored.
NOT_IMPLEMENTED = {
    "PrioritySort",
    "SchedulingGates",
    "VolumeRestrictions",
    "NodeVolumeLimits",
    "VolumeBinding",
    "VolumeZone",
    "ImageLocality",
    "DynamicResources",
}
