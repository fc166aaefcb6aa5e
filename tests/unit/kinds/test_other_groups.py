"""autoscaling, policy, scheduling, rbac, authentication and authorization kinds."""

import copy

import pytest

import pyk8s.api.kinds  # noqa: F401  (defines every struct)
from pyk8s.api import resource, validation
from pyk8s.api.schema import DEFAULTERS, STRUCTS
from tests.unit.kinds.test_apps import duplicate_numbers, unresolved_references

PREFIXES = (
    "io.k8s.api.autoscaling.v1.",
    "io.k8s.api.policy.v1.",
    "io.k8s.api.scheduling.v1.",
    "io.k8s.api.rbac.v1.",
    "io.k8s.api.authentication.v1.",
    "io.k8s.api.authorization.v1.",
)
RBAC = "io.k8s.api.rbac.v1."


def errors(obj: dict, struct: str) -> dict[str, str]:
    return {c.field: c.message for c in validation.validate_object(obj, STRUCTS[struct])}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_reference_resolves_and_numbers_are_unique(prefix):
    assert not unresolved_references(prefix), "structs named but never defined"
    assert not duplicate_numbers(prefix)


def test_protobuf_numbers_kubectl_depends_on():
    """kubectl sends these reviews as protobuf; a wrong number silently loses a field."""
    attributes = STRUCTS["io.k8s.api.authorization.v1.ResourceAttributes"]
    assert attributes.field_by_number(7).name == "name"
    assert attributes.field_by_number(9).name == "labelSelector"
    status = STRUCTS["io.k8s.api.authorization.v1.SubjectAccessReviewStatus"]
    assert status.field_by_number(4).name == "denied"
    token_spec = STRUCTS["io.k8s.api.authentication.v1.TokenRequestSpec"]
    assert token_spec.field_by_number(4).name == "expirationSeconds"


def test_review_resources_are_create_only_and_not_stored():
    for group, plural, namespaced in (
        ("authorization.k8s.io", "selfsubjectaccessreviews", False),
        ("authorization.k8s.io", "selfsubjectrulesreviews", False),
        ("authorization.k8s.io", "subjectaccessreviews", False),
        ("authorization.k8s.io", "localsubjectaccessreviews", True),
        ("authentication.k8s.io", "tokenreviews", False),
        ("authentication.k8s.io", "selfsubjectreviews", False),
    ):
        found = resource.find(group, "v1", plural)
        assert (found.verbs, found.stored, found.namespaced) == (("create",), False, namespaced)


def test_short_names():
    assert resource.find("policy", "v1", "poddisruptionbudgets").short_names == ("pdb",)
    assert resource.find("scheduling.k8s.io", "v1", "priorityclasses").short_names == ("pc",)
    hpa = resource.find("autoscaling", "v1", "horizontalpodautoscalers")
    assert hpa.short_names == ("hpa",) and hpa.categories == ("all",)


def test_access_review_needs_exactly_one_kind_of_attributes():
    review = {"kind": "SelfSubjectAccessReview", "spec": {}}
    found = errors(review, "io.k8s.api.authorization.v1.SelfSubjectAccessReview")
    assert (
        "exactly one of nonResourceAttributes or resourceAttributes"
        in found["spec.resourceAttributes"]
    )
    review["spec"] = {"resourceAttributes": {"verb": "get", "resource": "pods"}}
    assert errors(review, "io.k8s.api.authorization.v1.SelfSubjectAccessReview") == {}


def binding(kind: str = "RoleBinding", **role_ref) -> dict:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": "read-pods", "namespace": "default"},
        "subjects": [
            {"kind": "User", "name": "jane"},
            {"kind": "ServiceAccount", "name": "robot", "namespace": "default"},
        ],
        "roleRef": {"kind": "Role", "name": "pod-reader", **role_ref},
    }


def defaulted(obj: dict) -> dict:
    for hook in DEFAULTERS[RBAC + "RoleRef"]:
        hook(obj["roleRef"])
    for subject in obj["subjects"]:
        for hook in DEFAULTERS[RBAC + "Subject"]:
            hook(subject)
    return obj


def test_rbac_api_groups_are_defaulted():
    obj = defaulted(binding())
    assert obj["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s["apiGroup"] for s in obj["subjects"]] == ["rbac.authorization.k8s.io", ""]
    assert errors(obj, RBAC + "RoleBinding") == {}


def test_cluster_role_binding_rules():
    obj = defaulted(binding("ClusterRoleBinding"))
    del obj["subjects"][1]["namespace"]
    found = errors(obj, RBAC + "ClusterRoleBinding")
    assert found["roleRef.kind"] == 'Unsupported value: "Role": supported values: "ClusterRole"'
    assert found["subjects[1].namespace"] == "Required value"


def test_role_ref_cannot_change():
    old = defaulted(binding())
    new = copy.deepcopy(old)
    new["roleRef"]["name"] = "admin"
    [cause] = validation.validate_update(new, old, STRUCTS[RBAC + "RoleBinding"])
    assert cause.field == "roleRef" and cause.message.endswith("cannot change roleRef")


def test_policy_rules():
    role = {
        "kind": "Role",
        "metadata": {"name": "r", "namespace": "default"},
        "rules": [{"verbs": [], "apiGroups": [""]}, {"verbs": ["get"], "nonResourceURLs": ["/x"]}],
    }
    found = errors(role, RBAC + "Role")
    assert found["rules[0].verbs"] == "Required value: verbs must contain at least one value"
    assert found["rules[0].resources"].endswith("resource rules must supply at least one resource")
    assert found["rules[1].nonResourceURLs"].endswith(
        "namespaced rules cannot apply to non-resource URLs"
    )


def priority_class(name: str = "high", value: int = 1000) -> dict:
    return {"kind": "PriorityClass", "metadata": {"name": name}, "value": value}


def test_priority_class_rules():
    struct = "io.k8s.api.scheduling.v1.PriorityClass"
    preemption = STRUCTS[struct].field("preemptionPolicy")
    assert preemption.default == "PreemptLowerPriority"
    assert errors(priority_class(), struct) == {}
    assert (
        "reserved for system use only"
        in errors(priority_class("system-x"), struct)["metadata.name"]
    )
    assert errors(priority_class(value=2_000_000_000), struct)["value"].endswith(
        "maximum allowed value of a user defined priority is 1000000000"
    )
    [cause] = validation.validate_update(priority_class(value=1), priority_class(), STRUCTS[struct])
    assert (cause.field, cause.message) == ("value", "Forbidden: may not be changed in an update.")


def test_disruption_budget_takes_one_of_min_and_max():
    pdb = {
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {"minAvailable": 1, "maxUnavailable": "150%"},
    }
    found = errors(pdb, "io.k8s.api.policy.v1.PodDisruptionBudget")
    assert found["spec"].endswith("minAvailable and maxUnavailable cannot be both set")
    assert found["spec.maxUnavailable"].endswith("must not be greater than 100%")


def test_hpa_bounds():
    hpa = {
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 3,
            "maxReplicas": 2,
        },
    }
    found = errors(hpa, "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler")
    assert found["spec.maxReplicas"].endswith("must be greater than or equal to `minReplicas`")
