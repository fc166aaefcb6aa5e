"""core/v1 kinds other than pods: schema facts, defaults and validation as Kubernetes has them."""

import base64
import copy

import pytest

import pyk8s.api.kinds  # noqa: F401  (defines every struct and registers every resource)
from pyk8s.api import protobuf
from pyk8s.api.defaults import apply_defaults
from pyk8s.api.resource import find
from pyk8s.api.schema import STRUCTS, ListOf, MapOf, Struct, resolve
from pyk8s.api.validation import validate_object, validate_update

CORE = "io.k8s.api.core.v1."
ROOTS = [
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Namespace",
    "ComponentStatus",
    "RangeAllocation",
    "Node",
    "NodeProxyOptions",
    "Service",
    "ServiceProxyOptions",
    "Endpoints",
    "Event",
    "LimitRange",
    "ResourceQuota",
    "PersistentVolume",
    "PersistentVolumeClaim",
]


def reachable(roots: list[str]) -> tuple[list[Struct], list[str]]:
    """Every struct the roots are made of, and the names referred to that nothing defines."""
    seen: dict[str, Struct] = {}
    unknown: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in STRUCTS:
            unknown.append(name)
            continue
        struct = resolve(name)
        if struct.name in seen:
            continue
        seen[struct.name] = struct
        for field in struct.fields:
            t = field.type
            while isinstance(t, ListOf | MapOf):
                t = t.item if isinstance(t, ListOf) else t.value
            if isinstance(t, str | Struct):
                todo.append(t if isinstance(t, str) else t.name)
    return list(seen.values()), unknown


def check_numbers_unique(structs: list[Struct]) -> None:
    for struct in structs:
        messages: dict[int, list[int]] = {}
        for field in struct.fields:
            if field.number:
                messages.setdefault(field.embedded_in, []).append(field.number)
            else:
                assert field.name in ("apiVersion", "kind"), f"{struct.name}.{field.name}"
        for numbers in messages.values():
            assert len(numbers) == len(set(numbers)), struct.name


def defaulted(kind: str, obj: dict) -> dict:
    obj = copy.deepcopy(obj)
    apply_defaults(obj, STRUCTS[CORE + kind])
    return obj


def causes(kind: str, obj: dict) -> list[tuple[str, str]]:
    found = validate_object(defaulted(kind, obj), STRUCTS[CORE + kind])
    return [(c.field, c.message) for c in found]


def update_causes(kind: str, new: dict, old: dict) -> list[tuple[str, str]]:
    struct = STRUCTS[CORE + kind]
    found = validate_update(defaulted(kind, new), defaulted(kind, old), struct)
    return [(c.field, c.message) for c in found]


def service(**spec) -> dict:
    spec.setdefault("ports", [{"port": 80}])
    return {"metadata": {"name": "web", "namespace": "default"}, "spec": spec}


# --- schema facts ---------------------------------------------------------------------------


def test_every_struct_reachable_from_these_kinds_is_defined():
    structs, unknown = reachable([CORE + name for name in ROOTS])
    assert unknown == [], f"referenced but never defined: {unknown}"
    assert len(structs) > 60


def test_protobuf_numbers_are_unique_per_message():
    check_numbers_unique(reachable([CORE + name for name in ROOTS])[0])


def test_numbers_and_list_semantics_match_kubernetes():
    spec = STRUCTS[CORE + "ServiceSpec"]
    assert spec.field("clusterIPs").number == 18
    assert spec.field("trafficDistribution").number == 23
    ports = spec.field("ports")
    assert (ports.patch_merge_key, ports.list_map_keys) == ("port", ("port", "protocol"))
    status = STRUCTS[CORE + "NodeStatus"]
    assert status.field("addresses").patch_merge_key == "type"
    assert STRUCTS[CORE + "NodeSpec"].field("podCIDRs").number == 7
    pv = STRUCTS[CORE + "PersistentVolumeSpec"]
    assert (pv.field("csi").number, pv.field("csi").embedded_in) == (22, 2)
    assert STRUCTS[CORE + "Secret"].field("immutable").number == 5


def test_resources_are_registered_as_discovery_lists_them():
    nodes = find("", "v1", "nodes")
    assert nodes.key(None, "n1") == "/minions/n1"
    assert nodes.short_names == ("no",)
    services = find("", "v1", "services")
    assert services.categories == ("all",)
    assert services.key("ns", "web") == "/services/specs/ns/web"
    assert [s.name for s in services.subresources] == ["proxy", "status"]
    assert find("", "v1", "endpoints").key("ns", "web") == "/services/endpoints/ns/web"
    namespaces = find("", "v1", "namespaces")
    assert "deletecollection" not in namespaces.verbs
    assert namespaces.subresource("finalize").verbs == ("update",)
    token = find("", "v1", "serviceaccounts").subresource("token")
    assert (token.group, token.version, token.kind) == (
        "authentication.k8s.io",
        "v1",
        "TokenRequest",
    )
    statuses = find("", "v1", "componentstatuses")
    assert (statuses.stored, statuses.verbs) == (False, ("get", "list"))
    short = {find("", "v1", p).short_names[0] for p in ("limitranges", "resourcequotas", "events")}
    assert short == {"limits", "quota", "ev"}
    assert find("", "v1", "persistentvolumeclaims").short_names == ("pvc",)


def test_a_service_survives_a_protobuf_round_trip():
    obj = defaulted("Service", service(selector={"app": "web"}, type="NodePort"))
    obj |= {"apiVersion": "v1", "kind": "Service"}
    obj["spec"]["ports"][0]["targetPort"] = "http"
    struct = STRUCTS[CORE + "Service"]
    assert protobuf.decode_object(protobuf.encode_object(obj, struct)) == obj


def test_a_persistent_volume_source_travels_inline_in_json_and_nested_in_protobuf():
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "pv1"},
        "spec": {"capacity": {"storage": "1Gi"}, "csi": {"driver": "d", "volumeHandle": "h"}},
    }
    struct = STRUCTS[CORE + "PersistentVolume"]
    assert protobuf.decode_object(protobuf.encode_object(volume, struct)) == volume


# --- defaults -------------------------------------------------------------------------------


def test_service_defaults():
    spec = defaulted("Service", service(ports=[{"port": 80}, {"port": 53, "protocol": "UDP"}]))[
        "spec"
    ]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert spec["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    assert spec["ports"][1]["targetPort"] == 53


def test_externally_reachable_services_get_more_defaults():
    spec = defaulted("Service", service(type="LoadBalancer", sessionAffinity="ClientIP"))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_secret_type_defaults_to_opaque_and_string_data_lands_in_data():
    secret = defaulted(
        "Secret", {"metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"a": "hi"}}
    )
    assert secret["type"] == "Opaque"
    assert "stringData" not in secret
    assert base64.b64decode(secret["data"]["a"]) == b"hi"


def test_namespace_carries_its_name_as_a_label_and_starts_active():
    namespace = defaulted("Namespace", {"metadata": {"name": "team-a"}})
    assert namespace["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert namespace["status"] == {"phase": "Active"}


def test_volume_defaults():
    volume = defaulted("PersistentVolume", {"metadata": {"name": "v"}, "spec": {}})
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["volumeMode"] == "Filesystem"
    assert volume["status"]["phase"] == "Pending"


def test_node_allocatable_defaults_to_capacity():
    node = defaulted("Node", {"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "2"}}})
    assert node["status"]["allocatable"] == {"cpu": "2"}


def test_container_limit_range_defaults_come_from_max_then_default():
    limits = {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Mi"}}
    item = defaulted("LimitRange", {"spec": {"limits": [limits]}})["spec"]["limits"][0]
    assert item["default"] == {"cpu": "2"}
    assert item["defaultRequest"] == {"cpu": "2", "memory": "1Mi"}


# --- validation -----------------------------------------------------------------------------


def test_several_service_ports_need_unique_names():
    found = causes("Service", service(ports=[{"port": 80, "name": "a"}, {"port": 81}]))
    assert found == [("spec.ports[1].name", "Required value")]
    found = causes("Service", service(ports=[{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]))
    assert found == [("spec.ports[1].name", 'Duplicate value: "a"')]


def test_service_port_numbers_and_pairs():
    found = causes("Service", service(ports=[{"port": 70000}]))
    assert found[0] == (
        "spec.ports[0].port",
        "Invalid value: 70000: must be between 1 and 65535, inclusive",
    )
    found = causes("Service", service(ports=[{"port": 80, "name": "a"}, {"port": 80, "name": "b"}]))
    assert found[0][0] == "spec.ports[1]"
    assert found[0][1].startswith('Duplicate value: core.ServicePort{Name:"", Protocol:"TCP"')


def test_service_type_and_field_rules():
    assert causes("Service", service(type="Magic"))[0] == (
        "spec.type",
        'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", '
        '"LoadBalancer", "NodePort"',
    )
    assert ("spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'") in (
        causes("Service", service(ports=[{"port": 80, "nodePort": 30080}]))
    )
    assert causes("Service", service(type="ExternalName", ports=[])) == [
        ("spec.externalName", "Required value")
    ]
    assert causes("Service", service(selector={"app": "web"}, clusterIP="None", ports=[])) == []


def test_cluster_ip_may_not_change_but_a_headless_service_stays_headless():
    old = service(clusterIP="10.0.0.10")
    found = update_causes("Service", service(clusterIP="10.0.0.11"), old)
    assert found == [
        ("spec.clusterIPs[0]", 'Invalid value: []string{"10.0.0.11"}: may not change once set')
    ]
    assert update_causes("Service", service(clusterIP="10.0.0.10"), old) == []
    headless = service(clusterIP="None")
    assert update_causes("Service", headless, headless) == []
    assert update_causes("Service", service(type="ExternalName", externalName="x.io"), old) == []


def test_endpoints_reject_loopback_and_nameless_ports():
    subset = {
        "addresses": [{"ip": "127.0.0.1"}],
        "ports": [{"port": 80}, {"port": 81, "name": "b"}],
    }
    found = causes("Endpoints", {"metadata": {"name": "web"}, "subsets": [subset]})
    assert found == [
        (
            "subsets[0].addresses[0].ip",
            'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        ),
        ("subsets[0].ports[0].name", "Required value"),
    ]


def test_config_keys_follow_kubernetes_rules():
    found = causes("ConfigMap", {"metadata": {"name": "c"}, "data": {"a/b": "x"}})
    assert found == [
        (
            "data[a/b]",
            'Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '
            "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
            "validation is '[-._a-zA-Z0-9]+')",
        )
    ]


@pytest.mark.parametrize(("kind", "payload"), [("ConfigMap", "data"), ("Secret", "data")])
def test_immutable_payload_cannot_change(kind, payload):
    old = {"metadata": {"name": "c"}, payload: {"k": "dg=="}, "immutable": True}
    new = copy.deepcopy(old)
    new[payload]["k"] = "dw=="
    message = "Forbidden: field is immutable when `immutable` is set"
    assert update_causes(kind, new, old) == [(payload, message)]
    new["immutable"] = False
    assert ("immutable", message) in update_causes(kind, new, old)


def test_typed_secrets_need_their_keys():
    found = causes("Secret", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {}})
    assert found == [("data[tls.crt]", "Required value"), ("data[tls.key]", "Required value")]
    old = {"metadata": {"name": "s"}}
    found = update_causes("Secret", {"metadata": {"name": "s"}, "type": "x/y"}, old)
    assert found == [("type", 'Invalid value: "x/y": field is immutable')]


def test_node_taints():
    taints = [
        {"key": "a", "effect": "NoSchedule"},
        {"key": "a", "effect": "NoSchedule", "value": "x"},
        {"key": "b", "effect": "Sometimes"},
    ]
    found = causes("Node", {"metadata": {"name": "n"}, "spec": {"taints": taints}})
    assert (
        "spec.taints[2].effect",
        'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", '
        '"NoExecute"',
    ) in found
    duplicate = [message for path, message in found if path == "spec.taints[1]"]
    assert duplicate == [
        'Duplicate value: core.Taint{Key:"a", Value:"x", Effect:"NoSchedule", '
        "TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair"
    ]


def test_node_pod_cidr_is_set_once():
    old = {"metadata": {"name": "n"}, "spec": {}}
    assigned = {
        "metadata": {"name": "n"},
        "spec": {"podCIDR": "10.1.0.0/24", "podCIDRs": ["10.1.0.0/24"]},
    }
    assert update_causes("Node", assigned, old) == []
    changed = copy.deepcopy(assigned)
    changed["spec"]["podCIDRs"] = ["10.2.0.0/24"]
    assert update_causes("Node", changed, assigned) == [
        ("spec.podCIDRs", 'Forbidden: node updates may not change podCIDR except from "" to valid')
    ]


def test_claims_need_access_modes_and_size_and_freeze_their_spec():
    claim = {"metadata": {"name": "c", "namespace": "d"}, "spec": {}}
    assert causes("PersistentVolumeClaim", claim) == [
        ("spec.accessModes", "Required value: at least 1 access mode is required"),
        ("spec.resources[storage]", "Required value"),
    ]
    claim["spec"] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
    }
    assert causes("PersistentVolumeClaim", claim) == []
    bound = copy.deepcopy(claim)
    bound["spec"]["volumeName"] = "pv1"
    assert update_causes("PersistentVolumeClaim", bound, claim) == []
    changed = copy.deepcopy(bound)
    changed["spec"]["accessModes"] = ["ReadWriteMany"]
    assert update_causes("PersistentVolumeClaim", changed, bound)[0][0] == "spec"


def test_a_volume_has_exactly_one_source():
    volume = {
        "metadata": {"name": "v"},
        "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
    }
    assert causes("PersistentVolume", volume) == [
        ("spec", "Required value: must specify a volume type")
    ]
    volume["spec"] |= {"hostPath": {"path": "/d"}, "nfs": {"server": "s", "path": "/e"}}
    assert causes("PersistentVolume", volume) == [
        ("spec.nfs", "Forbidden: may not specify more than 1 volume type")
    ]


def test_an_event_lives_in_its_objects_namespace():
    event = {
        "metadata": {"name": "e", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "other"},
    }
    assert causes("Event", event) == [
        ("involvedObject.namespace", 'Invalid value: "other": does not match event.namespace')
    ]
    event["involvedObject"]["namespace"] = "default"
    assert causes("Event", event) == []


def test_namespace_finalizers_must_be_standard_or_qualified():
    namespace = {"metadata": {"name": "n"}, "spec": {"finalizers": ["kubernetes", "mine"]}}
    assert causes("Namespace", namespace) == [
        (
            "spec.finalizers",
            'Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified',
        )
    ]
