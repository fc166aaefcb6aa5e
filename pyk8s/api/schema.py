"""The schema language: how a kind's fields are described, once.

Every kind is a tree of `Struct`s made of `Field`s. From that one description pyk8s derives
strict unknown-field detection, type checks, static defaults, strategic merge patch (merge keys
and strategies), protobuf decoding of kubectl's request bodies (field numbers), the OpenAPI
documents (`kubectl explain`, client-side apply) and list-type rules for server-side apply.
Nothing else in pyk8s may restate a field's name, type or number.

A field's type is one of:
- a `Scalar` (the module constants STRING, INT32, ... below);
- a `Struct` object, or a struct's full name as a string (for references across modules or
  ahead of definition; resolved on first use through `resolve`);
- `ListOf(type)` or `MapOf(type)` (maps always have string keys, as in the Kubernetes API).

Names follow the OpenAPI definition names of Kubernetes (`io.k8s.api.core.v1.PodSpec`),
because `kubectl explain` and client-side apply look schemas up by them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf type. `json` is its OpenAPI type/format; `wire` how protobuf carries it."""

    name: str
    json_type: str  # OpenAPI "type": string, integer, boolean, number, or "" for free-form
    json_format: str = ""
    # Protobuf encoding: "string", "varint", "bool", "double", "bytes", or a message kind
    # ("time", "microtime", "duration", "quantity", "intorstring", "raw").
    wire: str = "string"

    def __repr__(self) -> str:
        return self.name


STRING = Scalar("string", "string")
INT32 = Scalar("int32", "integer", "int32", "varint")
INT64 = Scalar("int64", "integer", "int64", "varint")
BOOL = Scalar("bool", "boolean", "", "bool")
FLOAT64 = Scalar("float64", "number", "double", "double")
# []byte: base64 text in JSON (Secret.data), raw bytes in protobuf.
BYTES = Scalar("bytes", "string", "byte", "bytes")
# metav1.Time: RFC 3339 text in JSON, a {seconds, nanos} message in protobuf.
TIME = Scalar("time", "string", "date-time", "time")
MICROTIME = Scalar("microtime", "string", "date-time", "microtime")
# metav1.Duration: Go duration text ("1h2m") in JSON, an int64 of nanoseconds in protobuf.
DURATION = Scalar("duration", "string", "", "duration")
# resource.Quantity: "100m", "1Gi"; also accepts a JSON number.
QUANTITY = Scalar("quantity", "string", "quantity", "quantity")
# intstr.IntOrString: 8080 or "http".
INT_OR_STRING = Scalar("intorstring", "", "int-or-string", "intorstring")
# runtime.RawExtension / free-form JSON: any value, kept as is.
RAW = Scalar("raw", "object", "", "raw")


@dataclass(frozen=True, slots=True)
class ListOf:
    item: TypeRef


@dataclass(frozen=True, slots=True)
class MapOf:
    value: TypeRef


TypeRef = Union[Scalar, "Struct", ListOf, MapOf, str]


@dataclass(slots=True)
class Field:
    """One field of a struct.

    `number` is the protobuf field number from Kubernetes' generated.proto (0 when the field
    has none). `pointer` is true for Go pointer fields (`*int32`, `*bool`, ...): in protobuf
    they are present only when set, so a zero value received for them is a real value. Every
    other zero value received in protobuf means "absent" (proto2 emits them all).
    """

    name: str
    number: int
    type: TypeRef
    doc: str = ""
    required: bool = False
    pointer: bool = False
    # A static default, applied when the field is absent and its parent object is present.
    # Defaults that depend on other fields belong to the kind's defaulting hook.
    default: Any = None
    # Strategic merge patch: "merge", "replace", "retainKeys" or "merge,retainKeys".
    patch_strategy: str | None = None
    patch_merge_key: str | None = None
    # Server-side apply list semantics: "atomic", "set" or "map" (with list_map_keys).
    list_type: str | None = None
    list_map_keys: tuple[str, ...] = ()
    # map-type for struct-valued fields ("atomic" or "granular"), rarely needed.
    map_type: str | None = None
    # Allowed values, for documentation and validation.
    enum: tuple[str, ...] = ()
    # Go embeds a few structs inline (`json:",inline"`, e.g. LocalObjectReference inside
    # ConfigMapKeySelector, VolumeSource inside Volume): in JSON their fields sit directly in
    # the parent, but protobuf carries them inside one nested message. For such a field
    # `embedded_in` is that nested message's number in the parent, and `number` is the
    # field's number inside it. 0 for every ordinary field.
    embedded_in: int = 0


@dataclass(slots=True)
class Struct:
    name: str
    doc: str
    fields: list[Field] = field(default_factory=list)
    # Filled lazily: name -> Field and number -> Field.
    _by_name: dict[str, Field] | None = None
    _by_number: dict[int, Field] | None = None
    _embedded: dict[int, Struct] | None = None

    def field(self, name: str) -> Field | None:
        if self._by_name is None:
            self._by_name = {f.name: f for f in self.fields}
        return self._by_name.get(name)

    def field_by_number(self, number: int) -> Field | None:
        """The ordinary field with this protobuf number (embedded fields are not included)."""
        if self._by_number is None:
            self._by_number = {f.number: f for f in self.fields if f.number and not f.embedded_in}
        return self._by_number.get(number)

    def embedded_struct(self, number: int) -> Struct | None:
        """The inline-embedded fields that protobuf carries in nested message `number`, as a
        struct of their own (decode that message with it into the parent's dict), or None."""
        if self._embedded is None:
            groups: dict[int, list[Field]] = {}
            for f in self.fields:
                if f.embedded_in:
                    # Inside the nested message the field is an ordinary one.
                    groups.setdefault(f.embedded_in, []).append(replace(f, embedded_in=0))
            self._embedded = {
                n: Struct(f"{self.name}@{n}", self.doc, members) for n, members in groups.items()
            }
        return self._embedded.get(number)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def __repr__(self) -> str:
        return f"Struct({self.name})"


# Every Struct ever defined, by full name. `define` registers; `resolve` looks up.
STRUCTS: dict[str, Struct] = {}


def define(name: str, doc: str, *fields: Field) -> Struct:
    """Define and register a struct. Redefining a name is a programming error."""
    if name in STRUCTS:
        raise ValueError(f"struct {name} defined twice")
    struct = Struct(name, doc, list(fields))
    STRUCTS[name] = struct
    return struct


def resolve(t: TypeRef) -> Scalar | Struct | ListOf | MapOf:
    """Turn a struct name into its Struct; return every other type as it is."""
    if isinstance(t, str):
        try:
            return STRUCTS[t]
        except KeyError:
            raise KeyError(f"unknown struct {t!r}: is its module imported?") from None
    return t


def F(name: str, number: int, type: TypeRef, doc: str = "", **options: Any) -> Field:
    """Shorthand used by the kind modules: F("image", 2, STRING, "Container image name.")."""
    return Field(name, number, type, doc, **options)


# Per-struct hooks, applied wherever the struct appears in an object (as Kubernetes'
# SetDefaults_<Type> and Validate<Type> functions are). Kind modules register them with the
# decorators below; api/defaults.py and api/validation.py walk the tree and call them,
# outermost struct first.
#   @defaulter(name)         fn(obj: dict) -> None        fills defaults that depend on other fields
#   @validator(name)         fn(obj: dict, path: str) -> list[errors.Cause]
#                            path is where obj sits, like "spec.template.spec.containers[0]"
#   @update_validator(name)  fn(new: dict, old: dict) -> list[errors.Cause]
#                            top-level kinds only: what may not change on update (immutable fields)
DEFAULTERS: dict[str, list[Any]] = {}
VALIDATORS: dict[str, list[Any]] = {}
UPDATE_VALIDATORS: dict[str, list[Any]] = {}


def _hook(registry: dict[str, list[Any]], struct_name: str) -> Any:
    def register(fn: Any) -> Any:
        registry.setdefault(struct_name, []).append(fn)
        return fn

    return register


def defaulter(struct_name: str) -> Any:
    return _hook(DEFAULTERS, struct_name)


def validator(struct_name: str) -> Any:
    return _hook(VALIDATORS, struct_name)


def update_validator(struct_name: str) -> Any:
    return _hook(UPDATE_VALIDATORS, struct_name)
