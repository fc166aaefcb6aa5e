"""Columns of the apps/v1 workload kinds: deployments, replica sets, stateful sets, daemon sets
and controller revisions.

READY reads `ready/desired`; with -o wide each kind also shows its template's containers and
images and its selector, written as selector text (`app=web`).
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    Obj,
    age,
    column,
    container_cells,
    format_labels,
    format_selector,
    name_of,
    printer,
    selector_text,
    template_spec,
)

SELECTOR = column("Selector", "The label selector of the pods it manages.", priority=1)


@printer(
    "apps",
    "Deployment",
    [
        NAME,
        column("Ready", "Ready pods out of the desired number."),
        column("Up-to-date", "Pods running the current template."),
        column("Available", "Pods ready for at least minReadySeconds."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
)
def deployment_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    selector = selector_text(spec.get("selector"))
    return [
        name_of(obj),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        age(obj, now),
        *container_cells(template_spec(obj)),
        "<invalid>" if selector is None else selector,
    ]


@printer(
    "apps",
    "ReplicaSet",
    [
        NAME,
        column("Desired", "Pods wanted (spec.replicas).", type="integer"),
        column("Current", "Pods that exist (status.replicas).", type="integer"),
        column("Ready", "Pods that are ready.", type="integer"),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
)
def replica_set_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [
        name_of(obj),
        spec.get("replicas", 0),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        age(obj, now),
        *container_cells(template_spec(obj)),
        format_selector(spec.get("selector")),
    ]


@printer(
    "apps",
    "StatefulSet",
    [NAME, column("Ready", "Ready pods out of the desired number."), AGE, CONTAINERS, IMAGES],
)
def stateful_set_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [
        name_of(obj),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        age(obj, now),
        *container_cells(template_spec(obj)),
    ]


@printer(
    "apps",
    "DaemonSet",
    [
        NAME,
        column("Desired", "Nodes that should run the daemon pod.", type="integer"),
        column("Current", "Nodes running at least one daemon pod.", type="integer"),
        column("Ready", "Nodes whose daemon pod is ready.", type="integer"),
        column("Up-to-date", "Nodes running the current template.", type="integer"),
        column("Available", "Nodes whose daemon pod is available.", type="integer"),
        column("Node Selector", "The node labels the pods are limited to."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
)
def daemon_set_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    status, pod_spec = obj.get("status", {}), template_spec(obj)
    return [
        name_of(obj),
        status.get("desiredNumberScheduled", 0),
        status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0),
        status.get("updatedNumberScheduled", 0),
        status.get("numberAvailable", 0),
        format_labels(pod_spec.get("nodeSelector")),
        age(obj, now),
        *container_cells(pod_spec),
        format_selector(obj.get("spec", {}).get("selector")),
    ]


@printer(
    "apps",
    "ControllerRevision",
    [
        NAME,
        column("Controller", "The object that owns the revision, as kind.group/name."),
        column("Revision", "The revision number."),
        AGE,
    ],
)
def controller_revision_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    controller = "<none>"
    for owner in obj.get("metadata", {}).get("ownerReferences") or ():
        if owner.get("controller"):
            controller = owner.get("name", "")
            group = owner.get("apiVersion", "").rpartition("/")[0]
            kind = owner.get("kind", "")
            if kind:
                controller = f"{kind}.{group}".rstrip(".").lower() + "/" + controller
            break
    return [name_of(obj), controller, obj.get("revision", 0), age(obj, now)]
