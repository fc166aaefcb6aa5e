"""core/v1 security settings of pods and containers.

PodSecurityContext applies to every container of a pod; a container's SecurityContext
overrides it field by field. All scalar settings are Go pointers: `runAsNonRoot: false` is a
value, not an absence. Field facts follow k8s.io/api core/v1 (v1.32).
"""

from pyk8s.api.schema import BOOL, INT64, STRING, F, ListOf, define

CORE = "io.k8s.api.core.v1."

define(
    CORE + "Capabilities",
    "Linux capabilities added to and dropped from the runtime's default set.",
    F("add", 1, ListOf(STRING), "Capabilities to add, such as NET_ADMIN.", list_type="atomic"),
    F("drop", 2, ListOf(STRING), "Capabilities to drop, such as ALL.", list_type="atomic"),
)

define(
    CORE + "SELinuxOptions",
    "The SELinux label given to the container.",
    F("user", 1, STRING, "SELinux user."),
    F("role", 2, STRING, "SELinux role."),
    F("type", 3, STRING, "SELinux type."),
    F("level", 4, STRING, "SELinux level."),
)

_PROFILE_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")

define(
    CORE + "SeccompProfile",
    "Which seccomp profile filters the container's system calls.",
    F(
        "type",
        1,
        STRING,
        "Localhost (a file on the node), RuntimeDefault or Unconfined.",
        required=True,
        enum=_PROFILE_TYPES,
    ),
    F(
        "localhostProfile",
        2,
        STRING,
        "With Localhost: path of the profile, relative to the kubelet's directory.",
        pointer=True,
    ),
)

define(
    CORE + "AppArmorProfile",
    "Which AppArmor profile confines the container.",
    F(
        "type",
        1,
        STRING,
        "Localhost (loaded on the node), RuntimeDefault or Unconfined.",
        required=True,
        enum=_PROFILE_TYPES,
    ),
    F("localhostProfile", 2, STRING, "With Localhost: name of the loaded profile.", pointer=True),
)

define(
    CORE + "WindowsSecurityContextOptions",
    "Windows-only security settings.",
    F(
        "gmsaCredentialSpecName",
        1,
        STRING,
        "Name of the GMSA credential spec to use.",
        pointer=True,
    ),
    F("gmsaCredentialSpec", 2, STRING, "Content of the GMSA credential spec.", pointer=True),
    F("runAsUserName", 3, STRING, "Windows user running the entrypoint.", pointer=True),
    F("hostProcess", 4, BOOL, "Run as a Windows host process container.", pointer=True),
)

define(
    CORE + "Sysctl",
    "One namespaced kernel parameter set for the pod.",
    F("name", 1, STRING, "Name of the parameter.", required=True),
    F("value", 2, STRING, "Value to set.", required=True),
)

_RUN_AS_USER = "UID running the entrypoint; the image's user by default."
_RUN_AS_GROUP = "GID running the entrypoint; the runtime's default when unset."
_RUN_AS_NON_ROOT = "When true the kubelet refuses to start a container running as UID 0."

define(
    CORE + "SecurityContext",
    "Security settings of one container; they win over the pod's.",
    F("capabilities", 1, CORE + "Capabilities", "Capabilities to add or drop.", pointer=True),
    F("privileged", 2, BOOL, "Run privileged: root on the host, in effect.", pointer=True),
    F(
        "seLinuxOptions",
        3,
        CORE + "SELinuxOptions",
        "SELinux label of the container.",
        pointer=True,
    ),
    F(
        "windowsOptions",
        10,
        CORE + "WindowsSecurityContextOptions",
        "Windows-only settings.",
        pointer=True,
    ),
    F("runAsUser", 4, INT64, _RUN_AS_USER, pointer=True),
    F("runAsGroup", 8, INT64, _RUN_AS_GROUP, pointer=True),
    F("runAsNonRoot", 5, BOOL, _RUN_AS_NON_ROOT, pointer=True),
    F("readOnlyRootFilesystem", 6, BOOL, "Mount the root filesystem read-only.", pointer=True),
    F(
        "allowPrivilegeEscalation",
        7,
        BOOL,
        "Whether a process may gain more privileges than its parent (no_new_privs).",
        pointer=True,
    ),
    F(
        "procMount",
        9,
        STRING,
        "Default (masked /proc) or Unmasked.",
        pointer=True,
        enum=("Default", "Unmasked"),
    ),
    F(
        "seccompProfile",
        11,
        CORE + "SeccompProfile",
        "Seccomp profile; overrides the pod's.",
        pointer=True,
    ),
    F(
        "appArmorProfile",
        12,
        CORE + "AppArmorProfile",
        "AppArmor profile; overrides the pod's.",
        pointer=True,
    ),
)

define(
    CORE + "PodSecurityContext",
    "Security settings of a pod, applied to all its containers unless they override them.",
    F(
        "seLinuxOptions",
        1,
        CORE + "SELinuxOptions",
        "SELinux label of every container.",
        pointer=True,
    ),
    F(
        "windowsOptions",
        8,
        CORE + "WindowsSecurityContextOptions",
        "Windows-only settings.",
        pointer=True,
    ),
    F("runAsUser", 2, INT64, _RUN_AS_USER, pointer=True),
    F("runAsGroup", 6, INT64, _RUN_AS_GROUP, pointer=True),
    F("runAsNonRoot", 3, BOOL, _RUN_AS_NON_ROOT, pointer=True),
    F(
        "supplementalGroups",
        4,
        ListOf(INT64),
        "Extra groups of the first process of every container.",
        list_type="atomic",
    ),
    F(
        "supplementalGroupsPolicy",
        12,
        STRING,
        "Merge (add the image's groups too) or Strict (only those listed).",
        pointer=True,
        enum=("Merge", "Strict"),
    ),
    F("fsGroup", 5, INT64, "Group that owns (and can write) supporting volumes.", pointer=True),
    F("sysctls", 7, ListOf(CORE + "Sysctl"), "Namespaced kernel parameters.", list_type="atomic"),
    F(
        "fsGroupChangePolicy",
        9,
        STRING,
        "Always (default) or OnRootMismatch: when to re-apply fsGroup ownership.",
        pointer=True,
        enum=("OnRootMismatch", "Always"),
    ),
    F(
        "seccompProfile",
        10,
        CORE + "SeccompProfile",
        "Seccomp profile of every container.",
        pointer=True,
    ),
    F(
        "appArmorProfile",
        11,
        CORE + "AppArmorProfile",
        "AppArmor profile of every container.",
        pointer=True,
    ),
    F(
        "seLinuxChangePolicy",
        13,
        STRING,
        "MountOption or Recursive: how volumes get the pod's SELinux label.",
        pointer=True,
        enum=("MountOption", "Recursive"),
    ),
)
