"""The Node authorizer on an in-memory graph; bootstrap reconciliation; review answers."""

from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.authz import Attributes, attributes_for, build_authorizer
from pyk8s.apiserver.authz.bootstrap import (
    AUTOUPDATE,
    default_cluster_role_bindings,
    default_cluster_roles,
    reconciled,
)
from pyk8s.apiserver.authz.reviews import access_review_status, rules_review_status
from pyk8s.apiserver.authz.source import MemoryNodeGraph, MemoryRoleSource
from pyk8s.apiserver.requestinfo import parse_request_info

KUBELET = UserInfo("system:node:n1", groups=("system:nodes", "system:authenticated"))


def ask(verb, resource, namespace="", name="", group="", sub="", fields=(), user=KUBELET):
    return Attributes(
        user=user, verb=verb, is_resource_request=True, api_group=group, resource=resource,
        subresource=sub, namespace=namespace, name=name, field_equals=fields,
    )  # fmt: skip


def graph() -> MemoryNodeGraph:
    g = MemoryNodeGraph()
    g.add("", "pods", {
        "metadata": {"namespace": "web", "name": "front"},
        "spec": {
            "nodeName": "n1", "serviceAccountName": "frontend",
            "volumes": [{"name": "cfg", "configMap": {"name": "front-config"}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": "front-data"}}],
            "containers": [{"name": "c", "env": [
                {"name": "P", "valueFrom": {"secretKeyRef": {"name": "db-pass", "key": "p"}}}]}],
        },
    })  # fmt: skip
    g.add("", "pods", {"metadata": {"namespace": "web", "name": "elsewhere"},
                       "spec": {"nodeName": "n2", "volumes": [{"name": "s", "secret": {"secretName": "other"}}]}})  # fmt: skip
    g.add("", "persistentvolumeclaims",
          {"metadata": {"namespace": "web", "name": "front-data"}, "spec": {"volumeName": "pv-7"}})  # fmt: skip
    return g


async def test_a_kubelet_reads_only_what_its_pods_use():
    node = build_authorizer("Node", graph=graph())
    allowed = [
        ask("get", "pods", "web", "front"),
        ask("get", "secrets", "web", "db-pass"),
        ask("watch", "configmaps", "web", "front-config"),
        ask("get", "persistentvolumeclaims", "web", "front-data"),
        ask("get", "persistentvolumes", name="pv-7"),
        ask("create", "serviceaccounts", "web", "frontend", sub="token"),
        ask("list", "pods", fields=(("spec.nodeName", "n1"),)),
        ask("get", "nodes", name="n1"),
        ask("patch", "nodes", name="n1", sub="status"),
        ask("update", "leases", "kube-node-lease", "n1", group="coordination.k8s.io"),
        ask("list", "services"),
        ask("create", "events", "web"),
    ]
    for attrs in allowed:
        assert (await node.authorize(attrs)).allowed, attrs
    no_path = "no relationship found between node 'n1' and this object"
    lease = ("update", "leases", "kube-node-lease", "n2")
    refused = [
        (ask("get", "secrets", "web", "other"), no_path),
        (ask("get", "pods", "web", "elsewhere"), no_path),
        (ask("list", "secrets", "web"), "No Object name found"),
        (ask("delete", "secrets", "web", "db-pass"), "can only read resources of this type"),
        (ask("list", "pods"), "can only list/watch pods with spec.nodeName field selector"),
        (ask("get", "nodes", name="n2"), "node 'n1' cannot read 'n2', only its own Node object"),
        (
            ask(*lease, group="coordination.k8s.io"),
            "can only access node lease with the same name as the requesting node",
        ),
        (ask("delete", "deployments", "web", "x", group="apps"), ""),
    ]
    for attrs, reason in refused:
        decision = await node.authorize(attrs)
        assert not decision.allowed and decision.reason == reason, attrs


async def test_other_users_are_left_to_the_next_authorizer():
    node = build_authorizer("Node", graph=graph())
    impostor = UserInfo("system:node:n1", groups=("system:authenticated",))
    assert not (await node.authorize(ask("get", "pods", "web", "front", user=impostor))).allowed


def test_a_field_selector_on_the_name_makes_a_list_about_one_object():
    info = parse_request_info("GET", "/api/v1/namespaces/web/secrets", {"watch": "true"})
    attrs = attributes_for(info, KUBELET, {"fieldSelector": "metadata.name=db-pass"})
    assert (attrs.verb, attrs.name, attrs.namespace) == ("watch", "db-pass", "web")


def test_reconciling_adds_what_is_missing_and_respects_opt_out():
    default = next(
        r for r in default_cluster_roles() if r["metadata"]["name"] == "system:node-proxier"
    )
    trimmed = {
        **default,
        "rules": [
            *default["rules"][:1],
            {"verbs": ["get"], "apiGroups": ["x"], "resources": ["y"]},
        ],
    }
    updated = reconciled(trimmed, default)
    assert updated is not None
    assert all(rule in updated["rules"] for rule in default["rules"])
    assert {"verbs": ["get"], "apiGroups": ["x"], "resources": ["y"]} in updated["rules"]
    assert reconciled(default, default) is None
    opted_out = {
        **trimmed,
        "metadata": {**trimmed["metadata"], "annotations": {AUTOUPDATE: "false"}},
    }
    assert reconciled(opted_out, default) is None


def test_the_defaults_are_labelled_and_bound_as_kubernetes_binds_them():
    roles = {r["metadata"]["name"]: r for r in default_cluster_roles()}
    for name in ("cluster-admin", "admin", "edit", "view", "system:discovery", "system:node",
                 "system:kube-scheduler", "system:controller:replicaset-controller"):  # fmt: skip
        assert roles[name]["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert roles[name]["metadata"]["annotations"][AUTOUPDATE] == "true"
    assert {
        "verbs": ["get", "list", "watch"],
        "apiGroups": [""],
        "resources": ["namespaces"],
    } in roles["view"]["rules"]
    bindings = {b["metadata"]["name"]: b for b in default_cluster_role_bindings()}
    public = [s["name"] for s in bindings["system:public-info-viewer"]["subjects"]]
    assert public == ["system:authenticated", "system:unauthenticated"]
    assert bindings["system:node"]["subjects"] == []


async def test_reviews_answer_as_the_authorizer_would():
    source = MemoryRoleSource([*default_cluster_roles(), *default_cluster_role_bindings()])
    authorizer = build_authorizer("Node,RBAC", roles=source, graph=graph())
    alice = UserInfo("alice", groups=("system:authenticated",))
    spec = {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "default"}}
    assert await access_review_status(authorizer, alice, spec) == {"allowed": False}
    scheduler = UserInfo("system:kube-scheduler", groups=("system:authenticated",))
    bind = {
        "resourceAttributes": {
            "verb": "create",
            "resource": "pods",
            "subresource": "binding",
            "namespace": "x",
        }
    }
    status = await access_review_status(authorizer, scheduler, bind)
    assert status["allowed"] and "system:kube-scheduler" in status["reason"]
    rules = rules_review_status(await authorizer.rules_for(alice, "default"))
    assert not rules["incomplete"]
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in rules["resourceRules"]  # fmt: skip
    assert any("/version" in r["nonResourceURLs"] for r in rules["nonResourceRules"])
    assert rules_review_status(await authorizer.rules_for(KUBELET, "web"))["incomplete"]
