"""What every authorizer speaks: the request's attributes in, a decision out.

An `Attributes` is built once per request from the parsed `RequestInfo` and the
authenticated `UserInfo`; every authorizer (RBAC, Node, the always-allow/deny ones and their
union) looks only at it, never at the HTTP request, so one question can be asked the same way
for a real request and for a SubjectAccessReview.

A `Decision` has three outcomes, as in Kubernetes: ALLOW, DENY (stop asking: refuse) and
NO_OPINION (this authorizer does not know; ask the next one). A request that nobody allows
is refused; the reasons given along the way end up in the Forbidden message.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyk8s.apiserver.authn import UserInfo
from pyk8s.apiserver.requestinfo import RequestInfo


@dataclass(frozen=True, slots=True)
class Attributes:
    user: UserInfo
    verb: str
    is_resource_request: bool
    # Resource requests: which object (or collection) is asked for.
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    # Non-resource requests: the URL path, like /healthz or /apis.
    path: str = ""
    # A list or watch limited by field selector, as (field, value) pairs that must be equal;
    # the Node authorizer lets a kubelet list only its own pods this way.
    field_equals: tuple[tuple[str, str], ...] = ()

    def field_value(self, field: str) -> str | None:
        for name, value in self.field_equals:
            if name == field:
                return value
        return None


class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    @classmethod
    def allow(cls, reason: str = "") -> Decision:
        return cls(Verdict.ALLOW, reason)

    @classmethod
    def deny(cls, reason: str = "") -> Decision:
        return cls(Verdict.DENY, reason)

    @classmethod
    def no_opinion(cls, reason: str = "") -> Decision:
        return cls(Verdict.NO_OPINION, reason)


@dataclass
class RuleSet:
    """What one user may do in one namespace, as far as the authorizers could tell."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    incomplete: bool = False
    errors: list[str] = field(default_factory=list)

    def extend(self, other: RuleSet) -> None:
        for rule in other.rules:
            if rule not in self.rules:
                self.rules.append(rule)
        self.incomplete = self.incomplete or other.incomplete
        self.errors.extend(other.errors)


class Authorizer(Protocol):
    async def authorize(self, attrs: Attributes) -> Decision: ...


def parse_field_equals(selector: str) -> tuple[tuple[str, str], ...]:
    """The `field=value` (or `field==value`) terms of a field selector; others are ignored,
    since only an equality can narrow what a request may see."""
    terms = []
    for term in selector.split(","):
        if "!=" in term or "=" not in term:
            continue
        field, _, value = term.partition("==") if "==" in term else term.partition("=")
        terms.append((field.strip(), value.strip()))
    return tuple(terms)


def attributes_for(
    info: RequestInfo, user: UserInfo, query: Mapping[str, str] | None = None
) -> Attributes:
    """The attributes of one API request.

    As kube-apiserver does, a list or watch whose field selector pins `metadata.name` is
    treated as a request for that one object, so a role limited by resourceNames (or a
    kubelet reading one secret) may watch it.
    """
    if not info.is_resource_request:
        return Attributes(user=user, verb=info.verb, is_resource_request=False, path=info.path)
    field_equals = parse_field_equals((query or {}).get("fieldSelector", ""))
    name = info.name
    if not name and info.verb in ("list", "watch"):
        name = dict(field_equals).get("metadata.name", "")
    return Attributes(
        user=user,
        verb=info.verb,
        is_resource_request=True,
        api_group=info.group,
        api_version=info.version,
        resource=info.resource,
        subresource=info.subresource,
        namespace=info.namespace,
        name=name,
        path=info.path,
        field_equals=field_equals,
    )
