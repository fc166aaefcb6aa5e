"""What may change when a pod is updated, and the rules of replication controllers and bindings.

A pod's spec is nearly immutable: Kubernetes lets an update change container images, lower
activeDeadlineSeconds, add tolerations and remove scheduling gates, and answers anything
else with one Forbidden error on `spec` listing what may change (ValidatePodUpdate).
Ephemeral containers are added only through their subresource, whose rules
(`validate_ephemeral_containers_update`) the API server calls for that subresource.
"""

import copy

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_pod_validation import at
from pyk8s.api.schema import update_validator, validator

CORE = "io.k8s.api.core.v1."

UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


@update_validator(CORE + "Pod")
def validate_pod_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = _deadline_update(new_spec, old_spec)
    causes += _tolerations_update(new_spec, old_spec)
    causes += _scheduling_gates_update(new_spec, old_spec)
    # Copy the allowed changes back from the old spec: whatever still differs is forbidden.
    munged = copy.deepcopy(new_spec)
    for kind in ("containers", "initContainers"):
        for container, old_container in zip(
            munged.get(kind) or [], old_spec.get(kind) or [], strict=False
        ):
            _set_or_drop(container, "image", old_container.get("image"))
    for name in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        _set_or_drop(munged, name, old_spec.get(name))
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != old_spec:
        detail = "pod updates may not change fields other than " + ",".join(
            UPDATABLE_POD_SPEC_FIELDS
        )
        causes.append(validation.forbidden("spec", detail + "\n" + spec_diff(old_spec, munged)))
    return causes


def _set_or_drop(target: dict, name: str, value: object) -> None:
    if value is None:
        target.pop(name, None)
    else:
        target[name] = copy.deepcopy(value)


def _deadline_update(new_spec: dict, old_spec: dict) -> list[Cause]:
    new, old = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    path = "spec.activeDeadlineSeconds"
    if old is None or new == old:
        return []
    if new is None:
        return [
            validation.invalid(path, None, "must not update from a positive integer to nil value")
        ]
    if new > old:
        return [validation.invalid(path, new, "must be less than or equal to previous value")]
    return []


def _toleration_key(toleration: dict) -> tuple:
    return tuple(toleration.get(k) or "" for k in ("key", "operator", "value", "effect"))


def _tolerations_update(new_spec: dict, old_spec: dict) -> list[Cause]:
    new_keys = {_toleration_key(t) for t in new_spec.get("tolerations") or []}
    return [
        validation.forbidden(
            f"spec.tolerations[{index}]",
            "existing toleration can not be modified except its tolerationSeconds",
        )
        for index, toleration in enumerate(old_spec.get("tolerations") or [])
        if _toleration_key(toleration) not in new_keys
    ]


def _scheduling_gates_update(new_spec: dict, old_spec: dict) -> list[Cause]:
    old_gates = {gate.get("name") for gate in old_spec.get("schedulingGates") or []}
    return [
        validation.forbidden(
            "spec.schedulingGates",
            f"only deletion is allowed, but found new scheduling gate '{gate.get('name')}'",
        )
        for gate in new_spec.get("schedulingGates") or []
        if gate.get("name") not in old_gates
    ]


def spec_diff(old: object, new: object, path: str = "spec") -> str:
    """A short, readable list of what differs (Kubernetes prints a Go struct diff here)."""
    lines: list[str] = []
    _diff_into(lines, old, new, path)
    return "\n".join(lines[:20])


def _diff_into(lines: list[str], old: object, new: object, path: str) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff_into(lines, old.get(key), new.get(key), f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff_into(lines, a, b, f"{path}[{index}]")
    elif old != new:
        lines.append(f"  {path}: {old!r} -> {new!r}")


def validate_ephemeral_containers_update(new: dict, old: dict) -> list[Cause]:
    """pods/ephemeralcontainers: containers may be added, never removed or changed."""
    path = "spec.ephemeralContainers"
    new_by_name = {
        c.get("name"): c for c in (new.get("spec") or {}).get("ephemeralContainers") or []
    }
    causes = []
    for container in (old.get("spec") or {}).get("ephemeralContainers") or []:
        name = container.get("name")
        if name not in new_by_name:
            causes.append(
                validation.forbidden(
                    path, f'existing ephemeral containers "{name}" may not be removed\n'
                )
            )
        elif new_by_name[name] != container:
            causes.append(
                validation.forbidden(
                    path, f'existing ephemeral containers "{name}" may not be changed\n'
                )
            )
    return causes


# --- replication controllers and bindings -------------------------------------------------


@validator(CORE + "ReplicationControllerSpec")
def validate_replication_controller_spec(spec: dict, path: str) -> list[Cause]:
    causes = []
    for name in ("replicas", "minReadySeconds"):
        value = spec.get(name)
        if value is not None and value < 0:
            causes.append(
                validation.invalid(at(path, name), value, "must be greater than or equal to 0")
            )
    selector = spec.get("selector") or {}
    if not selector:
        causes.append(validation.required(at(path, "selector")))
    template = spec.get("template")
    if template is None:
        causes.append(validation.required(at(path, "template")))
        return causes
    labels = (template.get("metadata") or {}).get("labels") or {}
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        causes.append(
            validation.invalid(
                at(path, "template.metadata.labels"),
                labels,
                "`selector` does not match template `labels`",
            )
        )
    restart = (template.get("spec") or {}).get("restartPolicy")
    if restart is not None and restart != "Always":
        causes.append(
            validation.not_supported(at(path, "template.spec.restartPolicy"), restart, ["Always"])
        )
    return causes


@validator(CORE + "Binding")
def validate_binding(binding: dict, path: str) -> list[Cause]:
    target = binding.get("target") or {}
    causes = []
    if not target.get("name"):
        causes.append(validation.required(at(path, "target.name")))
    kind = target.get("kind") or ""
    if kind not in ("", "Node"):
        causes.append(validation.not_supported(at(path, "target.kind"), kind, ["Node", "<empty>"]))
    return causes
