"""Static pods: pods from manifest files in --pod-manifest-path, run with or without an API.

This is how a control plane bootstraps itself (kubeadm puts etcd and the API server there)
and the tutorials' first kubelet step: the kubelet reads every `*.yaml`, `*.yml` and
`*.json` file in the directory (each one Pod), and runs them even if no API server exists.

A static pod is named `<name>-<node name>`, lives in its manifest's namespace (default:
"default"), is bound to this node, and gets a uid derived from the manifest's content and
the node: the same manifest always means the same pod, and an edited manifest a new pod
(the old one stops). Its annotations record `kubernetes.io/config.source: file` and
`kubernetes.io/config.hash` (the uid).

Once an API server is reachable the kubelet posts a *mirror pod* for each one: the same pod
with the annotation `kubernetes.io/config.mirror` (the hash), owned by the Node, so
`kubectl get pods` shows it. A mirror pod is not a pod to run; deleting it only makes the
kubelet post it again, and a mirror whose hash no longer matches a manifest is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import yaml

from pyk8s.api.errors import AlreadyExists, NotFound, StatusError

logger = logging.getLogger("pyk8s.kubelet.static")

SOURCE_ANNOTATION = "kubernetes.io/config.source"
HASH_ANNOTATION = "kubernetes.io/config.hash"
SEEN_ANNOTATION = "kubernetes.io/config.seen"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
CHECK_PERIOD = 20.0


def is_mirror_pod(pod: Mapping[str, Any]) -> bool:
    return MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {})


def _defaulted(pod: dict[str, Any]) -> None:
    import pyk8s.api.kinds  # noqa: F401  (registers the kinds and their defaulters)
    from pyk8s.api.defaults import apply_defaults
    from pyk8s.api.resource import find

    resource = find("", "v1", "pods")
    if resource is not None:
        apply_defaults(pod, resource.struct)


def static_pod(manifest: Mapping[str, Any], raw: bytes, node_name: str) -> dict[str, Any]:
    """The pod a manifest describes, as this node runs it."""
    if manifest.get("kind") != "Pod":
        raise ValueError(f"a static manifest must hold a Pod, not {manifest.get('kind')!r}")
    pod = copy.deepcopy(dict(manifest))
    pod.setdefault("apiVersion", "v1")
    metadata = pod.setdefault("metadata", {})
    if not metadata.get("name"):
        raise ValueError("a static pod needs metadata.name")
    uid = hashlib.sha256(raw + node_name.encode()).hexdigest()[:32]
    metadata["name"] = f"{metadata['name']}-{node_name}"
    metadata.setdefault("namespace", "default")
    metadata["uid"] = uid
    annotations = metadata.setdefault("annotations", {})
    annotations.update({SOURCE_ANNOTATION: "file", HASH_ANNOTATION: uid})
    annotations.setdefault(SEEN_ANNOTATION, datetime.now(UTC).isoformat())
    pod["spec"]["nodeName"] = node_name
    pod.pop("status", None)
    _defaulted(pod)
    return pod


def read_manifests(directory: str, node_name: str) -> dict[str, dict[str, Any]]:
    """uid -> pod for every readable manifest; a broken file is logged and skipped."""
    pods: dict[str, dict[str, Any]] = {}
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return pods
    for name in names:
        if name.startswith(".") or not name.endswith(MANIFEST_SUFFIXES):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as file:
                raw = file.read()
            manifest = json.loads(raw) if name.endswith(".json") else yaml.safe_load(raw)
            pod = static_pod(manifest, raw, node_name)
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as err:
            logger.warning("static manifest %s skipped: %s", path, err)
            continue
        pods[pod["metadata"]["uid"]] = pod
    return pods


class StaticPods:
    """Watches the manifest directory and keeps the pod workers in step with it."""

    def __init__(
        self,
        directory: str,
        node_name: str,
        *,
        update: Callable[[dict[str, Any]], None],
        forget: Callable[[str], None],
        check_period: float = CHECK_PERIOD,
    ) -> None:
        self.directory, self.node_name = directory, node_name
        self.update, self.forget = update, forget
        self.check_period = check_period
        self.pods: dict[str, dict[str, Any]] = {}

    def check(self) -> None:
        found = read_manifests(self.directory, self.node_name)
        for uid in set(self.pods) - set(found):
            logger.info("static pod %s removed", self.pods[uid]["metadata"]["name"])
            self.forget(uid)
        for uid, pod in found.items():
            if uid not in self.pods:
                logger.info("static pod %s found", pod["metadata"]["name"])
                self.update(pod)
        self.pods = found

    async def run(self) -> None:
        while True:
            self.check()
            await asyncio.sleep(self.check_period)


def mirror_of(pod: Mapping[str, Any], node: Mapping[str, Any] | None) -> dict[str, Any]:
    mirror = copy.deepcopy(dict(pod))
    metadata = mirror["metadata"]
    metadata.pop("uid", None)
    metadata["annotations"][MIRROR_ANNOTATION] = metadata["annotations"][HASH_ANNOTATION]
    if node is not None:
        metadata["ownerReferences"] = [{
            "apiVersion": "v1", "kind": "Node", "name": node["metadata"]["name"],
            "uid": node["metadata"]["uid"], "controller": True,
        }]  # fmt: skip
    return mirror


async def sync_mirror_pods(
    pods_api: Any,
    static: Mapping[str, Mapping[str, Any]],
    mirrors: Mapping[str, Mapping[str, Any]],
    node: Mapping[str, Any] | None,
) -> None:
    """Create the missing mirror pods and delete the stale ones (mirrors: by ns/name)."""
    wanted = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in static.values()}
    for key, mirror in mirrors.items():
        pod = wanted.get(key)
        annotations = mirror["metadata"].get("annotations") or {}
        if pod is None or annotations.get(MIRROR_ANNOTATION) != pod["metadata"]["uid"]:
            namespace, name = key.split("/", 1)
            with contextlib.suppress(NotFound):
                await pods_api.delete(name, namespace, grace_period_seconds=0)
    for key, pod in wanted.items():
        existing = mirrors.get(key)
        if (
            existing is not None
            and (existing["metadata"].get("annotations") or {}).get(MIRROR_ANNOTATION)
            == pod["metadata"]["uid"]
        ):
            continue
        try:
            await pods_api.create(mirror_of(pod, node))
            logger.info("mirror pod %s created", key)
        except AlreadyExists:
            pass  # the stale one is still going; next round
        except StatusError as err:
            logger.warning("mirror pod %s not created: %s", key, err)
