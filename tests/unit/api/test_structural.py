import pytest

import pyk8s.api.kinds  # noqa: F401  (registers the real kinds)
from pyk8s.api import structural
from pyk8s.api.errors import BadRequest
from tests.unit.api.sample_schema import WIDGET


def widget(**spec):
    return {"apiVersion": "test.h3/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}


def test_unknown_fields_are_listed_with_kubernetes_paths():
    obj = widget(replicass=2, parts=[{"name": "a"}, {"name": "b", "colour": "red"}])
    obj["metadata"]["labels"] = {"free": "form"}  # map keys are never unknown
    obj["spec"]["config"] = {"anything": {"goes": 1}}  # RAW is free-form
    obj["extra"] = 1
    assert structural.unknown_fields(obj, WIDGET) == [
        "spec.replicass",
        "spec.parts[1].colour",
        "extra",
    ]


def test_prune_unknown_drops_them_in_place():
    obj = widget(replicass=2, parts=[{"name": "a", "colour": "red"}])
    structural.prune_unknown(obj, WIDGET)
    assert obj["spec"] == {"parts": [{"name": "a"}]}
    assert structural.unknown_fields(obj, WIDGET) == []


def type_error(obj):
    with pytest.raises(BadRequest) as error:
        structural.check_types(obj, WIDGET, kind="Widget", api_version="test.h3/v1")
    return error.value.message


def test_wrong_types_get_go_decoder_messages():
    prefix = 'Widget in version "v1" cannot be handled as a Widget: '
    assert type_error(widget(replicas="3")) == prefix + (
        "json: cannot unmarshal string into Go struct field WidgetSpec.spec.replicas of type int32"
    )
    assert type_error(widget(parts={"name": "a"})) == prefix + (
        "json: cannot unmarshal object into Go struct field WidgetSpec.spec.parts of type []v1.Part"
    )
    assert type_error(widget(parts=[{"weight": True}])) == prefix + (
        "json: cannot unmarshal bool into Go struct field Part.spec.parts.weight of type int32"
    )
    assert type_error(widget(tags={"a": 1})) == prefix + (
        "json: cannot unmarshal number into Go struct field WidgetSpec.spec.tags of type string"
    )
    assert type_error(widget(replicas=1.5)) == prefix + (
        "json: cannot unmarshal number 1.5 into Go struct field WidgetSpec.spec.replicas "
        "of type int32"
    )
    assert type_error({"spec": "x"}) == prefix + (
        "json: cannot unmarshal string into Go struct field Widget.spec of type v1.WidgetSpec"
    )


def test_special_scalars_are_parsed():
    assert "quantities must match the regular expression" in type_error(widget(size="lots"))
    assert 'parsing time "yesterday"' in type_error(widget(started="yesterday"))
    assert 'time: invalid duration "soon"' in type_error(widget(timeout="soon"))
    assert "of type int32" in type_error(widget(port=True))


def test_valid_values_and_nulls_pass():
    obj = widget(
        replicas=None,
        size=2,
        port="http",
        started="2024-05-01T12:00:00+02:00",
        timeout="1m30s",
        limits={"cpu": "500m", "memory": 1024},
        config=[1, "x"],
        payload="aGk=",
        paused=False,
    )
    structural.check_types(obj, WIDGET, kind="Widget", api_version="test.h3/v1")


def test_normalize_is_a_go_round_trip():
    obj = widget(
        replicas=None,
        size="0.5",
        limits={"cpu": "1000m", "memory": "1024Mi"},
        started="2024-05-01T14:00:00.123+02:00",
        renewed="2024-05-01T12:00:00.5Z",
        parts=[None, {"name": "a", "labels": None}],
        tags={"k": None},
    )
    structural.normalize(obj, WIDGET)
    assert obj["spec"] == {
        "size": "500m",
        "limits": {"cpu": "1", "memory": "1Gi"},
        "started": "2024-05-01T12:00:00Z",
        "renewed": "2024-05-01T12:00:00.500000Z",
        "parts": [{}, {"name": "a"}],
        "tags": {"k": ""},
    }


def test_real_pod_unknown_field_and_type_error():
    from pyk8s.api.schema import STRUCTS

    pod_struct = STRUCTS["io.k8s.api.core.v1.Pod"]
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "imagee": "x"}]}}
    assert structural.unknown_fields(pod, pod_struct) == ["spec.containers[0].imagee"]
    pod["spec"]["containers"][0]["image"] = 7
    with pytest.raises(BadRequest) as error:
        structural.check_types(pod, pod_struct, kind="Pod", api_version="v1")
    assert error.value.message == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go '
        "struct field Container.spec.containers.image of type string"
    )
