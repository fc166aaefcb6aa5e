"""The Node authorizer: a kubelet may touch only what its node needs.

A request is judged here only when it comes from a node identity — user
`system:node:<name>` in group `system:nodes` (the kubelet's client certificate); every other
user gets NO_OPINION and is left to RBAC. For a node it follows Kubernetes' Node
authorizer (with the AuthorizeNodeWithSelectors behaviour of v1.32):

- nodes: create/update/patch any Node and update/patch its status (the NodeRestriction
  admission plugin, not this, keeps a kubelet to its own); get/list/watch only its own
  Node, by name (a list needs `fieldSelector=metadata.name=<node>`).
- pods: get one bound to it; list/watch with `fieldSelector=spec.nodeName=<node>`;
  create/delete (mirror pods), update/patch status, create eviction.
- secrets, configmaps: get/list/watch, by name, one a pod bound to it uses (volumes,
  projected volumes, env, envFrom, image pull secrets for secrets);
- persistentvolumeclaims: get one its pods mount (or a generic ephemeral volume's claim),
  update/patch its status; persistentvolumes: get one bound to such a claim;
- serviceaccounts/token: create for a service account its pods run as;
- leases: get/create/update/patch/delete in kube-node-lease, its own (by name) only;
- anything else: the static rules of the `system:node` ClusterRole (services, events,
  endpoints, CSRs, tokenreviews, ...).

The relationship graph of Kubernetes (kept up to date by informers) is replaced by a direct
look at the pods bound to the node, read from the registry's watch cache at decision time;
volume attachments, resource claims and CSINodes are not covered. A refusal carries
Kubernetes' reasons, like "no relationship found between node 'n1' and this object".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyk8s.apiserver.authz.policy import NODE_RULES
from pyk8s.apiserver.authz.rules import Rule, rules_allow
from pyk8s.apiserver.authz.source import NodeGraph, Object
from pyk8s.apiserver.authz.types import Attributes, Decision

NODES_GROUP = "system:nodes"
NODE_USER_PREFIX = "system:node:"
NODE_LEASE_NAMESPACE = "kube-node-lease"


def node_name(user: Any) -> str | None:
    """The node a user is, or None when it is not a node ("" for a malformed node name)."""
    if NODES_GROUP not in user.groups or not user.name.startswith(NODE_USER_PREFIX):
        return None
    return user.name[len(NODE_USER_PREFIX) :]


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or ()


def pod_references(pod: Object) -> dict[str, set[str]]:
    """What a pod uses by name: {"secrets": {...}, "configmaps": ..., "persistentvolumeclaims":
    ..., "serviceaccounts": ...}, all in the pod's namespace."""
    spec = pod.get("spec") or {}
    refs: dict[str, set[str]] = {
        "secrets": set(),
        "configmaps": set(),
        "persistentvolumeclaims": set(),
        "serviceaccounts": {spec.get("serviceAccountName") or "default"},
    }
    refs["secrets"].update(s.get("name", "") for s in spec.get("imagePullSecrets") or ())
    for volume in spec.get("volumes") or ():
        _volume_references(volume, pod.get("metadata", {}).get("name", ""), refs)
    for container in _containers(spec):
        for source in container.get("envFrom") or ():
            refs["secrets"].add((source.get("secretRef") or {}).get("name", ""))
            refs["configmaps"].add((source.get("configMapRef") or {}).get("name", ""))
        for env in container.get("env") or ():
            value_from = env.get("valueFrom") or {}
            refs["secrets"].add((value_from.get("secretKeyRef") or {}).get("name", ""))
            refs["configmaps"].add((value_from.get("configMapKeyRef") or {}).get("name", ""))
    for names in refs.values():
        names.discard("")
    return refs


def _volume_references(volume: dict[str, Any], pod_name: str, refs: dict[str, set[str]]) -> None:
    refs["secrets"].add((volume.get("secret") or {}).get("secretName", ""))
    refs["configmaps"].add((volume.get("configMap") or {}).get("name", ""))
    claim = (volume.get("persistentVolumeClaim") or {}).get("claimName", "")
    if volume.get("ephemeral"):
        # A generic ephemeral volume's claim is named after the pod and the volume.
        claim = f"{pod_name}-{volume.get('name', '')}"
    refs["persistentvolumeclaims"].add(claim)
    for source in (volume.get("projected") or {}).get("sources") or ():
        refs["secrets"].add((source.get("secret") or {}).get("name", ""))
        refs["configmaps"].add((source.get("configMap") or {}).get("name", ""))


class NodeAuthorizer:
    def __init__(self, graph: NodeGraph, node_rules: list[Rule] | None = None) -> None:
        self.graph = graph
        self.node_rules = node_rules if node_rules is not None else NODE_RULES

    async def authorize(self, attrs: Attributes) -> Decision:
        node = node_name(attrs.user)
        if node is None:
            return Decision.no_opinion()
        if not node:
            return Decision.no_opinion(f'unknown node for user "{attrs.user.name}"')
        if attrs.is_resource_request:
            judge = _JUDGES.get((attrs.api_group, attrs.resource))
            if judge is not None:
                return await judge(self, node, attrs)
        return Decision.allow() if rules_allow(attrs, self.node_rules) else Decision.no_opinion()

    async def rules_for(self, user: Any, namespace: str) -> Any:
        from pyk8s.apiserver.authz.types import RuleSet

        if node_name(user) is None:
            return RuleSet()
        # What a node may do depends on its pods: it cannot be listed as plain rules.
        return RuleSet(
            incomplete=True, errors=["node authorizer does not support user rule resolution"]
        )

    # ---- per resource ---------------------------------------------------------------------

    async def _nodes(self, node: str, attrs: Attributes) -> Decision:
        verb, sub = attrs.verb, attrs.subresource
        if sub == "" and verb in ("create", "update", "patch"):
            return Decision.allow()
        if sub == "" and verb in ("get", "list", "watch"):
            if attrs.name == node:
                return Decision.allow()
            if not attrs.name:
                return Decision.no_opinion(
                    f"node '{node}' cannot read all nodes, only its own Node object"
                )
            return Decision.no_opinion(
                f"node '{node}' cannot read '{attrs.name}', only its own Node object"
            )
        if sub == "status" and verb in ("update", "patch"):
            return Decision.allow()
        return Decision.no_opinion()

    async def _pods(self, node: str, attrs: Attributes) -> Decision:
        verb, sub = attrs.verb, attrs.subresource
        if sub == "":
            if verb == "get":
                return await self._related(node, "pods", attrs)
            if verb in ("list", "watch"):
                if attrs.field_value("spec.nodeName") == node:
                    return Decision.allow()
                if attrs.name:
                    return await self._related(node, "pods", attrs)
                return Decision.no_opinion(
                    "can only list/watch pods with spec.nodeName field selector"
                )
            if verb in ("create", "delete"):
                return Decision.allow()  # mirror pods; NodeRestriction limits them
        if sub == "status" and verb in ("update", "patch"):
            return Decision.allow()
        if sub == "eviction" and verb == "create":
            return Decision.allow()
        return Decision.no_opinion()

    async def _read_namespaced(self, node: str, attrs: Attributes) -> Decision:
        if attrs.verb not in ("get", "list", "watch"):
            return Decision.no_opinion("can only read resources of this type")
        if attrs.subresource:
            return Decision.no_opinion("cannot read subresource")
        if not attrs.namespace:
            return Decision.no_opinion("can only read namespaced object of this type")
        return await self._related(node, attrs.resource, attrs)

    async def _claims(self, node: str, attrs: Attributes) -> Decision:
        if attrs.subresource == "status":
            if attrs.verb not in ("update", "patch"):
                return Decision.no_opinion("can only get/update/patch this type")
            return await self._related(node, attrs.resource, attrs)
        return await self._get_only(node, attrs)

    async def _get_only(self, node: str, attrs: Attributes) -> Decision:
        if attrs.verb != "get":
            return Decision.no_opinion("can only get individual resources of this type")
        if attrs.subresource:
            return Decision.no_opinion("cannot get subresource")
        return await self._related(node, attrs.resource, attrs)

    async def _service_account_tokens(self, node: str, attrs: Attributes) -> Decision:
        if attrs.verb != "create" or not attrs.name:
            return Decision.no_opinion("can only create tokens for individual service accounts")
        if attrs.subresource != "token":
            return Decision.no_opinion("can only create token subresource of serviceaccount")
        return await self._related(node, "serviceaccounts", attrs)

    async def _leases(self, node: str, attrs: Attributes) -> Decision:
        if attrs.verb not in ("get", "create", "update", "patch", "delete"):
            return Decision.no_opinion(
                "can only get, create, update, patch, or delete a node lease"
            )
        if attrs.namespace != NODE_LEASE_NAMESPACE:
            return Decision.no_opinion(
                f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace'
            )
        # A create carries no name here; admission checks the new lease's name.
        if attrs.verb != "create" and attrs.name != node:
            return Decision.no_opinion(
                "can only access node lease with the same name as the requesting node"
            )
        return Decision.allow()

    # ---- the relationship -----------------------------------------------------------------

    async def _related(self, node: str, resource: str, attrs: Attributes) -> Decision:
        if not attrs.name:
            return Decision.no_opinion("No Object name found")
        if await self._has_path(node, resource, attrs.namespace, attrs.name):
            return Decision.allow()
        return Decision.no_opinion(f"no relationship found between node '{node}' and this object")

    async def _has_path(self, node: str, resource: str, namespace: str, name: str) -> bool:
        pods = await self.graph.pods_on_node(node)
        if resource == "pods":
            return any(_identity(p) == (namespace, name) for p in pods)
        if resource == "persistentvolumes":
            return await self._volume_of_claims(pods, name)
        for pod in pods:
            if _identity(pod)[0] == namespace and name in pod_references(pod).get(resource, ()):
                return True
        return False

    async def _volume_of_claims(self, pods: list[Object], volume: str) -> bool:
        for pod in pods:
            namespace = _identity(pod)[0]
            for claim_name in pod_references(pod)["persistentvolumeclaims"]:
                claim = await self.graph.get("", "persistentvolumeclaims", namespace, claim_name)
                if claim and (claim.get("spec") or {}).get("volumeName") == volume:
                    return True
        return False


def _identity(obj: Object) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


_JUDGES = {
    ("", "nodes"): NodeAuthorizer._nodes,
    ("", "pods"): NodeAuthorizer._pods,
    ("", "secrets"): NodeAuthorizer._read_namespaced,
    ("", "configmaps"): NodeAuthorizer._read_namespaced,
    ("", "persistentvolumeclaims"): NodeAuthorizer._claims,
    ("", "persistentvolumes"): NodeAuthorizer._get_only,
    ("", "serviceaccounts"): NodeAuthorizer._service_account_tokens,
    ("coordination.k8s.io", "leases"): NodeAuthorizer._leases,
}
