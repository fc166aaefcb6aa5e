"""The Forbidden error a refused request gets, worded exactly as kube-apiserver words it:

    pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
    namespace "default"
    nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at
    the cluster scope
    forbidden: User "system:anonymous" cannot get path "/metrics"

followed by ": <reason>" when an authorizer gave one. The Status details name the group,
the resource (as `kind`, which is how Kubernetes fills it) and the object.
"""

from __future__ import annotations

from pyk8s.api.errors import Forbidden
from pyk8s.apiserver.authz.types import Attributes


def forbidden_message(attrs: Attributes) -> str:
    """Who cannot do what: the sentence after "is forbidden: "."""
    user = attrs.user.name
    if not attrs.is_resource_request:
        return f'User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    resource = attrs.resource
    if attrs.subresource:
        resource = f"{resource}/{attrs.subresource}"
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return (
        f'User "{user}" cannot {attrs.verb} resource "{resource}" '
        f'in API group "{attrs.api_group}" {where}'
    )


def forbidden(attrs: Attributes, reason: str = "") -> Forbidden:
    detail = forbidden_message(attrs)
    if reason:
        detail = f"{detail}: {reason}"
    if not attrs.is_resource_request:
        return Forbidden(f"forbidden: {detail}")
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    details = {"kind": attrs.resource}
    if attrs.api_group:
        details["group"] = attrs.api_group
    if attrs.name:
        details["name"] = attrs.name
        return Forbidden(f'{qualified} "{attrs.name}" is forbidden: {detail}', details=details)
    return Forbidden(f"{qualified} is forbidden: {detail}", details=details)
