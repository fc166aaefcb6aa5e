from pyk8s.api.defaults import apply_defaults
from pyk8s.api.schema import STRUCTS
from tests.unit.api.sample_schema import WIDGET


def test_static_defaults_fill_absent_fields_at_every_level():
    obj = {"spec": {"parts": [{"name": "a"}, {"name": "b", "weight": 5}]}}
    apply_defaults(obj, WIDGET)
    spec = obj["spec"]
    assert spec["mode"] == "Fast"
    assert [p["weight"] for p in spec["parts"]] == [1, 5]
    assert spec["defaultParts"] == ["a"]


def test_default_values_are_never_shared_between_objects():
    first, second = {"spec": {}}, {"spec": {}}
    apply_defaults(first, WIDGET)
    apply_defaults(second, WIDGET)
    first["spec"]["defaultParts"].append("mutated")
    assert second["spec"]["defaultParts"] == ["a"]


def test_hooks_run_outermost_first_and_see_static_defaults():
    obj: dict = {}
    apply_defaults(obj, WIDGET)
    # The Widget hook created spec; the spec then got its static mode and its own hook ran.
    assert obj["spec"]["mode"] == "Fast" and obj["spec"]["replicas"] == 3


def test_present_values_are_kept():
    obj = {"spec": {"mode": "Slow", "replicas": 0}}
    apply_defaults(obj, WIDGET)
    assert obj["spec"]["mode"] == "Slow" and obj["spec"]["replicas"] == 0


def test_config_map_has_nothing_to_default():
    obj = {"metadata": {"name": "c"}, "data": {"k": "v"}}
    apply_defaults(obj, STRUCTS["io.k8s.api.core.v1.ConfigMap"])
    assert obj == {"metadata": {"name": "c"}, "data": {"k": "v"}}
