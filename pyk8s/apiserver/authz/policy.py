"""Kubernetes' bootstrap RBAC policy, as data: the ClusterRoles kube-apiserver creates at
start and the ClusterRoleBindings that give them to the system's users and groups.

The roles and their rules follow kube-apiserver v1.32's defaults (see `kubectl get
clusterroles` on a real cluster); the per-controller roles are in policy_controllers.py.
bootstrap.py turns these into objects and writes them. Each entry here is
(name, rules, labels, aggregation selectors).
"""

from __future__ import annotations

from typing import Any

from pyk8s.apiserver.authz.rules import Rule, rule, url_rule

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
ALL_VERBS = (*READ, *WRITE)
EVENTS = rule(("create", "patch", "update"), ("", "events.k8s.io"), ("events",))
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"


def _aggregated_into(role: str) -> dict[str, str]:
    return {AGGREGATE_TO + role: "true"}


VIEW_RULES: list[Rule] = [
    rule(READ, ("",), ("configmaps", "endpoints", "persistentvolumeclaims",
         "persistentvolumeclaims/status", "pods", "replicationcontrollers",
         "replicationcontrollers/scale", "serviceaccounts", "services", "services/status")),
    rule(READ, ("",), ("bindings", "events", "limitranges", "namespaces/status", "pods/log",
         "pods/status", "replicationcontrollers/status", "resourcequotas",
         "resourcequotas/status")),
    rule(READ, ("",), ("namespaces",)),
    rule(READ, ("discovery.k8s.io",), ("endpointslices",)),
    rule(READ, ("apps",), ("controllerrevisions", "daemonsets", "daemonsets/status",
         "deployments", "deployments/scale", "deployments/status", "replicasets",
         "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale",
         "statefulsets/status")),
    rule(READ, ("autoscaling",), ("horizontalpodautoscalers",
         "horizontalpodautoscalers/status")),
    rule(READ, ("batch",), ("cronjobs", "cronjobs/status", "jobs", "jobs/status")),
    rule(READ, ("policy",), ("poddisruptionbudgets", "poddisruptionbudgets/status")),
    rule(READ, ("networking.k8s.io",), ("ingresses", "ingresses/status", "networkpolicies")),
]  # fmt: skip

EDIT_RULES: list[Rule] = [
    rule(READ, ("",), ("pods/attach", "pods/exec", "pods/portforward", "pods/proxy",
         "secrets", "services/proxy")),
    rule(("impersonate",), ("",), ("serviceaccounts",)),
    rule(WRITE, ("",), ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy")),
    rule(("create",), ("",), ("pods/eviction",)),
    rule(WRITE, ("",), ("configmaps", "events", "persistentvolumeclaims",
         "replicationcontrollers", "replicationcontrollers/scale", "secrets",
         "serviceaccounts", "services", "services/proxy")),
    rule(("create",), ("",), ("serviceaccounts/token",)),
    rule(WRITE, ("apps",), ("daemonsets", "deployments", "deployments/rollback",
         "deployments/scale", "replicasets", "replicasets/scale", "statefulsets",
         "statefulsets/scale")),
    rule(WRITE, ("autoscaling",), ("horizontalpodautoscalers",)),
    rule(WRITE, ("batch",), ("cronjobs", "jobs")),
    rule(WRITE, ("policy",), ("poddisruptionbudgets",)),
    rule(WRITE, ("networking.k8s.io",), ("ingresses", "networkpolicies")),
    rule(ALL_VERBS, ("coordination.k8s.io",), ("leases",)),
]  # fmt: skip

ADMIN_RULES: list[Rule] = [
    rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews",)),
    rule(ALL_VERBS, ("rbac.authorization.k8s.io",), ("rolebindings", "roles")),
]

# The static part of what a kubelet may do (the Node authorizer's fallback rules).
NODE_RULES: list[Rule] = [
    rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
    rule(("create",), ("authorization.k8s.io",),
         ("localsubjectaccessreviews", "subjectaccessreviews")),
    rule(READ, ("",), ("services",)),
    rule(("create", "get", "list", "watch"), ("",), ("nodes",)),
    rule(("patch", "update"), ("",), ("nodes/status",)),
    rule(("patch", "update"), ("",), ("nodes",)),
    rule(("create", "patch", "update"), ("",), ("events",)),
    rule(READ, ("",), ("pods",)),
    rule(("create", "delete"), ("",), ("pods",)),
    rule(("patch", "update"), ("",), ("pods/status",)),
    rule(("create",), ("",), ("pods/eviction",)),
    rule(READ, ("",), ("configmaps", "secrets")),
    rule(("get",), ("",), ("persistentvolumeclaims", "persistentvolumes")),
    rule(("get",), ("",), ("endpoints",)),
    rule(("create", "get", "list", "watch"), ("certificates.k8s.io",),
         ("certificatesigningrequests",)),
    rule(("create", "delete", "get", "patch", "update"), ("coordination.k8s.io",), ("leases",)),
    rule(("get",), ("storage.k8s.io",), ("volumeattachments",)),
    rule(("create",), ("",), ("serviceaccounts/token",)),
    rule(("get", "patch", "update"), ("",), ("persistentvolumeclaims/status",)),
    rule(READ, ("storage.k8s.io",), ("csidrivers",)),
    rule(("create", "delete", "get", "patch", "update"), ("storage.k8s.io",), ("csinodes",)),
    rule(READ, ("node.k8s.io",), ("runtimeclasses",)),
]  # fmt: skip

_LEADER_ELECTION = (rule(("create",), ("coordination.k8s.io",), ("leases",)),)


def _leader(name: str) -> Rule:
    return rule(("get", "update"), ("coordination.k8s.io",), ("leases",), names=(name,))


_REVIEWS = (
    rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
    rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
)

# (name, rules, extra labels, aggregation: labels selecting the roles it gathers)
ClusterRoleSpec = tuple[str, list[Rule], dict[str, str], dict[str, str] | None]

CLUSTER_ROLES: list[ClusterRoleSpec] = [
    ("cluster-admin", [rule(("*",), ("*",), ("*",)), url_rule(("*",), ("*",))], {}, None),
    ("admin", [], {}, _aggregated_into("admin")),
    ("edit", [], _aggregated_into("admin"), _aggregated_into("edit")),
    ("view", [], _aggregated_into("edit"), _aggregated_into("view")),
    ("system:aggregate-to-admin", ADMIN_RULES, _aggregated_into("admin"), None),
    ("system:aggregate-to-edit", EDIT_RULES, _aggregated_into("edit"), None),
    ("system:aggregate-to-view", VIEW_RULES, _aggregated_into("view"), None),
    ("system:discovery", [url_rule(("get",), (
        "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
        "/openapi/*", "/readyz", "/version", "/version/"))], {}, None),
    ("system:monitoring", [url_rule(("get",), (
        "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis",
        "/readyz", "/readyz/*"))], {}, None),
    ("system:public-info-viewer", [url_rule(("get",), (
        "/healthz", "/livez", "/readyz", "/version", "/version/"))], {}, None),
    ("system:basic-user", [
        rule(("create",), ("authorization.k8s.io",),
             ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
        rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",)),
    ], {}, None),
    ("system:auth-delegator", list(_REVIEWS), {}, None),
    ("system:node", NODE_RULES, {}, None),
    ("system:node-proxier", [
        rule(("list", "watch"), ("",), ("endpoints", "services")),
        rule(READ, ("",), ("nodes",)),
        EVENTS,
        rule(("list", "watch"), ("discovery.k8s.io",), ("endpointslices",)),
    ], {}, None),
    ("system:kube-scheduler", [
        EVENTS, *_LEADER_ELECTION, _leader("kube-scheduler"),
        rule(READ, ("",), ("nodes",)),
        rule(("delete", *READ), ("",), ("pods",)),
        rule(("create",), ("",), ("bindings", "pods/binding")),
        rule(("patch", "update"), ("",), ("pods/status",)),
        rule(READ, ("",), ("replicationcontrollers", "services")),
        rule(READ, ("apps", "extensions"), ("replicasets",)),
        rule(READ, ("apps",), ("statefulsets",)),
        rule(READ, ("policy",), ("poddisruptionbudgets",)),
        rule(READ, ("",), ("persistentvolumeclaims", "persistentvolumes")),
        *_REVIEWS,
        rule(READ, ("storage.k8s.io",), ("csinodes",)),
        rule(READ, ("",), ("namespaces",)),
        rule(READ, ("storage.k8s.io",), ("csidrivers",)),
        rule(READ, ("storage.k8s.io",), ("csistoragecapacities",)),
    ], {}, None),
    ("system:volume-scheduler", [
        rule(("get", "list", "patch", "update", "watch"), ("",), ("persistentvolumes",)),
        rule(READ, ("storage.k8s.io",), ("storageclasses",)),
        rule(("get", "list", "patch", "update", "watch"), ("",), ("persistentvolumeclaims",)),
    ], {}, None),
    ("system:kube-controller-manager", [
        EVENTS, *_LEADER_ELECTION, _leader("kube-controller-manager"),
        rule(("create",), ("",), ("secrets", "serviceaccounts")),
        rule(("delete",), ("",), ("secrets",)),
        rule(("get",), ("",), ("configmaps", "namespaces", "secrets", "serviceaccounts")),
        rule(("update",), ("",), ("secrets", "serviceaccounts")),
        *_REVIEWS,
        rule(("list", "watch"), ("*",), ("*",)),
        rule(("create",), ("",), ("serviceaccounts/token",)),
    ], {}, None),
    ("system:kube-dns", [rule(("list", "watch"), ("",), ("endpoints", "services"))], {}, None),
    ("system:kubelet-api-admin", [
        rule(READ, ("",), ("nodes",)),
        rule(("proxy",), ("",), ("nodes",)),
        rule(("*",), ("",), ("nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats")),
    ], {}, None),
    ("system:node-bootstrapper", [rule(("create", "get", "list", "watch"),
        ("certificates.k8s.io",), ("certificatesigningrequests",))], {}, None),
    ("system:service-account-issuer-discovery", [url_rule(("get",), (
        "/.well-known/openid-configuration", "/openid/v1/jwks"))], {}, None),
]  # fmt: skip

# (binding and role name, subjects as (kind, name) or ("ServiceAccount", "ns/name"))
CLUSTER_ROLE_BINDINGS: list[tuple[str, list[tuple[str, str]]]] = [
    ("cluster-admin", [("Group", "system:masters")]),
    ("system:basic-user", [("Group", "system:authenticated")]),
    ("system:discovery", [("Group", "system:authenticated")]),
    ("system:public-info-viewer",
     [("Group", "system:authenticated"), ("Group", "system:unauthenticated")]),
    ("system:monitoring", [("Group", "system:monitoring")]),
    ("system:service-account-issuer-discovery", [("Group", "system:serviceaccounts")]),
    ("system:kube-controller-manager", [("User", "system:kube-controller-manager")]),
    ("system:kube-scheduler", [("User", "system:kube-scheduler")]),
    ("system:volume-scheduler", [("User", "system:kube-scheduler")]),
    ("system:kube-dns", [("ServiceAccount", "kube-system/kube-dns")]),
    ("system:node-proxier", [("User", "system:kube-proxy")]),
    # Bound to nobody since v1.8: the Node authorizer grants kubelets what they need.
    ("system:node", []),
]  # fmt: skip


def subject(kind: str, name: str) -> dict[str, Any]:
    if kind == "ServiceAccount":
        namespace, _, account = name.partition("/")
        return {"kind": kind, "name": account, "namespace": namespace}
    return {"kind": kind, "apiGroup": "rbac.authorization.k8s.io", "name": name}
