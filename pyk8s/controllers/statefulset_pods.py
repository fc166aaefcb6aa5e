"""The identity of a StatefulSet's pods: ordinal names, hostnames, their own volume claims.

Pod `<sts>-<ordinal>` always has hostname `<sts>-<ordinal>`, subdomain `spec.serviceName`
(so `<sts>-0.<service>` resolves through a headless Service), the labels
`statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, and, for every
volumeClaimTemplate `<claim>`, the PersistentVolumeClaim `<claim>-<sts>-<ordinal>`, which
outlives the pod so a replacement finds the same data. Pure functions, no I/O.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pyk8s.client.cache import Object
from pyk8s.controllers.base import is_pod_ready
from pyk8s.controllers.daemonset_revisions import REVISION_HASH_LABEL
from pyk8s.controllers.replicaset_pods import pod_from_template

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(statefulset: Object, pod: Object) -> int | None:
    """The ordinal in a pod's name, or None if the name is not `<sts>-<number>`."""
    match = re.fullmatch(
        re.escape(statefulset["metadata"]["name"]) + r"-(\d+)", pod["metadata"]["name"]
    )
    return int(match.group(1)) if match else None


def claim_name(claim_template: dict[str, Any], statefulset: Object, ordinal: int) -> str:
    return f"{claim_template['metadata']['name']}-{statefulset['metadata']['name']}-{ordinal}"


def new_pod(
    statefulset: Object, template: dict[str, Any], ordinal: int, revision_hash: str
) -> Object:
    name = f"{statefulset['metadata']['name']}-{ordinal}"
    pod = pod_from_template(statefulset, template)
    metadata = pod["metadata"]
    del metadata["generateName"]
    metadata["name"] = name
    metadata["namespace"] = statefulset["metadata"]["namespace"]
    labels = metadata.setdefault("labels", {})
    labels.update(
        {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), REVISION_HASH_LABEL: revision_hash}
    )
    spec = pod["spec"]
    spec["hostname"] = name
    if statefulset["spec"].get("serviceName"):
        spec["subdomain"] = statefulset["spec"]["serviceName"]
    claims = statefulset["spec"].get("volumeClaimTemplates") or []
    claimed = {claim["metadata"]["name"] for claim in claims}
    volumes = [v for v in spec.get("volumes") or [] if v.get("name") not in claimed]
    for claim in claims:
        source = {"claimName": claim_name(claim, statefulset, ordinal)}
        volumes.append({"name": claim["metadata"]["name"], "persistentVolumeClaim": source})
    if volumes:
        spec["volumes"] = volumes
    return pod


def claims_for(statefulset: Object, ordinal: int) -> list[Object]:
    """The PersistentVolumeClaims pod `ordinal` needs."""
    selector_labels = (statefulset["spec"].get("selector") or {}).get("matchLabels") or {}
    claims = []
    for template in statefulset["spec"].get("volumeClaimTemplates") or []:
        metadata = copy.deepcopy(template.get("metadata") or {})
        metadata["name"] = claim_name(template, statefulset, ordinal)
        metadata["namespace"] = statefulset["metadata"]["namespace"]
        metadata["labels"] = {**(metadata.get("labels") or {}), **selector_labels}
        claims.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": metadata,
                "spec": copy.deepcopy(template.get("spec") or {}),
            }
        )
    return claims


def is_running_and_ready(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod)


def has_finished(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def revision_of(pod: Object) -> str | None:
    return (pod["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL)
