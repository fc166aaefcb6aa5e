"""authorization.k8s.io/v1: "may this subject do that?" questions, answered by the authorizer.

None of these is stored: the API server evaluates each POST and returns it with a status.
- SelfSubjectAccessReview: may I do this? (`kubectl auth can-i verb resource`);
- SelfSubjectRulesReview: what may I do in this namespace? (`kubectl auth can-i --list`);
- SubjectAccessReview / LocalSubjectAccessReview: may this other user do this (anywhere /
  in this namespace)? Asking them needs the right to create them.

kubectl sends these bodies as protobuf, so the field numbers matter.
"""

from typing import Any

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.kinds import meta  # noqa: F401  (defined first: FieldSelectorRequirement below)
from pyk8s.api.kinds.apps_rules import child
from pyk8s.api.resource import Resource, register
from pyk8s.api.schema import BOOL, STRING, STRUCTS, F, ListOf, MapOf, define, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
AUTHZ = "io.k8s.api.authorization.v1."


def _strings(name: str, number: int, doc: str) -> Any:
    return F(name, number, ListOf(STRING), doc, list_type="atomic")


if META + "FieldSelectorRequirement" not in STRUCTS:
    # A meta/v1 type that only field-limited authorization uses so far.
    define(
        META + "FieldSelectorRequirement",
        "One condition on a field's value.",
        F("key", 1, STRING, "The field, like spec.nodeName.", required=True),
        F("operator", 2, STRING, "In, NotIn, Exists or DoesNotExist.", required=True),
        _strings("values", 3, "Values for In and NotIn; empty for the others."),
    )

define(
    AUTHZ + "FieldSelectorAttributes",
    "Limits a reviewed request to objects with some field values.",
    F("rawSelector", 1, STRING, 'The selector as a query string, like "spec.nodeName=n1".'),
    F(
        "requirements",
        2,
        ListOf(META + "FieldSelectorRequirement"),
        "The selector, parsed.",
        list_type="atomic",
    ),
)
define(
    AUTHZ + "LabelSelectorAttributes",
    "Limits a reviewed request to objects with some labels.",
    F("rawSelector", 1, STRING, 'The selector as a query string, like "app=web".'),
    F(
        "requirements",
        2,
        ListOf(META + "LabelSelectorRequirement"),
        "The selector, parsed.",
        list_type="atomic",
    ),
)
define(
    AUTHZ + "ResourceAttributes",
    "The request being asked about, when it targets a resource.",
    F("namespace", 1, STRING, "The namespace; empty means all namespaces or cluster scope."),
    F("verb", 2, STRING, 'The verb, like get, list or create; "*" is all.'),
    F("group", 3, STRING, 'The API group; "*" is all.'),
    F("version", 4, STRING, 'The API version; "*" is all.'),
    F("resource", 5, STRING, 'The resource, like pods; "*" is all.'),
    F("subresource", 6, STRING, "The subresource, like log; empty for none."),
    F("name", 7, STRING, "The object's name; empty means all."),
    F(
        "fieldSelector",
        8,
        AUTHZ + "FieldSelectorAttributes",
        "A field selector the request is limited by.",
        pointer=True,
    ),
    F(
        "labelSelector",
        9,
        AUTHZ + "LabelSelectorAttributes",
        "A label selector the request is limited by.",
        pointer=True,
    ),
)
define(
    AUTHZ + "NonResourceAttributes",
    "The request being asked about, when it targets a plain URL path.",
    F("path", 1, STRING, "The URL path, like /healthz."),
    F("verb", 2, STRING, "The HTTP verb in lower case, like get."),
)


def _attributes() -> tuple[Any, Any]:
    return (
        F(
            "resourceAttributes",
            1,
            AUTHZ + "ResourceAttributes",
            "The resource request to check.",
            pointer=True,
        ),
        F(
            "nonResourceAttributes",
            2,
            AUTHZ + "NonResourceAttributes",
            "The URL request to check.",
            pointer=True,
        ),
    )


define(
    AUTHZ + "SubjectAccessReviewSpec",
    "A request and the user it is checked for; exactly one kind of attributes is set.",
    *_attributes(),
    F("user", 3, STRING, "The user to check for."),
    _strings("groups", 4, "The groups to check for."),
    # In protobuf each value is an ExtraValue message whose field 1 repeats the strings.
    F(
        "extra",
        5,
        MapOf(ListOf(STRING)),
        "Further user attributes, as an authenticator gives them.",
    ),
    F("uid", 6, STRING, "The user's UID."),
)
define(
    AUTHZ + "SelfSubjectAccessReviewSpec",
    "A request checked for the caller; exactly one kind of attributes is set.",
    *_attributes(),
)
define(
    AUTHZ + "SubjectAccessReviewStatus",
    "The authorizer's answer.",
    F("allowed", 1, BOOL, "True when the request would be allowed."),
    F("denied", 4, BOOL, "True when an authorizer explicitly denies it."),
    F("reason", 2, STRING, "Why it was allowed or denied."),
    F("evaluationError", 3, STRING, "A problem met while deciding, if any."),
)
define(
    AUTHZ + "SelfSubjectRulesReviewSpec",
    "Which namespace to list the caller's permissions in.",
    F("namespace", 1, STRING, "The namespace to evaluate."),
)
define(
    AUTHZ + "ResourceRule",
    "Verbs the subject may use on some resources.",
    _strings("verbs", 1, 'Allowed verbs; "*" is all.'),
    _strings("apiGroups", 2, 'API groups of the resources; "*" is all.'),
    _strings("resources", 3, 'Resources; "*" is all, "*/log" a subresource of all.'),
    _strings("resourceNames", 4, "Only these object names (all when empty)."),
)
define(
    AUTHZ + "NonResourceRule",
    "Verbs the subject may use on some URL paths.",
    _strings("verbs", 1, 'Allowed HTTP verbs in lower case; "*" is all.'),
    _strings("nonResourceURLs", 2, 'URL paths; a final "*" matches any suffix.'),
)
define(
    AUTHZ + "SubjectRulesReviewStatus",
    "What the subject may do; possibly incomplete.",
    F(
        "resourceRules",
        1,
        ListOf(AUTHZ + "ResourceRule"),
        "Allowed resource actions.",
        list_type="atomic",
    ),
    F(
        "nonResourceRules",
        2,
        ListOf(AUTHZ + "NonResourceRule"),
        "Allowed URL actions.",
        list_type="atomic",
    ),
    F("incomplete", 3, BOOL, "True when some authorizer could not list its rules."),
    F("evaluationError", 4, STRING, "A problem met while listing, if any."),
)

# (kind, spec struct, status struct, namespaced)
_REVIEWS = (
    ("SelfSubjectAccessReview", "SelfSubjectAccessReviewSpec", "SubjectAccessReviewStatus", False),
    ("SelfSubjectRulesReview", "SelfSubjectRulesReviewSpec", "SubjectRulesReviewStatus", False),
    ("SubjectAccessReview", "SubjectAccessReviewSpec", "SubjectAccessReviewStatus", False),
    ("LocalSubjectAccessReview", "SubjectAccessReviewSpec", "SubjectAccessReviewStatus", True),
)
for _kind, _spec, _status, _namespaced in _REVIEWS:
    define(
        AUTHZ + _kind,
        f"An authorization question ({_kind}), answered in its status.",
        F("apiVersion", 0, STRING, "The versioned schema of this object."),
        F("kind", 0, STRING, "The type of this object, in CamelCase."),
        F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
        F("spec", 2, AUTHZ + _spec, "The question.", required=True),
        F("status", 3, AUTHZ + _status, "The answer, filled in by the server."),
    )
    register(
        Resource(
            group="authorization.k8s.io",
            version="v1",
            kind=_kind,
            plural=_kind.lower() + "s",
            singular=_kind.lower(),
            namespaced=_namespaced,
            schema=AUTHZ + _kind,
            verbs=("create",),
            stored=False,
        )
    )


def _one_kind_of_attributes(spec: dict[str, Any], path: str) -> list[Cause]:
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and non_resource is not None:
        detail = "cannot be specified in combination with resourceAttributes"
        return [validation.invalid(child(path, "nonResourceAttributes"), non_resource, detail)]
    if resource is None and non_resource is None:
        detail = "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        return [validation.invalid(child(path, "resourceAttributes"), None, detail)]
    return []


@validator(AUTHZ + "SelfSubjectAccessReviewSpec")
def validate_self_access_review(spec: dict[str, Any], path: str) -> list[Cause]:
    return _one_kind_of_attributes(spec, path)


@validator(AUTHZ + "SubjectAccessReviewSpec")
def validate_access_review(spec: dict[str, Any], path: str) -> list[Cause]:
    causes = _one_kind_of_attributes(spec, path)
    if not spec.get("user") and not spec.get("groups"):
        detail = "at least one of user or group must be specified"
        causes.append(validation.invalid(child(path, "user"), spec.get("user", ""), detail))
    return causes
