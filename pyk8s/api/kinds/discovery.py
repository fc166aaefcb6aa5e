"""discovery.k8s.io/v1 EndpointSlice: a service's endpoints, in slices of up to 1000.

The EndpointSlice controller keeps slices for every service with a selector; kube-proxy reads
them. Unlike core/v1 Endpoints, each endpoint carries its own readiness, zone and node, and a
slice holds one address type (IPv4, IPv6 or FQDN). Slices are stored under "/endpointslices".

Defaults and validation follow pkg/apis/discovery (v1.32): ports default to TCP and an empty
name; addresses must match the slice's type; the address type never changes.
"""

import ipaddress

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import (
    BOOL,
    INT32,
    STRING,
    F,
    ListOf,
    MapOf,
    define,
    update_validator,
    validator,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."
DISCOVERY = "io.k8s.api.discovery.v1."

ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
MAX_ENDPOINTS = 1000
MAX_ADDRESSES = 100
MAX_PORTS = 20000

define(
    DISCOVERY + "EndpointConditions",
    "Whether an endpoint can take traffic.",
    F(
        "ready",
        1,
        BOOL,
        "Ready for traffic; unset means unknown, usually read as ready.",
        pointer=True,
    ),
    F("serving", 2, BOOL, "Ready, whether or not terminating.", pointer=True),
    F("terminating", 3, BOOL, "Shutting down.", pointer=True),
)

define(
    DISCOVERY + "ForZone",
    "A zone that should consume an endpoint.",
    F("name", 1, STRING, "The zone's name.", required=True),
)

define(
    DISCOVERY + "EndpointHints",
    "Routing hints for an endpoint.",
    F(
        "forZones",
        1,
        ListOf(DISCOVERY + "ForZone"),
        "Zones that should send traffic to this endpoint.",
        list_type="atomic",
    ),
)

define(
    DISCOVERY + "Endpoint",
    "One backend of a service.",
    F(
        "addresses",
        1,
        ListOf(STRING),
        "The endpoint's addresses, of the slice's address type; 1 to 100.",
        list_type="set",
    ),
    F("conditions", 2, DISCOVERY + "EndpointConditions", "Whether it can take traffic."),
    F("hostname", 3, STRING, "A hostname, a DNS label.", pointer=True),
    F("targetRef", 4, CORE + "ObjectReference", "The object behind it (a pod).", pointer=True),
    F(
        "deprecatedTopology",
        5,
        MapOf(STRING),
        "Topology from the beta API; ignored on write, use zone and nodeName.",
    ),
    F("nodeName", 6, STRING, "The node hosting the endpoint.", pointer=True),
    F("zone", 7, STRING, "The zone of the endpoint.", pointer=True),
    F("hints", 8, DISCOVERY + "EndpointHints", "Routing hints.", pointer=True),
)

define(
    DISCOVERY + "EndpointPort",
    "A port of every endpoint of a slice.",
    F("name", 1, STRING, "The port's name, matching the service port's.", pointer=True, default=""),
    F("protocol", 2, STRING, "TCP (default), UDP or SCTP.", pointer=True, default="TCP"),
    F("port", 3, INT32, "The port number; unset means every port.", pointer=True),
    F("appProtocol", 4, STRING, "The application protocol.", pointer=True),
)

define(
    DISCOVERY + "EndpointSlice",
    "A slice of the endpoints of a service, all of one address type.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F(
        "endpoints",
        2,
        ListOf(DISCOVERY + "Endpoint"),
        "The endpoints, at most 1000.",
        required=True,
        list_type="atomic",
    ),
    F(
        "ports",
        3,
        ListOf(DISCOVERY + "EndpointPort"),
        "The ports every endpoint serves; none means no ports are defined.",
        list_type="atomic",
    ),
    F(
        "addressType",
        4,
        STRING,
        "The type of every address: IPv4, IPv6 or FQDN. Immutable.",
        required=True,
        enum=ADDRESS_TYPES,
    ),
)

register(
    Resource(
        group="discovery.k8s.io",
        version="v1",
        kind="EndpointSlice",
        plural="endpointslices",
        singular="endpointslice",
        namespaced=True,
        schema=DISCOVERY + "EndpointSlice",
        storage_prefix="/endpointslices",
    )
)


def _address_causes(address: str, address_type: str, path: str) -> list[Cause]:
    if address_type in ("IPv4", "IPv6"):
        version = 4 if address_type == "IPv4" else 6
        try:
            valid = ipaddress.ip_address(address).version == version
        except ValueError:
            valid = False
        if not valid:
            return [validation.invalid(path, address, f"must be a valid {address_type} address")]
        return []
    if address_type == "FQDN":
        causes = [validation.invalid(path, address, m) for m in names.is_dns1123_subdomain(address)]
        if not causes and "." not in address:
            detail = "should be a domain with at least two segments separated by dots"
            causes.append(validation.invalid(path, address, detail))
        return causes
    return []


def _endpoint_causes(endpoint: dict, address_type: str, path: str) -> list[Cause]:
    addresses = endpoint.get("addresses") or []
    where = f"{path}.addresses"
    causes = []
    if not addresses:
        causes.append(validation.required(where, "must contain at least 1 address"))
    elif len(addresses) > MAX_ADDRESSES:
        causes.append(validation.too_many(where, len(addresses), MAX_ADDRESSES))
    for index, address in enumerate(addresses):
        causes += _address_causes(address, address_type, f"{where}[{index}]")
    if endpoint.get("nodeName") is not None:
        node = endpoint["nodeName"]
        messages = names.is_dns1123_subdomain(node)
        causes += [validation.invalid(f"{path}.nodeName", node, m) for m in messages]
    if endpoint.get("hostname") is not None:
        host = endpoint["hostname"]
        causes += [
            validation.invalid(f"{path}.hostname", host, m) for m in names.is_dns1123_label(host)
        ]
    return causes


def _port_causes(ports: list[dict]) -> list[Cause]:
    causes = []
    if len(ports) > MAX_PORTS:
        causes.append(validation.too_many("ports", len(ports), MAX_PORTS))
    seen: set[str] = set()
    for index, port in enumerate(ports):
        where = f"ports[{index}]"
        name = port.get("name") or ""
        if name:
            causes += [
                validation.invalid(f"{where}.name", name, m) for m in names.is_dns1123_label(name)
            ]
        if name in seen:
            causes.append(validation.duplicate(f"{where}.name", name))
        seen.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            causes.append(validation.required(f"{where}.protocol"))
        elif protocol not in ("SCTP", "TCP", "UDP"):
            causes.append(
                validation.not_supported(f"{where}.protocol", protocol, ["SCTP", "TCP", "UDP"])
            )
        if port.get("appProtocol") is not None:
            app = port["appProtocol"]
            causes += [
                validation.invalid(f"{where}.appProtocol", app, m)
                for m in names.is_qualified_name(app)
            ]
    return causes


@validator(DISCOVERY + "EndpointSlice")
def validate_endpoint_slice(slice_: dict, path: str) -> list[Cause]:
    address_type = slice_.get("addressType", "")
    endpoints = slice_.get("endpoints") or []
    causes = []
    if len(endpoints) > MAX_ENDPOINTS:
        causes.append(validation.too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
    for index, endpoint in enumerate(endpoints):
        causes += _endpoint_causes(endpoint, address_type, f"endpoints[{index}]")
    return causes + _port_causes(slice_.get("ports") or [])


@update_validator(DISCOVERY + "EndpointSlice")
def validate_endpoint_slice_update(new: dict, old: dict) -> list[Cause]:
    if new.get("addressType") != old.get("addressType"):
        return [validation.immutable("addressType", new.get("addressType"))]
    return []
