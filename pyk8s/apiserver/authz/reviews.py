"""SelfSubjectAccessReview and SelfSubjectRulesReview, answered by the server's authorizer.

- An access review ("may I list pods in default?", `kubectl auth can-i list pods`) builds
  the same `Attributes` a real request would and asks the same authorizer, so the answer is
  exactly what the request would get: allowed, denied (an authorizer said DENY) and the reason.
- A rules review ("what may I do in default?", `kubectl auth can-i --list`) gathers the
  rules every authorizer can enumerate for the caller in that namespace; `incomplete` is
  true when one cannot (the Node authorizer for a kubelet, a binding to a missing role).

`review_handlers(authorizer)` returns the two handlers, with the signature of those in
pyk8s/apiserver/strategies/computed.py, for the server to register in their place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pyk8s.api.errors import BadRequest
from pyk8s.apiserver.authn import ANONYMOUS, USER_KEY, UserInfo
from pyk8s.apiserver.authz.types import Attributes, Authorizer, RuleSet, Verdict

Handler = Callable[[Any], Awaitable[web.StreamResponse]]


def review_attributes(user: UserInfo, spec: dict[str, Any]) -> Attributes:
    """The attributes an access review's spec asks about; BadRequest unless exactly one of
    resourceAttributes and nonResourceAttributes is given."""
    resource = spec.get("resourceAttributes")
    non_resource = spec.get("nonResourceAttributes")
    if bool(resource) == bool(non_resource):
        raise BadRequest(
            "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        )
    if non_resource:
        return Attributes(
            user=user,
            verb=non_resource.get("verb", ""),
            is_resource_request=False,
            path=non_resource.get("path", ""),
        )
    return Attributes(
        user=user,
        verb=resource.get("verb", ""),
        is_resource_request=True,
        api_group=resource.get("group", ""),
        api_version=resource.get("version", ""),
        resource=resource.get("resource", ""),
        subresource=resource.get("subresource", ""),
        namespace=resource.get("namespace", ""),
        name=resource.get("name", ""),
    )


async def access_review_status(
    authorizer: Authorizer, user: UserInfo, spec: dict[str, Any]
) -> dict[str, Any]:
    decision = await authorizer.authorize(review_attributes(user, spec))
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.verdict is Verdict.DENY:
        status["denied"] = True
    if decision.reason:
        status["reason"] = decision.reason
    return status


def rules_review_status(rule_set: RuleSet) -> dict[str, Any]:
    resource_rules, url_rules = [], []
    for rule in rule_set.rules:
        if rule.get("nonResourceURLs"):
            url_rules.append(
                {"verbs": list(rule["verbs"]), "nonResourceURLs": list(rule["nonResourceURLs"])}
            )
            continue
        shown = {key: list(rule.get(key) or []) for key in ("verbs", "apiGroups", "resources")}
        if rule.get("resourceNames"):
            shown["resourceNames"] = list(rule["resourceNames"])
        resource_rules.append(shown)
    status: dict[str, Any] = {
        "resourceRules": resource_rules,
        "nonResourceRules": url_rules,
        "incomplete": rule_set.incomplete,
    }
    if rule_set.errors:
        status["evaluationError"] = ", ".join(rule_set.errors)
    return status


def _caller(request: web.Request) -> UserInfo:
    user = request.get(USER_KEY)
    return user if isinstance(user, UserInfo) else ANONYMOUS


def review_handlers(authorizer: Any) -> dict[str, Handler]:
    """{"selfsubjectaccessreviews": handler, "selfsubjectrulesreviews": handler}."""
    from pyk8s.apiserver.handlers.common import json_response
    from pyk8s.apiserver.strategies.computed import _review_body

    async def access_review(scope: Any) -> web.StreamResponse:
        review = await _review_body(scope)
        spec = review.get("spec") or {}
        review["status"] = await access_review_status(authorizer, _caller(scope.request), spec)
        return json_response(review, 201)

    async def rules_review(scope: Any) -> web.StreamResponse:
        review = await _review_body(scope)
        namespace = (review.get("spec") or {}).get("namespace", "")
        rule_set = await authorizer.rules_for(_caller(scope.request), namespace)
        review["status"] = rules_review_status(rule_set)
        return json_response(review, 201)

    return {"selfsubjectaccessreviews": access_review, "selfsubjectrulesreviews": rules_review}


def register_review_handlers(authorizer: Any) -> None:
    """Answer the two self reviews with `authorizer` from now on (replacing the
    allow-everything answers of computed.py)."""
    from pyk8s.apiserver.handlers import register_subresource

    for plural, handler in review_handlers(authorizer).items():
        register_subresource("authorization.k8s.io", plural, "", handler)
