"""Pods: born Pending, deleted gracefully, updated only where Kubernetes allows.

- Create: the client's status is dropped; the pod starts with `status.phase` Pending, its
  `status.qosClass` (pod_qos.py) and, while it has scheduling gates, a PodScheduled=False
  condition with reason SchedulingGated (what `kubectl get pod` shows as its STATUS).
  Create-only rules (no ephemeral containers yet) come from core_pod_validation.
- Update: the spec rules (only images, activeDeadlineSeconds, tolerations, gates may change)
  are the Pod's update validators, run by the generic validation. `/status` keeps the spec,
  owner references and, when the writer leaves it out, qosClass. `/ephemeralcontainers`
  changes only spec.ephemeralContainers (`prepare_for_ephemeralcontainers_update`,
  `validate_ephemeralcontainers_update`).
- Delete: graceful (`graceful_delete_seconds`), answered with the pod itself.
- Field selectors: Kubernetes' list (spec.nodeName, status.phase, status.podIP, ...).
"""

from __future__ import annotations

import copy
from typing import Any

from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_pod_update import validate_ephemeral_containers_update
from pyk8s.api.kinds.core_pod_validation import validate_pod_create
from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.pod_qos import pod_qos_class
from pyk8s.apiserver.strategies.selectable import SelectableStrategy, boolean, text

TERMINAL_PHASES = ("Succeeded", "Failed")
SCHEDULING_GATED = {
    "type": "PodScheduled",
    "status": "False",
    "reason": "SchedulingGated",
    "message": "Scheduling is blocked due to non-empty scheduling gates",
}


def _first_pod_ip(pod: dict[str, Any]) -> str:
    ips = (pod.get("status") or {}).get("podIPs") or []
    return (ips[0] or {}).get("ip", "") if ips else ""


class PodStrategy(SelectableStrategy):
    return_deleted_object = True
    selectable_fields = {
        "spec.nodeName": text("spec.nodeName"),
        "spec.restartPolicy": text("spec.restartPolicy"),
        "spec.schedulerName": text("spec.schedulerName"),
        "spec.serviceAccountName": text("spec.serviceAccountName"),
        "spec.hostNetwork": boolean("spec.hostNetwork"),
        "status.phase": text("status.phase"),
        "status.podIP": _first_pod_ip,
        "status.nominatedNodeName": text("status.nominatedNodeName"),
    }

    # ---- create ----------------------------------------------------------------------

    def prepare_for_create(self, obj: dict[str, Any]) -> None:
        super().prepare_for_create(obj)
        status: dict[str, Any] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
        if (obj.get("spec") or {}).get("schedulingGates"):
            status["conditions"] = [dict(SCHEDULING_GATED)]
        obj["status"] = status

    def validate(self, obj: dict[str, Any]) -> list[Cause]:
        causes = super().validate(obj)
        if not obj.get("metadata", {}).get("resourceVersion"):
            # Not stored yet: a create (the store sets resourceVersion only on stored objects).
            causes += validate_pod_create(obj)
        return causes

    # ---- subresources ----------------------------------------------------------------

    def prepare_for_status_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        status = new.get("status") or {}
        super().prepare_for_status_update(new, old)
        # A kubelet that rejected a pod may send a status without qosClass; keep it.
        old_qos = (old.get("status") or {}).get("qosClass")
        if old_qos and not status.get("qosClass") and "status" in new:
            new["status"]["qosClass"] = old_qos

    def prepare_for_ephemeralcontainers_update(
        self, new: dict[str, Any], old: dict[str, Any]
    ) -> None:
        """A write to `/ephemeralcontainers`: only spec.ephemeralContainers changes."""
        containers = (new.get("spec") or {}).get("ephemeralContainers")
        managed = new.get("metadata", {}).get("managedFields")
        new.clear()
        new.update(copy.deepcopy(old))
        spec = new.setdefault("spec", {})
        if containers:
            spec["ephemeralContainers"] = containers
        else:
            spec.pop("ephemeralContainers", None)
        if managed is not None:
            new["metadata"]["managedFields"] = managed

    def validate_ephemeralcontainers_update(
        self, new: dict[str, Any], old: dict[str, Any]
    ) -> list[Cause]:
        # The pod's own update rules would refuse the new containers: only these apply.
        return self.validate(new) + validate_ephemeral_containers_update(new, old)

    # ---- delete ----------------------------------------------------------------------

    def graceful_delete_seconds(self, obj: dict[str, Any], options: dict[str, Any]) -> int | None:
        """Kubernetes' CheckGracefulDelete: the grace a DELETE gives the pod's containers.

        DeleteOptions.gracePeriodSeconds wins over spec.terminationGracePeriodSeconds; a pod
        that no node runs (unscheduled, or already finished) has nothing to stop and goes at
        once; a negative period means 1 second.
        """
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        period = options.get("gracePeriodSeconds")
        if period is None:
            period = spec.get("terminationGracePeriodSeconds") or 0
        if not spec.get("nodeName") or status.get("phase") in TERMINAL_PHASES:
            period = 0
        if period < 0:
            period = 1
        return period or None


register_strategy("", "pods", PodStrategy)
