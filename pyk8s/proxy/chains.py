"""The names kube-proxy gives its iptables chains, and the jumps that lead into them.

Everything here is a constant or a pure function, so that the renderer (rules.py), the
applier (iptables.py) and `--cleanup` agree on exactly which chains and rules are ours.

Per-service chains carry a hash instead of the service's name because an iptables chain
name is limited to 28 characters: the hash is the first 16 characters of the base32
encoding of sha256("<namespace>/<name>[:<port name>]" + protocol), the protocol written
in lower case ("tcp"). An endpoint chain also hashes the endpoint ("10.244.1.5:8080").
These are the names the real kube-proxy computes, so the same Service gets the same
KUBE-SVC-… name on pyk8s as on any other cluster.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
from dataclasses import dataclass

# nat table
KUBE_SERVICES = "KUBE-SERVICES"  # also in filter: REJECT for services without endpoints
KUBE_NODEPORTS = "KUBE-NODEPORTS"  # also in filter: ACCEPT for health check node ports
KUBE_POSTROUTING = "KUBE-POSTROUTING"
KUBE_MARK_MASQ = "KUBE-MARK-MASQ"
# filter table
KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES"
KUBE_FORWARD = "KUBE-FORWARD"
KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL"

FIXED_CHAINS: dict[str, tuple[str, ...]] = {
    "filter": (
        KUBE_SERVICES,
        KUBE_EXTERNAL_SERVICES,
        KUBE_FORWARD,
        KUBE_NODEPORTS,
        KUBE_PROXY_FIREWALL,
    ),
    "nat": (KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ),
}

SERVICE_CLUSTER_PREFIX = "KUBE-SVC-"  # endpoints for Cluster traffic policy
SERVICE_LOCAL_PREFIX = "KUBE-SVL-"  # this node's endpoints, for Local traffic policy
SERVICE_EXTERNAL_PREFIX = "KUBE-EXT-"  # NodePort / external IP / load balancer traffic
SERVICE_FIREWALL_PREFIX = "KUBE-FW-"  # loadBalancerSourceRanges
ENDPOINT_PREFIX = "KUBE-SEP-"  # one DNAT per endpoint

PER_SERVICE_PREFIXES = (
    SERVICE_CLUSTER_PREFIX,
    SERVICE_LOCAL_PREFIX,
    SERVICE_EXTERNAL_PREFIX,
    SERVICE_FIREWALL_PREFIX,
    ENDPOINT_PREFIX,
)


def _hash16(text: str) -> str:
    # 16 base32 characters are exactly the first 10 bytes (80 bits) of the digest.
    return base64.b32encode(hashlib.sha256(text.encode()).digest()[:10]).decode()


@functools.lru_cache(maxsize=1 << 14)
def service_chain(prefix: str, port_name: str, protocol: str) -> str:
    """KUBE-SVC-/SVL-/EXT-/FW- chain of one service port ("default/web:http", "TCP")."""
    return prefix + _hash16(port_name + protocol.lower())


@functools.lru_cache(maxsize=1 << 16)  # most endpoints are the same from one sync to the next
def endpoint_chain(port_name: str, protocol: str, endpoint: str) -> str:
    """KUBE-SEP- chain of one endpoint ("10.244.1.5:8080") of one service port."""
    return ENDPOINT_PREFIX + _hash16(port_name + protocol.lower() + endpoint)


def is_owned_chain(table: str, chain: str) -> bool:
    """True for every chain pyk8s's proxy may create in `table` (and so may delete)."""
    if chain in FIXED_CHAINS.get(table, ()):
        return True
    return table == "nat" and chain.startswith(PER_SERVICE_PREFIXES)


@functools.lru_cache(maxsize=1024)
def probability(n: int) -> str:
    """The `--probability` of the first of n remaining endpoints, as iptables-save prints it.

    kube-proxy writes 1/n with ten decimals; the kernel keeps it as a fixed-point fraction
    of 2^31, and iptables-save prints that back with eleven decimals. We render the value
    iptables-save shows (1/3 -> 0.33333333349) so that our output and the live tables
    compare equal, which is how the applier and the tests check what is installed.
    """
    written = float(f"{1.0 / n:.10f}")
    fixed_point = math.floor(written * 0x80000000 + 0.5)
    return f"{fixed_point / 0x80000000:.11f}"


def masquerade_mark(bit: int) -> str:
    """The packet mark meaning "masquerade me" (bit 14 -> 0x4000, as iptables prints it)."""
    return hex(1 << bit)


@dataclass(frozen=True)
class Jump:
    """A rule in a built-in chain (PREROUTING, INPUT, …) that leads into one of ours."""

    table: str
    from_chain: str
    to_chain: str
    comment: str
    new_connections_only: bool = False

    def rule_spec(self) -> str:
        """The rule, without `-A CHAIN`, exactly as iptables-save prints it."""
        state = "-m conntrack --ctstate NEW " if self.new_connections_only else ""
        return f'{state}-m comment --comment "{self.comment}" -j {self.to_chain}'


_EXTERNAL = "kubernetes externally-visible service portals"
_PORTALS = "kubernetes service portals"
_FIREWALL = "kubernetes load balancer firewall"

# The same jumps, comments and order as kube-proxy's iptables mode.
JUMPS: tuple[Jump, ...] = (
    Jump("filter", "INPUT", KUBE_EXTERNAL_SERVICES, _EXTERNAL, True),
    Jump("filter", "FORWARD", KUBE_EXTERNAL_SERVICES, _EXTERNAL, True),
    Jump("filter", "INPUT", KUBE_NODEPORTS, "kubernetes health check service ports"),
    Jump("filter", "FORWARD", KUBE_SERVICES, _PORTALS, True),
    Jump("filter", "OUTPUT", KUBE_SERVICES, _PORTALS, True),
    Jump("filter", "FORWARD", KUBE_FORWARD, "kubernetes forwarding rules"),
    Jump("filter", "INPUT", KUBE_PROXY_FIREWALL, _FIREWALL, True),
    Jump("filter", "OUTPUT", KUBE_PROXY_FIREWALL, _FIREWALL, True),
    Jump("filter", "FORWARD", KUBE_PROXY_FIREWALL, _FIREWALL, True),
    Jump("nat", "OUTPUT", KUBE_SERVICES, _PORTALS),
    Jump("nat", "PREROUTING", KUBE_SERVICES, _PORTALS),
    Jump("nat", "POSTROUTING", KUBE_POSTROUTING, "kubernetes postrouting rules"),
)
