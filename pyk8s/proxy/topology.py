"""Which endpoints a service port may use from this node, for each traffic policy.

`categorize()` follows kube-proxy's CategorizeEndpoints:

- "usable" means ready; only when a policy has no ready endpoint at all does it fall back to
  endpoints that are still serving while terminating (so a rolling update never leaves a
  window with nothing to send to), and that fallback is decided separately for Cluster and
  for Local policy;
- Cluster policy honours zone hints (topology-aware routing) when every ready endpoint has
  one and at least one names this node's zone; otherwise hints are ignored;
- Local policy uses only endpoints on this node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyk8s.proxy.model import ZONE_LABEL, Endpoint, NodeInfo, ServicePort


@dataclass(frozen=True)
class Categorized:
    cluster: list[Endpoint]  # for Cluster traffic policy
    local: list[Endpoint]  # for Local traffic policy
    reachable: list[Endpoint]  # the union: every endpoint that needs a KUBE-SEP chain
    has_any: bool  # usable endpoints exist somewhere in the cluster


def _keep(endpoints: list[Endpoint], predicate: Callable[[Endpoint], bool]) -> list[Endpoint]:
    return [e for e in endpoints if predicate(e)]


def _zone_for_hints(endpoints: list[Endpoint], zone: str) -> str | None:
    ready = [e for e in endpoints if e.ready]
    if ready and all(e.zone_hints for e in ready) and any(zone in e.zone_hints for e in ready):
        return zone
    return None


def _cluster_endpoints(endpoints: list[Endpoint], node: NodeInfo) -> tuple[list[Endpoint], bool]:
    """Cluster-policy endpoints, and whether they came from topology hints."""
    zone = _zone_for_hints(endpoints, node.labels.get(ZONE_LABEL, ""))
    chosen = _keep(endpoints, lambda e: e.ready and (zone is None or zone in e.zone_hints))
    if not chosen:
        chosen = _keep(endpoints, lambda e: e.serving_terminating)
    return chosen, zone is not None


def categorize(port: ServicePort, endpoints: list[Endpoint], node: NodeInfo) -> Categorized:
    cluster: list[Endpoint] = []
    local: list[Endpoint] = []
    topology_used = False
    if port.uses_cluster_endpoints:
        cluster, topology_used = _cluster_endpoints(endpoints, node)
    if not port.uses_local_endpoints:
        return Categorized(cluster, [], cluster, bool(cluster))

    usable = [e for e in endpoints if e.ready or e.serving_terminating]
    local_ready = _keep(endpoints, lambda e: e.is_local and e.ready)
    local = local_ready or _keep(endpoints, lambda e: e.is_local and e.serving_terminating)
    has_any = bool(usable)
    if not port.uses_cluster_endpoints:
        return Categorized([], local, local, has_any)
    if not topology_used and (local_ready or not local):
        # Every ready endpoint is in `cluster`, so it already contains every local one.
        return Categorized(cluster, local, cluster, has_any)
    merged = {e.address: e for e in cluster} | {e.address: e for e in local}
    return Categorized(cluster, local, sorted(merged.values(), key=lambda e: e.address), has_any)
