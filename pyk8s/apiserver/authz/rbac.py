"""The RBAC authorizer: allow a request when a role bound to its user has a rule covering it.

Evaluated as Kubernetes' rbac authorizer does, with no deny rules — only grants:

1. every ClusterRoleBinding whose subjects include the user grants its ClusterRole's rules
   everywhere (cluster-scoped requests and every namespace);
2. for a namespaced request, every RoleBinding in that namespace that names the user grants
   its Role's rules, or a ClusterRole's rules, inside that namespace only.

A subject names the user when it is the User of that name, a Group the user is in, or the
ServiceAccount `system:serviceaccount:<namespace>:<name>` (a ServiceAccount subject without a
namespace means the binding's own).

Aggregated ClusterRoles (those with an aggregationRule, like admin, edit and view) are
computed when read: their rules are the union of the rules of every ClusterRole selected by
the rule's label selectors, recursively (view feeds edit, edit feeds admin). Kubernetes gets
the same result from its clusterrole-aggregation controller, which writes the union into the
role; computing it here means a new `aggregate-to-view` role takes effect at once and no
stored copy can go stale.

A binding to a role that does not exist grants nothing; when no rule allows the request,
such dangling references are named in the reason ("RBAC: clusterrole... not found"), as
kube-apiserver reports them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pyk8s.api.labels import selector_from_label_selector
from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.authz.rules import Rule, rules_allow
from pyk8s.apiserver.authz.source import Object, RoleSource
from pyk8s.apiserver.authz.types import Attributes, Decision, RuleSet

GROUP = "rbac.authorization.k8s.io"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


def subject_names_user(subject: dict[str, Any], user: UserInfo, binding_namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user.name == f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"
    return False


def matching_subject(
    binding: Object, user: UserInfo, binding_namespace: str
) -> dict[str, Any] | None:
    """The first subject of `binding` that names `user`, or None."""
    for subject in binding.get("subjects") or ():
        if subject_names_user(subject, user, binding_namespace):
            return subject
    return None


def describe_grant(binding: Object, subject: dict[str, Any], binding_namespace: str) -> str:
    """How Kubernetes names the binding that allowed a request, for SubjectAccessReviews:
    'ClusterRoleBinding "x" of ClusterRole "y" to User "alice"'."""
    name = binding.get("metadata", {}).get("name", "")
    kind = "RoleBinding" if binding_namespace else "ClusterRoleBinding"
    if binding_namespace:
        name = f"{name}/{binding_namespace}"
    ref = binding.get("roleRef") or {}
    who = subject.get("name", "")
    if subject.get("kind") == "ServiceAccount":
        who = f"{who}/{subject.get('namespace') or binding_namespace}"
    return f'{kind} "{name}" of {ref.get("kind", "")} "{ref.get("name", "")}" to {subject.get("kind")} "{who}"'


def _not_found(kind: str, name: str) -> str:
    return f'{kind.lower()}.{GROUP} "{name}" not found'


def _reason(errors: list[str]) -> str:
    if not errors:
        return ""
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return f"RBAC: {joined}"


@dataclass(frozen=True, slots=True)
class Grant:
    """What one binding gives a user: its role's rules, or why it gives nothing."""

    rules: list[Rule]
    error: str
    source: str


class RBACAuthorizer:
    def __init__(self, source: RoleSource) -> None:
        self.source = source

    async def authorize(self, attrs: Attributes) -> Decision:
        errors: list[str] = []
        async for grant in self._grants(attrs.user, attrs.namespace):
            if grant.error:
                errors.append(grant.error)
            elif rules_allow(attrs, grant.rules):
                return Decision.allow(f"RBAC: allowed by {grant.source}")
        return Decision.no_opinion(_reason(errors))

    async def rules_for(self, user: UserInfo, namespace: str) -> RuleSet:
        """Every rule granted to `user` in `namespace` (cluster-wide ones included), and the
        dangling role references met on the way (which make the answer incomplete)."""
        granted = RuleSet()
        async for grant in self._grants(user, namespace):
            if grant.error:
                granted.errors.append(grant.error)
                granted.incomplete = True
            granted.extend(RuleSet(grant.rules))
        return granted

    async def _grants(self, user: UserInfo, namespace: str) -> AsyncIterator[Grant]:
        """One Grant per binding that names the user: cluster-wide ones first, then those of
        `namespace`."""
        scopes = [("", await self.source.cluster_role_bindings())]
        if namespace:
            scopes.append((namespace, await self.source.role_bindings(namespace)))
        for binding_namespace, bindings in scopes:
            for binding in bindings:
                subject = matching_subject(binding, user, binding_namespace)
                if subject is None:
                    continue
                rules, error = await self._role_rules(
                    binding.get("roleRef") or {}, binding_namespace
                )
                yield Grant(rules, error, describe_grant(binding, subject, binding_namespace))

    async def _role_rules(self, ref: dict[str, Any], namespace: str) -> tuple[list[Rule], str]:
        kind, name = ref.get("kind", ""), ref.get("name", "")
        if kind == "ClusterRole":
            role = await self.source.cluster_role(name)
            if role is None:
                return [], _not_found(kind, name)
            return await self.cluster_role_rules(role), ""
        if kind == "Role" and namespace:
            role = await self.source.role(namespace, name)
            if role is None:
                return [], _not_found(kind, name)
            return list(role.get("rules") or ()), ""
        return [], f'unsupported role reference kind "{kind}"'

    async def cluster_role_rules(self, role: Object) -> list[Rule]:
        """The rules of a ClusterRole, with aggregation resolved."""
        if not role.get("aggregationRule"):
            return list(role.get("rules") or ())
        return aggregate(role, await self.source.cluster_roles())


def aggregate(
    role: Object, all_roles: list[Object], _seen: frozenset[str] = frozenset()
) -> list[Rule]:
    """The union of the rules of the ClusterRoles `role`'s aggregationRule selects, following
    nested aggregations; duplicates dropped, first occurrence kept."""
    name = role.get("metadata", {}).get("name", "")
    seen = _seen | {name}
    selectors = [
        selector_from_label_selector(s)
        for s in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or ()
    ]
    union: list[Rule] = []
    for other in sorted(all_roles, key=lambda r: r.get("metadata", {}).get("name", "")):
        other_name = other.get("metadata", {}).get("name", "")
        labels = other.get("metadata", {}).get("labels") or {}
        if other_name in seen or not any(s.matches(labels) for s in selectors):
            continue
        if other.get("aggregationRule"):
            rules = aggregate(other, all_roles, seen)
        else:
            rules = list(other.get("rules") or ())
        for rule in rules:
            if rule not in union:
                union.append(rule)
    return union
