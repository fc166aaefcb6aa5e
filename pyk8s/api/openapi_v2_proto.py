"""The swagger 2.0 document as protobuf: gnostic's `openapi.v2.Document`, encode-only.

kubectl and client-go read /openapi/v2 only as protobuf (`proto.Unmarshal` into the message
of github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto). That .proto mirrors swagger:
every JSON object becomes a message and every JSON map becomes a repeated `Named<Type>`
{1 name, 2 value} pair list. This module writes those messages from the JSON-shaped document.

What it guarantees:
- field numbers are the ones of OpenAPIv2.proto, so any protobuf decoder that knows that file
  reads back the document;
- every `x-...` key becomes a `NamedAny` vendor extension whose `Any.yaml` is the value as
  JSON text (JSON is YAML, and that is the field clients parse: kubectl finds a kind through
  `x-kubernetes-group-version-kind` and merge keys through `x-kubernetes-patch-merge-key`);
- proto3 rules: zero values are left out, except where a oneof needs its member present
  (`additionalProperties: false`);
- a key the .proto has no field for raises ValueError naming where it was: a document that
  would silently lose information is a bug to fix, not to serve.

    encode_document(swagger_dict) -> bytes
"""

from __future__ import annotations

import struct as binary
from collections.abc import Callable
from typing import Any

import orjson

from pyk8s.api.protobuf import VARINT, _key, _length_field, _string_field, _varint_bytes

FIXED64 = 1
# Writes one JSON value as the field with this number: (number, value) -> wire bytes.
Writer = Callable[[int, Any], bytes]
# A message: its JSON keys -> (field number, writer), and the vendor-extension field number.
Layout = tuple[dict[str, tuple[int, Writer]], int | None]


def encode_document(document: dict[str, Any]) -> bytes:
    """A swagger 2.0 document (JSON-shaped dict) -> `openapi.v2.Document` bytes."""
    return _encode(document, DOCUMENT, "document")


# ---------------------------------------------------------------- scalar writers


def _string(number: int, value: str) -> bytes:
    return _string_field(number, value) if value else b""


def _strings(number: int, values: list[str]) -> bytes:
    return b"".join(_string_field(number, v) for v in values)


def _bool(number: int, value: bool) -> bytes:
    return _key(number, VARINT) + b"\x01" if value else b""


def _int64(number: int, value: int) -> bytes:
    return _key(number, VARINT) + _varint_bytes(int(value)) if value else b""


def _double(number: int, value: float) -> bytes:
    return _key(number, FIXED64) + binary.pack("<d", float(value)) if value else b""


def _any(number: int, value: Any) -> bytes:
    """An `Any` {2 yaml}: the value written as JSON text, which YAML parsers accept."""
    return _length_field(number, _string_field(2, orjson.dumps(value).decode()))


def _anys(number: int, values: list[Any]) -> bytes:
    return b"".join(_any(number, v) for v in values)


# ---------------------------------------------------------------- message writers


def _encode(obj: dict[str, Any], layout: Layout, where: str) -> bytes:
    fields, extensions_number = layout
    parts: list[tuple[int, bytes]] = []
    for key, value in obj.items():
        if key.startswith("x-") and extensions_number is not None:
            named = _string_field(1, key) + _any(2, value)
            parts.append((extensions_number, _length_field(extensions_number, named)))
            continue
        if key not in fields:
            raise ValueError(f"{where}: the openapi.v2 message has no field for {key!r}")
        number, write = fields[key]
        parts.append((number, write(number, value)))
    # Field order does not matter to decoders; ascending numbers is how protoc writes.
    parts.sort(key=lambda part: part[0])
    return b"".join(data for _, data in parts)


def _message(layout_of: Callable[[], Layout], where: str) -> Writer:
    """A writer for a message field. The layout is looked up late, so layouts may nest
    themselves (a Schema's properties are Schemas)."""

    def write(number: int, value: dict[str, Any]) -> bytes:
        return _length_field(number, _encode(value, layout_of(), where))

    return write


def _repeated(write: Writer) -> Writer:
    return lambda number, values: b"".join(write(number, v) for v in values)


def _named(write_value: Writer) -> Writer:
    """A JSON map as the wrapper message { repeated Named<T> pairs = 1 }."""

    def write(number: int, mapping: dict[str, Any]) -> bytes:
        pairs = b"".join(
            _length_field(1, _string_field(1, name) + write_value(2, value))
            for name, value in mapping.items()
        )
        return _length_field(number, pairs)

    return write


def _wrapped(number_inside: int, write: Writer) -> Writer:
    """A value that the .proto wraps in a one-field message (TypeItem, SchemaItem, ...)."""
    return lambda number, value: _length_field(number, write(number_inside, value))


# ---------------------------------------------------------------- Schema


def _schema_layout() -> Layout:
    return SCHEMA


_schema = _message(_schema_layout, "schema")


def _type_item(number: int, value: str | list[str]) -> bytes:
    values = [value] if isinstance(value, str) else value
    return _length_field(number, _strings(1, values))


def _items_item(number: int, value: dict[str, Any] | list[dict[str, Any]]) -> bytes:
    schemas = [value] if isinstance(value, dict) else value
    return _length_field(number, b"".join(_schema(1, s) for s in schemas))


def _additional_properties(number: int, value: dict[str, Any] | bool) -> bytes:
    # A oneof { Schema schema = 1; bool boolean = 2; }: `false` must be written to be seen.
    if isinstance(value, bool):
        return _length_field(number, _key(2, VARINT) + (b"\x01" if value else b"\x00"))
    return _length_field(number, _schema(1, value))


SCHEMA: Layout = (
    {
        "$ref": (1, _string),
        "format": (2, _string),
        "title": (3, _string),
        "description": (4, _string),
        "default": (5, _any),
        "multipleOf": (6, _double),
        "maximum": (7, _double),
        "exclusiveMaximum": (8, _bool),
        "minimum": (9, _double),
        "exclusiveMinimum": (10, _bool),
        "maxLength": (11, _int64),
        "minLength": (12, _int64),
        "pattern": (13, _string),
        "maxItems": (14, _int64),
        "minItems": (15, _int64),
        "uniqueItems": (16, _bool),
        "maxProperties": (17, _int64),
        "minProperties": (18, _int64),
        "required": (19, _strings),
        "enum": (20, _anys),
        "additionalProperties": (21, _additional_properties),
        "type": (22, _type_item),
        "items": (23, _items_item),
        "allOf": (24, _repeated(_schema)),
        "properties": (25, _named(_schema)),
        "discriminator": (26, _string),
        "readOnly": (27, _bool),
        "example": (30, _any),
    },
    31,
)

# ---------------------------------------------------------------- parameters

# The validation keywords a non-body parameter shares, in .proto order. They follow the
# name (field 4) directly in path and header parameters; query and formData parameters have
# `allowEmptyValue` at 5 first, which shifts them all by one.
_PARAMETER_KEYWORDS: tuple[tuple[str, Writer], ...] = (
    ("type", _string),
    ("format", _string),
    ("items", lambda n, v: _unsupported("parameter items")),
    ("collectionFormat", _string),
    ("default", _any),
    ("maximum", _double),
    ("exclusiveMaximum", _bool),
    ("minimum", _double),
    ("exclusiveMinimum", _bool),
    ("maxLength", _int64),
    ("minLength", _int64),
    ("pattern", _string),
    ("maxItems", _int64),
    ("minItems", _int64),
    ("uniqueItems", _bool),
    ("enum", _anys),
    ("multipleOf", _double),
)


def _unsupported(what: str) -> bytes:
    raise ValueError(f"{what} are not supported by this encoder")


def _non_body_layout(allows_empty_value: bool) -> Layout:
    fields: dict[str, tuple[int, Writer]] = {
        "required": (1, _bool),
        "in": (2, _string),
        "description": (3, _string),
        "name": (4, _string),
    }
    first = 5
    if allows_empty_value:
        fields["allowEmptyValue"] = (5, _bool)
        first = 6
    for offset, (key, write) in enumerate(_PARAMETER_KEYWORDS):
        fields[key] = (first + offset, write)
    return fields, first + len(_PARAMETER_KEYWORDS)


# NonBodyParameter's oneof member number for each `in`, and that member's layout.
_NON_BODY: dict[str, tuple[int, Layout]] = {
    "header": (1, _non_body_layout(allows_empty_value=False)),
    "formData": (2, _non_body_layout(allows_empty_value=True)),
    "query": (3, _non_body_layout(allows_empty_value=True)),
    "path": (4, _non_body_layout(allows_empty_value=False)),
}
BODY_PARAMETER: Layout = (
    {
        "description": (1, _string),
        "name": (2, _string),
        "in": (3, _string),
        "required": (4, _bool),
        "schema": (5, _schema),
    },
    6,
)


def _parameters_item(number: int, parameter: dict[str, Any]) -> bytes:
    """ParametersItem { oneof { Parameter parameter = 1; JsonReference json_reference = 2 } }
    where Parameter { oneof { BodyParameter body = 1; NonBodyParameter non_body = 2 } }."""
    if "$ref" in parameter:
        return _length_field(number, _length_field(2, _string_field(1, parameter["$ref"])))
    where = f"parameter {parameter.get('name')!r}"
    if parameter.get("in") == "body":
        inner = _length_field(1, _encode(parameter, BODY_PARAMETER, where))
    else:
        member, layout = _NON_BODY[parameter["in"]]
        inner = _length_field(2, _length_field(member, _encode(parameter, layout, where)))
    return _length_field(number, _length_field(1, inner))


# ---------------------------------------------------------------- operations and paths

RESPONSE: Layout = (
    {"description": (1, _string), "schema": (2, _wrapped(1, _schema))},
    5,
)


def _response_value(number: int, response: dict[str, Any]) -> bytes:
    # ResponseValue { oneof { Response response = 1; JsonReference json_reference = 2 } }
    return _length_field(number, _length_field(1, _encode(response, RESPONSE, "response")))


def _responses(number: int, responses: dict[str, Any]) -> bytes:
    # Responses { repeated NamedResponseValue response_code = 1; vendor_extension = 2 }
    pairs = b"".join(
        _length_field(1, _string_field(1, code) + _response_value(2, response))
        for code, response in responses.items()
    )
    return _length_field(number, pairs)


OPERATION: Layout = (
    {
        "tags": (1, _strings),
        "summary": (2, _string),
        "description": (3, _string),
        "operationId": (5, _string),
        "produces": (6, _strings),
        "consumes": (7, _strings),
        "parameters": (8, _repeated(_parameters_item)),
        "responses": (9, _responses),
        "schemes": (10, _strings),
        "deprecated": (11, _bool),
    },
    13,
)
_operation = _message(lambda: OPERATION, "operation")
PATH_ITEM: Layout = (
    {
        "$ref": (1, _string),
        "get": (2, _operation),
        "put": (3, _operation),
        "post": (4, _operation),
        "delete": (5, _operation),
        "options": (6, _operation),
        "head": (7, _operation),
        "patch": (8, _operation),
        "parameters": (9, _repeated(_parameters_item)),
    },
    10,
)


def _paths(number: int, paths: dict[str, Any]) -> bytes:
    # Paths { vendor_extension = 1; repeated NamedPathItem path = 2 }
    write_item = _message(lambda: PATH_ITEM, "path item")
    pairs = b"".join(
        _length_field(2, _string_field(1, path) + write_item(2, item))
        for path, item in paths.items()
    )
    return _length_field(number, pairs)


# ---------------------------------------------------------------- security and the document

API_KEY_SECURITY: Layout = (
    {"type": (1, _string), "name": (2, _string), "in": (3, _string), "description": (4, _string)},
    5,
)


def _security_definition(number: int, definition: dict[str, Any]) -> bytes:
    # SecurityDefinitionsItem is a oneof over the kinds of scheme; api_key_security is 2.
    if definition.get("type") != "apiKey":
        raise ValueError(f"security definitions of type {definition.get('type')!r} unsupported")
    return _length_field(number, _length_field(2, _encode(definition, API_KEY_SECURITY, "apiKey")))


def _security_requirement(number: int, requirement: dict[str, list[str]]) -> bytes:
    # SecurityRequirement { repeated NamedStringArray = 1 }, StringArray { repeated value = 1 }
    return _named(_wrapped(1, _strings))(number, requirement)


INFO: Layout = (
    {
        "title": (1, _string),
        "version": (2, _string),
        "description": (3, _string),
        "termsOfService": (4, _string),
    },
    7,
)
DOCUMENT: Layout = (
    {
        "swagger": (1, _string),
        "info": (2, _message(lambda: INFO, "info")),
        "host": (3, _string),
        "basePath": (4, _string),
        "schemes": (5, _strings),
        "consumes": (6, _strings),
        "produces": (7, _strings),
        "paths": (8, _paths),
        "definitions": (9, _named(_schema)),
        "security": (12, _repeated(_security_requirement)),
        "securityDefinitions": (13, _named(_security_definition)),
    },
    16,
)
