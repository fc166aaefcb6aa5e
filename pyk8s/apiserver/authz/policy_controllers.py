"""The per-controller ClusterRoles (`system:controller:<controller>`) of the bootstrap policy,
for the controllers pyk8s's controller manager runs, each bound (as in Kubernetes) to the
service account `kube-system/<controller>`.

Kubernetes' controller manager, run with --use-service-account-credentials, acts as each
controller's service account. pyk8s's controller manager acts with its one identity,
`system:kube-controller-manager`; so that it can do its controllers' work under RBAC, each
controller binding here also names that user. This is the one place pyk8s's policy differs
from Kubernetes', and it grants nothing the controllers' own roles do not.
"""

from __future__ import annotations

from pyk8s.apiserver.authz.policy import EVENTS, READ
from pyk8s.apiserver.authz.rules import Rule, rule

PREFIX = "system:controller:"
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
_APPS = ("apps", "extensions")

CONTROLLER_ROLES: dict[str, list[Rule]] = {
    "cronjob-controller": [
        rule(("get", "list", "watch", "update"), ("batch",), ("cronjobs",)),
        rule((*READ, "create", "update", "delete", "patch"), ("batch",), ("jobs",)),
        rule(("update",), ("batch",), ("cronjobs/status", "cronjobs/finalizers")),
        rule(("list", "watch", "delete"), ("",), ("pods",)),
        EVENTS,
    ],
    "daemon-set-controller": [
        rule(READ, _APPS, ("daemonsets",)),
        rule(("update",), _APPS, ("daemonsets/status", "daemonsets/finalizers")),
        rule(("list", "watch"), ("",), ("nodes",)),
        rule(("list", "watch", "create", "delete", "patch"), ("",), ("pods",)),
        rule(("create",), ("",), ("pods/binding",)),
        rule((*READ, "create", "delete", "update", "patch"), ("apps",), ("controllerrevisions",)),
        EVENTS,
    ],
    "deployment-controller": [
        rule((*READ, "update"), _APPS, ("deployments",)),
        rule(("update",), _APPS, ("deployments/status", "deployments/finalizers")),
        rule((*READ, "create", "update", "patch", "delete"), _APPS, ("replicasets",)),
        rule((*READ, "update"), ("",), ("pods",)),
        EVENTS,
    ],
    "endpoint-controller": [
        rule(READ, ("",), ("services", "pods")),
        rule((*READ, "create", "update", "delete"), ("",), ("endpoints",)),
        rule(("create",), ("",), ("endpoints/restricted",)),
        EVENTS,
    ],
    "endpointslice-controller": [
        rule(READ, ("",), ("services", "pods", "nodes")),
        rule(("update",), ("",), ("services/finalizers",)),
        rule((*READ, "create", "update", "delete"), ("discovery.k8s.io",), ("endpointslices",)),
        EVENTS,
    ],
    "generic-garbage-collector": [
        rule((*READ, "patch", "update", "delete"), ("*",), ("*",)),
        EVENTS,
    ],
    "job-controller": [
        rule((*READ, "update", "patch"), ("batch",), ("jobs",)),
        rule(("update",), ("batch",), ("jobs/status", "jobs/finalizers")),
        rule(("list", "watch", "create", "delete", "patch"), ("",), ("pods",)),
        EVENTS,
    ],
    "namespace-controller": [
        rule((*READ, "delete"), ("",), ("namespaces",)),
        rule(("update",), ("",), ("namespaces/finalize", "namespaces/status")),
        rule((*READ, "delete", "deletecollection"), ("*",), ("*",)),
    ],
    "node-controller": [
        rule((*READ, "update", "delete", "patch"), ("",), ("nodes",)),
        rule(("patch", "update"), ("",), ("nodes/status", "pods/status")),
        rule((*READ, "delete"), ("",), ("pods",)),
        EVENTS,
    ],
    "pod-garbage-collector": [
        rule(("list", "watch", "delete"), ("",), ("pods",)),
        rule(READ, ("",), ("nodes",)),
        rule(("patch",), ("",), ("pods/status",)),
    ],
    "replicaset-controller": [
        rule((*READ, "update"), _APPS, ("replicasets",)),
        rule(("update",), _APPS, ("replicasets/status", "replicasets/finalizers")),
        rule(("list", "watch", "patch", "create", "delete"), ("",), ("pods",)),
        EVENTS,
    ],
    "replication-controller": [
        rule((*READ, "update"), ("",), ("replicationcontrollers",)),
        rule(("update",), ("",), (
            "replicationcontrollers/status", "replicationcontrollers/finalizers")),
        rule(("list", "watch", "patch", "create", "delete"), ("",), ("pods",)),
        EVENTS,
    ],
    "disruption-controller": [
        rule(("get", "list", "watch"), _APPS, ("deployments", "replicasets", "statefulsets")),
        rule(("get", "list", "watch"), ("",), ("replicationcontrollers",)),
        rule(("get", "list", "watch"), ("policy",), ("poddisruptionbudgets",)),
        rule(("update",), ("policy",), ("poddisruptionbudgets/status",)),
        rule(("get",), ("*",), ("*/scale",)),
        rule(("patch", "update"), ("",), ("pods/status",)),
        EVENTS,
    ],
    "root-ca-cert-publisher": [
        rule(("create", "update"), ("",), ("configmaps",)),
        EVENTS,
    ],
    "service-account-controller": [
        rule(("create",), ("",), ("serviceaccounts",)),
        EVENTS,
    ],
    "statefulset-controller": [
        rule(("list", "watch"), ("",), ("pods",)),
        rule(READ, ("apps",), ("statefulsets",)),
        rule(("update",), ("apps",), ("statefulsets/status", "statefulsets/finalizers")),
        rule(("get", "create", "delete", "update", "patch"), ("",), ("pods",)),
        rule(("get", "create", "delete", "update", "patch", "list", "watch"), ("apps",),
             ("controllerrevisions",)),
        rule(("get", "create", "list", "watch"), ("",), ("persistentvolumeclaims",)),
        rule(("update", "delete"), ("",), ("persistentvolumeclaims",)),
        rule(("update",), ("",), ("pods/finalizers",)),
        EVENTS,
    ],
    "ttl-after-finished-controller": [
        rule((*READ, "delete"), ("batch",), ("jobs",)),
        EVENTS,
    ],
}  # fmt: skip


def controller_bindings() -> list[tuple[str, list[tuple[str, str]]]]:
    """(name, subjects) for each controller role, like policy.CLUSTER_ROLE_BINDINGS."""
    return [
        (
            PREFIX + controller,
            [("ServiceAccount", f"kube-system/{controller}"), ("User", CONTROLLER_MANAGER_USER)],
        )
        for controller in CONTROLLER_ROLES
    ]
