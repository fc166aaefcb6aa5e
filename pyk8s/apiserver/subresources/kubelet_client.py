"""How the API server finds and reaches a node's kubelet.

The kubelet's address is in its Node object: the first of `status.addresses` whose type
comes first in the preferred order (kube-apiserver's --kubelet-preferred-address-types),
and the port in `status.daemonEndpoints.kubeletEndpoint.Port` (10250 when absent).

The connection is HTTPS. Like kube-apiserver, we verify the kubelet's certificate only
when given a CA for it (--kubelet-certificate-authority), and present a client certificate
when given one (--kubelet-client-certificate / --kubelet-client-key). `configure()` sets
these once at start-up.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace
from typing import Any

from pyk8s.api.errors import BadRequest, NotFound
from pyk8s.apiserver.handlers.common import Scope

DEFAULT_KUBELET_PORT = 10250


@dataclass(frozen=True)
class KubeletClientConfig:
    client_certificate: str | None = None
    client_key: str | None = None
    certificate_authority: str | None = None
    # The order "Kubernetes the hard way" sets: a Hostname often does not resolve.
    preferred_address_types: tuple[str, ...] = ("InternalIP", "ExternalIP", "Hostname")
    # Seconds to wait for the kubelet to accept a connection.
    connect_timeout: float = 10.0


_config = KubeletClientConfig()


def configure(**settings: Any) -> KubeletClientConfig:
    """Change the kubelet client settings (field names of KubeletClientConfig)."""
    global _config
    _config = replace(_config, **settings)
    return _config


def config() -> KubeletClientConfig:
    return _config


def ssl_context() -> ssl.SSLContext:
    settings = _config
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if settings.certificate_authority:
        context.load_verify_locations(settings.certificate_authority)
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.client_certificate and settings.client_key:
        context.load_cert_chain(settings.client_certificate, settings.client_key)
    return context


@dataclass(frozen=True)
class KubeletAddress:
    node: str
    host: str
    port: int

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}{path}"


def node_address(node: dict[str, Any]) -> KubeletAddress:
    name = node.get("metadata", {}).get("name", "")
    status = node.get("status", {})
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    host = next((addresses[t] for t in _config.preferred_address_types if addresses.get(t)), "")
    if not host:
        known = status.get("addresses") or []
        raise BadRequest(f"no preferred addresses found; known addresses: {known}")
    endpoint = status.get("daemonEndpoints", {}).get("kubeletEndpoint", {})
    return KubeletAddress(name, host, int(endpoint.get("Port") or DEFAULT_KUBELET_PORT))


async def kubelet_of_node(scope: Scope, node_name: str) -> KubeletAddress:
    node = await scope.store.lookup("nodes", "", "", node_name) if scope.store else None
    if node is None:
        raise NotFound.of("nodes", node_name)
    return node_address(node)


async def get_pod(scope: Scope) -> dict[str, Any]:
    return await scope.store.get(scope.namespace, scope.info.name)


def pod_container(pod: dict[str, Any], wanted: str) -> str:
    """The container a request is about: the one named, else the pod's only one."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec", {})
    names = [c["name"] for c in spec.get("containers", [])]
    every = names + [c["name"] for c in spec.get("initContainers") or []]
    every += [c["name"] for c in spec.get("ephemeralContainers") or []]
    if wanted:
        if wanted not in every:
            raise BadRequest(f"container {wanted} is not valid for pod {name}")
        return wanted
    if len(names) == 1:
        return names[0]
    default = pod["metadata"].get("annotations", {}).get("kubectl.kubernetes.io/default-container")
    if default in names:
        return default
    raise BadRequest(
        f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
    )


async def kubelet_of_pod(scope: Scope, pod: dict[str, Any]) -> KubeletAddress:
    node_name = pod.get("spec", {}).get("nodeName")
    if not node_name:
        raise BadRequest(f"pod {pod['metadata']['name']} does not have a host assigned")
    return await kubelet_of_node(scope, node_name)
