"""Validation of containers and their parts: ports, environment, resources, probes, hooks.

Kubernetes' validateContainers/validateEphemeralContainers and their helpers, one hook per
struct, with Kubernetes' paths and messages. As in core_pod_validation.py, absent required
fields and enum values are the generic walker's job; `missing` adds the "" and 0 cases.
"""

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.core_pod_validation import at, env_var_name_errors, missing
from pyk8s.api.quantity import Quantity
from pyk8s.api.schema import validator

CORE = "io.k8s.api.core.v1."
_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")


def _port_number_errors(value: object, path: str) -> list[Cause]:
    return [validation.invalid(path, value, m) for m in names.is_valid_port_num(value)]


def _port_num_or_name_errors(value: object, path: str) -> list[Cause]:
    if isinstance(value, str):
        return [validation.invalid(path, value, m) for m in names.is_valid_port_name(value)]
    if isinstance(value, int):
        return _port_number_errors(value, path)
    return []


@validator(CORE + "Container")
def validate_container(container: dict, path: str) -> list[Cause]:
    causes = _container_common(container, path)
    port_names: set[str] = set()
    for index, port in enumerate(container.get("ports") or []):
        name = port.get("name")
        if name and not names.is_valid_port_name(name):
            if name in port_names:
                causes.append(validation.duplicate(at(path, f"ports[{index}].name"), name))
            port_names.add(name)
    for probe in ("livenessProbe", "startupProbe"):
        threshold = (container.get(probe) or {}).get("successThreshold")
        if threshold not in (None, 1):
            causes.append(
                validation.invalid(at(path, f"{probe}.successThreshold"), threshold, "must be 1")
            )
    return causes


@validator(CORE + "EphemeralContainer")
def validate_ephemeral_container(container: dict, path: str) -> list[Cause]:
    """Ephemeral containers share the pod's resources and are never probed or restarted."""
    causes = _container_common(container, path)
    disallowed = (
        "lifecycle",
        "livenessProbe",
        "ports",
        "readinessProbe",
        "resizePolicy",
        "restartPolicy",
        "startupProbe",
    )
    for name in disallowed:
        if container.get(name):
            causes.append(
                validation.forbidden(at(path, name), "cannot be set for an Ephemeral Container")
            )
    if any((container.get("resources") or {}).values()):
        causes.append(
            validation.forbidden(at(path, "resources"), "cannot be set for an Ephemeral Container")
        )
    for index, mount in enumerate(container.get("volumeMounts") or []):
        if mount.get("subPath"):
            causes.append(
                validation.forbidden(
                    at(path, f"volumeMounts[{index}].subPath"),
                    "cannot be set for an Ephemeral Container",
                )
            )
    return causes


def _container_common(container: dict, path: str) -> list[Cause]:
    causes = missing(container, path, "name", "image")
    name = container.get("name")
    if name:
        causes += [
            validation.invalid(at(path, "name"), name, m) for m in names.is_dns1123_label(name)
        ]
    mount_paths: set[str] = set()
    for index, mount in enumerate(container.get("volumeMounts") or []):
        causes += missing(mount, at(path, f"volumeMounts[{index}]"), "name", "mountPath")
        mount_path = mount.get("mountPath")
        if mount_path and mount_path in mount_paths:
            causes.append(
                validation.invalid(
                    at(path, f"volumeMounts[{index}].mountPath"), mount_path, "must be unique"
                )
            )
        mount_paths.add(mount_path)
    return causes


@validator(CORE + "ContainerPort")
def validate_container_port(port: dict, path: str) -> list[Cause]:
    causes = missing(port, path, "containerPort")
    if name := port.get("name"):
        causes += [
            validation.invalid(at(path, "name"), name, m) for m in names.is_valid_port_name(name)
        ]
    container_port = port.get("containerPort")
    if container_port:
        causes += _port_number_errors(container_port, at(path, "containerPort"))
    if host_port := port.get("hostPort"):
        causes += _port_number_errors(host_port, at(path, "hostPort"))
    return causes


@validator(CORE + "EnvVar")
def validate_env_var(env: dict, path: str) -> list[Cause]:
    causes = missing(env, path, "name")
    if name := env.get("name"):
        causes += [validation.invalid(at(path, "name"), name, m) for m in env_var_name_errors(name)]
    source = env.get("valueFrom")
    if source is None:
        return causes
    here = at(path, "valueFrom")
    chosen = [name for name in _ENV_SOURCES if source.get(name) is not None]
    if not chosen:
        causes.append(
            validation.invalid(
                here,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            )
        )
    elif env.get("value"):
        causes.append(
            validation.invalid(here, "", "may not be specified when `value` is not empty")
        )
    elif len(chosen) > 1:
        causes.append(
            validation.invalid(here, "", "may not have more than one field specified at a time")
        )
    return causes


@validator(CORE + "ResourceRequirements")
def validate_resource_requirements(resources: dict, path: str) -> list[Cause]:
    """Quantities must not be negative, and no request may exceed its limit."""
    causes = []
    parsed: dict[str, dict[str, object]] = {}
    for kind in ("limits", "requests"):
        parsed[kind] = {}
        for name, text in (resources.get(kind) or {}).items():
            try:
                quantity = Quantity.parse(text)
            except Exception:  # malformed quantities are rejected when the body is decoded
                continue
            parsed[kind][name] = quantity
            if quantity < Quantity.parse(0):
                causes.append(
                    validation.invalid(
                        at(path, f"{kind}[{name}]"), text, "must be greater than or equal to 0"
                    )
                )
    for name, request in parsed["requests"].items():
        limit = parsed["limits"].get(name)
        if limit is not None and request > limit:
            causes.append(
                validation.invalid(
                    at(path, f"requests[{name}]"),
                    str(resources["requests"][name]),
                    f"must be less than or equal to {name} limit of {resources['limits'][name]}",
                )
            )
    return causes


def _handler_count(handler: dict, path: str, kinds: tuple[str, ...]) -> list[Cause]:
    chosen = [name for name in kinds if handler.get(name) is not None]
    if not chosen:
        return [validation.required(path, "must specify a handler type")]
    return [
        validation.forbidden(at(path, extra), "may not specify more than 1 handler type")
        for extra in chosen[1:]
    ]


@validator(CORE + "Probe")
def validate_probe(probe: dict, path: str) -> list[Cause]:
    causes = _handler_count(probe, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for name in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = probe.get(name)
        if isinstance(value, int) and value < 0:
            causes.append(
                validation.invalid(at(path, name), value, "must be greater than or equal to 0")
            )
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        causes.append(
            validation.invalid(
                at(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"
            )
        )
    return causes


@validator(CORE + "LifecycleHandler")
def validate_lifecycle_handler(handler: dict, path: str) -> list[Cause]:
    causes = _handler_count(handler, path, ("exec", "httpGet", "tcpSocket", "sleep"))
    seconds = (handler.get("sleep") or {}).get("seconds")
    if seconds is not None and seconds <= 0:
        causes.append(
            validation.invalid(at(path, "sleep.seconds"), seconds, "must be greater than 0")
        )
    return causes


@validator(CORE + "HTTPGetAction")
def validate_http_get(action: dict, path: str) -> list[Cause]:
    return _port_num_or_name_errors(action.get("port"), at(path, "port"))


@validator(CORE + "TCPSocketAction")
def validate_tcp_socket(action: dict, path: str) -> list[Cause]:
    return _port_num_or_name_errors(action.get("port"), at(path, "port"))


@validator(CORE + "GRPCAction")
def validate_grpc(action: dict, path: str) -> list[Cause]:
    port = action.get("port")
    return _port_number_errors(port, at(path, "port")) if port else []
