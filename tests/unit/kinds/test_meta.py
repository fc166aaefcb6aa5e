"""meta/v1 schemas: the numbers kubectl's protobuf bodies rely on, and label selector checks."""

import pyk8s.api.kinds  # noqa: F401  (defines every struct)
from pyk8s.api.schema import STRUCTS, ListOf, MapOf, Struct, resolve
from pyk8s.api.validation import validate_object

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
META_STRUCTS = [s for name, s in STRUCTS.items() if name.startswith(META)]


def _refs(t):
    t = t if not isinstance(t, ListOf | MapOf) else (t.item if isinstance(t, ListOf) else t.value)
    return [t] if isinstance(t, str | Struct) else []


def test_every_reference_of_a_meta_struct_resolves():
    for struct in META_STRUCTS:
        for field in struct.fields:
            for ref in _refs(field.type):
                assert isinstance(resolve(ref), Struct), f"{struct.name}.{field.name}"


def test_protobuf_numbers_are_unique_within_each_struct():
    for struct in META_STRUCTS:
        numbers = [f.number for f in struct.fields if f.number]
        assert len(numbers) == len(set(numbers)), struct.name


def test_object_meta_numbers_match_generated_proto():
    meta = STRUCTS[META + "ObjectMeta"]
    expected = {
        "name": 1,
        "generateName": 2,
        "namespace": 3,
        "selfLink": 4,
        "uid": 5,
        "resourceVersion": 6,
        "generation": 7,
        "creationTimestamp": 8,
        "deletionTimestamp": 9,
        "deletionGracePeriodSeconds": 10,
        "labels": 11,
        "annotations": 12,
        "ownerReferences": 13,
        "finalizers": 14,
        "managedFields": 17,
    }
    assert {f.name: f.number for f in meta.fields} == expected
    owners = meta.field("ownerReferences")
    assert (owners.patch_strategy, owners.patch_merge_key) == ("merge", "uid")
    assert meta.field("finalizers").list_type == "set"
    assert meta.field("deletionTimestamp").pointer


def test_delete_options_carry_their_own_type_meta():
    options = STRUCTS[META + "DeleteOptions"]
    assert options.field("kind").number == 0 and options.field("apiVersion").number == 0
    assert options.field("gracePeriodSeconds").pointer
    assert options.field("propagationPolicy").enum == ("Orphan", "Background", "Foreground")


def test_status_has_the_shape_of_error_replies():
    status = STRUCTS[META + "Status"]
    assert [f.name for f in status.fields if f.number] == [
        "metadata",
        "status",
        "message",
        "reason",
        "details",
        "code",
    ]
    assert STRUCTS[META + "StatusDetails"].field("uid").number == 6


def _selector_errors(selector: dict) -> list[tuple[str, str]]:
    causes = validate_object(selector, STRUCTS[META + "LabelSelector"])
    return [(c.field, c.message) for c in causes]


def test_label_selector_values_must_fit_the_operator():
    errors = _selector_errors(
        {
            "matchExpressions": [
                {"key": "app", "operator": "In"},
                {"key": "tier", "operator": "Exists", "values": ["x"]},
                {"key": "env", "operator": "Near", "values": ["x"]},
            ]
        }
    )
    assert errors == [
        (
            "matchExpressions[0].values",
            "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        (
            "matchExpressions[1].values",
            "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        ("matchExpressions[2].operator", 'Invalid value: "Near": not a valid selector operator'),
    ]


def test_label_selector_match_labels_must_be_valid_labels():
    errors = _selector_errors({"matchLabels": {"app": "web", "bad key!": "x", "ok": "-bad-"}})
    assert [field for field, _ in errors] == ["matchLabels", "matchLabels"]
    assert errors[0][1].startswith('Invalid value: "bad key!": name part must consist of')
    assert errors[1][1].startswith('Invalid value: "-bad-": a valid label must be')


def test_a_valid_selector_has_no_errors():
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
    }
    assert _selector_errors(selector) == []
