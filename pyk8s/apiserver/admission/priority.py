"""Priority: a pod's `spec.priority` comes from its PriorityClass, never from the client.

On pod creation:
- `priorityClassName` names a PriorityClass (looked up; system-node-critical and
  system-cluster-critical are also known without one stored): the pod gets its value and
  preemption policy. An unknown name is 403 'no PriorityClass with name <x> was found'.
- no name: the global default PriorityClass when the chain can list PriorityClasses
  (AdmissionRequest.list_objects), else priority 0 and PreemptLowerPriority.
- a `spec.priority` or `spec.preemptionPolicy` the client wrote that differs from the
  computed one is refused with Kubernetes' message.
On update, a pod that leaves out priority/preemptionPolicy keeps the stored values.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.admission import AdmissionRequest, register_plugin
from pyk8s.apiserver.admission._pods import forbidden, pod_write

DEFAULT_PREEMPTION = "PreemptLowerPriority"
SYSTEM_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


async def _class(request: AdmissionRequest, name: str) -> dict[str, Any] | None:
    found = await request.lookup("priorityclasses", "scheduling.k8s.io", "", name)
    if found is None and name in SYSTEM_CLASSES:
        return {"metadata": {"name": name}, "value": SYSTEM_CLASSES[name]}
    return found


async def _global_default(request: AdmissionRequest) -> dict[str, Any] | None:
    list_objects = getattr(request, "list_objects", None)
    if list_objects is None:
        return None
    classes = [
        c
        for c in await list_objects("priorityclasses", "scheduling.k8s.io", "")
        if c.get("globalDefault")
    ]
    # Should there be several (a race), Kubernetes takes the one with the lowest value.
    return min(classes, key=lambda c: c.get("value", 0), default=None)


class Priority:
    name = "Priority"

    async def admit(self, request: AdmissionRequest) -> None:
        pod = pod_write(request, "CREATE", "UPDATE")
        if pod is None:
            return
        spec = pod.setdefault("spec", {})
        if request.operation == "UPDATE":
            old_spec = (request.old_object or {}).get("spec") or {}
            for name in ("priority", "preemptionPolicy"):
                if spec.get(name) is None and old_spec.get(name) is not None:
                    spec[name] = old_spec[name]
            return
        class_name = spec.get("priorityClassName") or ""
        if class_name:
            priority_class = await _class(request, class_name)
            if priority_class is None:
                raise forbidden(request, f"no PriorityClass with name {class_name} was found")
        else:
            priority_class = await _global_default(request)
            if priority_class is not None:
                spec["priorityClassName"] = priority_class["metadata"]["name"]
        value = (priority_class or {}).get("value", 0)
        preemption = (priority_class or {}).get("preemptionPolicy") or DEFAULT_PREEMPTION
        if spec.get("priority") is not None and spec["priority"] != value:
            raise forbidden(
                request,
                f"the integer value of priority ({spec['priority']}) must not be provided in pod "
                f"spec; priority admission controller computed {value} from the given "
                "PriorityClass name",
            )
        if spec.get("preemptionPolicy") not in (None, preemption):
            raise forbidden(
                request,
                f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not be "
                f"provided in pod spec; priority admission controller computed {preemption} "
                "from the given PriorityClass name",
            )
        spec["priority"], spec["preemptionPolicy"] = value, preemption


register_plugin(Priority.name, Priority)
