"""JSON merge patch (RFC 7386), as kubectl label/annotate/scale send it."""

import pytest

from pyk8s.api import errors
from pyk8s.api.patch import apply_merge_patch

POD = {
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
    "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]},
}


def test_label_added_and_removed_like_kubectl_label():
    patched = apply_merge_patch(POD, {"metadata": {"labels": {"env": "prod", "tier": None}}})
    assert patched["metadata"]["labels"] == {"app": "web", "env": "prod"}


def test_lists_are_replaced_not_merged():
    patched = apply_merge_patch(POD, {"spec": {"containers": [{"name": "c"}]}})
    assert patched["spec"]["containers"] == [{"name": "c"}]


def test_rfc7386_examples():
    original = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert apply_merge_patch(original, {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert apply_merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert apply_merge_patch({"a": "foo"}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


def test_inputs_are_not_modified_and_results_share_nothing():
    patch = {"metadata": {"labels": {"x": "1"}}, "spec": {"extra": {"k": "v"}}}
    patched = apply_merge_patch(POD, patch)
    patched["spec"]["containers"][0]["image"] = "changed"
    patched["spec"]["extra"]["k"] = "changed"
    assert POD["spec"]["containers"][0]["image"] == "nginx"
    assert "x" not in POD["metadata"]["labels"]
    assert patch["spec"]["extra"]["k"] == "v"


def test_patch_that_is_not_an_object_is_a_400_like_the_real_server():
    with pytest.raises(errors.BadRequest) as exc:
        apply_merge_patch(POD, [1, 2])
    assert exc.value.code == 400
    assert (
        "cannot unmarshal array into Go value of type map[string]interface {}" in exc.value.message
    )
    with pytest.raises(errors.BadRequest, match="Invalid JSON Patch"):
        apply_merge_patch(POD, None)
