"""Protobuf decoding, checked against bodies captured from the real kubectl v1.32."""

import pytest

import pyk8s.api.kinds  # noqa: F401  (registers the real kinds)
from pyk8s.api import protobuf
from pyk8s.api.errors import BadRequest
from tests.unit.api.sample_schema import SPEC, WIDGET

# `kubectl create deployment web --image=nginx`: every non-pointer field is present, zero.
KUBECTL_CREATE_DEPLOYMENT = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ab010a1f0a0377656212001a0022002a0032"
    "00380042005a0a0a036170701203776562127a0801120c0a0a0a0361707012037765621a600a1c0a0012001a0022"
    "002a003200380042005a0a0a036170701203776562124012220a056e67696e7812056e67696e782a0042006a0072"
    "00800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a0028"
    "0038001a0c0800100018002000280038001a002200"
)
# `kubectl create deployment web3 --image=nginx --replicas=0 --port=80`
KUBECTL_CREATE_DEPLOYMENT_ZERO = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bc010a210a047765623312001a0022002a00"
    "3200380042005a0b0a036170701204776562331288010800120d0a0b0a036170701204776562331a6d0a1d0a0012"
    "001a0022002a003200380042005a0b0a03617070120477656233124c122e0a056e67696e7812056e67696e782a00"
    "320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a005200580060006800"
    "8201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200"
)
# `kubectl create secret generic s1 --from-literal=a=b` (type "" is sent, and means absent)
KUBECTL_CREATE_SECRET = bytes.fromhex(
    "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a0032003800420012060a016112"
    "01621a001a002200"
)
# `kubectl create configmap demo --from-literal=k=v --from-file=bin=<4 bytes 00 01 ff fe>`
KUBECTL_CREATE_CONFIGMAP = bytes.fromhex(
    "6b3873000a0f0a0276311209436f6e6669674d6170122b0a140a0464656d6f12001a0022002a0032003800420012"
    "060a016b1201761a0b0a0362696e12040001fffe1a002200"
)


def test_kubectl_deployment_decodes_to_the_json_kubectl_would_send():
    assert protobuf.decode_object(KUBECTL_CREATE_DEPLOYMENT) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
            },
        },
    }


def test_pointer_zero_is_kept_and_non_pointer_zero_dropped():
    spec = protobuf.decode_object(KUBECTL_CREATE_DEPLOYMENT_ZERO)["spec"]
    assert spec["replicas"] == 0
    assert spec["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80}]


def test_secret_and_configmap_bytes_are_base64():
    assert protobuf.decode_object(KUBECTL_CREATE_SECRET) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s1"},
        "data": {"a": "Yg=="},
    }
    configmap = protobuf.decode_object(KUBECTL_CREATE_CONFIGMAP)
    assert configmap["data"] == {"k": "v"} and configmap["binaryData"] == {"bin": "AAH//g=="}


def test_round_trip_of_every_scalar_kind():
    obj = {
        "apiVersion": "test.h3/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "creationTimestamp": "2024-05-01T12:00:00Z"},
        "spec": {
            "replicas": 0,
            "mode": "Slow",
            "size": "1536Mi",
            "port": "http",
            "parts": [{"name": "a", "weight": -3, "labels": {"x": "y"}}],
            "tags": {"b": "2", "a": "1"},
            "enabled": True,
            "timeout": "1h0m30.5s",
            "started": "2024-05-01T12:00:00Z",
            "ratio": 0.25,
            "payload": "aGk=",
            "config": {"free": ["form", 1]},
            "counts": [1, -2, 2**40],
            "limits": {"cpu": "500m"},
            "paused": False,
            "renewed": "2024-05-01T12:00:00.123456Z",
            "extra": {},
            "refName": "inlined",
        },
    }
    assert protobuf.decode_object(protobuf.encode_object(obj, WIDGET)) == obj


def test_packed_and_unpacked_repeated_numbers():
    packed = bytes([13 << 3 | 2, 3, 1, 2, 3])
    unpacked = bytes([13 << 3, 1, 13 << 3, 2])
    assert protobuf.decode_message(packed, SPEC) == {"counts": [1, 2, 3]}
    assert protobuf.decode_message(unpacked, SPEC) == {"counts": [1, 2]}


def test_unknown_field_numbers_are_skipped():
    unknown = bytes([0x98, 0x06, 1])  # field 99, varint 1
    assert protobuf.decode_message(unknown + bytes([2 << 3 | 2, 4]) + b"Fast", SPEC) == {
        "mode": "Fast"
    }


def test_int_or_string_zero_and_empty_time_mean_absent():
    port_zero = bytes([4 << 3 | 2, 4, 0x08, 0, 0x10, 0])
    empty_time = bytes([9 << 3 | 2, 0])
    assert protobuf.decode_message(port_zero + empty_time, SPEC) == {}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{}",
        b"k8s\x00\x0a",
        b"k8s\x00\x0a\x05\x0a\x02v1",
        KUBECTL_CREATE_DEPLOYMENT[:120],
        b"k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Nobody",
        b"k8s\x00"
        + bytes([0x0A, 0x0F, 0x0A, 0x02])
        + b"v1"
        + bytes([0x12, 0x09])
        + b"ConfigMap"
        + bytes([0x12, 0x02, 0x0A, 0x05]),
    ],
)
def test_malformed_bodies_are_bad_requests(body):
    with pytest.raises(BadRequest):
        protobuf.decode_object(body)


def test_go_durations():
    assert protobuf.format_go_duration(90 * 10**9) == "1m30s"
    assert protobuf.format_go_duration(3600 * 10**9) == "1h0m0s"
    assert protobuf.format_go_duration(1500 * 10**6) == "1.5s"
    assert protobuf.format_go_duration(300 * 10**6) == "300ms"
    assert protobuf.format_go_duration(-2500) == "-2.5µs"
    assert protobuf.parse_go_duration("1h30m") == 5400 * 10**9
    assert protobuf.parse_go_duration("1.5s") == 1500 * 10**6


def test_real_pod_round_trip_with_inlined_volume_source_and_probe_handler():
    from pyk8s.api.schema import STRUCTS

    pod_struct = STRUCTS["io.k8s.api.core.v1.Pod"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx",
                    "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                    "resources": {"limits": {"cpu": "500m"}},
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
    }
    assert protobuf.decode_object(protobuf.encode_object(pod, pod_struct)) == pod
