"""The files of configMap, secret, downwardAPI and projected volumes, computed from the API.

Each function returns `{relative path: FileProjection}` for atomic.write_atomically, or raises
ConfigError when a source that is not `optional` is missing (the pod then waits, as in
Kubernetes, and the worker retries on its next sync).

Modes: an item's `mode` wins, else the volume's `defaultMode`, else 0644.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pyk8s.kubelet.envvars import ConfigError, field_value, resource_value
from pyk8s.kubelet.volumes.atomic import FileProjection

# (kind, namespace, name) -> the raw API object, or None when it does not exist.
ObjectGetter = Callable[[str, str, str], Awaitable[dict[str, Any] | None]]
# (pod, audience, expirationSeconds) -> a bound service account token, or None if not served.
TokenRequester = Callable[[Mapping[str, Any], str | None, int], Awaitable[str | None]]

DEFAULT_MODE = 0o644


def _object_bytes(kind: str, obj: Mapping[str, Any]) -> dict[str, bytes]:
    if kind == "Secret":
        return {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
    for key, value in (obj.get("binaryData") or {}).items():
        data[key] = base64.b64decode(value)
    return data


async def keyed_files(
    kind: str,
    source: Mapping[str, Any],
    namespace: str,
    get: ObjectGetter,
    default_mode: int,
) -> dict[str, FileProjection]:
    """A ConfigMap's or Secret's keys as files (all keys, or the listed `items`)."""
    name = source.get("secretName") or source.get("name", "")
    obj = await get(kind, namespace, name)
    label = "configmap" if kind == "ConfigMap" else "secret"
    if obj is None:
        if source.get("optional"):
            return {}
        raise ConfigError(f'{label} "{name}" not found')
    data = _object_bytes(kind, obj)
    items = source.get("items")
    if not items:
        return {key: FileProjection(value, default_mode) for key, value in data.items()}
    files = {}
    for item in items:
        if item["key"] not in data:
            if source.get("optional"):
                continue
            raise ConfigError(f"configmap references non-existent config key: {item['key']}")
        files[item["path"]] = FileProjection(data[item["key"]], item.get("mode", default_mode))
    return files


def downward_files(
    pod: Mapping[str, Any], items: list[Mapping[str, Any]], default_mode: int
) -> dict[str, FileProjection]:
    files = {}
    for item in items:
        if item.get("fieldRef"):
            value = field_value(pod, item["fieldRef"]["fieldPath"])
        else:
            ref = item["resourceFieldRef"]
            value = resource_value(
                pod, ref.get("containerName", ""), ref["resource"], ref.get("divisor")
            )
        files[item["path"]] = FileProjection(value.encode(), item.get("mode", default_mode))
    return files


async def projected_files(
    pod: Mapping[str, Any],
    projected: Mapping[str, Any],
    get: ObjectGetter,
    request_token: TokenRequester,
) -> dict[str, FileProjection]:
    namespace = pod["metadata"].get("namespace", "default")
    default_mode = projected.get("defaultMode", DEFAULT_MODE)
    files: dict[str, FileProjection] = {}
    for source in projected.get("sources") or []:
        if source.get("configMap") is not None:
            files |= await keyed_files(
                "ConfigMap", source["configMap"], namespace, get, default_mode
            )
        elif source.get("secret") is not None:
            files |= await keyed_files("Secret", source["secret"], namespace, get, default_mode)
        elif source.get("downwardAPI") is not None:
            files |= downward_files(pod, source["downwardAPI"].get("items") or [], default_mode)
        elif source.get("serviceAccountToken") is not None:
            token_source = source["serviceAccountToken"]
            expiration = token_source.get("expirationSeconds", 3600)
            token = await request_token(pod, token_source.get("audience"), expiration)
            if token is not None:
                files[token_source["path"]] = FileProjection(token.encode(), default_mode)
    return files


async def volume_files(
    pod: Mapping[str, Any],
    volume: Mapping[str, Any],
    get: ObjectGetter,
    request_token: TokenRequester,
) -> dict[str, FileProjection] | None:
    """The files of an API-backed volume; None for volumes that are not written from the API."""
    namespace = pod["metadata"].get("namespace", "default")
    if volume.get("configMap") is not None:
        source = volume["configMap"]
        mode = source.get("defaultMode", DEFAULT_MODE)
        return await keyed_files("ConfigMap", source, namespace, get, mode)
    if volume.get("secret") is not None:
        source = volume["secret"]
        mode = source.get("defaultMode", DEFAULT_MODE)
        return await keyed_files("Secret", source, namespace, get, mode)
    if volume.get("downwardAPI") is not None:
        source = volume["downwardAPI"]
        return downward_files(
            pod, source.get("items") or [], source.get("defaultMode", DEFAULT_MODE)
        )
    if volume.get("projected") is not None:
        return await projected_files(pod, volume["projected"], get, request_token)
    return None
