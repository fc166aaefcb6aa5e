"""The `kubernetes` Service in `default`: how pods find the API server.

`ensure_kubernetes_service` runs at every start, after the system namespaces exist and the
allocators are configured. It makes sure that

- Service default/kubernetes exists, of type ClusterIP with the first address of
  --service-cluster-ip-range and port 443 ("https") onto the API server's secure port;
- Endpoints default/kubernetes lists the advertised address and the secure port, with the
  label that tells the EndpointSlice mirroring controller to leave it alone.

Both are corrected when they drifted (a changed port or address). Endpoints must be a
routable address: a loopback advertise address is refused by Endpoints validation (as in
Kubernetes), so then the Endpoints object is left out and a warning is logged.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from typing import Any

from pyk8s.api.errors import AlreadyExists, NotFound
from pyk8s.apiserver import allocators
from pyk8s.apiserver.registry.options import WriteOptions

logger = logging.getLogger("pyk8s.apiserver")

NAME, NAMESPACE = "kubernetes", "default"
SERVICE_LABELS = {"component": "apiserver", "provider": "kubernetes"}
ENDPOINTS_LABELS = {"endpointslice.kubernetes.io/skip-mirror": "true"}


def _options() -> WriteOptions:
    return WriteOptions(field_manager="kube-apiserver")


def desired_service(cluster_ip: str, secure_port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": dict(SERVICE_LABELS)},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "sessionAffinity": "None",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": secure_port}],
        },
    }


def desired_endpoints(address: str, secure_port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": dict(ENDPOINTS_LABELS)},
        "subsets": [
            {
                "addresses": [{"ip": address}],
                "ports": [{"name": "https", "port": secure_port, "protocol": "TCP"}],
            }
        ],
    }


async def ensure_kubernetes_service(
    registry: Any, *, advertise_address: str | None, secure_port: int
) -> None:
    """Create or correct default/kubernetes (Service and Endpoints). `registry` is the API
    server's pyk8s.apiserver.registry.Registry."""
    services = registry.find("", "services")
    if services is None:
        logger.warning("no services resource is registered; skipping the kubernetes Service")
        return
    allocator = allocators.current()
    wanted = desired_service(allocator.cluster_ips.first_ip, secure_port)
    try:
        existing = await services.get(NAMESPACE, NAME)
    except NotFound:
        existing = None
    if existing is None:
        # Claim the address here too, so this works whether or not the store calls the
        # strategy's allocation hooks (a second claim by the same Service is a no-op).
        await allocator.allocate_create(wanted)
        with contextlib.suppress(AlreadyExists):  # another API server was faster
            await services.create(NAMESPACE, wanted, _options())
    elif existing["spec"].get("ports") != wanted["spec"]["ports"]:
        existing["spec"]["ports"] = wanted["spec"]["ports"]
        await services.update(NAMESPACE, NAME, existing, _options())
    await _ensure_endpoints(registry, advertise_address, secure_port)


async def _ensure_endpoints(registry: Any, address: str | None, secure_port: int) -> None:
    endpoints = registry.find("", "endpoints")
    if endpoints is None:
        return
    if not address:
        # Pods could not reach a loopback address: without --advertise-address there is
        # nothing to publish (logged at info: serving on 127.0.0.1 alone is a normal setup).
        logger.info("no --advertise-address: Endpoints default/kubernetes not published")
        return
    if ipaddress.ip_address(address).is_loopback:
        logger.warning(
            "not publishing Endpoints default/kubernetes: --advertise-address %s is a "
            "loopback address, which pods cannot reach",
            address,
        )
        return
    wanted = desired_endpoints(address, secure_port)
    try:
        existing = await endpoints.get(NAMESPACE, NAME)
    except NotFound:
        with contextlib.suppress(AlreadyExists):
            await endpoints.create(NAMESPACE, wanted, _options())
        return
    if existing.get("subsets") != wanted["subsets"]:
        existing["subsets"] = wanted["subsets"]
        existing.setdefault("metadata", {}).setdefault("labels", {}).update(ENDPOINTS_LABELS)
        await endpoints.update(NAMESPACE, NAME, existing, _options())
