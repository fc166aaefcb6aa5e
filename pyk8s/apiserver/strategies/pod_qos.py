"""A pod's quality-of-service class, as the API server records it in `status.qosClass`.

- BestEffort: no container (regular or init) requests or limits cpu or memory.
- Guaranteed: every container limits both cpu and memory, and the pod's summed requests
  equal its summed limits (a limit without a request was defaulted to a request already).
- Burstable: everything else.

Only cpu and memory count; other resources (ephemeral-storage, hugepages, devices) do not.
Ephemeral containers have no resources and do not count either.
"""

from __future__ import annotations

from typing import Any

from pyk8s.api.quantity import Quantity, QuantityError

QOS_RESOURCES = ("cpu", "memory")


def _nonzero(resources: dict[str, Any] | None) -> dict[str, Quantity]:
    found = {}
    for name, value in (resources or {}).items():
        if name not in QOS_RESOURCES:
            continue
        try:
            quantity = Quantity.parse(value)
        except QuantityError:
            continue  # validation refuses it; QoS is computed for valid pods only
        if not quantity.is_zero():
            found[name] = quantity
    return found


def pod_qos_class(pod: dict[str, Any]) -> str:
    spec = pod.get("spec") or {}
    containers = [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        for name, quantity in _nonzero(resources.get("requests")).items():
            requests[name] = requests[name] + quantity if name in requests else quantity
        container_limits = _nonzero(resources.get("limits"))
        for name, quantity in container_limits.items():
            limits[name] = limits[name] + quantity if name in limits else quantity
        if set(container_limits) != set(QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    equal = requests.keys() == limits.keys() and all(requests[n] == limits[n] for n in requests)
    return "Guaranteed" if guaranteed and equal else "Burstable"
