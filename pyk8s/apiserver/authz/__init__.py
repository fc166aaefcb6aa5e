"""Authorization: may this user do this? Asked once per request, after authentication.

    attrs = attributes_for(request_info, user, request.query)
    decision = await authorizer.authorize(attrs)
    if not decision.allowed:
        raise forbidden(attrs, decision.reason)

`build_authorizer("Node,RBAC", roles=RegistryRoleSource(registry),
graph=RegistryNodeGraph(registry))` makes the server's authorizer for
`--authorization-mode`; members of system:masters are always allowed. The pieces:

- types.py: Attributes, Decision, the Authorizer protocol;
- union.py: AlwaysAllow, AlwaysDeny, the privileged group, the union, the mode flag;
- rules.py: does a PolicyRule cover a request; rbac.py: the RBAC authorizer;
- node.py: the Node authorizer for kubelets;
- source.py / registry_source.py: where they read roles, bindings and pods;
- policy.py, policy_controllers.py, bootstrap.py: the default roles and bindings, written
  at start by `ensure_bootstrap_policy(registry)`;
- messages.py: the Forbidden error; reviews.py: SelfSubjectAccess/RulesReview answers.
"""

from pyk8s.apiserver.authz import strategy as _strategy  # noqa: F401  (registers on import)
from pyk8s.apiserver.authz.bootstrap import ensure_bootstrap_policy
from pyk8s.apiserver.authz.messages import forbidden, forbidden_message
from pyk8s.apiserver.authz.registry_source import RegistryNodeGraph, RegistryRoleSource
from pyk8s.apiserver.authz.reviews import register_review_handlers, review_handlers
from pyk8s.apiserver.authz.types import (
    Attributes,
    Authorizer,
    Decision,
    RuleSet,
    Verdict,
    attributes_for,
)
from pyk8s.apiserver.authz.union import (
    AlwaysAllow,
    AlwaysDeny,
    PrivilegedGroups,
    Union,
    build_authorizer,
    parse_modes,
)

__all__ = [
    "AlwaysAllow",
    "AlwaysDeny",
    "Attributes",
    "Authorizer",
    "Decision",
    "PrivilegedGroups",
    "RegistryNodeGraph",
    "RegistryRoleSource",
    "RuleSet",
    "Union",
    "Verdict",
    "attributes_for",
    "build_authorizer",
    "ensure_bootstrap_policy",
    "forbidden",
    "forbidden_message",
    "parse_modes",
    "register_review_handlers",
    "review_handlers",
]
