"""The `paths` of an OpenAPI v3 document: one entry per REST endpoint of a resource.

For each registered resource this lays out the endpoints kube-apiserver serves, named the way
it names them (`listCoreV1NamespacedPod`, `patchAppsV1NamespacedDeploymentScale`, ...), with
the query parameters each accepts. Two details matter to kubectl and are guaranteed here:

- every operation carries `x-kubernetes-group-version-kind` and `x-kubernetes-action`:
  `kubectl explain` finds a resource's kind through them;
- POST, PUT and PATCH declare the `fieldValidation` parameter: kubectl's `--validate=strict`
  checks that a kind's PATCH operation declares it before it trusts the server to validate
  (otherwise it fetches the v2 document to validate on the client side).

Only the verbs a resource has get operations (a create-only review has just a POST).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyk8s.api.openapi_schemas import META, PATCH, ref
from pyk8s.api.resource import Resource, Subresource
from pyk8s.api.schema import STRUCTS, Scalar

# (group, version, kind) -> the schema name of that kind, or None when it has no schema.
SchemaLookup = Callable[[str, str, str], str | None]

_OBJECT_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_STREAM_TYPES = (
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
)
_PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
_METHOD_OF_VERB = {
    "get": "get",
    "create": "post",
    "update": "put",
    "patch": "patch",
    "delete": "delete",
}
_WORD_OF_VERB = {
    "get": "read",
    "create": "create",
    "update": "replace",
    "patch": "patch",
    "delete": "delete",
}
# kube-apiserver names an operation's x-kubernetes-action after its HTTP method.
_ACTION_OF_VERB = _METHOD_OF_VERB


def _parameter(name: str, kind: str, description: str, where: str = "query") -> dict[str, Any]:
    param: dict[str, Any] = {
        "name": name,
        "in": where,
        "description": description,
        "schema": {"type": kind, "uniqueItems": True},
    }
    if where == "path":
        param["required"] = True
    return param


PRETTY = _parameter("pretty", "string", "If 'true', the output is indented for humans.")
NAMESPACE = _parameter("namespace", "string", "The namespace of the objects.", "path")
DRY_RUN = _parameter("dryRun", "string", "All: run every stage of the request but persist nothing.")
FIELD_MANAGER = _parameter(
    "fieldManager", "string", "The name of the actor making the change, recorded in managedFields."
)
FIELD_VALIDATION = _parameter(
    "fieldValidation",
    "string",
    "What to do with unknown or duplicate fields in the body: Ignore (drop them), "
    "Warn (accept and answer with a warning) or Strict (reject the request).",
)
FORCE = _parameter("force", "boolean", "Apply only: take over fields other managers own.")
LIST_PARAMETERS = [
    _parameter("allowWatchBookmarks", "boolean", "Watch only: ask for BOOKMARK events."),
    _parameter("continue", "string", "The token from a previous page, to read the next one."),
    _parameter(
        "fieldSelector", "string", "Only objects whose fields match, e.g. spec.nodeName=n1."
    ),
    _parameter("labelSelector", "string", "Only objects whose labels match, e.g. app=web."),
    _parameter("limit", "integer", "The most objects to return; more come with a continue token."),
    _parameter("resourceVersion", "string", "The resourceVersion to read at, or to watch from."),
    _parameter(
        "resourceVersionMatch", "string", "How resourceVersion applies: Exact or NotOlderThan."
    ),
    _parameter("sendInitialEvents", "boolean", "Watch only: start with the current objects."),
    _parameter("timeoutSeconds", "integer", "End the list or watch after this many seconds."),
    _parameter("watch", "boolean", "Stream changes instead of returning a list."),
]
DELETE_PARAMETERS = [
    DRY_RUN,
    _parameter("gracePeriodSeconds", "integer", "Seconds to let the object terminate; 0 is now."),
    _parameter(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "boolean",
        "Delete an object whose stored data cannot be read (dangerous).",
    ),
    _parameter("orphanDependents", "boolean", "Deprecated; use propagationPolicy=Orphan."),
    _parameter(
        "propagationPolicy", "string", "Orphan, Background or Foreground deletion of dependents."
    ),
]


def _content(schema: dict[str, Any], media_types: tuple[str, ...]) -> dict[str, Any]:
    return {media: {"schema": schema} for media in media_types}


def _responses(schema: dict[str, Any], *codes: str, media: tuple[str, ...] = _OBJECT_TYPES) -> dict:
    words = {"200": "OK", "201": "Created", "202": "Accepted"}
    return {
        code: {"description": words[code], "content": _content(schema, media)} for code in codes
    }


def _string_responses(media: tuple[str, ...]) -> dict[str, Any]:
    return _responses({"type": "string"}, "200", media=media)


def _body(schema: dict[str, Any], media: tuple[str, ...] = ("*/*",)) -> dict[str, Any]:
    return {"content": _content(schema, media), "required": True}


def camel_group(group: str) -> str:
    """`rbac.authorization.k8s.io` -> `RbacAuthorization`, `` -> `Core` (operation ids)."""
    if not group:
        return "Core"
    return "".join(part.capitalize() for part in group.removesuffix(".k8s.io").split("."))


def tag(group: str, version: str) -> str:
    """`rbac.authorization.k8s.io`, `v1` -> `rbacAuthorization_v1`, as kube-apiserver tags."""
    name = camel_group(group)
    return f"{name[0].lower()}{name[1:]}_{version}"


def resource_paths(resource: Resource, lookup: SchemaLookup, paths: dict[str, Any]) -> None:
    """Add every endpoint of `resource` to `paths` (a document's `paths` object)."""
    _Endpoints(resource, lookup, paths).write()


class _Endpoints:
    """The endpoints of one resource, written into a document's `paths`."""

    def __init__(self, resource: Resource, lookup: SchemaLookup, paths: dict[str, Any]) -> None:
        self.resource = resource
        self.lookup = lookup
        self.paths = paths
        group, version, kind = resource.group, resource.version, resource.kind
        self.prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        self.infix = camel_group(group) + version.capitalize()
        self.tag = tag(group, version)
        self.gvk = {"group": group, "kind": kind, "version": version}
        name = lookup(group, version, kind)
        self.object = ref(name) if name else {"type": "object"}
        self.list = ref(name + "List") if name else {"type": "object"}
        scope = "/namespaces/{namespace}" if resource.namespaced else ""
        self.collection = f"{self.prefix}{scope}/{resource.plural}"
        self.item = self.collection + "/{name}"
        self.scope_parameters = [NAMESPACE] if resource.namespaced else []
        name_parameter = _parameter("name", "string", f"The name of the {kind}.", "path")
        self.item_parameters = [name_parameter, *self.scope_parameters]

    def op_id(self, word: str, *, middle: str = "", tail: str = "", scoped: bool = True) -> str:
        scope = "Namespaced" if scoped and self.resource.namespaced else ""
        return f"{word}{self.infix}{middle}{scope}{self.resource.kind}{tail}"

    def operation(
        self, op_id: str, action: str, description: str, responses: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        op: dict[str, Any] = {
            "description": description,
            "operationId": op_id,
            "tags": [self.tag],
            "responses": responses,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": extra.pop("gvk", self.gvk),
        }
        op.update({key: value for key, value in extra.items() if value})
        return op

    def add(self, path: str, method: str, op: dict[str, Any], path_parameters: list) -> None:
        entry = self.paths.setdefault(path, {"parameters": [*path_parameters, PRETTY]})
        entry[method] = op

    def write(self) -> None:
        verbs = set(self.resource.verbs)
        self.write_collection(verbs)
        self.write_item(verbs)
        if "watch" in verbs:
            self.write_watches(verbs)
        if self.resource.namespaced and "list" in verbs:
            self.write_all_namespaces(verbs)
        for sub in self.resource.subresources:
            self.write_subresource(sub)

    def write_collection(self, verbs: set[str]) -> None:
        kind, params = self.resource.kind, self.scope_parameters
        if "list" in verbs:
            listed = _responses(self.list, "200", media=_OBJECT_TYPES + _STREAM_TYPES)
            op = self.operation(
                self.op_id("list"),
                "list",
                f"list or watch objects of kind {kind}",
                listed,
                parameters=LIST_PARAMETERS,
            )
            self.add(self.collection, "get", op, params)
        if "create" in verbs:
            created = _responses(self.object, "200", "201", "202")
            op = self.operation(
                self.op_id("create"),
                "post",
                f"create a {kind}",
                created,
                parameters=[DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                requestBody=_body(self.object),
            )
            self.add(self.collection, "post", op, params)
        if "deletecollection" in verbs:
            status = _responses(ref(META + "Status"), "200")
            op = self.operation(
                self.op_id("delete", middle="Collection"),
                "deletecollection",
                f"delete collection of {kind}",
                status,
                parameters=DELETE_PARAMETERS + LIST_PARAMETERS,
                requestBody=_body(ref(META + "DeleteOptions")),
            )
            self.add(self.collection, "delete", op, params)

    def write_item(self, verbs: set[str]) -> None:
        kind, params = self.resource.kind, self.item_parameters
        writes = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]
        if "get" in verbs:
            op = self.operation(
                self.op_id("read"),
                "get",
                f"read the specified {kind}",
                _responses(self.object, "200"),
            )
            self.add(self.item, "get", op, params)
        if "update" in verbs:
            op = self.operation(
                self.op_id("replace"),
                "put",
                f"replace the specified {kind}",
                _responses(self.object, "200", "201"),
                parameters=writes,
                requestBody=_body(self.object),
            )
            self.add(self.item, "put", op, params)
        if "patch" in verbs:
            op = self.operation(
                self.op_id("patch"),
                "patch",
                f"partially update the specified {kind}",
                _responses(self.object, "200", "201"),
                parameters=[*writes, FORCE],
                requestBody=_body(ref(PATCH), _PATCH_TYPES),
            )
            self.add(self.item, "patch", op, params)
        if "delete" in verbs:
            op = self.operation(
                self.op_id("delete"),
                "delete",
                f"delete a {kind}",
                _responses(self.object, "200", "202"),
                parameters=DELETE_PARAMETERS,
                requestBody=_body(ref(META + "DeleteOptions")),
            )
            self.add(self.item, "delete", op, params)

    def write_watches(self, verbs: set[str]) -> None:
        kind, event = self.resource.kind, ref(META + "WatchEvent")
        streamed = _responses(event, "200", media=_OBJECT_TYPES + _STREAM_TYPES)
        scope = "/namespaces/{namespace}" if self.resource.namespaced else ""
        watch_collection = f"{self.prefix}/watch{scope}/{self.resource.plural}"
        if "get" in verbs:
            op = self.operation(
                self.op_id("watch"),
                "watch",
                f"watch changes to an object of kind {kind}; deprecated: use the 'watch' "
                "parameter with a list operation, filtered by metadata.name",
                streamed,
            )
            self.add(
                watch_collection + "/{name}", "get", op, self.item_parameters + LIST_PARAMETERS
            )
        op = self.operation(
            self.op_id("watch", tail="List"),
            "watchlist",
            f"watch individual changes to a list of {kind}; deprecated: use the 'watch' "
            "parameter with a list operation",
            streamed,
        )
        self.add(watch_collection, "get", op, self.scope_parameters + LIST_PARAMETERS)

    def write_all_namespaces(self, verbs: set[str]) -> None:
        kind, plural = self.resource.kind, self.resource.plural
        listed = _responses(self.list, "200", media=_OBJECT_TYPES + _STREAM_TYPES)
        op = self.operation(
            self.op_id("list", tail="ForAllNamespaces", scoped=False),
            "list",
            f"list or watch objects of kind {kind}",
            listed,
        )
        self.add(f"{self.prefix}/{plural}", "get", op, LIST_PARAMETERS)
        if "watch" in verbs:
            streamed = _responses(
                ref(META + "WatchEvent"), "200", media=_OBJECT_TYPES + _STREAM_TYPES
            )
            op = self.operation(
                self.op_id("watch", tail="ListForAllNamespaces", scoped=False),
                "watchlist",
                f"watch individual changes to a list of {kind}; deprecated: use the 'watch' "
                "parameter with a list operation",
                streamed,
            )
            self.add(f"{self.prefix}/watch/{plural}", "get", op, LIST_PARAMETERS)

    def write_subresource(self, sub: Subresource) -> None:
        group = sub.group or self.resource.group
        version = sub.version or self.resource.version
        gvk = {"group": group, "kind": sub.kind, "version": version}
        path, tail = f"{self.item}/{sub.name}", sub.name.capitalize()
        options_kind = (
            sub.kind if sub.kind.endswith("Options") else f"{self.resource.kind}{tail}Options"
        )
        options = self.options_parameters(options_kind)
        name = self.lookup(group, version, sub.kind)
        schema = ref(name) if name else {"type": "object"}
        for verb in sub.verbs:
            method = _METHOD_OF_VERB.get(verb)
            if method is None:
                continue
            if sub.kind.endswith("Options"):
                op = self.operation(
                    self.op_id("connect", middle=method.capitalize(), tail=tail),
                    "connect",
                    f"connect {method.upper()} requests to {sub.name} of {self.resource.kind}",
                    _string_responses(("*/*",)),
                    gvk=gvk,
                    parameters=options,
                )
            elif sub.name == "log":
                op = self.operation(
                    self.op_id("read", tail=tail),
                    "get",
                    f"read {sub.name} of the specified {self.resource.kind}",
                    _string_responses(("text/plain", *_OBJECT_TYPES)),
                    gvk=gvk,
                    parameters=options,
                )
            else:
                op = self.sub_operation(verb, sub, gvk, schema)
            self.add(path, method, op, self.item_parameters)

    def sub_operation(
        self, verb: str, sub: Subresource, gvk: dict[str, str], schema: dict[str, Any]
    ) -> dict[str, Any]:
        word, tail = _WORD_OF_VERB[verb], sub.name.capitalize()
        description = f"{word} {sub.name} of the specified {self.resource.kind}"
        writes = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]
        extra: dict[str, Any] = {"gvk": gvk}
        if verb == "get":
            responses = _responses(schema, "200")
        elif verb == "patch":
            responses = _responses(schema, "200", "201")
            extra.update(parameters=[*writes, FORCE], requestBody=_body(ref(PATCH), _PATCH_TYPES))
        elif verb == "delete":
            responses = _responses(schema, "200", "202")
            extra.update(parameters=DELETE_PARAMETERS)
        else:
            codes = ("200", "201", "202") if verb == "create" else ("200", "201")
            responses = _responses(schema, *codes)
            extra.update(parameters=writes, requestBody=_body(schema))
        action = _ACTION_OF_VERB[verb]
        return self.operation(self.op_id(word, tail=tail), action, description, responses, **extra)

    def options_parameters(self, options_kind: str) -> list[dict[str, Any]]:
        """Query parameters of a connect or log request, from its options struct's fields."""
        name = self.lookup(self.resource.group, self.resource.version, options_kind)
        struct = STRUCTS.get(name or "")
        if struct is None:
            return []
        params = []
        for field in struct.fields:
            if field.name in ("apiVersion", "kind"):
                continue
            json_type = field.type.json_type if isinstance(field.type, Scalar) else "string"
            params.append(_parameter(field.name, json_type or "string", field.doc))
        return params
