"""core/v1 pod volumes: Volume and every kind of volume source a pod can mount.

A Volume is a name plus exactly one source. Go inlines the source struct (VolumeSource) into
Volume, so in JSON the source sits beside the name (`{"name": "data", "emptyDir": {}}`) while
protobuf nests it in field 2: the source fields carry `embedded_in=2`. The same holds for the
LocalObjectReference inlined into the ConfigMap sources (`embedded_in=1`). Every source is a
pointer: an empty `emptyDir: {}` is a real value.

Field facts follow k8s.io/api core/v1 (v1.32). Defaults (mode 0644, emptyDir when no source,
...) and checks live in core_pod_rules.py.
"""

from pyk8s.api.schema import BOOL, INT32, INT64, QUANTITY, STRING, F, Field, ListOf, MapOf, define

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
LOCAL_REF = CORE + "LocalObjectReference"

_READ_ONLY = "Mount read-only when true (overrides the volume mount's setting)."
_FS_TYPE = "Filesystem type to mount, such as ext4 or xfs."
_MODE_DOC = "Permission bits of created files (0 to 0777; JSON needs decimal, e.g. 420 = 0644)."


def _embedded_name(doc: str) -> Field:
    # LocalObjectReference inlined: `name` in JSON, field 1 of nested message 1 in protobuf.
    return F("name", 1, STRING, doc, embedded_in=1)


KEY_TO_PATH = define(
    CORE + "KeyToPath",
    "Puts one key of a ConfigMap or Secret at a chosen path in the volume.",
    F("key", 1, STRING, "The key to project.", required=True),
    F("path", 2, STRING, "Relative file path to write it to; may not contain '..'.", required=True),
    F(
        "mode",
        3,
        INT32,
        "Permission bits of this file; the volume's defaultMode if unset.",
        pointer=True,
    ),
)

_ITEMS = (
    "items",
    ListOf(KEY_TO_PATH),
    "Keys to project and where; unset projects every key as a file.",
)

define(
    CORE + "HostPathVolumeSource",
    "A file or directory of the node itself, mounted into the pod.",
    F("path", 1, STRING, "Path on the node; symlinks are followed.", required=True),
    F(
        "type",
        2,
        STRING,
        "What must exist at the path ('' checks nothing), e.g. Directory or FileOrCreate.",
        pointer=True,
        default="",
        # In the order of Kubernetes' "supported values" message (sorted).
        enum=(
            "",
            "BlockDevice",
            "CharDevice",
            "Directory",
            "DirectoryOrCreate",
            "File",
            "FileOrCreate",
            "Socket",
        ),
    ),
)

define(
    CORE + "EmptyDirVolumeSource",
    "A scratch directory that lives as long as the pod.",
    F("medium", 1, STRING, "Storage behind it: '' for the node's disk, Memory for tmpfs."),
    F("sizeLimit", 2, QUANTITY, "Most storage the directory may use.", pointer=True),
)

define(
    CORE + "SecretVolumeSource",
    "Files made from the keys of a Secret.",
    F("secretName", 1, STRING, "Name of the Secret in the pod's namespace."),
    F(_ITEMS[0], 2, _ITEMS[1], _ITEMS[2], list_type="atomic"),
    F("defaultMode", 3, INT32, _MODE_DOC, pointer=True, default=0o644),
    F(
        "optional",
        4,
        BOOL,
        "When true the pod starts even if the Secret or a key is missing.",
        pointer=True,
    ),
)

define(
    CORE + "ConfigMapVolumeSource",
    "Files made from the keys of a ConfigMap.",
    _embedded_name("Name of the ConfigMap in the pod's namespace."),
    F(_ITEMS[0], 2, _ITEMS[1], _ITEMS[2], list_type="atomic"),
    F("defaultMode", 3, INT32, _MODE_DOC, pointer=True, default=0o644),
    F(
        "optional",
        4,
        BOOL,
        "When true the pod starts even if the ConfigMap or a key is missing.",
        pointer=True,
    ),
)

define(
    CORE + "ObjectFieldSelector",
    "Selects one field of the pod, such as metadata.name or status.podIP.",
    F(
        "apiVersion",
        1,
        STRING,
        "API version the field path is written against; v1 by default.",
        default="v1",
    ),
    F("fieldPath", 2, STRING, "Path of the field.", required=True),
)

define(
    CORE + "ResourceFieldSelector",
    "Selects a container's resource limit or request, such as limits.memory.",
    F("containerName", 1, STRING, "The container; required in volumes, optional in env."),
    F("resource", 2, STRING, "The resource: limits.cpu, requests.memory, ...", required=True),
    F("divisor", 3, QUANTITY, "Unit the value is expressed in; 1 by default."),
)

DOWNWARD_API_FILE = define(
    CORE + "DownwardAPIVolumeFile",
    "One file holding a field of the pod or a resource of a container.",
    F("path", 1, STRING, "Relative file path; may not contain '..'.", required=True),
    F(
        "fieldRef",
        2,
        CORE + "ObjectFieldSelector",
        "The pod field to write.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "resourceFieldRef",
        3,
        CORE + "ResourceFieldSelector",
        "The container resource to write.",
        pointer=True,
        map_type="atomic",
    ),
    F(
        "mode",
        4,
        INT32,
        "Permission bits of this file; the volume's defaultMode if unset.",
        pointer=True,
    ),
)

define(
    CORE + "DownwardAPIVolumeSource",
    "Files holding information about the pod itself.",
    F("items", 1, ListOf(DOWNWARD_API_FILE), "The files.", list_type="atomic"),
    F("defaultMode", 2, INT32, _MODE_DOC, pointer=True, default=0o644),
)

define(
    CORE + "SecretProjection",
    "The keys of a Secret, as part of a projected volume.",
    _embedded_name("Name of the Secret in the pod's namespace."),
    F(_ITEMS[0], 2, _ITEMS[1], _ITEMS[2], list_type="atomic"),
    F("optional", 4, BOOL, "When true a missing Secret or key is not an error.", pointer=True),
)

define(
    CORE + "ConfigMapProjection",
    "The keys of a ConfigMap, as part of a projected volume.",
    _embedded_name("Name of the ConfigMap in the pod's namespace."),
    F(_ITEMS[0], 2, _ITEMS[1], _ITEMS[2], list_type="atomic"),
    F("optional", 4, BOOL, "When true a missing ConfigMap or key is not an error.", pointer=True),
)

define(
    CORE + "DownwardAPIProjection",
    "Pod information, as part of a projected volume.",
    F("items", 1, ListOf(DOWNWARD_API_FILE), "The files.", list_type="atomic"),
)

define(
    CORE + "ServiceAccountTokenProjection",
    "A short-lived token of the pod's service account, kept fresh by the kubelet.",
    F("audience", 1, STRING, "Who the token is for; the API server by default."),
    F(
        "expirationSeconds",
        2,
        INT64,
        "Requested lifetime; 3600 by default, at least 600.",
        pointer=True,
        default=3600,
    ),
    F("path", 3, STRING, "Relative file path of the token.", required=True),
)

define(
    CORE + "ClusterTrustBundleProjection",
    "CA certificates from ClusterTrustBundle objects, as one PEM file.",
    F("name", 1, STRING, "Take the bundle with this name.", pointer=True),
    F("signerName", 2, STRING, "Take the bundles of this signer.", pointer=True),
    F(
        "labelSelector",
        3,
        META + "LabelSelector",
        "With signerName: only bundles with these labels.",
        pointer=True,
        map_type="atomic",
    ),
    F("optional", 5, BOOL, "When true missing bundles do not block the pod.", pointer=True),
    F("path", 4, STRING, "Relative file path of the bundle.", required=True),
)

define(
    CORE + "VolumeProjection",
    "One source of a projected volume; exactly one field is set.",
    F("secret", 1, CORE + "SecretProjection", "Keys of a Secret.", pointer=True),
    F("downwardAPI", 2, CORE + "DownwardAPIProjection", "Information about the pod.", pointer=True),
    F("configMap", 3, CORE + "ConfigMapProjection", "Keys of a ConfigMap.", pointer=True),
    F(
        "serviceAccountToken",
        4,
        CORE + "ServiceAccountTokenProjection",
        "A service account token.",
        pointer=True,
    ),
    F(
        "clusterTrustBundle",
        5,
        CORE + "ClusterTrustBundleProjection",
        "Trusted CA certificates.",
        pointer=True,
    ),
)

define(
    CORE + "ProjectedVolumeSource",
    "Several sources (Secrets, ConfigMaps, pod information, tokens) in one directory.",
    F("sources", 1, ListOf(CORE + "VolumeProjection"), "The sources.", list_type="atomic"),
    F("defaultMode", 2, INT32, _MODE_DOC, pointer=True, default=0o644),
)

define(
    CORE + "PersistentVolumeClaimVolumeSource",
    "The volume bound to a PersistentVolumeClaim of the pod's namespace.",
    F("claimName", 1, STRING, "Name of the claim.", required=True),
    F("readOnly", 2, BOOL, _READ_ONLY),
)

define(
    CORE + "PersistentVolumeClaimTemplate",
    "The claim to create for an ephemeral volume.",
    F("metadata", 1, META + "ObjectMeta", "Labels and annotations copied to the claim."),
    F(
        "spec",
        2,
        CORE + "PersistentVolumeClaimSpec",
        "Spec of the claim, copied as is.",
        required=True,
    ),
)

define(
    CORE + "EphemeralVolumeSource",
    "A volume from a claim created with the pod and deleted with it.",
    F(
        "volumeClaimTemplate",
        1,
        CORE + "PersistentVolumeClaimTemplate",
        "The claim to create, named <pod>-<volume>.",
        pointer=True,
    ),
)

define(
    CORE + "NFSVolumeSource",
    "An NFS export, mounted for the pod's lifetime.",
    F("server", 1, STRING, "Host name or IP of the NFS server.", required=True),
    F("path", 2, STRING, "Path exported by the server.", required=True),
    F("readOnly", 3, BOOL, _READ_ONLY),
)

define(
    CORE + "CSIVolumeSource",
    "An inline volume provided by a CSI driver.",
    F("driver", 1, STRING, "Name of the CSI driver.", required=True),
    F("readOnly", 2, BOOL, _READ_ONLY, pointer=True),
    F("fsType", 3, STRING, _FS_TYPE, pointer=True),
    F("volumeAttributes", 4, MapOf(STRING), "Driver-specific settings."),
    F(
        "nodePublishSecretRef",
        5,
        LOCAL_REF,
        "Secret passed to the driver when mounting.",
        pointer=True,
        map_type="atomic",
    ),
)

define(
    CORE + "ISCSIVolumeSource",
    "An iSCSI disk.",
    F("targetPortal", 1, STRING, "Target portal: an IP, or IP:port.", required=True),
    F("iqn", 2, STRING, "iSCSI qualified name of the target.", required=True),
    F("lun", 3, INT32, "Target LUN number.", required=True),
    F(
        "iscsiInterface",
        4,
        STRING,
        "iSCSI interface to use; 'default' (tcp) by default.",
        default="default",
    ),
    F("fsType", 5, STRING, _FS_TYPE),
    F("readOnly", 6, BOOL, _READ_ONLY),
    F("portals", 7, ListOf(STRING), "Further target portals.", list_type="atomic"),
    F("chapAuthDiscovery", 8, BOOL, "Use CHAP authentication for discovery."),
    F("chapAuthSession", 11, BOOL, "Use CHAP authentication for the session."),
    F(
        "secretRef",
        10,
        LOCAL_REF,
        "Secret with the CHAP credentials.",
        pointer=True,
        map_type="atomic",
    ),
    F("initiatorName", 12, STRING, "Custom initiator name.", pointer=True),
)

define(
    CORE + "ImageVolumeSource",
    "The contents of an OCI image or artifact, mounted read-only.",
    F("reference", 1, STRING, "Image reference, as for a container image."),
    F(
        "pullPolicy",
        2,
        STRING,
        "Always, Never or IfNotPresent; Always for :latest, else IfNotPresent.",
    ),
)

# (JSON name, protobuf number inside VolumeSource, struct, doc), in protobuf order.
VOLUME_SOURCES: tuple[tuple[str, int, str, str], ...] = (
    ("hostPath", 1, "HostPathVolumeSource", "A file or directory of the node."),
    ("emptyDir", 2, "EmptyDirVolumeSource", "A scratch directory living as long as the pod."),
    (
        "gcePersistentDisk",
        3,
        "GCEPersistentDiskVolumeSource",
        "A GCE persistent disk (deprecated).",
    ),
    (
        "awsElasticBlockStore",
        4,
        "AWSElasticBlockStoreVolumeSource",
        "An AWS EBS volume (deprecated).",
    ),
    ("gitRepo", 5, "GitRepoVolumeSource", "A cloned git repository (deprecated)."),
    ("secret", 6, "SecretVolumeSource", "Files from a Secret."),
    ("nfs", 7, "NFSVolumeSource", "An NFS export."),
    ("iscsi", 8, "ISCSIVolumeSource", "An iSCSI disk."),
    ("glusterfs", 9, "GlusterfsVolumeSource", "A Glusterfs volume (removed)."),
    ("persistentVolumeClaim", 10, "PersistentVolumeClaimVolumeSource", "The volume of a claim."),
    ("rbd", 11, "RBDVolumeSource", "A Ceph RBD image (removed)."),
    ("flexVolume", 12, "FlexVolumeSource", "A FlexVolume driver volume (deprecated)."),
    ("cinder", 13, "CinderVolumeSource", "An OpenStack Cinder volume (deprecated)."),
    ("cephfs", 14, "CephFSVolumeSource", "A CephFS mount (removed)."),
    ("flocker", 15, "FlockerVolumeSource", "A Flocker dataset (removed)."),
    ("downwardAPI", 16, "DownwardAPIVolumeSource", "Files about the pod itself."),
    ("fc", 17, "FCVolumeSource", "A Fibre Channel disk."),
    ("azureFile", 18, "AzureFileVolumeSource", "An Azure File share (deprecated)."),
    ("configMap", 19, "ConfigMapVolumeSource", "Files from a ConfigMap."),
    ("vsphereVolume", 20, "VsphereVirtualDiskVolumeSource", "A vSphere disk (deprecated)."),
    ("quobyte", 21, "QuobyteVolumeSource", "A Quobyte volume (removed)."),
    ("azureDisk", 22, "AzureDiskVolumeSource", "An Azure data disk (deprecated)."),
    ("photonPersistentDisk", 23, "PhotonPersistentDiskVolumeSource", "A Photon disk (removed)."),
    ("portworxVolume", 24, "PortworxVolumeSource", "A Portworx volume (deprecated)."),
    ("scaleIO", 25, "ScaleIOVolumeSource", "A ScaleIO volume (removed)."),
    ("projected", 26, "ProjectedVolumeSource", "Several sources in one directory."),
    ("storageos", 27, "StorageOSVolumeSource", "A StorageOS volume (removed)."),
    ("csi", 28, "CSIVolumeSource", "An inline CSI driver volume."),
    ("ephemeral", 29, "EphemeralVolumeSource", "A claim created and deleted with the pod."),
    ("image", 30, "ImageVolumeSource", "The contents of an OCI image, read-only."),
)

define(
    CORE + "Volume",
    "A named volume the pod's containers can mount; exactly one source is set.",
    F("name", 1, STRING, "Name of the volume, a DNS label unique in the pod.", required=True),
    *(
        F(name, number, CORE + struct, doc, pointer=True, embedded_in=2)
        for name, number, struct, doc in VOLUME_SOURCES
    ),
)
