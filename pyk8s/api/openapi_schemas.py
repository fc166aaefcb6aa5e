"""OpenAPI v3 schemas (`components.schemas`) derived from the schema DSL.

`collect_schemas(roots)` turns every struct reachable from `roots` into the JSON schema that
kube-apiserver publishes under the same full name (`io.k8s.api.core.v1.Container`). What
clients rely on, and what this module therefore guarantees:

- every `$ref` it writes points at a schema it also returns (a struct some kind module has not
  defined yet becomes a free-form object instead of a dangling reference);
- a struct-typed property is `{"allOf": [{"$ref": ...}], "description": ...}`, as kube-apiserver
  writes it, so `kubectl explain` shows `<Container>` and walks into it;
- the strategic-merge metadata (`x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`)
  and the server-side-apply list/map semantics sit on the property itself, which is where
  client-side apply looks for them when it computes a patch;
- the named leaf types (Time, Quantity, IntOrString, RawExtension, ...) are schemas of their
  own, so explain prints `<Quantity>` and `<IntOrString>` the way it does against Kubernetes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pyk8s.api import schema as dsl
from pyk8s.api.schema import STRUCTS, Field, ListOf, MapOf, Scalar, Struct, TypeRef

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
TIME = META + "Time"
MICRO_TIME = META + "MicroTime"
FIELDS_V1 = META + "FieldsV1"
PATCH = META + "Patch"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"

# Leaf types Kubernetes documents as named schemas. Quantity and IntOrString have no `type`:
# they accept two JSON types, which is also why explain names them instead of saying <string>.
NAMED_LEAVES: dict[str, dict[str, Any]] = {
    TIME: {
        "description": "A point in time, written as RFC 3339 text in UTC with second "
        "precision, e.g. 2024-05-01T12:00:00Z.",
        "type": "string",
        "format": "date-time",
    },
    MICRO_TIME: {
        "description": "A point in time with microsecond precision, written as RFC 3339 "
        "text, e.g. 2024-05-01T12:00:00.000123Z.",
        "type": "string",
        "format": "date-time",
    },
    QUANTITY: {
        "description": "An amount with an optional unit suffix: 100m (a tenth of a CPU), "
        "128Mi, 1Gi, 2, 1e3. Binary suffixes are Ki, Mi, Gi, Ti, Pi, Ei; decimal ones are "
        "m, k, M, G, T, P, E. Servers rewrite it in a canonical form.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
    INT_OR_STRING: {
        "description": "A value that is either an integer or a string, such as a port "
        "number (8080) or a port name (http), or a count (2) or percentage (25%).",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    },
    RAW_EXTENSION: {
        "description": "An embedded object of any kind, kept exactly as it was written.",
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
    },
    FIELDS_V1: {
        "description": "A set of field paths, encoded as a tree of JSON objects whose keys "
        'name fields ("f:spec"), list items ("k:{...}", "v:...") or the node itself (".").',
        "type": "object",
    },
    PATCH: {
        "description": "The body of a PATCH request; its format depends on the request's "
        "Content-Type (JSON patch, merge patch, strategic merge patch or apply).",
        "type": "object",
    },
}

# Scalars without a named schema of their own.
_INLINE_SCALARS: dict[str, dict[str, Any]] = {
    dsl.STRING.name: {"type": "string"},
    dsl.INT32.name: {"type": "integer", "format": "int32"},
    dsl.INT64.name: {"type": "integer", "format": "int64"},
    dsl.BOOL.name: {"type": "boolean"},
    dsl.FLOAT64.name: {"type": "number", "format": "double"},
    dsl.BYTES.name: {"type": "string", "format": "byte"},
    # metav1.Duration is Go duration text ("1h30m"); Kubernetes inlines it as a string.
    dsl.DURATION.name: {"type": "string"},
}
_NAMED_SCALARS = {
    dsl.TIME.name: TIME,
    dsl.MICROTIME.name: MICRO_TIME,
    dsl.QUANTITY.name: QUANTITY,
    dsl.INT_OR_STRING.name: INT_OR_STRING,
    dsl.RAW.name: RAW_EXTENSION,
}

# A struct some kind module has not defined (yet): accepted as any object.
_UNKNOWN_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF_PREFIX + name}


def collect_schemas(roots: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Schemas for the named structs (or named leaves) and everything they reference."""
    schemas: dict[str, dict[str, Any]] = {}
    pending = [name for name in roots if name in STRUCTS or name in NAMED_LEAVES]

    def refer(name: str) -> None:
        if name not in schemas:
            pending.append(name)

    while pending:
        name = pending.pop()
        if name in schemas:
            continue
        if name in NAMED_LEAVES:
            schemas[name] = dict(NAMED_LEAVES[name])
        else:
            schemas[name] = struct_schema(STRUCTS[name], refer)
    return schemas


def struct_schema(struct: Struct, refer: Callable[[str], None]) -> dict[str, Any]:
    """One struct as an object schema; `refer` is told about every schema it references."""
    properties = {f.name: property_schema(f, refer) for f in struct.fields}
    result: dict[str, Any] = {"description": struct.doc, "type": "object"}
    if properties:
        result["properties"] = properties
    required = [f.name for f in struct.fields if f.required]
    if required:
        result["required"] = required
    return result


def property_schema(field: Field, refer: Callable[[str], None]) -> dict[str, Any]:
    """A field's schema with its documentation and merge/list semantics attached."""
    result = type_schema(field.type, refer, as_property=True)
    if field.doc:
        result["description"] = field.doc
    if field.enum:
        result["enum"] = list(field.enum)
    if field.patch_strategy:
        result["x-kubernetes-patch-strategy"] = field.patch_strategy
    if field.patch_merge_key:
        result["x-kubernetes-patch-merge-key"] = field.patch_merge_key
    if field.list_type:
        result["x-kubernetes-list-type"] = field.list_type
    if field.list_map_keys:
        result["x-kubernetes-list-map-keys"] = list(field.list_map_keys)
    if field.map_type:
        result["x-kubernetes-map-type"] = field.map_type
    return result


def type_schema(
    t: TypeRef, refer: Callable[[str], None], *, as_property: bool = False
) -> dict[str, Any]:
    """The schema of a type. References are wrapped in allOf when they stand for a property,
    because a `$ref` may carry no siblings (description, extensions) in OpenAPI 3.0."""
    if isinstance(t, ListOf):
        return {"type": "array", "items": type_schema(t.item, refer)}
    if isinstance(t, MapOf):
        return {"type": "object", "additionalProperties": type_schema(t.value, refer)}
    if isinstance(t, Scalar):
        named = _NAMED_SCALARS.get(t.name)
        if named is None:
            return dict(_INLINE_SCALARS.get(t.name, {"type": t.json_type or "object"}))
        return _reference(named, refer, as_property)
    name = t if isinstance(t, str) else t.name
    if name not in STRUCTS:
        return dict(_UNKNOWN_OBJECT)
    return _reference(name, refer, as_property)


def _reference(name: str, refer: Callable[[str], None], as_property: bool) -> dict[str, Any]:
    refer(name)
    return {"allOf": [ref(name)]} if as_property else ref(name)


def list_schema(item_name: str, list_name: str) -> dict[str, Any]:
    """The `<Kind>List` schema every collection GET returns."""
    return {
        "description": f"A list of {item_name.rsplit('.', 1)[-1]} objects.",
        "type": "object",
        "properties": {
            "apiVersion": {"description": "The versioned schema of this list.", "type": "string"},
            "kind": {"description": "The type of this list, in CamelCase.", "type": "string"},
            "metadata": {
                "allOf": [ref(META + "ListMeta")],
                "description": "List metadata: resourceVersion and the continue token.",
            },
            "items": {"description": "The objects.", "type": "array", "items": ref(item_name)},
        },
        "required": ["items"],
    }
