"""Write the bootstrap RBAC policy at API server start, the way kube-apiserver reconciles it.

`ensure_bootstrap_policy(registry)` runs at every start:

- a missing default ClusterRole or ClusterRoleBinding is created, labelled
  `kubernetes.io/bootstrapping=rbac-defaults` and annotated
  `rbac.authorization.kubernetes.io/autoupdate=true`;
- an existing one whose autoupdate annotation is not "false" gets back what the defaults
  say and it lacks (rules, subjects, labels, annotations, aggregation selectors) — it is
  never narrowed, so an administrator's additions survive restarts;
- one annotated autoupdate=false is left alone: that is how an administrator opts out.

Aggregated roles (admin, edit, view) are written with the union of the default roles they
gather, as Kubernetes' aggregation controller would; the RBAC authorizer does not trust that
copy but recomputes it at decision time (rbac.py), so later aggregate-to-* roles count at once.
"""

from __future__ import annotations

import logging
from typing import Any

from pyk8s.api.errors import AlreadyExists, Conflict
from pyk8s.apiserver.authz.policy import CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, subject
from pyk8s.apiserver.authz.policy_controllers import CONTROLLER_ROLES, PREFIX, controller_bindings
from pyk8s.apiserver.authz.rbac import aggregate
from pyk8s.apiserver.registry.options import WriteOptions

logger = logging.getLogger("pyk8s.apiserver.authz")

GROUP = "rbac.authorization.k8s.io"
API_VERSION = GROUP + "/v1"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
MANAGER = "kube-apiserver"


def _metadata(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "labels": {**BOOTSTRAP_LABELS, **labels},
        "annotations": {AUTOUPDATE: "true"},
    }


def default_cluster_roles() -> list[dict[str, Any]]:
    roles = []
    for name, rules, labels, gathers in CLUSTER_ROLES:
        role: dict[str, Any] = {
            "apiVersion": API_VERSION,
            "kind": "ClusterRole",
            "metadata": _metadata(name, labels),
            "rules": list(rules),
        }
        if gathers is not None:
            role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": gathers}]}
        roles.append(role)
    for controller, rules in CONTROLLER_ROLES.items():
        roles.append({
            "apiVersion": API_VERSION,
            "kind": "ClusterRole",
            "metadata": _metadata(PREFIX + controller, {}),
            "rules": list(rules),
        })  # fmt: skip
    for role in roles:
        if "aggregationRule" in role:
            role["rules"] = aggregate(role, roles)
    return roles


def default_cluster_role_bindings() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "ClusterRoleBinding",
            "metadata": _metadata(name, {}),
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": name},
            "subjects": [subject(kind, who) for kind, who in subjects],
        }
        for name, subjects in [*CLUSTER_ROLE_BINDINGS, *controller_bindings()]
    ]


def _union(current: list[Any], wanted: list[Any]) -> list[Any]:
    return current + [item for item in wanted if item not in current]


def reconciled(existing: dict[str, Any], default: dict[str, Any]) -> dict[str, Any] | None:
    """`existing` with what `default` adds, or None when nothing is missing (or the object
    opted out of updates)."""
    meta = existing.get("metadata") or {}
    if (meta.get("annotations") or {}).get(AUTOUPDATE) == "false":
        return None
    updated = dict(existing)
    updated["metadata"] = {
        **meta,
        "labels": {**(meta.get("labels") or {}), **default["metadata"]["labels"]},
        "annotations": {**(meta.get("annotations") or {}), **default["metadata"]["annotations"]},
    }
    for key in ("rules", "subjects"):
        if key in default:
            updated[key] = _union(list(existing.get(key) or []), default[key])
    if "aggregationRule" in default:
        selectors = (existing.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
        wanted = default["aggregationRule"]["clusterRoleSelectors"]
        updated["aggregationRule"] = {"clusterRoleSelectors": _union(list(selectors), wanted)}
    return None if updated == existing else updated


async def _ensure(registry: Any, plural: str, default: dict[str, Any]) -> None:
    store = registry.find(GROUP, plural)
    name = default["metadata"]["name"]
    options = WriteOptions(field_manager=MANAGER)
    existing = await registry.lookup(plural, GROUP, "", name)
    if existing is None:
        try:
            await store.create("", default, options)
            return
        except AlreadyExists:  # another API server got there first
            existing = await store.get("", name)
    update = reconciled(existing, default)
    if update is not None:
        try:
            await store.update("", name, update, options)
        except Conflict:  # changed meanwhile; the next start reconciles again
            logger.info("%s %s changed while reconciling; left as is", plural, name)


async def ensure_bootstrap_policy(registry: Any) -> None:
    """Create or complete the default ClusterRoles and ClusterRoleBindings."""
    if registry.find(GROUP, "clusterroles") is None:
        logger.warning("RBAC kinds are not registered; no bootstrap policy written")
        return
    for role in default_cluster_roles():
        await _ensure(registry, "clusterroles", role)
    for binding in default_cluster_role_bindings():
        await _ensure(registry, "clusterrolebindings", binding)
