"""events.k8s.io, coordination.k8s.io and discovery.k8s.io: schemas, defaults, validation."""

import copy

import pyk8s.api.kinds  # noqa: F401  (defines every struct and registers every resource)
from pyk8s.api import protobuf
from pyk8s.api.defaults import apply_defaults
from pyk8s.api.kinds.events import from_core_event, to_core_event
from pyk8s.api.resource import find
from pyk8s.api.schema import STRUCTS
from pyk8s.api.validation import validate_object, validate_update
from tests.unit.kinds.test_core import check_numbers_unique, reachable

EVENT = "io.k8s.api.events.v1.Event"
LEASE = "io.k8s.api.coordination.v1.Lease"
SLICE = "io.k8s.api.discovery.v1.EndpointSlice"


def causes(struct_name: str, obj: dict) -> list[tuple[str, str]]:
    obj = copy.deepcopy(obj)
    apply_defaults(obj, STRUCTS[struct_name])
    return [(c.field, c.message) for c in validate_object(obj, STRUCTS[struct_name])]


def new_event(**fields) -> dict:
    event = {
        "metadata": {"name": "e1", "namespace": "default"},
        "eventTime": "2024-05-01T12:00:00.000000Z",
        "reportingController": "kubernetes.io/kubelet",
        "reportingInstance": "kubelet-node1",
        "action": "Pulling",
        "reason": "Pulled",
        "regarding": {"kind": "Pod", "name": "p", "namespace": "default"},
        "note": "pulled the image",
        "type": "Normal",
    }
    return event | fields


def test_every_struct_is_defined_and_numbers_are_unique():
    structs, unknown = reachable([EVENT, LEASE, SLICE])
    assert unknown == []
    check_numbers_unique(structs)
    assert STRUCTS[SLICE].field("addressType").number == 4
    assert STRUCTS[EVENT].field("deprecatedCount").number == 15


def test_resources():
    events = find("events.k8s.io", "v1", "events")
    # Kubernetes keeps one store for both event APIs.
    assert events.key("ns", "e1") == find("", "v1", "events").key("ns", "e1") == "/events/ns/e1"
    assert events.short_names == ("ev",)
    assert find("coordination.k8s.io", "v1", "leases").namespaced
    assert find("discovery.k8s.io", "v1", "endpointslices").key("ns", "s") == "/endpointslices/ns/s"


def test_event_versions_convert_both_ways():
    event = new_event()
    core = to_core_event(event)
    assert core["involvedObject"] == event["regarding"]
    assert core["message"] == "pulled the image"
    assert core["reportingComponent"] == "kubernetes.io/kubelet"
    assert core["apiVersion"] == "v1"
    assert from_core_event(core) == event | {"apiVersion": "events.k8s.io/v1", "kind": "Event"}


def test_new_events_are_checked_strictly():
    assert causes(EVENT, new_event()) == []
    assert causes(EVENT, new_event(type="Odd")) == [
        ("type", 'Invalid value: "": has invalid value: Odd')
    ]
    event = new_event(deprecatedCount=3)
    del event["eventTime"], event["action"]
    assert causes(EVENT, event) == [
        ("eventTime", "Required value"),
        ("count", 'Invalid value: "": needs to be unset'),
    ]
    assert ("action", "Required value") in causes(EVENT, new_event(action=""))


def test_events_do_not_change_once_written():
    old = new_event()
    struct = STRUCTS[EVENT]
    assert (
        validate_update(new_event(series={"count": 2, "lastObservedTime": "x"}), old, struct) == []
    )
    found = validate_update(new_event(note="changed"), old, struct)
    assert [(c.field, c.message) for c in found] == [
        ("message", 'Invalid value: "changed": field is immutable')
    ]


def test_lease_duration_must_be_positive():
    lease = {
        "metadata": {"name": "n1"},
        "spec": {"holderIdentity": "n1", "leaseDurationSeconds": 0},
    }
    assert causes(LEASE, lease) == [
        ("spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0")
    ]
    lease["spec"]["leaseDurationSeconds"] = 40
    assert causes(LEASE, lease) == []


def test_a_lease_survives_a_protobuf_round_trip():
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "n1", "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": "n1",
            "leaseDurationSeconds": 40,
            "renewTime": "2024-05-01T12:00:00.123456Z",
        },
    }
    assert protobuf.decode_object(protobuf.encode_object(lease, STRUCTS[LEASE])) == lease


def endpoint_slice(**fields) -> dict:
    return {
        "metadata": {"name": "web-abc", "namespace": "default"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": True}}],
        "ports": [{"port": 80}],
    } | fields


def test_endpoint_slice_ports_default_to_tcp_and_no_name():
    obj = endpoint_slice()
    apply_defaults(obj, STRUCTS[SLICE])
    assert obj["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    assert causes(SLICE, endpoint_slice()) == []


def test_endpoint_slice_addresses_match_the_address_type():
    assert causes(SLICE, endpoint_slice(addressType="IPX"))[0] == (
        "addressType",
        'Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"',
    )
    found = causes(SLICE, endpoint_slice(endpoints=[{"addresses": ["fd00::1"]}, {"addresses": []}]))
    assert found == [
        ("endpoints[0].addresses[0]", 'Invalid value: "fd00::1": must be a valid IPv4 address'),
        ("endpoints[1].addresses", "Required value: must contain at least 1 address"),
    ]


def test_endpoint_slice_address_type_is_immutable():
    found = validate_update(endpoint_slice(addressType="IPv6"), endpoint_slice(), STRUCTS[SLICE])
    assert [(c.field, c.message) for c in found] == [
        ("addressType", 'Invalid value: "IPv6": field is immutable')
    ]
