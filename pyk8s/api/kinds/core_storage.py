"""core/v1 PersistentVolume and PersistentVolumeClaim: storage that outlives pods.

An administrator (or a provisioner) creates PersistentVolumes; users ask for storage with
PersistentVolumeClaims; the persistent volume controller binds one to the other. A volume has
exactly one source. The sources a pod can also mount directly (hostPath, nfs, fc, ...) are
defined with pod volumes in core_volume.py; the *PersistentVolumeSource variants, which name
secrets in any namespace, are defined here. Go inlines the source into the spec: in JSON the
source sits directly in `spec`, in protobuf inside nested message 2.

Validation follows ValidatePersistentVolume(Claim)(Update) in pkg/apis/core/validation (v1.32):
access modes and a storage size are required, a volume has exactly one source, and a claim's
spec is frozen once created except for a bound claim's requested size and the volumeName the
controller sets when it binds.
"""

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.quantity import Quantity, QuantityError
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import (
    BOOL,
    INT32,
    QUANTITY,
    STRING,
    TIME,
    F,
    ListOf,
    MapOf,
    defaulter,
    define,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
SECRET_REF = CORE + "SecretReference"

ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES = ("Block", "Filesystem")
_READ_ONLY = "Mount read-only when true."
_FS_TYPE = "Filesystem type to mount, such as ext4 or xfs."

define(
    SECRET_REF,
    "A secret by name and namespace.",
    F("name", 1, STRING, "The secret's name."),
    F("namespace", 2, STRING, "The secret's namespace."),
)

define(
    CORE + "CSIPersistentVolumeSource",
    "A volume managed by a CSI driver.",
    F("driver", 1, STRING, "The CSI driver's name.", required=True),
    F("volumeHandle", 2, STRING, "The driver's ID for the volume.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F("fsType", 4, STRING, _FS_TYPE),
    F("volumeAttributes", 5, MapOf(STRING), "Driver-specific attributes of the volume."),
    F("controllerPublishSecretRef", 6, SECRET_REF, "Secret for publish calls.", pointer=True),
    F("nodeStageSecretRef", 7, SECRET_REF, "Secret for stage calls.", pointer=True),
    F("nodePublishSecretRef", 8, SECRET_REF, "Secret for node publish calls.", pointer=True),
    F("controllerExpandSecretRef", 9, SECRET_REF, "Secret for expand calls.", pointer=True),
    F("nodeExpandSecretRef", 10, SECRET_REF, "Secret for node expand calls.", pointer=True),
)

define(
    CORE + "LocalVolumeSource",
    "A disk, partition or directory attached to one node.",
    F("path", 1, STRING, "The full path on the node.", required=True),
    F("fsType", 2, STRING, "Filesystem type, when path is a block device.", pointer=True),
)

define(
    CORE + "ISCSIPersistentVolumeSource",
    "An iSCSI disk.",
    F("targetPortal", 1, STRING, "The target portal, IP or IP:port.", required=True),
    F("iqn", 2, STRING, "The target's iSCSI qualified name.", required=True),
    F("lun", 3, INT32, "The target LUN.", required=True),
    F("iscsiInterface", 4, STRING, "The iSCSI interface to use.", default="default"),
    F("fsType", 5, STRING, _FS_TYPE),
    F("readOnly", 6, BOOL, _READ_ONLY),
    F("portals", 7, ListOf(STRING), "More target portals.", list_type="atomic"),
    F("chapAuthDiscovery", 8, BOOL, "Use CHAP for discovery."),
    F("secretRef", 10, SECRET_REF, "The CHAP secret.", pointer=True),
    F("chapAuthSession", 11, BOOL, "Use CHAP for sessions."),
    F("initiatorName", 12, STRING, "A custom initiator name.", pointer=True),
)

define(
    CORE + "RBDPersistentVolumeSource",
    "A Ceph RBD image (removed from Kubernetes).",
    F("monitors", 1, ListOf(STRING), "Ceph monitors.", required=True, list_type="atomic"),
    F("image", 2, STRING, "The RADOS image name.", required=True),
    F("fsType", 3, STRING, _FS_TYPE),
    F("pool", 4, STRING, "The RADOS pool.", default="rbd"),
    F("user", 5, STRING, "The RADOS user.", default="admin"),
    F("keyring", 6, STRING, "Path to the keyring.", default="/etc/ceph/keyring"),
    F("secretRef", 7, SECRET_REF, "Secret overriding the keyring.", pointer=True),
    F("readOnly", 8, BOOL, _READ_ONLY),
)

define(
    CORE + "CephFSPersistentVolumeSource",
    "A CephFS mount (removed from Kubernetes).",
    F("monitors", 1, ListOf(STRING), "Ceph monitors.", required=True, list_type="atomic"),
    F("path", 2, STRING, "The path mounted as root."),
    F("user", 3, STRING, "The RADOS user."),
    F("secretFile", 4, STRING, "Path to the user's key ring."),
    F("secretRef", 5, SECRET_REF, "Secret with the user's key.", pointer=True),
    F("readOnly", 6, BOOL, _READ_ONLY),
)

define(
    CORE + "CinderPersistentVolumeSource",
    "An OpenStack Cinder volume (deprecated).",
    F("volumeID", 1, STRING, "The Cinder volume ID.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F("secretRef", 4, SECRET_REF, "Secret with OpenStack credentials.", pointer=True),
)

define(
    CORE + "FlexPersistentVolumeSource",
    "A volume handled by a FlexVolume driver (deprecated).",
    F("driver", 1, STRING, "The driver's name.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("secretRef", 3, SECRET_REF, "Secret passed to the driver.", pointer=True),
    F("readOnly", 4, BOOL, _READ_ONLY),
    F("options", 5, MapOf(STRING), "Extra options for the driver."),
)

define(
    CORE + "AzureFilePersistentVolumeSource",
    "An Azure File share (deprecated).",
    F("secretName", 1, STRING, "Secret with the storage account name and key.", required=True),
    F("shareName", 2, STRING, "The share name.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F("secretNamespace", 4, STRING, "The secret's namespace.", pointer=True),
)

define(
    CORE + "GlusterfsPersistentVolumeSource",
    "A Glusterfs volume (removed from Kubernetes).",
    F("endpoints", 1, STRING, "Endpoints naming the Glusterfs servers.", required=True),
    F("path", 2, STRING, "The Glusterfs volume path.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F("endpointsNamespace", 4, STRING, "The endpoints' namespace.", pointer=True),
)

define(
    CORE + "ScaleIOPersistentVolumeSource",
    "A ScaleIO volume (removed from Kubernetes).",
    F("gateway", 1, STRING, "The ScaleIO API gateway.", required=True),
    F("system", 2, STRING, "The ScaleIO storage system.", required=True),
    F("secretRef", 3, SECRET_REF, "Secret with ScaleIO credentials.", required=True, pointer=True),
    F("sslEnabled", 4, BOOL, "Talk to the gateway over TLS."),
    F("protectionDomain", 5, STRING, "The protection domain."),
    F("storagePool", 6, STRING, "The storage pool."),
    F("storageMode", 7, STRING, "ThickProvisioned or ThinProvisioned.", default="ThinProvisioned"),
    F("volumeName", 8, STRING, "The existing ScaleIO volume."),
    F("fsType", 9, STRING, _FS_TYPE, default="xfs"),
    F("readOnly", 10, BOOL, _READ_ONLY),
)

define(
    CORE + "StorageOSPersistentVolumeSource",
    "A StorageOS volume (removed from Kubernetes).",
    F("volumeName", 1, STRING, "The StorageOS volume name."),
    F("volumeNamespace", 2, STRING, "The StorageOS namespace."),
    F("fsType", 3, STRING, _FS_TYPE),
    F("readOnly", 4, BOOL, _READ_ONLY),
    F("secretRef", 5, CORE + "ObjectReference", "Secret with API credentials.", pointer=True),
)

define(
    CORE + "VolumeNodeAffinity",
    "The nodes from which a volume can be reached.",
    F("required", 1, CORE + "NodeSelector", "Nodes must match this selector.", pointer=True),
)

# (JSON name, protobuf number inside PersistentVolumeSource, struct, doc), in protobuf order.
PV_SOURCES: tuple[tuple[str, int, str, str], ...] = (
    ("gcePersistentDisk", 1, "GCEPersistentDiskVolumeSource", "A GCE disk (deprecated)."),
    (
        "awsElasticBlockStore",
        2,
        "AWSElasticBlockStoreVolumeSource",
        "An AWS EBS volume (deprecated).",
    ),
    ("hostPath", 3, "HostPathVolumeSource", "A directory of one node (testing only)."),
    ("glusterfs", 4, "GlusterfsPersistentVolumeSource", "A Glusterfs volume (removed)."),
    ("nfs", 5, "NFSVolumeSource", "An NFS export."),
    ("rbd", 6, "RBDPersistentVolumeSource", "A Ceph RBD image (removed)."),
    ("iscsi", 7, "ISCSIPersistentVolumeSource", "An iSCSI disk."),
    ("cinder", 8, "CinderPersistentVolumeSource", "An OpenStack Cinder volume (deprecated)."),
    ("cephfs", 9, "CephFSPersistentVolumeSource", "A CephFS mount (removed)."),
    ("fc", 10, "FCVolumeSource", "A Fibre Channel disk."),
    ("flocker", 11, "FlockerVolumeSource", "A Flocker dataset (removed)."),
    ("flexVolume", 12, "FlexPersistentVolumeSource", "A FlexVolume driver volume (deprecated)."),
    ("azureFile", 13, "AzureFilePersistentVolumeSource", "An Azure File share (deprecated)."),
    ("vsphereVolume", 14, "VsphereVirtualDiskVolumeSource", "A vSphere disk (deprecated)."),
    ("quobyte", 15, "QuobyteVolumeSource", "A Quobyte volume (removed)."),
    ("azureDisk", 16, "AzureDiskVolumeSource", "An Azure data disk (deprecated)."),
    ("photonPersistentDisk", 17, "PhotonPersistentDiskVolumeSource", "A Photon disk (removed)."),
    ("portworxVolume", 18, "PortworxVolumeSource", "A Portworx volume (deprecated)."),
    ("scaleIO", 19, "ScaleIOPersistentVolumeSource", "A ScaleIO volume (removed)."),
    ("local", 20, "LocalVolumeSource", "Storage attached to one node."),
    ("storageos", 21, "StorageOSPersistentVolumeSource", "A StorageOS volume (removed)."),
    ("csi", 22, "CSIPersistentVolumeSource", "A volume managed by a CSI driver."),
)

define(
    CORE + "PersistentVolumeSpec",
    "What a persistent volume offers and where its storage lives.",
    F("capacity", 1, MapOf(QUANTITY), "The volume's size, as the storage resource."),
    *(
        F(name, number, CORE + struct, doc, pointer=True, embedded_in=2)
        for name, number, struct, doc in PV_SOURCES
    ),
    F("accessModes", 3, ListOf(STRING), "How the volume can be mounted.", list_type="atomic"),
    F(
        "claimRef",
        4,
        CORE + "ObjectReference",
        "The claim bound to this volume, if any.",
        pointer=True,
        map_type="granular",
    ),
    F(
        "persistentVolumeReclaimPolicy",
        5,
        STRING,
        "What happens when the claim is released: Retain, Delete or Recycle.",
        default="Retain",
        enum=("Delete", "Recycle", "Retain"),
    ),
    F("storageClassName", 6, STRING, "The StorageClass the volume belongs to."),
    F("mountOptions", 7, ListOf(STRING), "Mount options, not validated.", list_type="atomic"),
    F(
        "volumeMode",
        8,
        STRING,
        "Filesystem (default) or Block.",
        pointer=True,
        default="Filesystem",
        enum=VOLUME_MODES,
    ),
    F(
        "nodeAffinity",
        9,
        CORE + "VolumeNodeAffinity",
        "Nodes the volume can be used from.",
        pointer=True,
    ),
    F(
        "volumeAttributesClassName",
        10,
        STRING,
        "The VolumeAttributesClass of the volume.",
        pointer=True,
    ),
)

define(
    CORE + "PersistentVolumeStatus",
    "The observed state of a persistent volume.",
    F("phase", 1, STRING, "Pending, Available, Bound, Released or Failed."),
    F("message", 2, STRING, "Why the volume is in this phase."),
    F("reason", 3, STRING, "A CamelCase reason for a failure."),
    F("lastPhaseTransitionTime", 4, TIME, "When the phase last changed.", pointer=True),
)

define(
    CORE + "PersistentVolume",
    "A piece of storage in the cluster, provisioned by an administrator or dynamically.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "PersistentVolumeSpec", "What the volume offers."),
    F("status", 3, CORE + "PersistentVolumeStatus", "The observed state of the volume."),
)

define(
    CORE + "VolumeResourceRequirements",
    "The storage a claim asks for.",
    F("limits", 1, MapOf(QUANTITY), "The most storage the claim may use."),
    F("requests", 2, MapOf(QUANTITY), "The least storage the claim needs."),
)

define(
    CORE + "PersistentVolumeClaimSpec",
    "The storage a claim asks for and how it will be used.",
    F("accessModes", 1, ListOf(STRING), "How the volume must be mountable.", list_type="atomic"),
    F("resources", 2, CORE + "VolumeResourceRequirements", "The size wanted."),
    F("volumeName", 3, STRING, "The volume bound to this claim."),
    F("selector", 4, META + "LabelSelector", "Labels of the volumes to consider.", pointer=True),
    F("storageClassName", 5, STRING, "The StorageClass wanted.", pointer=True),
    F(
        "volumeMode",
        6,
        STRING,
        "Filesystem (default) or Block.",
        pointer=True,
        default="Filesystem",
        enum=VOLUME_MODES,
    ),
    F(
        "dataSource",
        7,
        CORE + "TypedLocalObjectReference",
        "A snapshot or claim to copy data from.",
        pointer=True,
    ),
    F(
        "dataSourceRef",
        8,
        CORE + "TypedObjectReference",
        "An object that populates the volume.",
        pointer=True,
    ),
    F("volumeAttributesClassName", 9, STRING, "The VolumeAttributesClass wanted.", pointer=True),
)

define(
    CORE + "PersistentVolumeClaimCondition",
    "One observed aspect of a claim's state (resizing, ...).",
    F("type", 1, STRING, "The kind of condition.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("lastProbeTime", 3, TIME, "When the condition was last probed."),
    F("lastTransitionTime", 4, TIME, "When the condition last changed status."),
    F("reason", 5, STRING, "A CamelCase reason for the last transition."),
    F("message", 6, STRING, "A human-readable explanation of the last transition."),
)

define(
    CORE + "ModifyVolumeStatus",
    "Progress of changing a claim's VolumeAttributesClass.",
    F("targetVolumeAttributesClassName", 1, STRING, "The class being applied."),
    F("status", 2, STRING, "Pending, InProgress or Infeasible.", required=True),
)

define(
    CORE + "PersistentVolumeClaimStatus",
    "The observed state of a claim.",
    F("phase", 1, STRING, "Pending, Bound or Lost."),
    F("accessModes", 2, ListOf(STRING), "Access modes of the bound volume.", list_type="atomic"),
    F("capacity", 3, MapOf(QUANTITY), "The size of the bound volume."),
    F(
        "conditions",
        4,
        ListOf(CORE + "PersistentVolumeClaimCondition"),
        "The latest observations of the claim's state.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
    F("allocatedResources", 5, MapOf(QUANTITY), "Resources allocated, resizes included."),
    F(
        "allocatedResourceStatuses",
        7,
        MapOf(STRING),
        "Resize progress per resource.",
        map_type="granular",
    ),
    F(
        "currentVolumeAttributesClassName",
        8,
        STRING,
        "The VolumeAttributesClass in use.",
        pointer=True,
    ),
    F(
        "modifyVolumeStatus",
        9,
        CORE + "ModifyVolumeStatus",
        "Progress of a class change.",
        pointer=True,
    ),
)

define(
    CORE + "PersistentVolumeClaim",
    "A request for storage, bound to a persistent volume that satisfies it.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "PersistentVolumeClaimSpec", "The storage wanted."),
    F("status", 3, CORE + "PersistentVolumeClaimStatus", "The observed state of the claim."),
)


for _kind, _plural, _short, _scoped in (
    ("PersistentVolume", "persistentvolumes", "pv", False),
    ("PersistentVolumeClaim", "persistentvolumeclaims", "pvc", True),
):
    register(
        Resource(
            group="",
            version="v1",
            kind=_kind,
            plural=_plural,
            singular=_kind.lower(),
            namespaced=_scoped,
            schema=CORE + _kind,
            short_names=(_short,),
            subresources=(Subresource("status", _kind, ("get", "patch", "update")),),
        )
    )


@defaulter(CORE + "PersistentVolume")
def default_volume_phase(volume: dict) -> None:
    volume.setdefault("status", {}).setdefault("phase", "Pending")


@defaulter(CORE + "PersistentVolumeClaim")
def default_claim_phase(claim: dict) -> None:
    claim.setdefault("status", {}).setdefault("phase", "Pending")


def access_mode_causes(modes: list[str], path: str, detail: str = "") -> list[Cause]:
    if not modes:
        return [validation.required(path, detail)]
    causes = [
        validation.not_supported(path, mode, ACCESS_MODES)
        for mode in modes
        if mode not in ACCESS_MODES
    ]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        detail = "may not use ReadWriteOncePod with other access modes"
        causes.append(validation.forbidden(path, detail))
    return causes


def positive_quantity_causes(value: object, path: str) -> list[Cause]:
    try:
        quantity = Quantity.parse(value)  # type: ignore[arg-type]
    except (QuantityError, ValueError, TypeError):
        return []  # unparseable quantities are rejected when the body is decoded
    if quantity.milli_value() <= 0:
        return [validation.invalid(path, str(value), "must be greater than zero")]
    return []
