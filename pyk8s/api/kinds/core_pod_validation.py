"""Validation of pods and pod templates (Kubernetes' pkg/apis/core/validation, the parts a
user meets), with Kubernetes' field paths and messages.

Each hook checks one struct wherever it appears (a Pod's `spec`, a Deployment's
`spec.template.spec`, ...); `path` is where that struct sits. The generic walker
(pyk8s/api/validation.py) already reports absent `required` fields and values outside a
field's `enum`; the hooks add what a schema cannot say (uniqueness, cross references, ranges,
one-of rules) and report required values given as "" or 0, which Kubernetes treats as absent
(identical causes from both are merged). Updates are checked in core_pod_update.py.
"""

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_volume import VOLUME_SOURCES
from pyk8s.api.schema import validator

CORE = "io.k8s.api.core.v1."
CONTAINER_KINDS = ("containers", "initContainers", "ephemeralContainers")
_MAX_INT32 = 2**31 - 1
_FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"


# at("spec", "containers") -> "spec.containers"; top-level structs sit at the empty path.
at = validation.child


def missing(obj: dict, path: str, *fields: str) -> list[Cause]:
    """ "Required value" for each field that is absent, "" or 0 (Go cannot tell those apart,
    so Kubernetes reports all three as missing; causes the generic walker also reports for
    absent fields are merged with these). Not for booleans."""
    return [
        validation.required(at(path, name)) for name in fields if obj.get(name) in ("", 0, None)
    ]


def env_var_name_errors(name: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default in 1.32)."""
    if any(not " " <= ch <= "~" or ch == "=" for ch in name):
        return [
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        ]
    return []


# --- pod spec -----------------------------------------------------------------------------


@validator(CORE + "PodSpec")
def validate_pod_spec(spec: dict, path: str) -> list[Cause]:
    causes = _unique_container_names(spec, path)
    causes += _volume_references(spec, path)
    causes += _init_container_rules(spec, path)
    for name in ("hostname", "subdomain"):
        if value := spec.get(name):
            causes += [
                validation.invalid(at(path, name), value, m) for m in names.is_dns1123_label(value)
            ]
    if node_name := spec.get("nodeName"):
        causes += [
            validation.invalid(at(path, "nodeName"), node_name, m)
            for m in names.is_dns1123_subdomain(node_name)
        ]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= _MAX_INT32:
        causes.append(
            validation.invalid(
                at(path, "activeDeadlineSeconds"),
                deadline,
                f"must be between 1 and {_MAX_INT32}, inclusive",
            )
        )
    if spec.get("dnsPolicy") == "None" and spec.get("dnsConfig") is None:
        causes.append(
            validation.required(
                at(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"
            )
        )
    if spec.get("hostNetwork"):
        causes += _host_network_ports(spec, path)
    return causes


def _unique_container_names(spec: dict, path: str) -> list[Cause]:
    # One namespace of names for containers, init containers and ephemeral containers.
    seen: set[str] = set()
    causes = []
    for kind in CONTAINER_KINDS:
        for index, container in enumerate(spec.get(kind) or []):
            name = container.get("name")
            if not name:
                continue
            if name in seen:
                causes.append(validation.duplicate(at(path, f"{kind}[{index}].name"), name))
            seen.add(name)
    return causes


def _volume_references(spec: dict, path: str) -> list[Cause]:
    causes = []
    volumes: set[str] = set()
    for index, volume in enumerate(spec.get("volumes") or []):
        name = volume.get("name")
        if name and name in volumes:
            causes.append(validation.duplicate(at(path, f"volumes[{index}].name"), name))
        volumes.add(name)
    for kind in CONTAINER_KINDS:
        for index, container in enumerate(spec.get(kind) or []):
            for list_name in ("volumeMounts", "volumeDevices"):
                for mount_index, mount in enumerate(container.get(list_name) or []):
                    name = mount.get("name")
                    if name and name not in volumes:
                        causes.append(
                            validation.not_found(
                                at(path, f"{kind}[{index}].{list_name}[{mount_index}].name"), name
                            )
                        )
    return causes


def _init_container_rules(spec: dict, path: str) -> list[Cause]:
    # Only sidecars (init containers with restartPolicy Always) may have probes and hooks.
    causes = []
    for index, container in enumerate(spec.get("initContainers") or []):
        here = at(path, f"initContainers[{index}]")
        restart = container.get("restartPolicy")
        if restart is not None and restart != "Always":
            causes.append(validation.not_supported(f"{here}.restartPolicy", restart, ["Always"]))
        if restart == "Always":
            continue
        for name in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(name) is not None:
                causes.append(
                    validation.forbidden(
                        f"{here}.{name}",
                        "may not be set for init containers without restartPolicy=Always",
                    )
                )
    for index, container in enumerate(spec.get("containers") or []):
        if container.get("restartPolicy") is not None:
            causes.append(
                validation.forbidden(
                    at(path, f"containers[{index}].restartPolicy"),
                    "may not be set for non-init containers",
                )
            )
    return causes


def _host_network_ports(spec: dict, path: str) -> list[Cause]:
    causes = []
    for kind in ("containers", "initContainers"):
        for index, container in enumerate(spec.get(kind) or []):
            for port_index, port in enumerate(container.get("ports") or []):
                if port.get("hostPort") != port.get("containerPort"):
                    causes.append(
                        validation.invalid(
                            at(path, f"{kind}[{index}].ports[{port_index}].containerPort"),
                            port.get("containerPort"),
                            "must match `hostPort` when `hostNetwork` is true",
                        )
                    )
    return causes


@validator(CORE + "PodTemplateSpec")
def validate_pod_template_spec(template: dict, path: str) -> list[Cause]:
    if (template.get("spec") or {}).get("ephemeralContainers"):
        return [
            validation.forbidden(
                at(path, "spec.ephemeralContainers"),
                "ephemeral containers not allowed in pod template",
            )
        ]
    return []


def validate_pod_create(pod: dict) -> list[Cause]:
    """What only a create checks (the pod strategy calls this): no ephemeral containers yet."""
    if (pod.get("spec") or {}).get("ephemeralContainers"):
        return [validation.forbidden("spec.ephemeralContainers", "cannot be set on create")]
    return []


# --- volumes ------------------------------------------------------------------------------


# The order in which Kubernetes' validateVolumeSource looks at the sources: the second one
# found is the one reported. Two of its paths carry typos ("cephFS", "downwarAPI") that
# Kubernetes really prints; they are kept so the messages match.
_SOURCE_CHECK_ORDER = (
    ("emptyDir", "emptyDir"),
    ("hostPath", "hostPath"),
    ("gitRepo", "gitRepo"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("quobyte", "quobyte"),
    ("downwardAPI", "downwarAPI"),
    ("fc", "fc"),
    ("flexVolume", "flexVolume"),
    ("configMap", "configMap"),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("storageos", "storageos"),
    ("projected", "projected"),
    ("scaleIO", "scaleIO"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
)
assert {name for name, _ in _SOURCE_CHECK_ORDER} == {name for name, *_ in VOLUME_SOURCES}


@validator(CORE + "Volume")
def validate_volume(volume: dict, path: str) -> list[Cause]:
    causes = missing(volume, path, "name")
    if name := volume.get("name"):
        causes += [
            validation.invalid(at(path, "name"), name, m) for m in names.is_dns1123_label(name)
        ]
    present = [reported for name, reported in _SOURCE_CHECK_ORDER if volume.get(name) is not None]
    causes += [
        validation.forbidden(at(path, reported), "may not specify more than 1 volume type")
        for reported in present[1:]
    ]
    if not present:
        causes.append(validation.required(path, "must specify a volume type"))
    return causes


@validator(CORE + "HostPathVolumeSource")
def validate_host_path(source: dict, path: str) -> list[Cause]:
    host_path = source.get("path")
    if not host_path:
        return missing(source, path, "path")
    if ".." in host_path.split("/"):
        return [validation.invalid(at(path, "path"), host_path, "must not contain '..'")]
    return []


def _mode_errors(mode: object, path: str) -> list[Cause]:
    if isinstance(mode, int) and not 0 <= mode <= 0o777:
        return [validation.invalid(path, mode, _FILE_MODE_ERROR)]
    return []


def _relative_path_errors(value: str, path: str) -> list[Cause]:
    if value.startswith("/"):
        return [validation.invalid(path, value, "must be a relative path")]
    if ".." in value.split("/"):
        return [validation.invalid(path, value, "must not contain '..'")]
    return []


@validator(CORE + "KeyToPath")
def validate_key_to_path(item: dict, path: str) -> list[Cause]:
    causes = _relative_path_errors(item.get("path") or "", at(path, "path"))
    return causes + _mode_errors(item.get("mode"), at(path, "mode"))


@validator(CORE + "DownwardAPIVolumeFile")
def validate_downward_api_file(item: dict, path: str) -> list[Cause]:
    causes = _relative_path_errors(item.get("path") or "", at(path, "path"))
    causes += _mode_errors(item.get("mode"), at(path, "mode"))
    chosen = [name for name in ("fieldRef", "resourceFieldRef") if item.get(name) is not None]
    if not chosen:
        causes.append(validation.required(path, "one of fieldRef and resourceFieldRef is required"))
    elif len(chosen) > 1:
        causes.append(
            validation.invalid(
                path,
                "resource",
                "fieldRef and resourceFieldRef can not be specified simultaneously",
            )
        )
    return causes


def _default_mode(source: dict, path: str) -> list[Cause]:
    return _mode_errors(source.get("defaultMode"), at(path, "defaultMode"))


for _source in (
    "SecretVolumeSource",
    "ConfigMapVolumeSource",
    "DownwardAPIVolumeSource",
    "ProjectedVolumeSource",
):
    validator(CORE + _source)(_default_mode)


@validator(CORE + "SecretVolumeSource")
def validate_secret_volume(source: dict, path: str) -> list[Cause]:
    return [] if source.get("secretName") else [validation.required(at(path, "secretName"))]


@validator(CORE + "ConfigMapVolumeSource")
def validate_config_map_volume(source: dict, path: str) -> list[Cause]:
    return [] if source.get("name") else [validation.required(at(path, "name"))]
