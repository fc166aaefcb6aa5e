from pyk8s.api import validation as v
from pyk8s.api.errors import Cause, Invalid
from tests.unit.api.sample_schema import WIDGET

SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def test_cause_builders_use_kubernetes_wording():
    assert v.required("spec.image") == Cause("FieldValueRequired", "Required value", "spec.image")
    assert v.invalid("spec.x", 'a"b', "bad").message == 'Invalid value: "a\\"b": bad'
    assert v.invalid("spec.n", 5, "too big").message == "Invalid value: 5: too big"
    assert v.invalid("spec.n", None, "x").message == "Invalid value: null: x"
    assert v.not_supported("spec.p", "Sometimes", ["Always", "Never"]).message == (
        'Unsupported value: "Sometimes": supported values: "Always", "Never"'
    )
    assert v.duplicate("spec.c[1].name", "web").message == 'Duplicate value: "web"'
    assert v.forbidden("spec.x", "may not be set").message == "Forbidden: may not be set"
    assert v.too_long("metadata.annotations", 262144).message == (
        "Too long: must have at most 262144 bytes"
    )
    assert v.too_many("spec.items", 5, 3).message == "Too many: 5: must have at most 3 items"
    assert v.invalid("x", ["a", "b"], "d").message == 'Invalid value: []string{"a", "b"}: d'


def test_invalid_status_message_reads_like_kube_apiserver():
    error = Invalid.of(
        "Deployment", "bad", [v.required("spec.template.spec.containers[0].image")], "apps"
    )
    assert error.message == (
        'Deployment.apps "bad" is invalid: spec.template.spec.containers[0].image: Required value'
    )


def test_validate_object_checks_required_enum_and_hooks_with_paths():
    obj = {"spec": {"mode": "Medium", "parts": [{"weight": 1}, {"name": "Bad_Name"}]}}
    causes = v.validate_object(obj, WIDGET)
    assert [(c.field, c.type) for c in causes] == [
        ("spec.mode", "FieldValueNotSupported"),
        ("spec.parts[0].name", "FieldValueRequired"),
        ("spec.parts[1].name", "FieldValueInvalid"),
    ]
    assert causes[0].message == 'Unsupported value: "Medium": supported values: "Fast", "Slow"'


def test_valid_object_has_no_causes():
    assert v.validate_object({"spec": {"mode": "Slow", "parts": [{"name": "a"}]}}, WIDGET) == []


def test_validate_update_runs_update_hooks():
    causes = v.validate_update({"spec": {"mode": "Slow"}}, {"spec": {"mode": "Fast"}}, WIDGET)
    assert causes == [v.invalid("spec.mode", "Slow", "field is immutable")]


def test_object_meta_names_and_namespaces():
    causes = v.validate_object_meta({"name": "Web"}, namespaced=True)
    assert causes == [
        Cause("FieldValueInvalid", f'Invalid value: "Web": {SUBDOMAIN_ERROR}', "metadata.name"),
        Cause("FieldValueRequired", "Required value", "metadata.namespace"),
    ]
    assert v.validate_object_meta({}, namespaced=False) == [
        v.required("metadata.name", "name or generateName is required")
    ]
    assert v.validate_object_meta({"name": "n", "namespace": "x"}, namespaced=False) == [
        Cause("FieldValueForbidden", "Forbidden: not allowed on this type", "metadata.namespace")
    ]
    assert (
        v.validate_object_meta({"name": "web-", "generateName": "web-"}, namespaced=False)[0].field
        == "metadata.name"
    )
    assert v.validate_object_meta({"name": "ab12c", "generateName": "web-"}, namespaced=False) == []


def test_object_meta_labels_annotations_finalizers_owners():
    meta = {
        "name": "ok",
        "namespace": "default",
        "labels": {"app": "a b"},
        "annotations": {"Example.com/Key": "x", "big": "x" * (256 * 1024)},
        "finalizers": ["orphan", "foregroundDeletion"],
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs"}],
    }
    causes = v.validate_object_meta(meta, namespaced=True)
    fields = [(c.field, c.type) for c in causes]
    assert ("metadata.labels", "FieldValueInvalid") in fields
    assert ("metadata.annotations", "FieldValueTooLong") in fields
    assert ("metadata.ownerReferences.uid", "FieldValueInvalid") in fields
    assert any(
        c.message.endswith("finalizer orphan and foregroundDeletion cannot be both set")
        for c in causes
    )
    # Annotation keys are checked case-insensitively.
    assert not any(c.field == "metadata.annotations" and "Example" in c.message for c in causes)


def test_object_meta_update_immutables():
    old = {"name": "a", "namespace": "ns", "uid": "1", "creationTimestamp": "2024-05-01T12:00:00Z"}
    new = dict(old, name="b", uid="2", creationTimestamp="2024-05-02T12:00:00Z")
    causes = v.validate_object_meta_update(new, old)
    assert causes == [
        v.invalid("metadata.name", "b", "field is immutable"),
        v.invalid("metadata.uid", "2", "field is immutable"),
        Cause(
            "FieldValueInvalid",
            "Invalid value: 2024-05-02 12:00:00 +0000 UTC: field is immutable",
            "metadata.creationTimestamp",
        ),
    ]


def test_object_meta_update_finalizers_and_generation():
    old = {"name": "a", "deletionTimestamp": "2024-05-01T12:00:00Z", "generation": 3}
    new = dict(old, finalizers=["x.io/y"], generation=2)
    messages = [c.message for c in v.validate_object_meta_update(new, old)]
    assert messages == [
        "Forbidden: no new finalizers can be added if the object is being deleted, found new "
        'finalizers []string{"x.io/y"}',
        "Invalid value: 2: must not be decremented",
    ]
