"""What the API server does to a JSON body before anything else: check it against the schema.

- `unknown_fields` lists fields the schema does not know, with the paths Kubernetes prints in
  'strict decoding error: unknown field "spec.foo"' (maps and RAW values are free-form);
- `prune_unknown` drops them, as decoding into Go structs does;
- `check_types` rejects a value of the wrong JSON type with the message Go's JSON decoder
  gives ('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of
  type int32'); null is accepted anywhere and means "absent";
- `normalize` makes the object look as if it had been decoded into Go structs and encoded
  again: nulls dropped, quantities in canonical form, times in RFC 3339 UTC.

Every walker here and in defaults.py, validation.py and protobuf.py reads a struct through
`fields_of`, which resolves string references once per struct and caches the result.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyk8s.api import quantity
from pyk8s.api.errors import BadRequest
from pyk8s.api.schema import (
    BOOL,
    BYTES,
    DURATION,
    FLOAT64,
    INT32,
    INT64,
    INT_OR_STRING,
    MICROTIME,
    QUANTITY,
    RAW,
    STRING,
    TIME,
    Field,
    ListOf,
    MapOf,
    Scalar,
    Struct,
    resolve,
)

Resolved = Scalar | Struct | ListOf | MapOf


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A field with its type resolved all the way down (ListOf/MapOf hold resolved types)."""

    field: Field
    type: Resolved


_FIELDS: dict[str, dict[str, FieldInfo]] = {}


def resolve_deep(t: Any) -> Resolved:
    resolved = resolve(t)
    if isinstance(resolved, ListOf):
        return ListOf(resolve_deep(resolved.item))
    if isinstance(resolved, MapOf):
        return MapOf(resolve_deep(resolved.value))
    return resolved


def fields_of(struct: Struct) -> dict[str, FieldInfo]:
    """name -> FieldInfo for a struct, computed on first use."""
    table = _FIELDS.get(struct.name)
    if table is None or len(table) != len(struct.fields):
        table = {f.name: FieldInfo(f, resolve_deep(f.type)) for f in struct.fields}
        _FIELDS[struct.name] = table
    return table


# ---------------------------------------------------------------- unknown fields


def unknown_fields(obj: dict[str, Any], struct: Struct) -> list[str]:
    found: list[str] = []
    _find_unknown(obj, struct, "", found, prune=False)
    return found


def prune_unknown(obj: dict[str, Any], struct: Struct) -> None:
    _find_unknown(obj, struct, "", [], prune=True)


def _find_unknown(obj: dict, struct: Struct, path: str, found: list[str], prune: bool) -> None:
    table = fields_of(struct)
    for name in list(obj):
        info = table.get(name)
        child = f"{path}.{name}" if path else name
        if info is None:
            found.append(child)
            if prune:
                del obj[name]
            continue
        _unknown_in_value(obj[name], info.type, child, found, prune)


def _unknown_in_value(value: Any, t: Resolved, path: str, found: list[str], prune: bool) -> None:
    if isinstance(t, Struct):
        if isinstance(value, dict):
            _find_unknown(value, t, path, found, prune)
    elif isinstance(t, ListOf):
        if isinstance(value, list) and not isinstance(t.item, Scalar):
            for i, item in enumerate(value):
                _unknown_in_value(item, t.item, f"{path}[{i}]", found, prune)
    elif isinstance(t, MapOf) and isinstance(value, dict) and not isinstance(t.value, Scalar):
        for key, item in value.items():
            _unknown_in_value(item, t.value, f"{path}[{key}]", found, prune)


# ---------------------------------------------------------------- type checks

_JSON_KIND = {str: "string", bool: "bool", int: "number", float: "number", list: "array"}
_GO_SCALAR = {
    STRING: "string",
    INT32: "int32",
    INT64: "int64",
    BOOL: "bool",
    FLOAT64: "float64",
    BYTES: "[]uint8",
    # Time and Duration unmarshal through a Go string; IntOrString's number through an int32.
    TIME: "string",
    MICROTIME: "string",
    DURATION: "string",
    INT_OR_STRING: "int32",
}
_INT_RANGE = {INT32: (-(2**31), 2**31 - 1), INT64: (-(2**63), 2**63 - 1)}
_GO_DURATION = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+|[-+]?0")


class _Mismatch(Exception):
    """Raised inside the walk; check_types turns it into Kubernetes' message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_types(obj: dict[str, Any], struct: Struct, *, kind: str, api_version: str) -> None:
    try:
        _check_struct(obj, struct, "")
    except _Mismatch as mismatch:
        version = api_version.rsplit("/", 1)[-1]
        raise BadRequest(
            f'{kind} in version "{version}" cannot be handled as a {kind}: {mismatch.message}'
        ) from None


def go_type_name(t: Resolved) -> str:
    """How Go names the type in decoding errors: "int32", "[]v1.Container", "v1.PodSpec"."""
    if isinstance(t, Struct):
        parts = t.name.rsplit(".", 2)
        return ".".join(parts[-2:])
    if isinstance(t, ListOf):
        return "[]" + go_type_name(t.item)
    if isinstance(t, MapOf):
        return "map[string]" + go_type_name(t.value)
    return {QUANTITY: "resource.Quantity", RAW: "runtime.RawExtension"}.get(t) or _GO_SCALAR[t]


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    return _JSON_KIND.get(type(value), "value")


def _check_struct(obj: dict, struct: Struct, path: str) -> None:
    table = fields_of(struct)
    for name, value in obj.items():
        info = table.get(name)
        if info is None or value is None:
            continue
        child = f"{path}.{name}" if path else name
        _check_value(value, info.type, struct.short_name, child)


def _check_value(value: Any, t: Resolved, owner: str, path: str) -> None:
    """`owner` and `path` are what Go reports: the innermost struct and the dotted field path."""
    if value is None:
        return
    if isinstance(t, Struct):
        if not isinstance(value, dict):
            _mismatch(value, t, owner, path)
        _check_struct(value, t, path)
    elif isinstance(t, ListOf):
        if not isinstance(value, list):
            _mismatch(value, t, owner, path)
        for item in value:
            _check_value(item, t.item, owner, path)
    elif isinstance(t, MapOf):
        if not isinstance(value, dict):
            _mismatch(value, t, owner, path)
        for item in value.values():
            _check_value(item, t.value, owner, path)
    else:
        _check_scalar(value, t, owner, path)


def _mismatch(value: Any, t: Resolved, owner: str, path: str, shown: str = "") -> None:
    what = shown or _json_kind(value)
    raise _Mismatch(
        f"json: cannot unmarshal {what} into Go struct field {owner}.{path} "
        f"of type {go_type_name(t)}"
    )


def _check_scalar(value: Any, t: Scalar, owner: str, path: str) -> None:
    if t is RAW:
        return
    if t is QUANTITY:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _Mismatch(quantity.FORMAT_ERROR)
        try:
            quantity.Quantity.parse(value)
        except quantity.QuantityError as error:
            raise _Mismatch(str(error)) from None
        return
    if t is INT_OR_STRING:
        if isinstance(value, str):
            return
        t = INT32
    if t in (INT32, INT64):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _mismatch(value, t, owner, path)
        low, high = _INT_RANGE[t]
        if isinstance(value, float) or not low <= value <= high:
            _mismatch(value, t, owner, path, f"number {_number_text(value)}")
    elif t is FLOAT64:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _mismatch(value, t, owner, path)
    elif t is BOOL:
        if not isinstance(value, bool):
            _mismatch(value, t, owner, path)
    elif not isinstance(value, str):
        _mismatch(value, t, owner, path)
    elif t in (TIME, MICROTIME):
        if parse_time(value) is None:
            raise _Mismatch(
                f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": '
                f'cannot parse "{value}" as "2006"'
            )
    elif t is DURATION:
        if not _GO_DURATION.fullmatch(value):
            raise _Mismatch(f'time: invalid duration "{value}"')
    elif t is BYTES:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _Mismatch("illegal base64 data at input byte 0") from None


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return repr(value)
    return str(value)


# ---------------------------------------------------------------- normalize


def normalize(obj: dict[str, Any], struct: Struct) -> None:
    """In place: the object as a Go decode + encode round trip would leave it."""
    _normalize_struct(obj, struct)


def _normalize_struct(obj: dict, struct: Struct) -> None:
    table = fields_of(struct)
    for name in list(obj):
        value = obj[name]
        if value is None:
            del obj[name]
            continue
        info = table.get(name)
        if info is not None:
            obj[name] = _normalize_value(value, info.type)


def _normalize_value(value: Any, t: Resolved) -> Any:
    if isinstance(t, Struct):
        if isinstance(value, dict):
            _normalize_struct(value, t)
        return value
    if isinstance(t, ListOf):
        if isinstance(value, list):
            return [_normalize_value(_zero_if_null(v, t.item), t.item) for v in value]
        return value
    if isinstance(t, MapOf):
        if isinstance(value, dict):
            for key, item in value.items():
                value[key] = _normalize_value(_zero_if_null(item, t.value), t.value)
        return value
    return _normalize_scalar(value, t)


def _zero_if_null(value: Any, t: Resolved) -> Any:
    """A null list item or map value decodes to the Go zero value of its type."""
    if value is not None:
        return value
    if isinstance(t, Struct | MapOf):
        return {}
    if isinstance(t, ListOf):
        return []
    return {INT32: 0, INT64: 0, FLOAT64: 0, BOOL: False, QUANTITY: "0", RAW: None}.get(t, "")


def _normalize_scalar(value: Any, t: Scalar) -> Any:
    if t is QUANTITY and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return quantity.canonical(value)
        except quantity.QuantityError:
            return value
    if t in (TIME, MICROTIME) and isinstance(value, str):
        parsed = parse_time(value)
        if parsed is not None:
            return format_time(parsed, micro=t is MICROTIME)
    return value


# ---------------------------------------------------------------- time helpers

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime, or None when it does not parse."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    normalized = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    offset = "+00:00" if zone in ("Z", "z") else zone
    try:
        parsed = datetime.fromisoformat(normalized + offset)
    except ValueError:
        return None
    return parsed.replace(microsecond=micros)


def format_time(moment: datetime, *, micro: bool = False) -> str:
    """metav1.Time text ("2024-05-01T12:00:00Z"), or MicroTime's with 6 fractional digits."""
    utc = moment.astimezone(UTC)
    if micro:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
