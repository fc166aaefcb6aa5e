"""rbac.authorization.k8s.io/v1: Roles grant verbs on resources; bindings give roles to
users, groups and service accounts. The RBAC authorizer (apiserver/authz) reads these.

A Role and RoleBinding act inside one namespace; a ClusterRole and ClusterRoleBinding act
cluster-wide. A binding's roleRef can never change: to point it elsewhere, delete it and
create a new one (Kubernetes says "cannot change roleRef").
"""

from typing import Any

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds.apps_rules import child
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import STRING, F, ListOf, defaulter, define, update_validator, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
RBAC = "io.k8s.api.rbac.v1."
GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def _strings(name: str, number: int, doc: str, **options: Any) -> Any:
    return F(name, number, ListOf(STRING), doc, list_type="atomic", **options)


define(
    RBAC + "PolicyRule",
    "Verbs allowed on some resources, or on some non-resource URLs.",
    _strings("verbs", 1, 'Allowed verbs, like get or list; "*" is all.', required=True),
    _strings("apiGroups", 2, 'API groups of the resources; "" is the core group.'),
    _strings("resources", 3, 'Resources, like pods or pods/log; "*" is all.'),
    _strings("resourceNames", 4, "Only these object names (all when empty)."),
    _strings("nonResourceURLs", 5, "URL paths like /healthz or /api/*; ClusterRoles only."),
)
define(
    RBAC + "AggregationRule",
    "Builds a ClusterRole's rules from the ClusterRoles matching some selectors.",
    F(
        "clusterRoleSelectors",
        1,
        ListOf(META + "LabelSelector"),
        "ClusterRoles whose rules are merged in.",
        list_type="atomic",
    ),
)
define(
    RBAC + "Subject",
    "A user, group or service account a binding grants a role to.",
    F("kind", 1, STRING, "User, Group or ServiceAccount.", required=True, enum=SUBJECT_KINDS),
    F("apiGroup", 2, STRING, "The subject kind's group: \"\" for ServiceAccount, else RBAC's."),
    F("name", 3, STRING, "The name of the subject.", required=True),
    F("namespace", 4, STRING, "The service account's namespace."),
)
define(
    RBAC + "RoleRef",
    "The role a binding grants.",
    F("apiGroup", 1, STRING, "The role's API group.", required=True),
    F("kind", 2, STRING, "Role or ClusterRole.", required=True),
    F("name", 3, STRING, "The role's name.", required=True),
)


def _object(kind: str, doc: str, *body: Any) -> None:
    define(
        RBAC + kind,
        doc,
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        *body,
    )


def _rules() -> Any:
    return F("rules", 2, ListOf(RBAC + "PolicyRule"), "What the role allows.", list_type="atomic")


def _binding_body() -> tuple[Any, Any]:
    return (
        F("subjects", 2, ListOf(RBAC + "Subject"), "Who receives the role.", list_type="atomic"),
        F("roleRef", 3, RBAC + "RoleRef", "The role granted; fixed once created.", required=True),
    )


_object("Role", "Permissions inside one namespace.", _rules())
_object(
    "ClusterRole",
    "Permissions across the cluster, or a reusable set for RoleBindings.",
    _rules(),
    F(
        "aggregationRule",
        3,
        RBAC + "AggregationRule",
        "When set, the rules are gathered from other ClusterRoles.",
        pointer=True,
    ),
)
_object("RoleBinding", "Grants a Role or ClusterRole inside one namespace.", *_binding_body())
_object("ClusterRoleBinding", "Grants a ClusterRole across the cluster.", *_binding_body())

for _kind, _namespaced in (
    ("Role", True),
    ("RoleBinding", True),
    ("ClusterRole", False),
    ("ClusterRoleBinding", False),
):
    register(
        Resource(
            group=GROUP,
            version="v1",
            kind=_kind,
            plural=_kind.lower() + "s",
            singular=_kind.lower(),
            namespaced=_namespaced,
            schema=RBAC + _kind,
        )
    )


# --- defaults -------------------------------------------------------------------------------


@defaulter(RBAC + "RoleRef")
def default_role_ref(ref: dict[str, Any]) -> None:
    ref["apiGroup"] = ref.get("apiGroup") or GROUP


@defaulter(RBAC + "Subject")
def default_subject_group(subject: dict[str, Any]) -> None:
    if not subject.get("apiGroup"):
        subject["apiGroup"] = "" if subject.get("kind") == "ServiceAccount" else GROUP
    if subject.get("kind") in ("User", "Group") and subject["apiGroup"] == "":
        subject["apiGroup"] = GROUP


# --- validation -----------------------------------------------------------------------------


def _rule_causes(rule: dict[str, Any], path: str, namespaced: bool) -> list[Cause]:
    causes = []
    # An absent required list is reported by the generic schema check; an empty one here.
    if "verbs" in rule and not rule["verbs"]:
        causes.append(
            validation.required(child(path, "verbs"), "verbs must contain at least one value")
        )
    urls = rule.get("nonResourceURLs")
    if urls:
        url_path = child(path, "nonResourceURLs")
        if namespaced:
            detail = "namespaced rules cannot apply to non-resource URLs"
            causes.append(validation.invalid(url_path, urls, detail))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            detail = "rules cannot apply to both regular resources and non-resource URLs"
            causes.append(validation.invalid(url_path, urls, detail))
        return causes
    if not rule.get("apiGroups"):
        detail = "resource rules must supply at least one api group"
        causes.append(validation.required(child(path, "apiGroups"), detail))
    if not rule.get("resources"):
        detail = "resource rules must supply at least one resource"
        causes.append(validation.required(child(path, "resources"), detail))
    return causes


def _rules_causes(role: dict[str, Any], path: str, namespaced: bool) -> list[Cause]:
    causes = []
    for i, rule in enumerate(role.get("rules") or []):
        causes += _rule_causes(rule, child(path, f"rules[{i}]"), namespaced)
    return causes


@validator(RBAC + "Role")
def validate_role(role: dict[str, Any], path: str) -> list[Cause]:
    return _rules_causes(role, path, namespaced=True)


@validator(RBAC + "ClusterRole")
def validate_cluster_role(role: dict[str, Any], path: str) -> list[Cause]:
    causes = _rules_causes(role, path, namespaced=False)
    aggregation = role.get("aggregationRule")
    if aggregation is not None and not aggregation.get("clusterRoleSelectors"):
        selectors_path = child(path, "aggregationRule", "clusterRoleSelectors")
        detail = "at least one clusterRoleSelector required if aggregationRule is non-nil"
        causes.append(validation.required(selectors_path, detail))
    return causes


def _path_segment_problems(name: str) -> list[str]:
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]


def _binding_causes(binding: dict[str, Any], path: str, role_kinds: list[str]) -> list[Cause]:
    ref = binding.get("roleRef") or {}
    causes = []
    if ref.get("apiGroup") != GROUP:
        group_path = child(path, "roleRef", "apiGroup")
        causes.append(validation.not_supported(group_path, ref.get("apiGroup", ""), [GROUP]))
    if ref.get("kind") is not None and ref["kind"] not in role_kinds:
        causes.append(
            validation.not_supported(
                child(path, "roleRef", "kind"), ref.get("kind", ""), role_kinds
            )
        )
    name = ref.get("name") or ""
    if not name:
        causes.append(validation.required(child(path, "roleRef", "name")))
    for problem in _path_segment_problems(name):
        causes.append(validation.invalid(child(path, "roleRef", "name"), name, problem))
    namespaced = role_kinds != ["ClusterRole"]
    for i, subject in enumerate(binding.get("subjects") or []):
        causes += _subject_causes(subject, child(path, f"subjects[{i}]"), namespaced)
    return causes


def _subject_causes(subject: dict[str, Any], path: str, namespaced: bool) -> list[Cause]:
    causes = []
    name, kind, group = subject.get("name") or "", subject.get("kind"), subject.get("apiGroup", "")
    if not name:
        causes.append(validation.required(child(path, "name")))
    if kind == "ServiceAccount":
        for problem in names.is_dns1123_subdomain(name) if name else []:
            causes.append(validation.invalid(child(path, "name"), name, problem))
        if group:
            causes.append(validation.not_supported(child(path, "apiGroup"), group, [""]))
        if not namespaced and not subject.get("namespace"):
            causes.append(validation.required(child(path, "namespace")))
    elif kind in ("User", "Group"):
        if group != GROUP:
            causes.append(validation.not_supported(child(path, "apiGroup"), group, [GROUP]))
    elif kind is not None:  # an absent kind is reported by the generic required check
        causes.append(validation.not_supported(child(path, "kind"), kind, list(SUBJECT_KINDS)))
    return causes


@validator(RBAC + "RoleBinding")
def validate_role_binding(binding: dict[str, Any], path: str) -> list[Cause]:
    return _binding_causes(binding, path, ["Role", "ClusterRole"])


@validator(RBAC + "ClusterRoleBinding")
def validate_cluster_role_binding(binding: dict[str, Any], path: str) -> list[Cause]:
    return _binding_causes(binding, path, ["ClusterRole"])


def role_ref_is_fixed(new: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    if new.get("roleRef") != old.get("roleRef"):
        return [validation.invalid("roleRef", new.get("roleRef"), "cannot change roleRef")]
    return []


update_validator(RBAC + "RoleBinding")(role_ref_is_fixed)
update_validator(RBAC + "ClusterRoleBinding")(role_ref_is_fixed)
