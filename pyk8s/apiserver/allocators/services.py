"""What a Service holds — cluster IPs and node ports — and how it gets and gives them back.

`ServiceAllocator` is used by the services strategy at four moments:

- `allocate_create(service)`: before a new Service is stored. Fills `spec.ipFamilyPolicy`,
  `spec.ipFamilies`, `spec.clusterIP(s)`, `spec.ports[*].nodePort` and
  `spec.healthCheckNodePort` as Kubernetes does, claiming every address and port it writes.
- `allocate_update(new, old)`: before an update is stored; claims only what `new` needs and
  `old` does not already hold.
- `release_dropped(kept=new, dropped=old)`: after an update is stored; gives back what `old`
  held and `new` no longer does. Called with the arguments swapped it undoes an
  `allocate_update` whose write failed.
- `release_all(service)`: after a delete, or to undo an `allocate_create` whose write failed.

Each allocating call is all-or-nothing: when one claim fails, the claims it made are given
back before the error (a Kubernetes Status error) is raised. With `dry_run` nothing is
claimed; the answer shows what would have been.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import InternalError, Invalid
from pyk8s.apiserver.allocators.ipaddresses import ClusterIPAllocator
from pyk8s.apiserver.allocators.nodeports import NodePortAllocator
from pyk8s.apiserver.allocators.pool import AllocationError, Owner, RangeFull

NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def held_ips(service: dict[str, Any]) -> set[str]:
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return set()
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return {ip for ip in ips if ip and ip != "None"}


def held_ports(service: dict[str, Any]) -> set[int]:
    spec = service.get("spec") or {}
    ports = {p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort")}
    if spec.get("healthCheckNodePort"):
        ports.add(spec["healthCheckNodePort"])
    return ports


def needs_health_check(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


class _Claims:
    """What one call has claimed so far, to give back if a later claim fails."""

    def __init__(self) -> None:
        self.ips: list[str] = []
        self.ports: list[int] = []


class ServiceAllocator:
    def __init__(self, cluster_ips: ClusterIPAllocator, node_ports: NodePortAllocator) -> None:
        self.cluster_ips = cluster_ips
        self.node_ports = node_ports

    # ---- entry points ----------------------------------------------------------------

    async def allocate_create(self, service: dict[str, Any], *, dry_run: bool = False) -> None:
        self.init_ip_families(service, None)
        claims = _Claims()
        try:
            await self._cluster_ips(service, claims, dry_run)
            await self._node_ports(service, set(), claims, dry_run)
            await self._health_check_port(service, None, claims, dry_run)
        except BaseException:
            await self._give_back(service, claims, dry_run)
            raise

    async def allocate_update(
        self, new: dict[str, Any], old: dict[str, Any], *, dry_run: bool = False
    ) -> None:
        self.init_ip_families(new, old)
        claims = _Claims()
        try:
            old_type = (old.get("spec") or {}).get("type")
            if old_type == "ExternalName" and new["spec"].get("type") != "ExternalName":
                await self._cluster_ips(new, claims, dry_run)
            await self._node_ports(new, held_ports(old), claims, dry_run)
            await self._health_check_port(new, old, claims, dry_run)
        except BaseException:
            await self._give_back(new, claims, dry_run)
            raise

    async def release_dropped(self, kept: dict[str, Any], dropped: dict[str, Any]) -> None:
        owner = Owner.of(dropped)
        for ip in held_ips(dropped) - held_ips(kept):
            await self.cluster_ips.release(ip, owner)
        for port in held_ports(dropped) - held_ports(kept):
            await self.node_ports.release(port, owner)

    async def release_all(self, service: dict[str, Any]) -> None:
        await self.release_dropped({}, service)

    # ---- IP families -----------------------------------------------------------------

    def init_ip_families(self, service: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Fill ipFamilyPolicy and ipFamilies, refusing families this cluster lacks."""
        spec = service.setdefault("spec", {})
        if spec.get("type") == "ExternalName":
            return
        family = self.cluster_ips.family
        headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
        if not spec.get("ipFamilyPolicy"):
            old_policy = ((old or {}).get("spec") or {}).get("ipFamilyPolicy")
            if old_policy:
                spec["ipFamilyPolicy"] = old_policy
            elif headless_selectorless:
                spec["ipFamilyPolicy"] = "RequireDualStack"
            else:
                spec["ipFamilyPolicy"] = "SingleStack"
        families = list(spec.get("ipFamilies") or [])
        causes = []
        for index, ip in enumerate(spec.get("clusterIPs") or []):
            ip_family = _family_of(ip)
            if ip_family is None:
                break  # "None", or a malformed address that validation reports
            if index >= len(families):
                if ip_family != family:
                    detail = f"{ip_family} is not configured on this cluster"
                    causes.append(
                        validation.invalid(f"spec.clusterIPs[{index}]", spec["clusterIPs"], detail)
                    )
                else:
                    families.append(ip_family)
        if headless_selectorless and not causes:
            families = families or [family]
            if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
                families.append("IPv6" if families[0] == "IPv4" else "IPv4")
            spec["ipFamilies"] = families
            return
        if spec["ipFamilyPolicy"] == "RequireDualStack":
            detail = "this cluster is not configured for dual-stack services"
            causes.append(validation.invalid("spec.ipFamilyPolicy", "RequireDualStack", detail))
        for index, wanted in enumerate(families):
            if wanted != family:
                causes.append(
                    validation.invalid(
                        f"spec.ipFamilies[{index}]", wanted, "not configured on this cluster"
                    )
                )
        if causes:
            raise Invalid.of("Service", _name(service), causes)
        spec["ipFamilies"] = families or [family]

    # ---- claims ----------------------------------------------------------------------

    async def _cluster_ips(self, service: dict[str, Any], claims: _Claims, dry_run: bool) -> None:
        spec = service["spec"]
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
            return
        owner = Owner.of(service)
        wanted = spec.get("clusterIP") or ""
        if not wanted:
            try:
                ip = await self.cluster_ips.allocate_next(owner, dry_run=dry_run)
            except RangeFull as err:
                raise InternalError(f"failed to allocate a serviceIP: {err}") from None
        else:
            if _family_of(wanted) is None:
                return  # malformed: validation says so, with its own message
            try:
                await self.cluster_ips.allocate(wanted, owner, dry_run=dry_run)
            except AllocationError as err:
                ips = spec.get("clusterIPs") or [wanted]
                detail = f"failed to allocate IP {wanted}: {err}"
                cause = validation.invalid("spec.clusterIPs", ips, detail)
                raise Invalid.of("Service", _name(service), [cause]) from None
            ip = wanted
        claims.ips.append(ip)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip, *(spec.get("clusterIPs") or [])[1:]]

    async def _node_ports(
        self, service: dict[str, Any], already_held: set[int], claims: _Claims, dry_run: bool
    ) -> None:
        spec = service["spec"]
        if spec.get("type") not in NODE_PORT_TYPES:
            return
        owner = Owner.of(service)
        allocate_new = spec.get("allocateLoadBalancerNodePorts", True) is not False
        # One node port serves every protocol of one service port (TCP and UDP on 53).
        by_service_port: dict[Any, int] = {}
        for index, port in enumerate(spec.get("ports") or []):
            wanted = port.get("nodePort") or 0
            if not wanted and not allocate_new:
                continue
            if not wanted and port.get("port") in by_service_port:
                port["nodePort"] = by_service_port[port.get("port")]
                continue
            if wanted:
                if wanted not in already_held and wanted not in claims.ports:
                    await self._claim_port(service, index, wanted, owner, claims, dry_run)
            else:
                try:
                    wanted = await self.node_ports.allocate_next(owner, dry_run=dry_run)
                except RangeFull as err:
                    raise InternalError(f"failed to allocate a nodePort: {err}") from None
                claims.ports.append(wanted)
                port["nodePort"] = wanted
            by_service_port.setdefault(port.get("port"), wanted)

    async def _claim_port(
        self, service: dict[str, Any], index: int, port: int, owner: Owner, claims: _Claims,
        dry_run: bool,
    ) -> None:  # fmt: skip
        try:
            await self.node_ports.allocate(port, owner, dry_run=dry_run)
        except AllocationError as err:
            cause = validation.invalid(f"spec.ports[{index}].nodePort", port, str(err))
            raise Invalid.of("Service", _name(service), [cause]) from None
        claims.ports.append(port)

    async def _health_check_port(
        self, service: dict[str, Any], old: dict[str, Any] | None, claims: _Claims, dry_run: bool
    ) -> None:
        spec = service["spec"]
        if not needs_health_check(spec):
            return
        owner = Owner.of(service)
        wanted = spec.get("healthCheckNodePort") or 0
        if wanted and (wanted in held_ports(old or {}) or wanted in claims.ports):
            return
        try:
            if wanted:
                await self.node_ports.allocate(wanted, owner, dry_run=dry_run)
            else:
                wanted = await self.node_ports.allocate_next(owner, dry_run=dry_run)
        except AllocationError as err:
            message = f"failed to allocate requested HealthCheck NodePort {wanted}: {err}"
            raise InternalError(message) from None
        claims.ports.append(wanted)
        spec["healthCheckNodePort"] = wanted

    async def _give_back(self, service: dict[str, Any], claims: _Claims, dry_run: bool) -> None:
        if dry_run:
            return
        owner = Owner.of(service)
        for ip in claims.ips:
            await self.cluster_ips.release(ip, owner)
        for port in claims.ports:
            await self.node_ports.release(port, owner)


def _family_of(ip: str) -> str | None:
    try:
        return "IPv4" if ipaddress.ip_address(ip).version == 4 else "IPv6"
    except ValueError:
        return None


def _name(service: dict[str, Any]) -> str:
    return (service.get("metadata") or {}).get("name", "")
