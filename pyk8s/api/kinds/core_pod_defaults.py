"""Defaults of pods that depend on other fields (Kubernetes' pkg/apis/core/v1/defaults.go).

The static defaults (restartPolicy Always, probe periods, volume modes 0644, ...) are declared
on the fields themselves; the hooks here are the ones a single field cannot express. Some
apply to Pod objects only and not to pod templates, exactly as in Kubernetes: a Deployment's
template does not get `enableServiceLinks`, a Pod made from it does.
"""

import copy

from pyk8s.api.kinds.core_volume import VOLUME_SOURCES
from pyk8s.api.schema import defaulter

CORE = "io.k8s.api.core.v1."


def image_tag(image: str) -> str:
    """The tag of an image reference as Kubernetes' defaulting sees it: 'latest' when the
    reference names neither a tag nor a digest, '' for a digest without tag."""
    name, _, digest = image.partition("@")
    last_component = name.rsplit("/", 1)[-1]  # a ':' before the last '/' is a registry port
    if ":" in last_component:
        return last_component.split(":", 1)[1]
    return "" if digest else "latest"


def _default_pull_policy(container: dict) -> None:
    if not container.get("imagePullPolicy"):
        latest = image_tag(container.get("image") or "") == "latest"
        container["imagePullPolicy"] = "Always" if latest else "IfNotPresent"


defaulter(CORE + "Container")(_default_pull_policy)
defaulter(CORE + "EphemeralContainer")(_default_pull_policy)


@defaulter(CORE + "Volume")
def default_volume_source(volume: dict) -> None:
    """A volume that names no source is an emptyDir."""
    if not any(volume.get(name) is not None for name, *_ in VOLUME_SOURCES):
        volume["emptyDir"] = {}


@defaulter(CORE + "Pod")
def default_pod(pod: dict) -> None:
    """SetDefaults_Pod: what only Pods (not templates) get."""
    spec = pod.get("spec")
    if spec is None:
        return
    for kind in ("containers", "initContainers"):
        for container in spec.get(kind) or []:
            _requests_from_limits(container)
            if spec.get("hostNetwork"):
                _host_ports_from_container_ports(container)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True


def _requests_from_limits(container: dict) -> None:
    # A limit without a request means "reserve exactly the limit".
    resources = container.get("resources") or {}
    limits = resources.get("limits")
    if not limits:
        return
    requests = resources.setdefault("requests", {})
    for resource, quantity in limits.items():
        requests.setdefault(resource, copy.deepcopy(quantity))
    container["resources"] = resources


def _host_ports_from_container_ports(container: dict) -> None:
    # On the host network a container port is a host port: make that explicit.
    for port in container.get("ports") or []:
        if not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")


@defaulter(CORE + "ReplicationController")
def default_replication_controller(rc: dict) -> None:
    """An empty selector, and empty object labels, are taken from the pod template."""
    spec = rc.get("spec")
    if spec is None:
        return
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if template_labels:
        if not spec.get("selector"):
            spec["selector"] = dict(template_labels)
        metadata = rc.setdefault("metadata", {})
        if not metadata.get("labels"):
            metadata["labels"] = dict(template_labels)
