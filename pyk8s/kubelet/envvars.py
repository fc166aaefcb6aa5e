"""A container's environment, resolved the way the kubelet resolves it before starting it.

Sources, in the order a later one overrides an earlier one:

1. `envFrom`: every key of a ConfigMap or Secret (with an optional prefix); keys that are not
   valid variable names are skipped, as Kubernetes skips them;
2. `env`: literal values (with `$(VAR)` expanded from what is defined so far), `fieldRef`
   (the downward API: name, namespace, uid, labels, annotations, node, IPs, ...),
   `resourceFieldRef` (limits and requests, divided by `divisor`, rounded up),
   `configMapKeyRef` and `secretKeyRef`;
3. the *service environment*: for every Service in the pod's namespace with a cluster IP
   (only the API server's own `kubernetes` Service when `enableServiceLinks` is false),
   `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` and the Docker-links style `<NAME>_PORT...`
   variables, for names not already defined above.

A missing ConfigMap, Secret or key that is not `optional` raises ConfigError; the pod worker
reports it as the container's `CreateContainerConfigError`.

The same field resolution serves the downwardAPI volume (volumes/), through `field_value` and
`resource_value`.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from pyk8s.api.quantity import Quantity
from pyk8s.kubelet.ocispec import expand

# (kind, namespace, name) -> the object's data (values already decoded) or None if absent.
ObjectLookup = Callable[[str, str, str], Awaitable[Mapping[str, str] | None]]

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")
MASTER_SERVICE = ("default", "kubernetes")


class ConfigError(Exception):
    """The container cannot be configured yet (a missing ConfigMap, Secret or key)."""


def secret_data(secret: Mapping[str, Any]) -> dict[str, str]:
    """A Secret's data, base64-decoded (stringData is folded into data by the API server)."""
    data = secret.get("data") or {}
    return {key: base64.b64decode(value).decode("utf-8", "replace") for key, value in data.items()}


def configmap_data(configmap: Mapping[str, Any]) -> dict[str, str]:
    data = dict(configmap.get("data") or {})
    for key, value in (configmap.get("binaryData") or {}).items():
        data.setdefault(key, base64.b64decode(value).decode("utf-8", "replace"))
    return data


def field_value(pod: Mapping[str, Any], path: str) -> str:
    """The downward API's fieldRef: the value of `path` in the pod, as a string."""
    metadata, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    subscript = _SUBSCRIPT.match(path)
    if subscript:
        return (metadata.get(subscript.group(1)) or {}).get(subscript.group(2), "")
    if path in ("metadata.labels", "metadata.annotations"):
        values = metadata.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    simple = {
        "metadata.name": metadata.get("name", ""),
        "metadata.namespace": metadata.get("namespace", ""),
        "metadata.uid": metadata.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": status.get("hostIP", ""),
        "status.hostIPs": ",".join(ip["ip"] for ip in status.get("hostIPs") or []),
        "status.podIP": status.get("podIP", ""),
        "status.podIPs": ",".join(ip["ip"] for ip in status.get("podIPs") or []),
    }
    if path not in simple:
        raise ConfigError(f"unsupported fieldRef fieldPath: {path}")
    return simple[path]


def resource_value(
    pod: Mapping[str, Any], container_name: str, resource: str, divisor: str | None
) -> str:
    """The downward API's resourceFieldRef: a limit or request in units of `divisor`.

    Kubernetes reads an unset limit as the node's allocatable; this function is pure and
    does not know the node, so an unset limit or request reads as 0.
    """
    containers = [
        *(pod["spec"].get("containers") or []),
        *(pod["spec"].get("initContainers") or []),
    ]
    container = next((c for c in containers if c["name"] == container_name), None)
    if container is None:
        raise ConfigError(f"resourceFieldRef: no container {container_name}")
    kind, _, name = resource.partition(".")
    quantity_text = ((container.get("resources") or {}).get(kind) or {}).get(name, "0")
    if kind not in ("limits", "requests") or not name:
        raise ConfigError(f"unsupported resourceFieldRef resource: {resource}")
    quantity = Quantity.parse(quantity_text)
    unit = Quantity.parse(divisor or "1")
    if unit.is_zero():
        raise ConfigError("resourceFieldRef divisor must not be 0")
    # Kubernetes rounds up: 250m of cpu with divisor 1 reads "1".
    return str(math.ceil(quantity.milli_value() / unit.milli_value()))


async def _lookup_key(
    lookup: ObjectLookup, kind: str, namespace: str, ref: Mapping[str, Any]
) -> str | None:
    data = await lookup(kind, namespace, ref.get("name", ""))
    optional = bool(ref.get("optional"))
    label = "configmap" if kind == "ConfigMap" else "secret"
    if data is None:
        if optional:
            return None
        raise ConfigError(f'{label} "{ref.get("name", "")}" not found')
    if ref["key"] not in data:
        if optional:
            return None
        raise ConfigError(f"couldn't find key {ref['key']} in {kind} {namespace}/{ref.get('name')}")
    return data[ref["key"]]


async def _env_from(
    sources: Iterable[Mapping[str, Any]], namespace: str, lookup: ObjectLookup
) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in sources:
        kind, ref = (
            ("ConfigMap", source["configMapRef"])
            if source.get("configMapRef")
            else ("Secret", source.get("secretRef") or {})
        )
        data = await lookup(kind, namespace, ref.get("name", ""))
        if data is None:
            if ref.get("optional"):
                continue
            label = "configmap" if kind == "ConfigMap" else "secret"
            raise ConfigError(f'{label} "{ref.get("name", "")}" not found')
        for key, value in data.items():
            name = source.get("prefix", "") + key
            if _ENV_NAME.match(name):
                env[name] = value
    return env


async def _env_value(
    var: Mapping[str, Any],
    pod: Mapping[str, Any],
    container_name: str,
    defined: Mapping[str, str],
    lookup: ObjectLookup,
) -> str | None:
    source = var.get("valueFrom")
    namespace = pod["metadata"].get("namespace", "default")
    if not source:
        return expand(var.get("value", ""), defined)
    if source.get("fieldRef"):
        return field_value(pod, source["fieldRef"]["fieldPath"])
    if source.get("resourceFieldRef"):
        ref = source["resourceFieldRef"]
        owner = ref.get("containerName") or container_name
        return resource_value(pod, owner, ref["resource"], ref.get("divisor"))
    if source.get("configMapKeyRef"):
        return await _lookup_key(lookup, "ConfigMap", namespace, source["configMapKeyRef"])
    if source.get("secretKeyRef"):
        return await _lookup_key(lookup, "Secret", namespace, source["secretKeyRef"])
    return None


def service_env(services: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The variables Kubernetes injects for Services (`FOO_SERVICE_HOST`, `FOO_PORT`, ...)."""
    env: dict[str, str] = {}
    for service in services:
        spec = service.get("spec") or {}
        ip, ports = spec.get("clusterIP"), spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = service["metadata"]["name"].upper().replace("-", "_")
        env[f"{prefix}_SERVICE_HOST"] = ip
        env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
        for port in ports:
            if port.get("name"):
                port_name = port["name"].upper().replace("-", "_")
                env[f"{prefix}_SERVICE_PORT_{port_name}"] = str(port["port"])
        first_protocol = ports[0].get("protocol", "TCP").lower()
        env[f"{prefix}_PORT"] = f"{first_protocol}://{ip}:{ports[0]['port']}"
        for port in ports:
            protocol = port.get("protocol", "TCP")
            base = f"{prefix}_PORT_{port['port']}_{protocol.upper()}"
            env[base] = f"{protocol.lower()}://{ip}:{port['port']}"
            env[f"{base}_PROTO"] = protocol.lower()
            env[f"{base}_PORT"] = str(port["port"])
            env[f"{base}_ADDR"] = ip
    return env


def visible_services(
    pod: Mapping[str, Any], services: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The Services whose variables a pod gets: its namespace's, plus the master Service."""
    namespace = pod["metadata"].get("namespace", "default")
    links = (pod.get("spec") or {}).get("enableServiceLinks", True) is not False
    chosen = []
    for service in services:
        meta = service["metadata"]
        is_master = (meta.get("namespace"), meta["name"]) == MASTER_SERVICE
        if is_master or (links and meta.get("namespace") == namespace):
            chosen.append(service)
    return chosen


async def resolve_env(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    lookup: ObjectLookup,
    services: Iterable[Mapping[str, Any]] = (),
) -> list[tuple[str, str]]:
    """The container's environment as (name, value) pairs, ready for the runtime."""
    namespace = pod["metadata"].get("namespace", "default")
    from_services = service_env(visible_services(pod, services))
    env = await _env_from(container.get("envFrom") or [], namespace, lookup)
    for var in container.get("env") or []:
        # $(VAR) may name any variable defined earlier, or a service variable.
        value = await _env_value(var, pod, container["name"], {**from_services, **env}, lookup)
        if value is not None:
            env[var["name"]] = value
    for name, value in from_services.items():
        env.setdefault(name, value)
    return list(env.items())
