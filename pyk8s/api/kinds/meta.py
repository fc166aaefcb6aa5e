"""meta/v1: the types every API group shares (object and list metadata, selectors, Status).

These are not resources of their own: ObjectMeta sits in every object, ListMeta in every list,
LabelSelector in every controller, Status in every error reply, DeleteOptions in the body of a
DELETE. Field names, protobuf numbers and list semantics follow apimachinery's
pkg/apis/meta/v1 (types.go and generated.proto) for Kubernetes v1.32.
"""

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.schema import (
    BOOL,
    INT32,
    INT64,
    RAW,
    STRING,
    TIME,
    F,
    ListOf,
    MapOf,
    define,
    validator,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def _type_meta(what: str) -> list:
    # TypeMeta is inlined in JSON but never sent in protobuf (the envelope carries it): number 0.
    return [
        F("apiVersion", 0, STRING, f"The versioned schema of this {what}."),
        F("kind", 0, STRING, f"The type of this {what}, in CamelCase."),
    ]


OWNER_REFERENCE = define(
    META + "OwnerReference",
    "Names an object that owns this one; the garbage collector deletes orphans.",
    F("apiVersion", 5, STRING, "API version of the owner.", required=True),
    F("kind", 1, STRING, "Kind of the owner.", required=True),
    F("name", 3, STRING, "Name of the owner.", required=True),
    F(
        "uid",
        4,
        STRING,
        "UID of the owner; a recreated owner with the same name differs.",
        required=True,
    ),
    F("controller", 6, BOOL, "True when the owner is the managing controller.", pointer=True),
    F(
        "blockOwnerDeletion",
        7,
        BOOL,
        "When true, foreground deletion of the owner waits for this object to go.",
        pointer=True,
    ),
)

MANAGED_FIELDS_ENTRY = define(
    META + "ManagedFieldsEntry",
    "Which fields one manager (a client) set, and through which operation.",
    F("manager", 1, STRING, "Name of the client that manages these fields."),
    F(
        "operation",
        2,
        STRING,
        "How the fields were set: Apply or Update.",
        enum=("Apply", "Update"),
    ),
    F("apiVersion", 3, STRING, "The version of the object the field set is written against."),
    F("time", 4, TIME, "When this manager last changed the fields.", pointer=True),
    F("fieldsType", 6, STRING, "Format of fieldsV1; always FieldsV1."),
    F("fieldsV1", 7, RAW, "The set of managed fields, as a tree of field paths.", pointer=True),
    F("subresource", 8, STRING, "The subresource the fields were set through, if any."),
)

OBJECT_META = define(
    META + "ObjectMeta",
    "Metadata every stored object has: identity, labels, ownership and lifecycle.",
    F("name", 1, STRING, "Unique name within the namespace (or cluster); cannot be changed."),
    F(
        "generateName",
        2,
        STRING,
        "Prefix from which the server makes a unique name, when name is empty.",
    ),
    F("namespace", 3, STRING, "Namespace the object lives in; empty for cluster-scoped objects."),
    F("selfLink", 4, STRING, "Deprecated; no longer filled in."),
    F("uid", 5, STRING, "Identifier set by the server at creation, unique in time and space."),
    F(
        "resourceVersion",
        6,
        STRING,
        "Opaque version of this object, for optimistic concurrency and watches.",
    ),
    F("generation", 7, INT64, "Counter of changes to the desired state (spec), set by the server."),
    F("creationTimestamp", 8, TIME, "When the server created the object (UTC)."),
    F(
        "deletionTimestamp",
        9,
        TIME,
        "When graceful deletion was requested; set by the server.",
        pointer=True,
    ),
    F(
        "deletionGracePeriodSeconds",
        10,
        INT64,
        "Seconds the object is given to terminate once deletion has been requested.",
        pointer=True,
    ),
    F("labels", 11, MapOf(STRING), "Key-value pairs for organising and selecting objects."),
    F("annotations", 12, MapOf(STRING), "Free-form key-value data for tools; not selectable."),
    F(
        "ownerReferences",
        13,
        ListOf(OWNER_REFERENCE),
        "Objects this one depends on; when all are gone it is garbage-collected.",
        patch_strategy="merge",
        patch_merge_key="uid",
        list_type="map",
        list_map_keys=("uid",),
    ),
    F(
        "finalizers",
        14,
        ListOf(STRING),
        "Tokens that must all be removed before the object is really deleted.",
        patch_strategy="merge",
        list_type="set",
    ),
    F(
        "managedFields",
        17,
        ListOf(MANAGED_FIELDS_ENTRY),
        "Field ownership for server-side apply; maintained by the server.",
        list_type="atomic",
    ),
)

LIST_META = define(
    META + "ListMeta",
    "Metadata of a list: its version and where to continue a paged read.",
    F("selfLink", 1, STRING, "Deprecated; no longer filled in."),
    F("resourceVersion", 2, STRING, "The store version the list was read at; watch from here."),
    F("continue", 3, STRING, "Token for the next page, when the list was cut by a limit."),
    F(
        "remainingItemCount",
        4,
        INT64,
        "Estimated number of items after this page, when known.",
        pointer=True,
    ),
)

LABEL_SELECTOR_REQUIREMENT = define(
    META + "LabelSelectorRequirement",
    "One set-based test on a label: key, operator and values.",
    F("key", 1, STRING, "The label key tested.", required=True),
    # No `enum` here: Kubernetes answers a bad operator with "not a valid selector
    # operator" (Invalid), not with the generic NotSupported; the validator below does that.
    F("operator", 2, STRING, "One of In, NotIn, Exists and DoesNotExist.", required=True),
    F(
        "values",
        3,
        ListOf(STRING),
        "Values for In and NotIn; must be empty for Exists and DoesNotExist.",
        list_type="atomic",
    ),
)

LABEL_SELECTOR = define(
    META + "LabelSelector",
    "A label query: all matchLabels and matchExpressions must hold (empty matches everything).",
    F("matchLabels", 1, MapOf(STRING), "Labels that must be present with exactly these values."),
    F(
        "matchExpressions",
        2,
        ListOf(LABEL_SELECTOR_REQUIREMENT),
        "Set-based requirements, all of which must hold.",
        list_type="atomic",
    ),
)

define(
    META + "Condition",
    "One aspect of an object's current state, in the standard condition shape.",
    F("type", 1, STRING, "Kind of condition, in CamelCase.", required=True),
    F(
        "status",
        2,
        STRING,
        "True, False or Unknown.",
        required=True,
        enum=("True", "False", "Unknown"),
    ),
    F("observedGeneration", 3, INT64, "The metadata.generation this condition was computed from."),
    F("lastTransitionTime", 4, TIME, "When status last changed.", required=True),
    F(
        "reason",
        5,
        STRING,
        "Machine-readable CamelCase cause of the last transition.",
        required=True,
    ),
    # Required in the OpenAPI schema, yet Kubernetes accepts an empty message: not marked here.
    F("message", 6, STRING, "Human-readable details about the last transition."),
)

STATUS_CAUSE = define(
    META + "StatusCause",
    "One specific reason an operation failed, possibly tied to a field.",
    F("reason", 1, STRING, "Machine-readable cause, such as FieldValueRequired."),
    F("message", 2, STRING, "Human-readable explanation."),
    F("field", 3, STRING, "Path of the offending field, such as spec.containers[0].image."),
)

STATUS_DETAILS = define(
    META + "StatusDetails",
    "Extra data about a failure: which object, and the individual causes.",
    F("name", 1, STRING, "Name of the object the error is about."),
    F("group", 2, STRING, "API group of the object."),
    F("kind", 3, STRING, "Kind (or resource) of the object."),
    F("uid", 6, STRING, "UID of the object, when known."),
    F("causes", 4, ListOf(STATUS_CAUSE), "The individual causes.", list_type="atomic"),
    F("retryAfterSeconds", 5, INT32, "Seconds to wait before retrying, when it helps."),
)

define(
    META + "Status",
    "The reply to an operation that returns no object, and the shape of every error.",
    *_type_meta("status"),
    F("metadata", 1, LIST_META, "Standard list metadata."),
    F("status", 2, STRING, "Success or Failure."),
    F("message", 3, STRING, "Human-readable description of the outcome."),
    F("reason", 4, STRING, "Machine-readable reason for a failure, such as NotFound."),
    F("details", 5, STATUS_DETAILS, "Extra data about the failure.", pointer=True),
    F("code", 6, INT32, "The HTTP status code of the reply."),
)

PRECONDITIONS = define(
    META + "Preconditions",
    "Conditions the stored object must meet for the operation to go ahead.",
    F("uid", 1, STRING, "The object must have this UID.", pointer=True),
    F("resourceVersion", 2, STRING, "The object must be at this resourceVersion.", pointer=True),
)

_DRY_RUN_DOC = "When present (only All is valid), validate the request but store nothing."
_FIELD_MANAGER_DOC = "Name of the client making the change, for field ownership."
_FIELD_VALIDATION_DOC = "What to do with unknown or duplicate fields: Ignore, Warn or Strict."

define(
    META + "DeleteOptions",
    "Options of a delete: grace period, preconditions and what happens to dependents.",
    *_type_meta("options object"),
    F(
        "gracePeriodSeconds",
        1,
        INT64,
        "Seconds to wait before deleting; 0 deletes at once, unset uses the object's default.",
        pointer=True,
    ),
    F(
        "preconditions",
        2,
        PRECONDITIONS,
        "Must hold or the delete fails with a Conflict.",
        pointer=True,
    ),
    F(
        "orphanDependents",
        3,
        BOOL,
        "Deprecated: use propagationPolicy; true orphans the dependents.",
        pointer=True,
    ),
    F(
        "propagationPolicy",
        4,
        STRING,
        "Whether and how dependents are deleted: Orphan, Background or Foreground.",
        pointer=True,
        enum=("Orphan", "Background", "Foreground"),
    ),
    F("dryRun", 5, ListOf(STRING), _DRY_RUN_DOC, list_type="atomic"),
    F(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        6,
        BOOL,
        "Delete even an object that can no longer be read from storage (dangerous).",
        pointer=True,
    ),
)

define(
    META + "CreateOptions",
    "Options of a create.",
    *_type_meta("options object"),
    F("dryRun", 1, ListOf(STRING), _DRY_RUN_DOC, list_type="atomic"),
    F("fieldManager", 3, STRING, _FIELD_MANAGER_DOC),
    F("fieldValidation", 4, STRING, _FIELD_VALIDATION_DOC),
)

define(
    META + "PatchOptions",
    "Options of a patch.",
    *_type_meta("options object"),
    F("dryRun", 1, ListOf(STRING), _DRY_RUN_DOC, list_type="atomic"),
    F(
        "force",
        2,
        BOOL,
        "For server-side apply: take over fields other managers own.",
        pointer=True,
    ),
    F("fieldManager", 3, STRING, _FIELD_MANAGER_DOC),
    F("fieldValidation", 4, STRING, _FIELD_VALIDATION_DOC),
)

define(
    META + "UpdateOptions",
    "Options of an update.",
    *_type_meta("options object"),
    F("dryRun", 1, ListOf(STRING), _DRY_RUN_DOC, list_type="atomic"),
    F("fieldManager", 2, STRING, _FIELD_MANAGER_DOC),
    F("fieldValidation", 3, STRING, _FIELD_VALIDATION_DOC),
)

define(
    META + "WatchEvent",
    "One event of a watch stream: what happened, and the object it happened to.",
    F("type", 1, STRING, "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.", required=True),
    F("object", 2, RAW, "The object after the event (a Status for ERROR).", required=True),
)


# --- validation ---------------------------------------------------------------------------

_SET_OPERATORS = ("In", "NotIn")
_EXISTENCE_OPERATORS = ("Exists", "DoesNotExist")


@validator(META + "LabelSelector")
def validate_label_selector(selector: dict, path: str) -> list[Cause]:
    """Kubernetes' ValidateLabelSelector: operators, values per operator, keys and label values."""
    causes: list[Cause] = []
    for index, requirement in enumerate(selector.get("matchExpressions") or []):
        at = validation.child(path, f"matchExpressions[{index}]")
        operator = requirement.get("operator")
        values = requirement.get("values") or []
        if operator in _SET_OPERATORS and not values:
            detail = "must be specified when `operator` is 'In' or 'NotIn'"
            causes.append(validation.required(f"{at}.values", detail))
        elif operator in _EXISTENCE_OPERATORS and values:
            causes.append(
                validation.forbidden(
                    f"{at}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
        elif operator and operator not in _SET_OPERATORS + _EXISTENCE_OPERATORS:
            causes.append(
                validation.invalid(f"{at}.operator", operator, "not a valid selector operator")
            )
        key = requirement.get("key")
        if key:
            for message in names.is_qualified_name(key):
                causes.append(validation.invalid(f"{at}.key", key, message))
    labels_path = validation.child(path, "matchLabels")
    for key, value in (selector.get("matchLabels") or {}).items():
        for message in names.is_qualified_name(key):
            causes.append(validation.invalid(labels_path, key, message))
        for message in names.is_valid_label_value(value):
            causes.append(validation.invalid(labels_path, value, message))
    return causes
