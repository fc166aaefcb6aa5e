"""core/v1 legacy in-tree volume sources (cloud disks and network filesystems).

Most of these drivers have been removed from Kubernetes or redirected to CSI drivers; pyk8s
cannot mount them either. Their schemas are kept so that old manifests are accepted,
validated and read back unchanged, as a real API server does. core_volume.py lists them in
Volume.
"""

from pyk8s.api.schema import BOOL, INT32, STRING, F, ListOf, MapOf, define

CORE = "io.k8s.api.core.v1."
LOCAL_REF = CORE + "LocalObjectReference"

_READ_ONLY = "Mount read-only when true (overrides the volume mount's setting)."
_FS_TYPE = "Filesystem type to mount, such as ext4 or xfs."

define(
    CORE + "GCEPersistentDiskVolumeSource",
    "A Google Compute Engine persistent disk (deprecated in-tree driver).",
    F("pdName", 1, STRING, "Name of the disk.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("partition", 3, INT32, "Partition to mount; the whole disk when 0."),
    F("readOnly", 4, BOOL, _READ_ONLY),
)
define(
    CORE + "AWSElasticBlockStoreVolumeSource",
    "An AWS EBS volume (deprecated in-tree driver).",
    F("volumeID", 1, STRING, "ID of the EBS volume.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("partition", 3, INT32, "Partition to mount; the whole disk when 0."),
    F("readOnly", 4, BOOL, _READ_ONLY),
)
define(
    CORE + "GitRepoVolumeSource",
    "A git repository cloned into the volume (deprecated).",
    F("repository", 1, STRING, "URL of the repository.", required=True),
    F("revision", 2, STRING, "Commit to check out."),
    F("directory", 3, STRING, "Directory to clone into; may not contain '..'."),
)
define(
    CORE + "GlusterfsVolumeSource",
    "A Glusterfs volume (removed in-tree driver).",
    F("endpoints", 1, STRING, "Endpoints object naming the Glusterfs servers.", required=True),
    F("path", 2, STRING, "Glusterfs volume path.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
)
define(
    CORE + "RBDVolumeSource",
    "A Ceph RBD image (removed in-tree driver).",
    F("monitors", 1, ListOf(STRING), "Ceph monitors.", required=True, list_type="atomic"),
    F("image", 2, STRING, "RADOS image name.", required=True),
    F("fsType", 3, STRING, _FS_TYPE),
    F("pool", 4, STRING, "RADOS pool; rbd by default.", default="rbd"),
    F("user", 5, STRING, "RADOS user; admin by default.", default="admin"),
    F(
        "keyring",
        6,
        STRING,
        "Keyring path; /etc/ceph/keyring by default.",
        default="/etc/ceph/keyring",
    ),
    F("secretRef", 7, LOCAL_REF, "Secret with the user's key.", pointer=True, map_type="atomic"),
    F("readOnly", 8, BOOL, _READ_ONLY),
)
define(
    CORE + "FlexVolumeSource",
    "A volume mounted by an exec-based FlexVolume driver (deprecated).",
    F("driver", 1, STRING, "Name of the driver.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("secretRef", 3, LOCAL_REF, "Secret passed to the driver.", pointer=True, map_type="atomic"),
    F("readOnly", 4, BOOL, _READ_ONLY),
    F("options", 5, MapOf(STRING), "Extra driver options."),
)
define(
    CORE + "CinderVolumeSource",
    "An OpenStack Cinder volume (deprecated in-tree driver).",
    F("volumeID", 1, STRING, "ID of the Cinder volume.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F(
        "secretRef",
        4,
        LOCAL_REF,
        "Secret with OpenStack credentials.",
        pointer=True,
        map_type="atomic",
    ),
)
define(
    CORE + "CephFSVolumeSource",
    "A CephFS mount (removed in-tree driver).",
    F("monitors", 1, ListOf(STRING), "Ceph monitors.", required=True, list_type="atomic"),
    F("path", 2, STRING, "Root of the mount inside CephFS; / by default."),
    F("user", 3, STRING, "RADOS user; admin by default."),
    F("secretFile", 4, STRING, "Keyring path of the user."),
    F("secretRef", 5, LOCAL_REF, "Secret with the user's key.", pointer=True, map_type="atomic"),
    F("readOnly", 6, BOOL, _READ_ONLY),
)
define(
    CORE + "FlockerVolumeSource",
    "A Flocker dataset (removed in-tree driver).",
    F("datasetName", 1, STRING, "Name of the dataset (deprecated)."),
    F("datasetUUID", 2, STRING, "UUID of the dataset."),
)
define(
    CORE + "FCVolumeSource",
    "A Fibre Channel disk.",
    F("targetWWNs", 1, ListOf(STRING), "Target world wide names.", list_type="atomic"),
    F("lun", 2, INT32, "Target LUN number.", pointer=True),
    F("fsType", 3, STRING, _FS_TYPE),
    F("readOnly", 4, BOOL, _READ_ONLY),
    F(
        "wwids",
        5,
        ListOf(STRING),
        "World wide identifiers, instead of targetWWNs and lun.",
        list_type="atomic",
    ),
)
define(
    CORE + "AzureFileVolumeSource",
    "An Azure File share (deprecated in-tree driver).",
    F("secretName", 1, STRING, "Secret with the storage account name and key.", required=True),
    F("shareName", 2, STRING, "Name of the share.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
)
define(
    CORE + "VsphereVirtualDiskVolumeSource",
    "A vSphere disk (deprecated in-tree driver).",
    F("volumePath", 1, STRING, "Path of the VMDK.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("storagePolicyName", 3, STRING, "Storage policy (SPBM) name."),
    F("storagePolicyID", 4, STRING, "Storage policy (SPBM) ID."),
)
define(
    CORE + "QuobyteVolumeSource",
    "A Quobyte volume (removed in-tree driver).",
    F("registry", 1, STRING, "Quobyte registries, host:port, comma-separated.", required=True),
    F("volume", 2, STRING, "Name of the Quobyte volume.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
    F("user", 4, STRING, "User to map access to."),
    F("group", 5, STRING, "Group to map access to."),
    F("tenant", 6, STRING, "Tenant owning the volume."),
)
define(
    CORE + "AzureDiskVolumeSource",
    "An Azure data disk (deprecated in-tree driver).",
    F("diskName", 1, STRING, "Name of the disk.", required=True),
    F("diskURI", 2, STRING, "URI of the disk.", required=True),
    F(
        "cachingMode",
        3,
        STRING,
        "Host caching: None, ReadOnly or ReadWrite.",
        pointer=True,
        default="ReadWrite",
    ),
    F("fsType", 4, STRING, _FS_TYPE, pointer=True, default="ext4"),
    F("readOnly", 5, BOOL, _READ_ONLY, pointer=True, default=False),
    F("kind", 6, STRING, "Shared, Dedicated or Managed.", pointer=True, default="Shared"),
)
define(
    CORE + "PhotonPersistentDiskVolumeSource",
    "A Photon Controller disk (removed in-tree driver).",
    F("pdID", 1, STRING, "ID of the disk.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
)
define(
    CORE + "PortworxVolumeSource",
    "A Portworx volume (deprecated in-tree driver).",
    F("volumeID", 1, STRING, "ID of the volume.", required=True),
    F("fsType", 2, STRING, _FS_TYPE),
    F("readOnly", 3, BOOL, _READ_ONLY),
)
define(
    CORE + "ScaleIOVolumeSource",
    "A ScaleIO volume (removed in-tree driver).",
    F("gateway", 1, STRING, "Address of the ScaleIO API gateway.", required=True),
    F("system", 2, STRING, "Name of the ScaleIO storage system.", required=True),
    F(
        "secretRef",
        3,
        LOCAL_REF,
        "Secret with the ScaleIO credentials.",
        required=True,
        map_type="atomic",
    ),
    F("sslEnabled", 4, BOOL, "Talk to the gateway over TLS."),
    F("protectionDomain", 5, STRING, "Protection domain of the storage."),
    F("storagePool", 6, STRING, "Storage pool of the protection domain."),
    F(
        "storageMode",
        7,
        STRING,
        "ThickProvisioned or ThinProvisioned (default).",
        default="ThinProvisioned",
    ),
    F("volumeName", 8, STRING, "Name of an existing ScaleIO volume."),
    F("fsType", 9, STRING, _FS_TYPE, default="xfs"),
    F("readOnly", 10, BOOL, _READ_ONLY),
)
define(
    CORE + "StorageOSVolumeSource",
    "A StorageOS volume (removed in-tree driver).",
    F("volumeName", 1, STRING, "Name of the StorageOS volume."),
    F("volumeNamespace", 2, STRING, "StorageOS namespace; the pod's by default."),
    F("fsType", 3, STRING, _FS_TYPE),
    F("readOnly", 4, BOOL, _READ_ONLY),
    F(
        "secretRef",
        5,
        LOCAL_REF,
        "Secret with the API credentials.",
        pointer=True,
        map_type="atomic",
    ),
)
