"""Services: cluster IPs and node ports are allocated by the API server, not written by hand.

The allocation itself (which address, which port, IP families) is in
pyk8s/apiserver/allocators; this strategy calls it from the generic store's async hooks:

- `before_create(obj, dry_run=)`: claim the cluster IP(s), node ports and health-check port.
- `before_update(new, old, dry_run=)`: claim what the update newly needs.
- `after_update(new, old)`: give back what `old` held and `new` does not (call it with the
  arguments swapped to undo a `before_update` whose write failed).
- `after_delete(obj)`: give back everything (also to undo a `before_create` whose write
  failed).

Before those, `prepare_for_update` does what needs no store, as Kubernetes' service
strategy does: an update that leaves out the allocated values (clusterIP, node ports,
healthCheckNodePort) keeps them, and a type change drops the fields the new type cannot
have (node ports going to ClusterIP, cluster IPs going to ExternalName) unless the client
changed them itself.

Field selectors: metadata.name/namespace, spec.clusterIP, spec.type.
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver import allocators
from pyk8s.apiserver.allocators.services import NODE_PORT_TYPES, needs_health_check
from pyk8s.apiserver.registry.strategy import register_strategy
from pyk8s.apiserver.strategies.selectable import SelectableStrategy, text

CLUSTER_IP_FIELDS = ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy")


class ServiceStrategy(SelectableStrategy):
    return_deleted_object = True
    selectable_fields = {"spec.clusterIP": text("spec.clusterIP"), "spec.type": text("spec.type")}

    def prepare_for_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        super().prepare_for_update(new, old)
        new_spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
        _keep_allocated_values(new_spec, old_spec)
        _drop_type_dependent_fields(new_spec, old_spec)

    async def before_create(self, obj: dict[str, Any], *, dry_run: bool) -> None:
        await allocators.current().allocate_create(obj, dry_run=dry_run)

    async def before_update(
        self, new: dict[str, Any], old: dict[str, Any], *, dry_run: bool
    ) -> None:
        await allocators.current().allocate_update(new, old, dry_run=dry_run)

    async def after_update(self, new: dict[str, Any], old: dict[str, Any]) -> None:
        await allocators.current().release_dropped(kept=new, dropped=old)

    async def after_delete(self, obj: dict[str, Any]) -> None:
        await allocators.current().release_all(obj)


def _needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return spec.get("type") != "ExternalName"


def _keep_allocated_values(new: dict[str, Any], old: dict[str, Any]) -> None:
    """An update (say, `kubectl replace` of a hand-written file) that leaves out what the
    server allocated keeps it."""
    ips_left_out = not new.get("clusterIP") and not new.get("clusterIPs")
    if _needs_cluster_ip(old) and _needs_cluster_ip(new) and ips_left_out:
        for name in ("clusterIP", "clusterIPs"):
            if name in old:
                new[name] = list(old[name]) if name == "clusterIPs" else old[name]
    if old.get("type") in NODE_PORT_TYPES and new.get("type") in NODE_PORT_TYPES:
        new_ports = new.get("ports") or []
        in_use = {p["nodePort"] for p in new_ports if p.get("nodePort")}
        by_name = {p.get("name", ""): p.get("nodePort") for p in old.get("ports") or []}
        for port in new_ports:
            previous = by_name.get(port.get("name", ""))
            if not port.get("nodePort") and previous and previous not in in_use:
                port["nodePort"] = previous
                in_use.add(previous)
    keep_health_port = needs_health_check(old) and needs_health_check(new)
    if keep_health_port and not new.get("healthCheckNodePort") and old.get("healthCheckNodePort"):
        new["healthCheckNodePort"] = old["healthCheckNodePort"]


def _unchanged(new: dict[str, Any], old: dict[str, Any], name: str) -> bool:
    return new.get(name) == old.get(name)


def _drop_type_dependent_fields(new: dict[str, Any], old: dict[str, Any]) -> None:
    """Fields the new type cannot have go, when the client merely kept the old values."""
    if new.get("type") == old.get("type"):
        return
    if not _needs_cluster_ip(new) and _needs_cluster_ip(old):
        for name in CLUSTER_IP_FIELDS:
            if _unchanged(new, old, name):
                new.pop(name, None)
    if new.get("type") not in NODE_PORT_TYPES and old.get("type") in NODE_PORT_TYPES:
        old_ports = [p.get("nodePort") for p in old.get("ports") or []]
        new_ports = [p.get("nodePort") for p in new.get("ports") or []]
        if new_ports == old_ports[: len(new_ports)] or all(p in old_ports for p in new_ports):
            for port in new.get("ports") or []:
                port.pop("nodePort", None)
    if not needs_health_check(new) and _unchanged(new, old, "healthCheckNodePort"):
        new.pop("healthCheckNodePort", None)
    if new.get("type") != "LoadBalancer":
        for name in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if _unchanged(new, old, name):
                new.pop(name, None)


register_strategy("", "services", ServiceStrategy)
