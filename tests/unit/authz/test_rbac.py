"""RBAC rule matching and evaluation, on in-memory roles and bindings."""

import pytest

from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.authz import Attributes, Verdict, build_authorizer, forbidden
from pyk8s.apiserver.authz.bootstrap import default_cluster_role_bindings, default_cluster_roles
from pyk8s.apiserver.authz.rbac import RBACAuthorizer
from pyk8s.apiserver.authz.rules import rule, rule_allows, url_rule
from pyk8s.apiserver.authz.source import MemoryRoleSource

ALICE = UserInfo("alice", groups=("devs", "system:authenticated"))


def ask(verb, resource, namespace="", name="", group="", sub="", user=ALICE):
    return Attributes(
        user=user, verb=verb, is_resource_request=True, api_group=group, resource=resource,
        subresource=sub, namespace=namespace, name=name,
    )  # fmt: skip


def path(verb, url, user=ALICE):
    return Attributes(user=user, verb=verb, is_resource_request=False, path=url)


def test_a_rule_matches_verbs_groups_resources_and_names():
    pods = rule(("get", "list"), ("",), ("pods",))
    assert rule_allows(ask("get", "pods", "default", "web"), pods)
    assert not rule_allows(ask("delete", "pods", "default", "web"), pods)
    assert not rule_allows(ask("get", "deployments", group="apps"), pods)
    assert not rule_allows(ask("get", "pods", sub="log"), pods), "subresources are separate"
    assert rule_allows(ask("get", "pods", sub="log"), rule(("get",), ("",), ("pods/log",)))
    assert rule_allows(ask("get", "deployments", sub="scale", group="apps"),
                       rule(("get",), ("*",), ("*/scale",)))  # fmt: skip
    one = rule(("get",), ("",), ("configmaps",), names=("settings",))
    assert rule_allows(ask("get", "configmaps", "d", "settings"), one)
    assert not rule_allows(ask("get", "configmaps", "d", "other"), one)
    assert not rule_allows(ask("list", "configmaps", "d"), one), "a list names no object"
    assert rule_allows(ask("escalate", "roles", group="x"), rule(("*",), ("*",), ("*",)))


def test_non_resource_urls_match_exactly_or_by_trailing_star():
    health = url_rule(("get",), ("/healthz", "/api/*"))
    assert rule_allows(path("get", "/healthz"), health)
    assert rule_allows(path("get", "/api/v1"), health)
    assert not rule_allows(path("get", "/healthz/etcd"), health)
    assert not rule_allows(path("post", "/healthz"), health)
    assert not rule_allows(ask("get", "healthz"), health), "URL rules never cover resources"


def _role(kind, name, rules, namespace=None, labels=None, aggregation=None):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    if labels:
        meta["labels"] = labels
    obj = {"kind": kind, "metadata": meta, "rules": rules}
    if aggregation:
        obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": aggregation}]}
    return obj


def _binding(kind, name, role_kind, role, subjects, namespace=None):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": kind, "metadata": meta, "subjects": subjects,
            "roleRef": {"kind": role_kind, "name": role, "apiGroup": "rbac.authorization.k8s.io"}}  # fmt: skip


def bootstrap_source() -> MemoryRoleSource:
    return MemoryRoleSource([*default_cluster_roles(), *default_cluster_role_bindings()])


async def test_a_rolebinding_grants_a_clusterrole_only_in_its_namespace():
    source = bootstrap_source()
    rbac = RBACAuthorizer(source)
    assert not (await rbac.authorize(ask("list", "pods", "default"))).allowed
    source.add(_binding("RoleBinding", "alice-view", "ClusterRole", "view",
                        [{"kind": "User", "name": "alice"}], namespace="default"))  # fmt: skip
    decision = await rbac.authorize(ask("list", "pods", "default"))
    assert decision.allowed
    assert decision.reason == (
        'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice"'
    )
    assert not (await rbac.authorize(ask("list", "pods", "kube-system"))).allowed
    assert not (await rbac.authorize(ask("list", "pods"))).allowed, "not cluster-wide"
    assert not (await rbac.authorize(ask("delete", "pods", "default", "x"))).allowed
    assert not (await rbac.authorize(ask("get", "secrets", "default", "x"))).allowed


async def test_groups_service_accounts_and_namespaced_roles():
    source = MemoryRoleSource([
        _role("Role", "reader", [rule(("get",), ("",), ("secrets",))], namespace="team"),
        _binding("RoleBinding", "b", "Role", "reader",
                 [{"kind": "Group", "name": "devs"},
                  {"kind": "ServiceAccount", "name": "robot"}], namespace="team"),
    ])  # fmt: skip
    rbac = RBACAuthorizer(source)
    assert (await rbac.authorize(ask("get", "secrets", "team", "s"))).allowed
    robot = UserInfo("system:serviceaccount:team:robot")
    other = UserInfo("system:serviceaccount:elsewhere:robot")
    assert (await rbac.authorize(ask("get", "secrets", "team", "s", user=robot))).allowed
    assert not (await rbac.authorize(ask("get", "secrets", "team", "s", user=other))).allowed


async def test_aggregated_roles_gather_rules_at_decision_time():
    source = bootstrap_source()
    source.add(_binding("ClusterRoleBinding", "a", "ClusterRole", "admin",
                        [{"kind": "User", "name": "alice"}]))  # fmt: skip
    rbac = RBACAuthorizer(source)
    # admin gathers edit, which gathers view: rules three levels down count.
    assert (
        await rbac.authorize(ask("list", "endpointslices", "x", group="discovery.k8s.io"))
    ).allowed
    assert (
        await rbac.authorize(ask("create", "rolebindings", "x", group="rbac.authorization.k8s.io"))
    ).allowed
    assert not (await rbac.authorize(ask("list", "widgets", "x", group="example.com"))).allowed
    source.add(_role("ClusterRole", "widget-viewer", [rule(("list",), ("example.com",), ("widgets",))],
                     labels={"rbac.authorization.k8s.io/aggregate-to-view": "true"}))  # fmt: skip
    assert (await rbac.authorize(ask("list", "widgets", "x", group="example.com"))).allowed


async def test_a_binding_to_a_missing_role_is_named_in_the_reason():
    source = MemoryRoleSource([
        _binding("ClusterRoleBinding", "b", "ClusterRole", "ghost", [{"kind": "User", "name": "alice"}])
    ])  # fmt: skip
    decision = await RBACAuthorizer(source).authorize(ask("get", "pods", "d", "p"))
    assert decision.verdict is Verdict.NO_OPINION
    assert decision.reason == 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found'


async def test_union_lets_masters_do_anything_and_refuses_the_rest():
    authorizer = build_authorizer("RBAC", roles=bootstrap_source())
    admin = UserInfo("admin", groups=("system:masters", "system:authenticated"))
    assert (await authorizer.authorize(ask("delete", "nodes", name="n1", user=admin))).allowed
    assert (await authorizer.authorize(path("get", "/version"))).allowed
    assert (await authorizer.authorize(path("get", "/apis/apps"))).allowed
    anonymous = UserInfo("system:anonymous", groups=("system:unauthenticated",))
    assert (await authorizer.authorize(path("get", "/healthz", user=anonymous))).allowed
    assert not (await authorizer.authorize(path("get", "/apis", user=anonymous))).allowed
    refused = await authorizer.authorize(ask("list", "pods", "default"))
    assert not refused.allowed
    deny_all = build_authorizer("AlwaysDeny")
    assert (
        await deny_all.authorize(ask("get", "pods", "d", "p"))
    ).reason == "Everything is forbidden."


def test_forbidden_messages_are_kube_apiservers():
    err = forbidden(ask("list", "pods", "default"))
    assert err.code == 403
    assert err.message == (
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" '
        'in the namespace "default"'
    )
    err = forbidden(ask("get", "deployments", name="web", group="apps", sub="scale"), "why")
    assert err.message == (
        'deployments.apps "web" is forbidden: User "alice" cannot get resource '
        '"deployments/scale" in API group "apps" at the cluster scope: why'
    )
    assert err.to_status()["details"] == {"kind": "deployments", "group": "apps", "name": "web"}
    err = forbidden(path("get", "/metrics"))
    assert err.message == 'forbidden: User "alice" cannot get path "/metrics"'


@pytest.mark.parametrize("text", ["", "RBAC,RBAC", "ABAC"])
def test_bad_modes_are_refused(text):
    with pytest.raises(ValueError):
        build_authorizer(text, roles=MemoryRoleSource())
