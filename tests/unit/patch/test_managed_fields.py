"""Field ownership records for non-apply writes (create, update, merge/strategic patches)."""

from pyk8s.api.patch import update_managed_fields
from pyk8s.api.patch.fieldset import FieldSet, path_string
from tests.unit.patch.structs import DEPLOYMENT

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"


def deployment(replicas=1, image="nginx", labels=None):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "u1",
            "labels": labels or {"app": "web"},
        },
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


def entries(obj):
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def test_create_records_the_creator_in_the_real_format():
    new = deployment()
    update_managed_fields(
        None, new, DEPLOYMENT, manager="kubectl-create", api_version="apps/v1", now=T0
    )
    (entry,) = new["metadata"]["managedFields"]
    assert entry == {
        "manager": "kubectl-create",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": T0,
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:template": {
                    "f:spec": {
                        "f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}, "f:name": {}}}
                    }
                },
            },
        },
    }


def test_a_second_writer_takes_what_it_changed_from_the_first():
    old = deployment()
    update_managed_fields(
        None, old, DEPLOYMENT, manager="kubectl-create", api_version="apps/v1", now=T0
    )
    new = deployment(replicas=3)
    new["metadata"]["managedFields"] = old["metadata"]["managedFields"]
    update_managed_fields(
        old, new, DEPLOYMENT, manager="kubectl-scale", api_version="apps/v1", now=T1
    )
    by = entries(new)
    scale = FieldSet.from_fields_v1(by[("kubectl-scale", "Update")]["fieldsV1"])
    create = FieldSet.from_fields_v1(by[("kubectl-create", "Update")]["fieldsV1"])
    assert [path_string(p) for p in scale.paths()] == [".spec.replicas"]
    assert not create.has(("f:spec", "f:replicas"))
    assert create.has(("f:metadata", "f:labels", "f:app"))
    assert by[("kubectl-create", "Update")]["time"] == T0


def test_client_omitting_managed_fields_keeps_the_stored_ones_and_empty_list_resets():
    old = deployment()
    update_managed_fields(None, old, DEPLOYMENT, manager="a", api_version="apps/v1", now=T0)
    same = deployment()
    update_managed_fields(old, same, DEPLOYMENT, manager="b", api_version="apps/v1", now=T1)
    assert list(entries(same)) == [("a", "Update")]  # nothing changed: b owns nothing
    reset = deployment()
    reset["metadata"]["managedFields"] = []
    update_managed_fields(old, reset, DEPLOYMENT, manager="b", api_version="apps/v1", now=T1)
    assert "managedFields" not in reset["metadata"]


def test_removed_fields_leave_every_owner():
    old = deployment(labels={"app": "web", "tier": "x"})
    update_managed_fields(None, old, DEPLOYMENT, manager="a", api_version="apps/v1", now=T0)
    new = deployment(labels={"app": "web"})
    update_managed_fields(old, new, DEPLOYMENT, manager="b", api_version="apps/v1", now=T1)
    owned = FieldSet.from_fields_v1(entries(new)[("a", "Update")]["fieldsV1"])
    assert not owned.has(("f:metadata", "f:labels", "f:tier"))
    assert ("b", "Update") not in entries(new)


def test_subresource_writer_is_recorded_with_its_subresource():
    old = deployment()
    new = deployment()
    new["status"] = {"replicas": 1}
    update_managed_fields(
        old, new, DEPLOYMENT, manager="kcm", api_version="apps/v1", now=T0, subresource="status"
    )
    (entry,) = new["metadata"]["managedFields"]
    assert entry["subresource"] == "status" and entry["fieldsV1"] == {
        "f:status": {".": {}, "f:replicas": {}}
    }
