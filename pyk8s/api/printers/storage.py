"""Columns of persistent volumes, their claims and storage classes.

A volume or claim being deleted shows `Terminating` instead of its phase; access modes are
abbreviated as kubectl users know them (RWO, ROX, RWX, RWOP); the storage class comes from the
legacy beta annotation when present, as Kubernetes still honours it.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyk8s.api.printers.common import AGE, NAME, Obj, age, column, name_of, printer, quantity_text

ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)
LEGACY_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def access_modes(modes: list[str] | None) -> str:
    present = set(modes or ())
    return ",".join(short for mode, short in ACCESS_MODES if mode in present)


def storage_class(obj: Obj) -> str:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    if LEGACY_CLASS_ANNOTATION in annotations:
        return annotations[LEGACY_CLASS_ANNOTATION]
    return obj.get("spec", {}).get("storageClassName") or ""


def _phase(obj: Obj) -> str:
    if obj.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    return obj.get("status", {}).get("phase", "")


def _storage(resources: dict[str, Any] | None) -> str:
    amount = (resources or {}).get("storage")
    return quantity_text(amount) if amount is not None else "0"


@printer(
    "",
    "PersistentVolume",
    [
        NAME,
        column("Capacity", "The volume's storage size."),
        column("Access Modes", "How the volume may be mounted."),
        column("Reclaim Policy", "What happens to the volume when its claim is deleted."),
        column("Status", "Available, Bound, Released or Failed."),
        column("Claim", "The claim bound to the volume, as namespace/name."),
        column("StorageClass", "The volume's storage class."),
        column("VolumeAttributesClass", "The volume's attributes class."),
        column("Reason", "Why the volume is in its phase."),
        AGE,
        column("VolumeMode", "Filesystem or Block.", priority=1),
    ],
)
def persistent_volume_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec", {})
    claim = spec.get("claimRef")
    return [
        name_of(obj),
        _storage(spec.get("capacity")),
        access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        _phase(obj),
        f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "",
        storage_class(obj),
        spec.get("volumeAttributesClassName") or "<unset>",
        obj.get("status", {}).get("reason", ""),
        age(obj, now),
        spec.get("volumeMode") or "<unset>",
    ]


@printer(
    "",
    "PersistentVolumeClaim",
    [
        NAME,
        column("Status", "Pending, Bound or Lost."),
        column("Volume", "The volume bound to the claim."),
        column("Capacity", "The bound volume's size."),
        column("Access Modes", "How the bound volume may be mounted."),
        column("StorageClass", "The claim's storage class."),
        column("VolumeAttributesClass", "The claim's attributes class."),
        AGE,
        column("VolumeMode", "Filesystem or Block.", priority=1),
    ],
)
def persistent_volume_claim_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    volume = spec.get("volumeName", "")
    capacity = _storage(status.get("capacity")) if volume else ""
    modes = access_modes(status.get("accessModes")) if volume else ""
    return [
        name_of(obj),
        _phase(obj),
        volume,
        capacity,
        modes,
        storage_class(obj),
        spec.get("volumeAttributesClassName") or "<unset>",
        age(obj, now),
        spec.get("volumeMode") or "<unset>",
    ]


@printer(
    "storage.k8s.io",
    "StorageClass",
    [
        NAME,
        column("Provisioner", "The driver that makes volumes of this class."),
        column("ReclaimPolicy", "What happens to its volumes when their claims go."),
        column("VolumeBindingMode", "Immediate, or WaitForFirstConsumer."),
        column("AllowVolumeExpansion", "Whether claims may grow."),
        AGE,
    ],
)
def storage_class_cells(obj: Obj, now: datetime.datetime) -> list[Any]:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    name = name_of(obj)
    if any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS):
        name += " (default)"
    return [
        name,
        obj.get("provisioner", ""),
        obj.get("reclaimPolicy") or "Delete",
        obj.get("volumeBindingMode") or "Immediate",
        bool(obj.get("allowVolumeExpansion")),
        age(obj, now),
    ]
