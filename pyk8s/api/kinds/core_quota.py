"""core/v1 LimitRange and ResourceQuota: per-namespace bounds on what pods and claims may use.

A LimitRange bounds (and defaults) each container's, pod's or claim's resources; a
ResourceQuota caps the namespace's total. Admission plugins enforce both; here are their
schemas, SetDefaults_LimitRangeItem, and the validation of ValidateLimitRange and
ValidateResourceQuota (pkg/apis/core, v1.32) that users meet.
"""

from pyk8s.api import validation
from pyk8s.api.errors import Cause
from pyk8s.api.quantity import Quantity, QuantityError
from pyk8s.api.resource import Resource, Subresource, register
from pyk8s.api.schema import QUANTITY, STRING, F, ListOf, MapOf, defaulter, define, validator

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

QUOTA_SCOPES = (
    "BestEffort",
    "CrossNamespacePodAffinity",
    "NotBestEffort",
    "NotTerminating",
    "PriorityClass",
    "Terminating",
)

define(
    CORE + "LimitRangeItem",
    "Bounds and defaults for one kind of consumer: Container, Pod or PersistentVolumeClaim.",
    F("type", 1, STRING, "The consumer the bounds apply to.", required=True),
    F("max", 2, MapOf(QUANTITY), "The most of each resource one consumer may use."),
    F("min", 3, MapOf(QUANTITY), "The least of each resource one consumer must ask for."),
    F("default", 4, MapOf(QUANTITY), "Limits given to containers that set none."),
    F("defaultRequest", 5, MapOf(QUANTITY), "Requests given to containers that set none."),
    F(
        "maxLimitRequestRatio",
        6,
        MapOf(QUANTITY),
        "The largest allowed limit-to-request ratio of each resource.",
    ),
)

define(
    CORE + "LimitRangeSpec",
    "The bounds a LimitRange enforces.",
    F(
        "limits",
        1,
        ListOf(CORE + "LimitRangeItem"),
        "The bounds, one entry per consumer type.",
        required=True,
        list_type="atomic",
    ),
)

define(
    CORE + "LimitRange",
    "Bounds and defaults for the resources of each container, pod or claim in a namespace.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "LimitRangeSpec", "The bounds enforced."),
)

define(
    CORE + "ScopedResourceSelectorRequirement",
    "One test on the scope of an object counted by a quota.",
    F("scopeName", 1, STRING, "The scope tested.", required=True, enum=QUOTA_SCOPES),
    F(
        "operator",
        2,
        STRING,
        "In, NotIn, Exists or DoesNotExist.",
        required=True,
        enum=("DoesNotExist", "Exists", "In", "NotIn"),
    ),
    F("values", 3, ListOf(STRING), "Values for In and NotIn.", list_type="atomic"),
)

define(
    CORE + "ScopeSelector",
    "Scope tests that must all hold for an object to count against a quota.",
    F(
        "matchExpressions",
        1,
        ListOf(CORE + "ScopedResourceSelectorRequirement"),
        "The tests.",
        list_type="atomic",
    ),
)

define(
    CORE + "ResourceQuotaSpec",
    "The totals a quota allows and which objects it counts.",
    F("hard", 1, MapOf(QUANTITY), "The most of each resource the namespace may use."),
    F("scopes", 2, ListOf(STRING), "Count only objects in all these scopes.", list_type="atomic"),
    F(
        "scopeSelector",
        3,
        CORE + "ScopeSelector",
        "Count only objects passing these scope tests.",
        pointer=True,
    ),
)

define(
    CORE + "ResourceQuotaStatus",
    "What a quota enforces and what is used.",
    F("hard", 1, MapOf(QUANTITY), "The limits being enforced."),
    F("used", 2, MapOf(QUANTITY), "What the namespace uses now."),
)

define(
    CORE + "ResourceQuota",
    "Caps on the total resources and object counts of a namespace.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "ResourceQuotaSpec", "The caps wanted."),
    F("status", 3, CORE + "ResourceQuotaStatus", "The caps enforced and the current use."),
)

register(
    Resource(
        group="",
        version="v1",
        kind="LimitRange",
        plural="limitranges",
        singular="limitrange",
        namespaced=True,
        schema=CORE + "LimitRange",
        short_names=("limits",),
    )
)

register(
    Resource(
        group="",
        version="v1",
        kind="ResourceQuota",
        plural="resourcequotas",
        singular="resourcequota",
        namespaced=True,
        schema=CORE + "ResourceQuota",
        short_names=("quota",),
        subresources=(Subresource("status", "ResourceQuota", ("get", "patch", "update")),),
    )
)


@defaulter(CORE + "LimitRangeItem")
def default_container_limits(item: dict) -> None:
    """For containers: default limit from max, default request from the limit, then from min."""
    if item.get("type") != "Container":
        return
    default = dict(item.get("default") or {})
    request = dict(item.get("defaultRequest") or {})
    for source, target in (("max", default), ("default", request), ("min", request)):
        values = default if source == "default" else item.get(source) or {}
        for resource, value in values.items():
            target.setdefault(resource, value)
    if default:
        item["default"] = default
    if request:
        item["defaultRequest"] = request


def _quantity(value: object) -> Quantity | None:
    try:
        return Quantity.parse(value)  # type: ignore[arg-type]
    except (QuantityError, ValueError, TypeError):
        return None


@validator(CORE + "LimitRangeSpec")
def validate_limit_range_spec(spec: dict, path: str) -> list[Cause]:
    causes = []
    seen: set[str] = set()
    for index, item in enumerate(spec.get("limits") or []):
        where = f"{validation.child(path, 'limits')}[{index}]"
        kind = item.get("type", "")
        if kind in seen:
            causes.append(validation.duplicate(f"{where}.type", kind))
        seen.add(kind)
        if kind == "Pod":
            for name in ("default", "defaultRequest"):
                if item.get(name):
                    detail = "may not be specified when `type` is 'Pod'"
                    causes.append(validation.forbidden(f"{where}.{name}", detail))
        for resource, low in (item.get("min") or {}).items():
            high = (item.get("max") or {}).get(resource)
            low_q, high_q = _quantity(low), _quantity(high)
            if low_q is not None and high_q is not None and high_q < low_q:
                detail = (
                    f"min value {low_q.canonical()} is greater than max value {high_q.canonical()}"
                )
                shown = validation.Verbatim(low_q.canonical())
                causes.append(validation.invalid(f"{where}.min[{resource}]", shown, detail))
    return causes


@validator(CORE + "ResourceQuotaSpec")
def validate_quota_spec(spec: dict, path: str) -> list[Cause]:
    causes = []
    for resource, value in (spec.get("hard") or {}).items():
        quantity = _quantity(value)
        if quantity is not None and quantity.milli_value() < 0:
            where = f"{validation.child(path, 'hard')}[{resource}]"
            causes.append(
                validation.invalid(where, str(value), "must be greater than or equal to 0")
            )
    for scope in spec.get("scopes") or []:
        if scope not in QUOTA_SCOPES:
            causes.append(
                validation.invalid(validation.child(path, "scopes"), scope, "unsupported scope")
            )
    return causes
