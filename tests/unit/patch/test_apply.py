"""Server-side apply: structured merge, pruning, conflicts and ownership."""

import pytest

from pyk8s.api import errors
from pyk8s.api.patch import server_side_apply, update_managed_fields
from tests.unit.patch.structs import DEPLOYMENT, POD

T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"


def config(replicas=None, labels=None, containers=None):
    spec = {"template": {"spec": {"containers": containers or [{"name": "app", "image": "nginx"}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    meta = {"name": "web", "namespace": "default"}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def apply(live, applied, manager="kubectl", force=False, now=T0):
    return server_side_apply(
        live, applied, DEPLOYMENT, manager=manager, force=force, api_version="apps/v1", now=now
    )


def test_apply_creates_and_records_the_applier():
    obj = apply(None, config(replicas=2, labels={"app": "web"}))
    assert obj["spec"]["replicas"] == 2
    (entry,) = obj["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply" and entry["time"] == T0
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            },
        },
    }


def test_reapplying_without_a_field_removes_it_unless_someone_else_owns_it():
    live = apply(None, config(replicas=2, labels={"app": "web", "tier": "x"}))
    again = apply(live, config(labels={"app": "web"}), now=T1)
    assert "replicas" not in again["spec"]
    assert again["metadata"]["labels"] == {"app": "web"}
    assert again["metadata"]["name"] == "web"
    # Another manager scales; the applier then drops replicas: it stays (owned by the scaler).
    scaled = dict(again, spec={**again["spec"], "replicas": 5})
    update_managed_fields(
        again, scaled, DEPLOYMENT, manager="kubectl-scale", api_version="apps/v1", now=T1
    )
    kept = apply(scaled, config(labels={"app": "web"}), now=T2)
    assert kept["spec"]["replicas"] == 5


def test_conflict_with_an_updater_is_a_409_in_the_real_format():
    live = apply(None, config(replicas=1), manager="kubectl-client-side-apply")
    live["metadata"]["managedFields"][0]["operation"] = "Update"
    live["metadata"]["managedFields"][0]["apiVersion"] = "apps/v1"
    with pytest.raises(errors.Conflict) as exc:
        apply(live, config(replicas=3))
    status = exc.value.to_status()
    assert status["code"] == 409 and status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'
    )
    assert status["details"] == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
                "field": ".spec.replicas",
            }
        ]
    }


def test_same_value_is_shared_and_force_takes_ownership():
    live = apply(
        None, config(replicas=1, containers=[{"name": "app", "image": "a"}]), manager="one"
    )
    shared = apply(
        live, config(replicas=1, containers=[{"name": "app", "image": "a"}]), manager="two"
    )
    assert len(shared["metadata"]["managedFields"]) == 2
    with pytest.raises(errors.Conflict) as exc:
        apply(shared, config(replicas=4, containers=[{"name": "app", "image": "b"}]), manager="two")
    assert exc.value.message.startswith('Apply failed with 2 conflicts: conflicts with "one":\n- ')
    forced = apply(
        shared,
        config(replicas=4, containers=[{"name": "app", "image": "b"}]),
        manager="two",
        force=True,
        now=T1,
    )
    one = next(e for e in forced["metadata"]["managedFields"] if e["manager"] == "one")
    assert "f:replicas" not in one["fieldsV1"]["f:spec"]
    assert forced["spec"]["replicas"] == 4


def test_keyed_lists_merge_by_key_and_keep_other_owners_items():
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}]},
    }
    live = server_side_apply(None, pod, POD, manager="m1", force=False, api_version="v1", now=T0)
    other = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "b", "image": "y"}]},
    }
    merged = server_side_apply(
        live, other, POD, manager="m2", force=False, api_version="v1", now=T1
    )
    assert [c["name"] for c in merged["spec"]["containers"]] == ["a", "b"]
    fields = {e["manager"]: e["fieldsV1"] for e in merged["metadata"]["managedFields"]}
    assert (
        'k:{"containerPort":80,"protocol":"TCP"}'
        in (fields["m1"]["f:spec"]["f:containers"]['k:{"name":"a"}']["f:ports"])
    )


def test_unchanged_apply_keeps_the_object_and_time():
    live = apply(None, config(replicas=1))
    again = apply(live, config(replicas=1), now=T1)
    assert again == live


def test_malformed_configurations_are_400():
    with pytest.raises(errors.BadRequest, match=r"metadata\.managedFields must be nil"):
        apply(None, {**config(), "metadata": {"name": "web", "managedFields": []}})
    with pytest.raises(errors.BadRequest, match="Incorrect version specified in apply patch"):
        apply(None, {**config(), "apiVersion": "apps/v1beta1"})
    with pytest.raises(errors.StatusError, match='omits key field "name"'):
        apply(None, config(containers=[{"image": "x"}]))


def test_kubectl_keeps_the_last_applied_annotation_in_step():
    live = apply(None, config(labels={"app": "web"}))
    live["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
    again = apply(live, config(replicas=2, labels={"app": "web"}), now=T1)
    text = again["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert (
        text.startswith('{"apiVersion":"apps/v1"')
        and text.endswith("\n")
        and '"replicas":2' in text
    )


def test_real_pod_schema_ownership_format():
    import pyk8s.api.kinds  # noqa: F401  (defines the real structs)
    from pyk8s.api.schema import STRUCTS

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"a": "b"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                }
            ]
        },
    }
    obj = server_side_apply(
        None,
        pod,
        STRUCTS["io.k8s.api.core.v1.Pod"],
        manager="kubectl",
        force=False,
        api_version="v1",
        now=T0,
    )
    fields = obj["metadata"]["managedFields"][0]["fieldsV1"]
    item = fields["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert item["f:ports"] == {
        'k:{"containerPort":80,"protocol":"TCP"}': {
            ".": {},
            "f:containerPort": {},
            "f:protocol": {},
        }
    }
    assert fields["f:metadata"] == {"f:labels": {"f:a": {}}}
