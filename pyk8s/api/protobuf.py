"""Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) to JSON-shaped dicts.

kubectl's typed clients send objects as protobuf: the magic bytes "k8s\\0", then a
runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}
whose `raw` is the object encoded with the field numbers of Kubernetes' generated.proto files.
Those numbers live in our schema (Field.number), so one generic decoder covers every kind.

Guarantees:
- proto2 semantics: senders emit every non-pointer field, zero or not, so a zero value
  ("", 0, false, an empty message) of a non-pointer field decodes to "absent"; pointer fields
  keep zeros (`replicas: 0` stays);
- metav1 types come out as their JSON text: Time as "2006-01-02T15:04:05Z", MicroTime with 6
  fractional digits, Duration as Go prints it ("1m30s"), Quantity and IntOrString as in JSON,
  RawExtension as parsed JSON, []byte as base64;
- fields inlined in JSON but nested in protobuf (`Field.embedded_in`) land in the parent dict;
- unknown field numbers are skipped; malformed input raises BadRequest, never anything else.
"""

from __future__ import annotations

import base64
import re
import struct as binary
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from pyk8s.api import quantity
from pyk8s.api import resource as resources
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
    STRUCTS,
    TIME,
    ListOf,
    MapOf,
    Scalar,
    Struct,
)
from pyk8s.api.structural import fields_of, format_time, parse_time, resolve_deep

MAGIC = b"k8s\x00"
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# time.Time{} (year 1) as Unix seconds: Go's zero time, which JSON renders as null.
_GO_ZERO_TIME_SECONDS = -62135596800
META_V1 = "io.k8s.apimachinery.pkg.apis.meta.v1."


class _Malformed(Exception):
    pass


# What a hostile or truncated body can make the walk raise; all of it becomes a 400.
_DECODE_FAILURES = (_Malformed, TypeError, ValueError, OverflowError, RecursionError, binary.error)


# ---------------------------------------------------------------- public API


def decode_object(data: bytes) -> dict[str, Any]:
    """A whole request body (envelope included) -> the object, with apiVersion and kind set."""
    try:
        if not data.startswith(MAGIC):
            raise _Malformed("the body does not start with the Kubernetes protobuf prefix")
        envelope = _fields(memoryview(data)[len(MAGIC) :])
        type_meta = _fields(envelope.get(1, [b""])[-1])
        api_version = _text(type_meta.get(1, [b""])[-1])
        kind = _text(type_meta.get(2, [b""])[-1])
        encoding = _text(envelope.get(3, [b""])[-1])
        if encoding:
            raise _Malformed(f"unsupported content encoding {encoding!r}")
        struct = struct_for_kind(api_version, kind)
        obj = {"apiVersion": api_version, "kind": kind}
        obj.update(_decode(envelope.get(2, [b""])[-1], struct))
        return obj
    except _DECODE_FAILURES as error:
        raise BadRequest(f"unable to decode protobuf body: {error}") from None


def decode_message(data: bytes, struct: Struct) -> dict[str, Any]:
    """The `raw` bytes of one message (no envelope) -> a JSON-shaped dict."""
    try:
        return _decode(memoryview(data), struct)
    except _DECODE_FAILURES as error:
        raise BadRequest(f"unable to decode protobuf body: {error}") from None


def encode_object(obj: dict[str, Any], struct: Struct) -> bytes:
    """The reverse of decode_object: envelope + object (for clients and tests)."""
    type_meta = _string_field(1, obj.get("apiVersion", "")) + _string_field(2, obj.get("kind", ""))
    envelope = (
        _length_field(1, type_meta)
        + _length_field(2, encode_message(obj, struct))
        + _string_field(3, "")
        + _string_field(4, "")
    )
    return MAGIC + envelope


def struct_for_kind(api_version: str, kind: str) -> Struct:
    """The schema of a kind: a registered resource, else a struct named after its group."""
    found = resources.find_kind(api_version, kind)
    if found is not None:
        return found.struct
    group, _, version = api_version.rpartition("/")
    short_group = group.split(".")[0] if group else "core"
    for name in (f"io.k8s.api.{short_group}.{version}.{kind}", META_V1 + kind):
        if name in STRUCTS:
            return STRUCTS[name]
    suffix = f".{version}.{kind}"
    for name, struct in STRUCTS.items():
        if name.endswith(suffix):
            return struct
    raise _Malformed(f'no kind "{kind}" is registered for version "{api_version}"')


# ---------------------------------------------------------------- wire reading


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _Malformed("truncated or overlong varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: memoryview | bytes) -> dict[int, list[Any]]:
    """Group a message's fields by number: varints as ints, the rest as byte views."""
    buf = memoryview(buf)
    found: dict[int, list[Any]] = {}
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = _varint(buf, pos)
        elif wire == LENGTH:
            size, pos = _varint(buf, pos)
            if pos + size > end:
                raise _Malformed(f"field {number} runs past the end of its message")
            value, pos = buf[pos : pos + size], pos + size
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > end:
                raise _Malformed(f"field {number} runs past the end of its message")
            value, pos = buf[pos : pos + width], pos + width
        else:
            raise _Malformed(f"unsupported wire type {wire} for field {number}")
        if number == 0:
            raise _Malformed("field number 0 is not allowed")
        found.setdefault(number, []).append(value)
    return found


def _text(value: Any) -> str:
    if isinstance(value, int):
        raise _Malformed("expected a string, found a number")
    return bytes(value).decode("utf-8", errors="replace")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


# ---------------------------------------------------------------- decoding


def _decode(buf: memoryview | bytes, struct: Struct) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    table = fields_of(struct)
    for number, values in _fields(buf).items():
        field = struct.field_by_number(number)
        if field is None:
            embedded = struct.embedded_struct(number)
            if embedded is not None:
                for value in values:
                    obj.update(_decode(_bytes_of(value), embedded))
            continue
        t = table[field.name].type if field.name in table else resolve_deep(field.type)
        decoded = _decode_field(values, t)
        if decoded is None or (not field.pointer and _is_zero(decoded, t)):
            continue
        obj[field.name] = decoded
    return obj


def _decode_field(values: list[Any], t: Any) -> Any:
    if isinstance(t, ListOf):
        items: list[Any] = []
        for value in values:
            if isinstance(t.item, Scalar) and t.item.wire in ("varint", "bool", "double"):
                items.extend(_unpack(value, t.item))
            else:
                items.append(_decode_single(value, t.item, keep_zero=True))
        return items
    if isinstance(t, MapOf):
        entries: dict[str, Any] = {}
        for value in values:
            entry = _fields(_bytes_of(value))
            key = _text(entry.get(1, [b""])[-1])
            raw = entry.get(2)
            entries[key] = (
                _decode_single(raw[-1], t.value, keep_zero=True) if raw else _zero_value(t.value)
            )
        return entries
    if isinstance(t, Struct):
        merged: dict[str, Any] = {}
        for value in values:
            merged.update(_decode(_bytes_of(value), t))
        return merged
    return _decode_single(values[-1], t, keep_zero=False)


def _unpack(value: Any, item: Scalar) -> list[Any]:
    """A repeated number field, packed (one byte run) or not (one varint per entry)."""
    if isinstance(value, int):
        return [_decode_single(value, item, keep_zero=True)]
    buf, pos, out = memoryview(value), 0, []
    if item.wire == "double":
        if len(buf) % 8:
            raise _Malformed("packed doubles are not a multiple of 8 bytes")
        return [binary.unpack_from("<d", buf, i)[0] for i in range(0, len(buf), 8)]
    while pos < len(buf):
        number, pos = _varint(buf, pos)
        out.append(_decode_single(number, item, keep_zero=True))
    return out


def _bytes_of(value: Any) -> memoryview:
    if isinstance(value, int):
        raise _Malformed("expected a message, found a number")
    return memoryview(value)


def _decode_single(value: Any, t: Any, *, keep_zero: bool) -> Any:
    if isinstance(t, Struct):
        return _decode(_bytes_of(value), t)
    wire = t.wire
    if wire == "string":
        return _text(value)
    if wire == "bytes":
        return base64.b64encode(_bytes_of(value)).decode()
    if wire in ("varint", "bool"):
        if not isinstance(value, int):
            raise _Malformed(f"expected a number for a {t.name} field")
        return value != 0 if t is BOOL else _signed(value)
    if wire == "double":
        if isinstance(value, int) or len(value) != 8:
            raise _Malformed("expected 8 bytes for a double")
        return binary.unpack("<d", value)[0]
    message = _fields(_bytes_of(value))
    return _MESSAGE_DECODERS[wire](message, keep_zero)


def _first(message: dict[int, list[Any]], number: int, default: Any) -> Any:
    values = message.get(number)
    return values[-1] if values else default


def _decode_time(message: dict, keep_zero: bool, micro: bool = False) -> str | None:
    seconds = _signed(_first(message, 1, 0))
    nanos = _signed(_first(message, 2, 0))
    if not message or seconds == _GO_ZERO_TIME_SECONDS:
        return None  # Go's zero time: JSON null, i.e. absent
    try:
        moment = _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
    except OverflowError:
        raise _Malformed(f"time out of range: {seconds}s") from None
    return format_time(moment, micro=micro)


def _decode_duration(message: dict, keep_zero: bool) -> str:
    return format_go_duration(_signed(_first(message, 1, 0)))


def _decode_quantity(message: dict, keep_zero: bool) -> str:
    return _text(_first(message, 1, b"")) or "0"


def _decode_int_or_string(message: dict, keep_zero: bool) -> int | str:
    if _first(message, 1, 0) == 1:
        return _text(_first(message, 3, b""))
    return _signed(_first(message, 2, 0))


def _decode_raw(message: dict, keep_zero: bool) -> Any:
    raw = bytes(_first(message, 1, b""))
    if not raw:
        return None
    if raw.startswith(MAGIC):
        return decode_object(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _Malformed(f"embedded object is not JSON: {error}") from None


_MESSAGE_DECODERS = {
    "time": _decode_time,
    "microtime": lambda message, keep_zero: _decode_time(message, keep_zero, micro=True),
    "duration": _decode_duration,
    "quantity": _decode_quantity,
    "intorstring": _decode_int_or_string,
    "raw": _decode_raw,
}


def _is_zero(value: Any, t: Any) -> bool:
    if value in ("", 0, False, {}, []):  # 0.0 == 0 and False == 0 as well
        return True
    return (t is DURATION and value == "0s") or (t is QUANTITY and value == "0")


def _zero_value(t: Any) -> Any:
    if isinstance(t, Struct | MapOf):
        return {}
    if isinstance(t, ListOf):
        return []
    return {INT32: 0, INT64: 0, FLOAT64: 0.0, BOOL: False, QUANTITY: "0", DURATION: "0s"}.get(
        t, "" if t is not RAW else None
    )


# ---------------------------------------------------------------- Go durations

_DURATION_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9}
_DURATION_UNITS |= {"m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def format_go_duration(nanos: int) -> str:
    """time.Duration.String(): "1h0m0s", "1m30s", "1.5s", "300ms", "0s"."""
    if nanos == 0:
        return "0s"
    sign, u = ("-" if nanos < 0 else ""), abs(nanos)
    if u < 10**9:
        unit, precision = ("ns", 0) if u < 10**3 else ("µs", 3) if u < 10**6 else ("ms", 6)
        return sign + _with_fraction(u, precision) + unit
    seconds = u // 10**9
    text = _with_fraction(u % 10**9 + (seconds % 60) * 10**9, 9) + "s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        if minutes // 60:
            text = f"{minutes // 60}h{text}"
    return sign + text


def _with_fraction(value: int, precision: int) -> str:
    whole, fraction = divmod(value, 10**precision) if precision else (value, 0)
    digits = str(fraction).rjust(precision, "0").rstrip("0") if precision else ""
    return f"{whole}.{digits}" if digits else str(whole)


def parse_go_duration(text: str) -> int:
    """Go duration text -> nanoseconds (ValueError when it is not one)."""
    body = text.lstrip("+-")
    if body == "0":
        return 0
    pos, total = 0, 0.0
    exact = 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != pos:
            break
        number, unit = match.groups()
        if "." in number:
            total += float(number) * _DURATION_UNITS[unit]
        else:
            exact += int(number) * _DURATION_UNITS[unit]
        pos = match.end()
    if pos != len(body) or not body:
        raise ValueError(f'time: invalid duration "{text}"')
    result = exact + round(total)
    return -result if text.startswith("-") else result


# ---------------------------------------------------------------- encoding


def _varint_bytes(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint_bytes(number << 3 | wire)


def _length_field(number: int, payload: bytes) -> bytes:
    return _key(number, LENGTH) + _varint_bytes(len(payload)) + payload


def _string_field(number: int, text: str) -> bytes:
    return _length_field(number, text.encode())


def encode_message(obj: dict[str, Any], struct: Struct) -> bytes:
    out = bytearray()
    embedded: dict[int, dict[str, Any]] = {}
    for info in fields_of(struct).values():
        field = info.field
        value = obj.get(field.name)
        if value is None or not field.number:
            continue
        if field.embedded_in:
            embedded.setdefault(field.embedded_in, {})[field.name] = value
            continue
        out += _encode_field(field.number, value, info.type)
    for number, members in sorted(embedded.items()):
        inner = struct.embedded_struct(number)
        if inner is not None:
            out += _length_field(number, encode_message(members, inner))
    return bytes(out)


def _encode_field(number: int, value: Any, t: Any) -> bytes:
    if isinstance(t, ListOf):
        return b"".join(_encode_single(number, item, t.item) for item in value)
    if isinstance(t, MapOf):
        out = b""
        for key in sorted(value):
            entry = _string_field(1, key) + _encode_single(2, value[key], t.value)
            out += _length_field(number, entry)
        return out
    return _encode_single(number, value, t)


def _encode_single(number: int, value: Any, t: Any) -> bytes:
    if isinstance(t, Struct):
        return _length_field(number, encode_message(value, t))
    if t is STRING:
        return _string_field(number, value)
    if t is BYTES:
        return _length_field(number, base64.b64decode(value))
    if t in (INT32, INT64, BOOL):
        return _key(number, VARINT) + _varint_bytes(int(value))
    if t is FLOAT64:
        return _key(number, FIXED64) + binary.pack("<d", float(value))
    return _length_field(number, _encode_message_scalar(value, t))


def _encode_message_scalar(value: Any, t: Scalar) -> bytes:
    if t in (TIME, MICROTIME):
        moment = parse_time(value)
        if moment is None:
            raise ValueError(f"not an RFC 3339 time: {value!r}")
        delta = moment - _EPOCH
        seconds = delta.days * 86400 + delta.seconds
        return (
            _key(1, VARINT)
            + _varint_bytes(seconds)
            + _key(2, VARINT)
            + _varint_bytes(delta.microseconds * 1000)
        )
    if t is DURATION:
        return _key(1, VARINT) + _varint_bytes(parse_go_duration(value))
    if t is QUANTITY:
        return _string_field(1, quantity.canonical(value))
    if t is INT_OR_STRING:
        if isinstance(value, str):
            return _key(1, VARINT) + b"\x01" + _string_field(3, value)
        return _key(1, VARINT) + b"\x00" + _key(2, VARINT) + _varint_bytes(value)
    if t is RAW:
        return _length_field(1, orjson.dumps(value))
    raise ValueError(f"cannot encode a {t.name} value")
