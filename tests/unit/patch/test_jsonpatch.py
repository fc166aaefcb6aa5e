"""JSON patch (RFC 6902), as `kubectl patch --type=json` sends it."""

import pytest

from pyk8s.api import errors
from pyk8s.api.patch import apply_json_patch

DEPLOY = {"metadata": {"name": "web", "labels": {"a/b": "x"}}, "spec": {"replicas": 1}}


def test_operations_apply_in_order_from_a_list_or_raw_bytes():
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "remove", "path": "/metadata/labels/a~1b"},
        {"op": "add", "path": "/metadata/labels/new", "value": "y"},
    ]
    expected = {"metadata": {"name": "web", "labels": {"new": "y"}}, "spec": {"replicas": 3}}
    assert apply_json_patch(DEPLOY, ops) == expected
    assert apply_json_patch(DEPLOY, b'[{"op":"replace","path":"/spec/replicas","value":2}]')[
        "spec"
    ] == {"replicas": 2}
    assert DEPLOY["spec"]["replicas"] == 1  # input untouched


def test_failed_test_op_is_the_servers_generic_422():
    with pytest.raises(errors.Invalid) as exc:
        apply_json_patch(DEPLOY, [{"op": "test", "path": "/spec/replicas", "value": 5}])
    status = exc.value.to_status()
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert status["message"] == "the server rejected our request due to an error in our request"
    assert status["details"] == {}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/spec/affinity"}],  # missing path
        [{"op": "replace", "path": "/spec/nothing", "value": 1}],
        [{"op": "frobnicate", "path": "/spec"}],
        [{"path": "/spec"}],
    ],
)
def test_operations_that_cannot_apply_are_422(ops):
    with pytest.raises(errors.Invalid):
        apply_json_patch(DEPLOY, ops)


@pytest.mark.parametrize("body", [b"{not json", b'{"op":"add"}', b'["add"]'])
def test_bodies_that_do_not_decode_are_400(body):
    with pytest.raises(errors.BadRequest) as exc:
        apply_json_patch(DEPLOY, body)
    assert exc.value.message.startswith("error decoding patch: ")


def test_too_many_operations_is_413():
    ops = [{"op": "test", "path": "/spec/replicas", "value": 1}] * 10_001
    with pytest.raises(errors.RequestEntityTooLarge):
        apply_json_patch(DEPLOY, ops)
