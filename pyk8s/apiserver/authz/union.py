"""The simple authorizers, the union that chains them, and `build_authorizer` for the
`--authorization-mode` flag.

The union asks each authorizer in order: the first ALLOW or DENY is the answer; NO_OPINION
passes the question on; when nobody decides, the request is refused with every reason
given along the way (joined by newlines, as Kubernetes joins them).

Whatever the modes, the union starts with the privileged-group authorizer: members of
`system:masters` may do anything. It is what makes the admin certificate
(O=system:masters) work on a cluster with no RBAC objects yet, and it cannot be revoked by
deleting a binding — as in kube-apiserver.

Rule resolution (`rules_for`) answers "what may this user do in this namespace?" for
SelfSubjectRulesReview; each authorizer contributes what it can enumerate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.authz.rules import ALL, Rule
from pyk8s.apiserver.authz.types import Attributes, Authorizer, Decision, RuleSet, Verdict

if TYPE_CHECKING:
    from pyk8s.apiserver.authz.source import NodeGraph, RoleSource

PRIVILEGED_GROUP = "system:masters"
MODES = ("AlwaysAllow", "AlwaysDeny", "Node", "RBAC")
EVERYTHING: tuple[Rule, ...] = (
    {"verbs": [ALL], "apiGroups": [ALL], "resources": [ALL]},
    {"verbs": [ALL], "nonResourceURLs": [ALL]},
)


class AlwaysAllow:
    async def authorize(self, attrs: Attributes) -> Decision:
        return Decision.allow()

    async def rules_for(self, user: UserInfo, namespace: str) -> RuleSet:
        return RuleSet(list(EVERYTHING))


class AlwaysDeny:
    # NO_OPINION rather than DENY, as in Kubernetes: a later mode may still allow.
    async def authorize(self, attrs: Attributes) -> Decision:
        return Decision.no_opinion("Everything is forbidden.")

    async def rules_for(self, user: UserInfo, namespace: str) -> RuleSet:
        return RuleSet()


class PrivilegedGroups:
    def __init__(self, groups: Sequence[str] = (PRIVILEGED_GROUP,)) -> None:
        self.groups = frozenset(groups)

    def _privileged(self, user: UserInfo) -> bool:
        return not self.groups.isdisjoint(user.groups)

    async def authorize(self, attrs: Attributes) -> Decision:
        return Decision.allow() if self._privileged(attrs.user) else Decision.no_opinion()

    async def rules_for(self, user: UserInfo, namespace: str) -> RuleSet:
        return RuleSet(list(EVERYTHING) if self._privileged(user) else [])


class Union:
    def __init__(self, authorizers: Sequence[Authorizer]) -> None:
        self.authorizers = list(authorizers)

    async def authorize(self, attrs: Attributes) -> Decision:
        reasons = []
        for authorizer in self.authorizers:
            decision = await authorizer.authorize(attrs)
            if decision.verdict is not Verdict.NO_OPINION:
                return decision
            if decision.reason:
                reasons.append(decision.reason)
        return Decision.no_opinion("\n".join(reasons))

    async def rules_for(self, user: UserInfo, namespace: str) -> RuleSet:
        combined = RuleSet()
        for authorizer in self.authorizers:
            resolve = getattr(authorizer, "rules_for", None)
            if resolve is not None:
                combined.extend(await resolve(user, namespace))
        return combined


def parse_modes(text: str) -> list[str]:
    """`--authorization-mode` ("Node,RBAC") as a list; refuses unknown or repeated modes
    with kube-apiserver's wording."""
    modes = [m.strip() for m in text.split(",") if m.strip()]
    if not modes:
        raise ValueError("at least one authorization-mode must be passed")
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"authorization-mode {mode!r} is not a valid mode")
    if len(set(modes)) != len(modes):
        raise ValueError(f"authorization-mode {text!r} has mode specified more than once")
    return modes


def build_authorizer(
    modes: str | Sequence[str],
    roles: RoleSource | None = None,
    graph: NodeGraph | None = None,
) -> Union:
    """The server's authorizer for these modes. RBAC needs a RoleSource (`roles`), Node a
    NodeGraph (`graph`) — see registry_source.py for the ones backed by the registry."""
    from pyk8s.apiserver.authz.node import NodeAuthorizer
    from pyk8s.apiserver.authz.rbac import RBACAuthorizer

    names = parse_modes(modes) if isinstance(modes, str) else list(modes)
    chain: list[Authorizer] = [PrivilegedGroups()]
    for mode in names:
        if mode == "AlwaysAllow":
            chain.append(AlwaysAllow())
        elif mode == "AlwaysDeny":
            chain.append(AlwaysDeny())
        elif mode == "RBAC":
            if roles is None:
                raise ValueError("authorization mode RBAC needs a role source")
            chain.append(RBACAuthorizer(roles))
        elif mode == "Node":
            if graph is None:
                raise ValueError("authorization mode Node needs a node graph")
            chain.append(NodeAuthorizer(graph))
        else:
            raise ValueError(f"authorization-mode {mode!r} is not a valid mode")
    return Union(chain)
