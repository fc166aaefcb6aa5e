"""Does one RBAC PolicyRule cover one request? Pure functions over rule dicts.

The matching is Kubernetes' own, field by field:

- verbs: the request's verb, or "*";
- apiGroups: the request's group ("" is the core group), or "*";
- resources: "*", the exact resource, "resource/subresource" for a subresource, or
  "*/subresource" for that subresource of any resource. A rule for "pods" does not cover
  "pods/log": subresources are granted one by one;
- resourceNames: empty means every name; otherwise the request must name one of them
  (so a rule with names never covers a list or a create, which carry no name);
- nonResourceURLs: "*", the exact path, or a prefix ending in "*" ("/healthz/*").

A resource request is judged by the first four, a non-resource request by verbs and
nonResourceURLs only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyk8s.apiserver.authz.types import Attributes

ALL = "*"
Rule = dict[str, Any]


def verb_matches(rule: Rule, verb: str) -> bool:
    verbs = rule.get("verbs") or ()
    return ALL in verbs or verb in verbs


def group_matches(rule: Rule, group: str) -> bool:
    groups = rule.get("apiGroups") or ()
    return ALL in groups or group in groups


def resource_matches(rule: Rule, resource: str, subresource: str) -> bool:
    wanted = f"{resource}/{subresource}" if subresource else resource
    for granted in rule.get("resources") or ():
        if granted in (ALL, wanted):
            return True
        if subresource and granted == f"*/{subresource}":
            return True
    return False


def name_matches(rule: Rule, name: str) -> bool:
    names = rule.get("resourceNames") or ()
    return not names or name in names


def url_matches(rule: Rule, path: str) -> bool:
    for granted in rule.get("nonResourceURLs") or ():
        if granted in (ALL, path):
            return True
        if granted.endswith("*") and path.startswith(granted.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: Rule) -> bool:
    if not verb_matches(rule, attrs.verb):
        return False
    if not attrs.is_resource_request:
        return url_matches(rule, attrs.path)
    return (
        group_matches(rule, attrs.api_group)
        and resource_matches(rule, attrs.resource, attrs.subresource)
        and name_matches(rule, attrs.name)
    )


def rules_allow(attrs: Attributes, rules: Iterable[Rule]) -> bool:
    return any(rule_allows(attrs, rule) for rule in rules)


def rule(
    verbs: Iterable[str],
    groups: Iterable[str] = ("",),
    resources: Iterable[str] = (),
    names: Iterable[str] = (),
) -> Rule:
    """A resource rule, written compactly (the bootstrap policy has many)."""
    built: Rule = {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}
    if names:
        built["resourceNames"] = list(names)
    return built


def url_rule(verbs: Iterable[str], urls: Iterable[str]) -> Rule:
    """A non-resource rule."""
    return {"verbs": list(verbs), "nonResourceURLs": list(urls)}
