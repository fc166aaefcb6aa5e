"""Validation of PersistentVolumes and PersistentVolumeClaims, with Kubernetes' messages.

Mirrors ValidatePersistentVolume, ValidatePersistentVolumeClaim and their Update variants in
pkg/apis/core/validation (v1.32). The checks of the individual sources shared with pod volumes
(hostPath, nfs, ...) run wherever those structs appear, so they hold here too.
"""

import copy

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_storage import (
    PV_SOURCES,
    access_mode_causes,
    positive_quantity_causes,
)
from pyk8s.api.quantity import Quantity, QuantityError
from pyk8s.api.schema import update_validator, validator

CORE = "io.k8s.api.core.v1."
SOURCE_NAMES = tuple(name for name, _, _, _ in PV_SOURCES)


def _source_causes(spec: dict) -> list[Cause]:
    """A volume has exactly one source; local volumes also need node affinity."""

    present = [name for name in SOURCE_NAMES if spec.get(name) is not None]
    if not present:
        return [validation.required("spec", "must specify a volume type")]
    causes = [
        validation.forbidden(f"spec.{name}", "may not specify more than 1 volume type")
        for name in present[1:]
    ]
    if "local" in present and not (spec.get("nodeAffinity") or {}).get("required"):
        # Kubernetes still reports this at the annotation that once carried node affinity.
        causes.append(
            validation.required("metadata.annotations", "Local volume requires node affinity")
        )
    return causes


@validator(CORE + "PersistentVolume")
def validate_persistent_volume(volume: dict, path: str) -> list[Cause]:
    spec = volume.get("spec") or {}
    causes = access_mode_causes(spec.get("accessModes") or [], "spec.accessModes")
    capacity = spec.get("capacity") or {}
    if not capacity:
        causes.append(validation.required("spec.capacity"))
    elif set(capacity) != {"storage"}:
        causes.append(validation.not_supported("spec.capacity", sorted(capacity), ["storage"]))
    for resource, value in capacity.items():
        causes += positive_quantity_causes(value, f"spec.capacity[{resource}]")
    return causes + _source_causes(spec)


@update_validator(CORE + "PersistentVolume")
def validate_persistent_volume_update(new: dict, old: dict) -> list[Cause]:
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = []
    if any(new_spec.get(name) != old_spec.get(name) for name in SOURCE_NAMES):
        detail = "spec.persistentvolumesource is immutable after creation"
        causes.append(validation.forbidden("spec.persistentvolumesource", detail))
    if new_spec.get("volumeMode") != old_spec.get("volumeMode"):
        causes.append(validation.immutable("volumeMode", new_spec.get("volumeMode")))
    return causes


@validator(CORE + "PersistentVolumeClaimSpec")
def validate_claim_spec(spec: dict, path: str) -> list[Cause]:
    where = validation.child(path, "accessModes")
    detail = "at least 1 access mode is required"
    causes = access_mode_causes(spec.get("accessModes") or [], where, detail)
    requests = (spec.get("resources") or {}).get("requests") or {}
    storage_path = f"{validation.child(path, 'resources')}[storage]"
    if "storage" not in requests:
        causes.append(validation.required(storage_path))
    else:
        causes += positive_quantity_causes(requests["storage"], storage_path)
    return causes


def _storage_request(claim: dict) -> object:
    return (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")


@update_validator(CORE + "PersistentVolumeClaim")
def validate_claim_update(new: dict, old: dict) -> list[Cause]:
    """A claim's spec is frozen, except what binding and resizing legitimately change."""

    new_spec = copy.deepcopy(new.get("spec") or {})
    old_spec = copy.deepcopy(old.get("spec") or {})
    if not old_spec.get("volumeName"):
        # The controller sets volumeName once, when it binds the claim.
        _copy_field(new_spec, old_spec, "volumeName")
    _copy_field(new_spec, old_spec, "volumeAttributesClassName")
    if (new.get("status") or {}).get("phase") == "Bound":
        # Only a bound claim can be resized.
        new_requests = (new_spec.get("resources") or {}).get("requests")
        old_requests = (old_spec.get("resources") or {}).get("requests") or {}
        if new_requests is not None and "storage" in old_requests:
            new_requests["storage"] = old_requests["storage"]
    causes = []
    if new_spec != old_spec:
        detail = (
            "spec is immutable after creation except resources.requests and "
            "volumeAttributesClassName for bound claims"
        )
        causes.append(validation.forbidden("spec", detail))
    try:
        shrunk = Quantity.parse(_storage_request(new)) < Quantity.parse(_storage_request(old))  # type: ignore[arg-type]
    except (QuantityError, ValueError, TypeError):
        shrunk = False
    if shrunk:
        path = "spec.resources.requests.storage"
        causes.append(validation.forbidden(path, "field can not be less than previous value"))
    return causes


def _copy_field(new: dict, old: dict, name: str) -> None:
    if name in new:
        old[name] = new[name]
    else:
        old.pop(name, None)
