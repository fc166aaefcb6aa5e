"""apps/v1 schemas: references resolve, protobuf numbers are unique, and the defaults and
validation errors are the ones a Kubernetes user gets back from `kubectl apply`."""

import copy

import pytest

import pyk8s.api.kinds  # noqa: F401  (defines every struct)
from pyk8s.api import resource, validation
from pyk8s.api.schema import DEFAULTERS, STRUCTS, ListOf, MapOf

APPS = "io.k8s.api.apps.v1."


def unresolved_references(prefix: str) -> list[str]:
    missing = []
    for name, struct in STRUCTS.items():
        if not name.startswith(prefix):
            continue
        for field in struct.fields:
            t = field.type
            while isinstance(t, ListOf | MapOf):
                t = t.item if isinstance(t, ListOf) else t.value
            if isinstance(t, str) and t not in STRUCTS:
                missing.append(f"{name}.{field.name} -> {t}")
    return missing


def duplicate_numbers(prefix: str) -> list[str]:
    duplicates = []
    for name, struct in STRUCTS.items():
        numbers = [f.number for f in struct.fields if f.number and name.startswith(prefix)]
        duplicates += [f"{name}: {n}" for n in set(numbers) if numbers.count(n) > 1]
    return duplicates


def apply_defaults(name: str, obj: dict) -> dict:
    """The struct's own defaulting: its hooks, then the static defaults of its fields."""
    for hook in DEFAULTERS.get(name, ()):
        hook(obj)
    for field in STRUCTS[name].fields:
        if field.default is not None:
            obj.setdefault(field.name, field.default)
    return obj


def deployment(**spec_changes) -> dict:
    spec = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "restartPolicy": "Always",
                "containers": [{"name": "nginx", "image": "nginx"}],
            },
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1},
        },
    }
    spec.update(spec_changes)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": spec,
    }


def errors(obj: dict) -> dict[str, str]:
    struct = STRUCTS[APPS + obj["kind"]]
    return {cause.field: cause.message for cause in validation.validate_object(obj, struct)}


def test_every_reference_resolves():
    assert not unresolved_references(APPS), "structs named but never defined"


def test_protobuf_numbers_are_unique_per_struct():
    assert not duplicate_numbers(APPS)


def test_resources_are_discovered_as_in_kubernetes():
    deploy = resource.find("apps", "v1", "deployments")
    assert deploy.short_names == ("deploy",) and deploy.categories == ("all",)
    scale = deploy.subresource("scale")
    assert (scale.group, scale.version, scale.kind) == ("autoscaling", "v1", "Scale")
    assert resource.find("apps", "v1", "replicasets").short_names == ("rs",)
    assert resource.find("apps", "v1", "statefulsets").short_names == ("sts",)
    daemonsets = resource.find("apps", "v1", "daemonsets")
    assert daemonsets.short_names == ("ds",) and daemonsets.subresource("scale") is None
    assert resource.find("apps", "v1", "controllerrevisions").categories == ()


def test_deployment_defaults():
    spec = apply_defaults(APPS + "DeploymentSpec", {})
    assert spec["replicas"] == 1
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    recreate = apply_defaults(APPS + "DeploymentSpec", {"strategy": {"type": "Recreate"}})
    assert recreate["strategy"] == {"type": "Recreate"}


def test_statefulset_and_daemonset_defaults():
    sts = apply_defaults(APPS + "StatefulSetSpec", {})
    assert sts["podManagementPolicy"] == "OrderedReady"
    assert sts["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert sts["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    ds = apply_defaults(APPS + "DaemonSetSpec", {})
    assert ds["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert ds["revisionHistoryLimit"] == 10


def test_a_valid_deployment_has_no_errors():
    assert errors(deployment()) == {}


def test_selector_must_match_the_template_labels():
    bad = deployment(selector={"matchLabels": {"app": "db"}})
    assert errors(bad)["spec.template.metadata.labels"] == (
        'Invalid value: {"app":"web"}: `selector` does not match template `labels`'
    )


def test_selector_is_required_and_not_empty():
    missing = deployment()
    del missing["spec"]["selector"]
    assert errors(missing)["spec.selector"] == "Required value"
    empty = errors(deployment(selector={}))
    assert "empty selector is invalid for deployment" in empty["spec.selector"]


def test_pods_of_a_deployment_must_restart_always():
    bad = deployment()
    bad["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert errors(bad)["spec.template.spec.restartPolicy"] == (
        'Unsupported value: "OnFailure": supported values: "Always"'
    )


def test_negative_replicas_and_zero_zero_rolling_update_are_rejected():
    bad = deployment(replicas=-1)
    bad["spec"]["strategy"]["rollingUpdate"] = {"maxUnavailable": 0, "maxSurge": "0%"}
    found = errors(bad)
    assert found["spec.replicas"] == "Invalid value: -1: must be greater than or equal to 0"
    assert found["spec.strategy.rollingUpdate.maxUnavailable"].endswith(
        "may not be 0 when `maxSurge` is 0"
    )


def test_deployment_selector_is_immutable():
    old = deployment()
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    causes = validation.validate_update(new, old, STRUCTS[APPS + "Deployment"])
    assert [(c.field, c.message.rsplit(": ", 1)[-1]) for c in causes] == [
        ("spec.selector", "field is immutable")
    ]


def test_statefulset_update_may_change_only_some_fields():
    old = {"kind": "StatefulSet", "spec": {"replicas": 1, "serviceName": "db"}}
    scaled = {"kind": "StatefulSet", "spec": {"replicas": 5, "serviceName": "db"}}
    renamed = {"kind": "StatefulSet", "spec": {"replicas": 1, "serviceName": "other"}}
    struct = STRUCTS[APPS + "StatefulSet"]
    assert validation.validate_update(scaled, old, struct) == []
    [cause] = validation.validate_update(renamed, old, struct)
    assert cause.field == "spec" and "are forbidden" in cause.message


@pytest.mark.parametrize(
    ("strategy", "field", "message"),
    [
        (
            {"type": "OnDelete", "rollingUpdate": {}},
            "spec.updateStrategy.rollingUpdate",
            "only allowed",
        ),
        ({"type": "Sideways"}, "spec.updateStrategy.type", "Unsupported value"),
    ],
)
def test_statefulset_update_strategy_errors(strategy, field, message):
    sts = deployment(updateStrategy=strategy, serviceName="db", podManagementPolicy="Parallel")
    sts["kind"] = "StatefulSet"
    del sts["spec"]["strategy"]
    assert message in errors(sts)[field]
