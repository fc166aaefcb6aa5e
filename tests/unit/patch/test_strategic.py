"""Strategic merge patch over the schema's merge keys and strategies."""

import pytest

from pyk8s.api import errors
from pyk8s.api.patch import apply_strategic_merge_patch
from pyk8s.api.patch.common import PatchFailed
from tests.unit.patch.structs import DEPLOYMENT, POD

LIVE_POD = {
    "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "nginx:1.26",
                "ports": [{"containerPort": 80}],
                "env": [{"name": "A", "value": "1"}],
            },
            {"name": "sidecar", "image": "busybox"},
        ],
        "tolerations": [{"key": "k1"}],
        "volumes": [{"name": "data", "emptyDir": {}}],
    },
}


def smp(patch, original=LIVE_POD, struct=POD):
    return apply_strategic_merge_patch(original, patch, struct)


def names(items):
    return [i["name"] for i in items]


def test_kubectl_set_image_merges_the_container_by_name():
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [{"image": "nginx:1.27", "name": "app"}],
        }
    }
    containers = smp(patch)["spec"]["containers"]
    assert names(containers) == ["app", "sidecar"]
    assert containers[0]["image"] == "nginx:1.27"
    assert containers[0]["ports"] == [{"containerPort": 80}]  # untouched fields kept
    assert LIVE_POD["spec"]["containers"][0]["image"] == "nginx:1.26"  # input untouched


def test_new_item_without_order_goes_first_like_the_real_server():
    containers = smp({"spec": {"containers": [{"name": "new", "image": "x"}]}})["spec"][
        "containers"
    ]
    assert names(containers) == ["new", "app", "sidecar"]


def test_set_element_order_reorders_and_places_new_items():
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}, {"name": "z"}],
            "containers": [{"name": "z", "image": "z"}],
        }
    }
    assert names(smp(patch)["spec"]["containers"]) == ["sidecar", "app", "z"]


def test_delete_directive_removes_a_list_item_and_replace_replaces_the_list():
    deleted = smp({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}})
    assert names(deleted["spec"]["containers"]) == ["app"]
    replaced = smp({"spec": {"containers": [{"name": "only"}, {"$patch": "replace"}]}})
    assert replaced["spec"]["containers"] == [{"name": "only"}]


def test_map_directives_replace_and_delete():
    replaced = smp({"metadata": {"labels": {"$patch": "replace", "new": "1"}}})
    assert replaced["metadata"]["labels"] == {"new": "1"}
    deleted = smp({"metadata": {"labels": {"$patch": "delete"}}})
    assert deleted["metadata"]["labels"] == {}


def test_nested_merge_keys_and_null_deletes():
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "env": [{"name": "B", "value": "2"}],
                    "ports": [{"containerPort": 443}],
                    "image": None,
                }
            ]
        }
    }
    app = smp(patch)["spec"]["containers"][0]
    assert names(app["env"]) == ["B", "A"]
    assert [p["containerPort"] for p in app["ports"]] == [443, 80]
    assert "image" not in app


def test_primitive_merge_list_is_a_set_and_delete_from_primitive_list():
    added = smp({"metadata": {"finalizers": ["b", "c"]}})
    assert sorted(added["metadata"]["finalizers"]) == ["a", "b", "c"]
    removed = smp({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})
    assert removed["metadata"]["finalizers"] == ["b"]


def test_atomic_list_is_replaced_and_maps_merge():
    patched = smp(
        {
            "spec": {"tolerations": [{"key": "k2"}], "nodeSelector": {"disk": "ssd"}},
            "metadata": {"labels": {"tier": "x"}},
        }
    )
    assert patched["spec"]["tolerations"] == [{"key": "k2"}]
    assert patched["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert patched["metadata"]["labels"] == {"app": "web", "tier": "x"}


def test_retain_keys_clears_unlisted_fields_of_a_deployment_strategy():
    live = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert smp(patch, live, DEPLOYMENT)["spec"]["strategy"] == {"type": "Recreate"}
    with pytest.raises(errors.BadRequest, match="invalid patch format of retainKeys"):
        smp(
            {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}, live, DEPLOYMENT
        )


def test_volumes_retain_keys_inside_a_merged_item():
    patch = {
        "spec": {
            "volumes": [
                {"name": "data", "$retainKeys": ["hostPath", "name"], "hostPath": {"path": "/x"}}
            ]
        }
    }
    assert smp(patch)["spec"]["volumes"] == [{"name": "data", "hostPath": {"path": "/x"}}]


def test_rollout_restart_annotation_and_unknown_fields_merge_plainly():
    live = {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}
    patch = {
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-22T19:09:15Z"}
                }
            },
            "extra": {"a": {"b": 1}},
        }
    }
    patched = smp(patch, live, DEPLOYMENT)
    assert patched["spec"]["template"]["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/restartedAt": "2026-11-22T19:09:15Z"
    }
    assert patched["spec"]["extra"] == {"a": {"b": 1}}


def test_directives_never_leak_into_new_values():
    live = {"metadata": {"name": "x"}}
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "a"}],
            "containers": [{"name": "a", "env": [{"name": "E", "$patch": "delete"}]}],
        }
    }
    assert smp(patch, live) == {
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "a", "env": []}]},
    }


def test_item_without_merge_key_is_the_servers_500():
    with pytest.raises(PatchFailed) as exc:
        smp({"spec": {"containers": [{"image": "nginx"}]}})
    status = exc.value.to_status()
    assert status["code"] == 500 and "reason" not in status
    assert status["message"] == "map: map[image:nginx] does not contain declared merge key: name"


def test_bad_directives_are_rejected_with_real_codes():
    with pytest.raises(PatchFailed, match="unknown patch type: bogus in map"):
        smp({"metadata": {"labels": {"$patch": "bogus"}}})
    with pytest.raises(PatchFailed, match="merging lists cannot yet be specified"):
        smp({"spec": {"containers": [{"$patch": "merge"}]}})
    with pytest.raises(errors.BadRequest):
        smp({"spec": {"$setElementOrder/containers": "nope"}})
    with pytest.raises(errors.Invalid):  # 422: lists of lists
        smp({"metadata": {"finalizers": [["x"]]}})


def test_patch_that_is_not_an_object_is_400():
    with pytest.raises(errors.BadRequest):
        smp([1])


def test_real_pod_schema_set_image_env_and_finalizers():
    import pyk8s.api.kinds  # noqa: F401  (defines the real structs)
    from pyk8s.api.schema import STRUCTS

    live = {
        "metadata": {"name": "p", "finalizers": ["x"]},
        "spec": {
            "containers": [{"name": "app", "image": "nginx", "env": [{"name": "A", "value": "1"}]}],
            "tolerations": [{"key": "k"}],
        },
    }
    patch = {
        "metadata": {"finalizers": ["y"]},
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [
                {"name": "app", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]}
            ],
            "tolerations": [{"key": "z"}],
        },
    }
    patched = apply_strategic_merge_patch(live, patch, STRUCTS["io.k8s.api.core.v1.Pod"])
    app = patched["spec"]["containers"][0]
    assert app["image"] == "nginx:2" and names(app["env"]) == ["B", "A"]
    assert sorted(patched["metadata"]["finalizers"]) == ["x", "y"]
    assert patched["spec"]["tolerations"] == [{"key": "z"}]  # atomic list replaced
