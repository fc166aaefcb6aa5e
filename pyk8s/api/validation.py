"""Validation: Kubernetes' field-error vocabulary and the checks every object goes through.

The cause builders (`required`, `invalid`, `not_supported`, ...) produce `errors.Cause`s whose
reason and message are exactly apimachinery's `field.Error` (values printed as Go prints them:
strings quoted, numbers bare, null as null), so `Invalid.of` reads like kube-apiserver's 422.

`validate_object` walks an object along its schema: missing required fields, values outside a
field's enum, then every struct's VALIDATORS hooks with the path where the struct sits.
`validate_object_meta` and `validate_object_meta_update` are the generic metadata rules that
apply to every kind (apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import orjson

from pyk8s.api import names
from pyk8s.api.errors import Cause
from pyk8s.api.schema import UPDATE_VALIDATORS, VALIDATORS, ListOf, MapOf, Scalar, Struct
from pyk8s.api.structural import fields_of, parse_time

FIELD_IMMUTABLE = "field is immutable"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"


class Verbatim(str):
    """A value printed as is in messages, as Go prints a value with a String() method."""


# ---------------------------------------------------------------- value printing


def go_quote(text: str) -> str:
    """Go's strconv.Quote: double quotes, backslash escapes, printable Unicode kept."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def format_value(value: Any) -> str:
    """A bad value as field.Error prints it."""
    if value is None:
        return "null"
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value).replace("e+0", "e+").replace("e-0", "e-")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[]string{" + ", ".join(go_quote(v) for v in value) + "}"
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


# ---------------------------------------------------------------- cause builders


def _body(title: str, detail: str) -> str:
    return f"{title}: {detail}" if detail else title


def required(path: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", _body("Required value", detail), path)


def invalid(path: str, value: Any, detail: str = "") -> Cause:
    return Cause("FieldValueInvalid", _body(f"Invalid value: {format_value(value)}", detail), path)


def not_supported(path: str, value: Any, valid: list[str] | tuple[str, ...]) -> Cause:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return Cause(
        "FieldValueNotSupported", _body(f"Unsupported value: {format_value(value)}", detail), path
    )


def duplicate(path: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", f"Duplicate value: {format_value(value)}", path)


def not_found(path: str, value: Any) -> Cause:
    return Cause("FieldValueNotFound", f"Not found: {format_value(value)}", path)


def forbidden(path: str, detail: str = "") -> Cause:
    return Cause("FieldValueForbidden", _body("Forbidden", detail), path)


def too_long(path: str, max_length: int) -> Cause:
    return Cause("FieldValueTooLong", f"Too long: must have at most {max_length} bytes", path)


def too_many(path: str, actual: int, max_items: int) -> Cause:
    return Cause(
        "FieldValueTooMany", f"Too many: {actual}: must have at most {max_items} items", path
    )


def immutable(path: str, new_value: Any) -> Cause:
    return invalid(path, new_value, FIELD_IMMUTABLE)


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# ---------------------------------------------------------------- schema-driven validation


def validate_object(obj: dict[str, Any], struct: Struct) -> list[Cause]:
    """Generic schema checks first, then the kind's own validators, duplicates removed."""
    generic: list[Cause] = []
    hooked: list[Cause] = []
    _walk_struct(obj, struct, "", generic, hooked)
    return list(dict.fromkeys(generic + hooked))


def _walk_struct(obj: dict, struct: Struct, path: str, generic: list, hooked: list) -> None:
    for hook in VALIDATORS.get(struct.name, ()):
        hooked.extend(hook(obj, path))
    for name, info in fields_of(struct).items():
        field = info.field
        value = obj.get(name)
        if value is None:
            if field.required:
                generic.append(required(f"{path}.{name}" if path else name))
            continue  # most fields are absent: their path is never built
        where = f"{path}.{name}" if path else name
        if field.enum and isinstance(value, str) and value and value not in field.enum:
            generic.append(not_supported(where, value, field.enum))
        if not isinstance(info.type, Scalar):
            _walk_value(value, info.type, where, generic, hooked)


def _walk_value(value: Any, t: Any, path: str, generic: list, hooked: list) -> None:
    if isinstance(t, Struct):
        if isinstance(value, dict):
            _walk_struct(value, t, path, generic, hooked)
    elif isinstance(t, ListOf):
        if isinstance(value, list) and not isinstance(t.item, Scalar):
            for i, item in enumerate(value):
                _walk_value(item, t.item, f"{path}[{i}]", generic, hooked)
    elif isinstance(t, MapOf) and isinstance(value, dict) and not isinstance(t.value, Scalar):
        for key, item in value.items():
            _walk_value(item, t.value, f"{path}[{key}]", generic, hooked)


def validate_update(new: dict[str, Any], old: dict[str, Any], struct: Struct) -> list[Cause]:
    """The kind's update rules (immutable fields, allowed transitions)."""
    causes: list[Cause] = []
    for hook in UPDATE_VALIDATORS.get(struct.name, ()):
        causes.extend(hook(new, old))
    return list(dict.fromkeys(causes))


# ---------------------------------------------------------------- object metadata


def validate_object_meta(
    meta: dict[str, Any],
    *,
    namespaced: bool,
    name_check: Callable[[str], list[str]] = names.is_dns1123_subdomain,
    path: str = "metadata",
) -> list[Cause]:
    causes: list[Cause] = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        for msg in name_check(names.mask_trailing_dash(generate_name)):
            causes.append(invalid(child(path, "generateName"), generate_name, msg))
    name = meta.get("name") or ""
    if not name:
        causes.append(required(child(path, "name"), "name or generateName is required"))
    else:
        causes.extend(invalid(child(path, "name"), name, msg) for msg in name_check(name))
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            causes.append(required(child(path, "namespace")))
        else:
            causes.extend(
                invalid(child(path, "namespace"), namespace, msg)
                for msg in names.is_dns1123_label(namespace)
            )
    elif namespace:
        causes.append(forbidden(child(path, "namespace"), "not allowed on this type"))
    generation = meta.get("generation") or 0
    if isinstance(generation, int) and generation < 0:
        causes.append(
            invalid(child(path, "generation"), generation, "must be greater than or equal to 0")
        )
    causes.extend(_validate_meta_common(meta, path))
    return causes


def _validate_meta_common(meta: dict[str, Any], path: str) -> list[Cause]:
    causes = validate_labels(meta.get("labels") or {}, child(path, "labels"))
    causes += validate_annotations(meta.get("annotations") or {}, child(path, "annotations"))
    causes += validate_owner_references(
        meta.get("ownerReferences") or [], child(path, "ownerReferences")
    )
    causes += validate_finalizers(meta.get("finalizers") or [], child(path, "finalizers"))
    causes += validate_managed_fields(meta.get("managedFields") or [], child(path, "managedFields"))
    return causes


def validate_labels(labels: dict[str, str], path: str) -> list[Cause]:
    causes = []
    for key, value in labels.items():
        causes.extend(invalid(path, key, msg) for msg in names.is_qualified_name(key))
        if isinstance(value, str):
            causes.extend(invalid(path, value, msg) for msg in names.is_valid_label_value(value))
    return causes


def validate_annotations(annotations: dict[str, str], path: str) -> list[Cause]:
    causes = []
    total = 0
    for key, value in annotations.items():
        # Annotation keys follow the label-key rules, except that case does not matter.
        causes.extend(invalid(path, key, msg) for msg in names.is_qualified_name(key.lower()))
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return causes


def validate_owner_references(refs: list[dict[str, Any]], path: str) -> list[Cause]:
    causes = []
    first_controller = ""
    for ref in refs:
        api_version = ref.get("apiVersion") or ""
        parts = api_version.split("/")
        version = parts[-1] if len(parts) <= 2 else ""
        if not version:
            causes.append(
                invalid(child(path, "apiVersion"), api_version, "version must not be empty")
            )
        for name in ("kind", "name", "uid"):
            if not ref.get(name):
                causes.append(invalid(child(path, name), ref.get(name) or "", "must not be empty"))
        if version == "v1" and len(parts) == 1 and ref.get("kind") == "Event":
            causes.append(
                invalid(
                    path, Verbatim("Event"), "/v1, Kind=Event is disallowed from being an owner"
                )
            )
        if ref.get("controller") is True:
            current = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if first_controller:
                causes.append(
                    invalid(
                        path,
                        refs,
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return causes


def validate_finalizers(finalizers: list[str], path: str) -> list[Cause]:
    causes = []
    for finalizer in finalizers:
        causes.extend(invalid(path, finalizer, msg) for msg in names.is_qualified_name(finalizer))
    if FINALIZER_ORPHAN in finalizers and FINALIZER_FOREGROUND in finalizers:
        causes.append(
            invalid(
                path,
                finalizers,
                f"finalizer {FINALIZER_ORPHAN} and {FINALIZER_FOREGROUND} cannot be both set",
            )
        )
    return causes


def validate_managed_fields(entries: list[dict[str, Any]], path: str) -> list[Cause]:
    causes = []
    for i, entry in enumerate(entries):
        where = f"{path}[{i}]"
        operation = entry.get("operation") or ""
        if operation not in ("Apply", "Update"):
            causes.append(
                invalid(child(where, "operation"), operation, "must be `Apply` or `Update`")
            )
        fields_type = entry.get("fieldsType") or ""
        if fields_type and fields_type != "FieldsV1":
            causes.append(invalid(child(where, "fieldsType"), fields_type, "must be `FieldsV1`"))
    return causes


def validate_object_meta_update(
    new_meta: dict[str, Any], old_meta: dict[str, Any], path: str = "metadata"
) -> list[Cause]:
    """What may not change in metadata, plus the create-time rules applied to the new value.

    The resourceVersion precondition is the registry's business (it fills it in for
    unconditional updates), so it is not checked here.
    """
    causes: list[Cause] = []
    if old_meta.get("deletionTimestamp"):
        added = sorted(
            set(new_meta.get("finalizers") or ()) - set(old_meta.get("finalizers") or ())
        )
        if added:
            causes.append(
                forbidden(
                    child(path, "finalizers"),
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {format_value(added)}",
                )
            )
    new_generation = new_meta.get("generation") or 0
    if new_generation < (old_meta.get("generation") or 0):
        causes.append(invalid(child(path, "generation"), new_generation, "must not be decremented"))
    for name, zero in _IMMUTABLE_META.items():
        new_value, old_value = new_meta.get(name, zero), old_meta.get(name, zero)
        if new_value != old_value:
            causes.append(immutable(child(path, name), _immutable_value(name, new_value)))
    causes.extend(_validate_meta_common(new_meta, path))
    return causes


# Field -> its value when absent (Go compares zero values, so "" and absent are the same).
_IMMUTABLE_META = {
    "name": "",
    "namespace": "",
    "uid": "",
    "creationTimestamp": None,
    "deletionTimestamp": None,
    "deletionGracePeriodSeconds": None,
}


def _immutable_value(name: str, value: Any) -> Any:
    """Times print as Go's time.Time.String() does, e.g. "2024-05-01 12:00:00 +0000 UTC"."""
    if name in ("creationTimestamp", "deletionTimestamp") and isinstance(value, str):
        moment = parse_time(value)
        if moment is not None:
            return Verbatim(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC"))
    if name == "creationTimestamp" and value is None:
        return Verbatim("0001-01-01 00:00:00 +0000 UTC")
    return value
