"""core/v1 kinds other than pods: configuration, accounts and namespaces.

ConfigMap, Secret, ServiceAccount, Namespace, ComponentStatus and RangeAllocation live here;
the rest of core/v1 is split by topic: core_node.py, core_service.py, core_storage.py,
core_event.py (events) and core_quota.py (LimitRange, ResourceQuota). Pods and the structs
they are built from are in core_pod.py.

Defaults and validation follow pkg/apis/core/v1/defaults.go and pkg/apis/core/validation
(v1.32): a Secret's stringData is folded into data before anything else looks at it, as
Kubernetes' conversion does; config keys are checked with Kubernetes' own messages; once
`immutable` is true, data may no longer change.
"""

import base64
import binascii
import json
import re
from typing import Any

from pyk8s.api import names, validation
from pyk8s.api.errors import Cause
from pyk8s.api.resource import VERBS_NO_DELETECOLLECTION, Resource, Subresource, register
from pyk8s.api.schema import (
    BOOL,
    BYTES,
    STRING,
    TIME,
    F,
    ListOf,
    MapOf,
    defaulter,
    define,
    update_validator,
    validator,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
CORE = "io.k8s.api.core.v1."

# Kubernetes caps a Secret's (and a ConfigMap's) payload at 1 MiB.
MAX_SECRET_SIZE = 1024 * 1024
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")

define(
    CORE + "ConfigMap",
    "Non-secret configuration data, as key-value pairs, for pods to read.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("data", 2, MapOf(STRING), "UTF-8 configuration values, by key."),
    F("binaryData", 3, MapOf(BYTES), "Binary configuration values, by key; base64 in JSON."),
    F("immutable", 4, BOOL, "When true, data and binaryData can no longer change.", pointer=True),
)

define(
    CORE + "Secret",
    "Sensitive data (passwords, tokens, keys) kept apart from pod specs.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("data", 2, MapOf(BYTES), "The secret values, by key; base64 in JSON."),
    F(
        "type",
        3,
        STRING,
        "What the secret holds, which decides its required keys.",
        default="Opaque",
    ),
    F(
        "stringData",
        4,
        MapOf(STRING),
        "Write-only plain-text values, merged into data when written.",
    ),
    F("immutable", 5, BOOL, "When true, data can no longer change.", pointer=True),
)

define(
    CORE + "ServiceAccount",
    "An identity for processes running in pods, with the secrets they may use.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F(
        "secrets",
        2,
        ListOf(CORE + "ObjectReference"),
        "Secrets in this namespace that pods running as this account may use.",
        patch_strategy="merge",
        patch_merge_key="name",
        list_type="map",
        list_map_keys=("name",),
    ),
    F(
        "imagePullSecrets",
        3,
        ListOf(CORE + "LocalObjectReference"),
        "Secrets used to pull images for pods running as this account.",
        list_type="atomic",
    ),
    F(
        "automountServiceAccountToken",
        4,
        BOOL,
        "Whether pods running as this account get an API token mounted by default.",
        pointer=True,
    ),
)

define(
    CORE + "NamespaceCondition",
    "One observed aspect of a namespace's state.",
    F("type", 1, STRING, "The kind of condition.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("lastTransitionTime", 4, TIME, "When the condition last changed status."),
    F("reason", 5, STRING, "A one-word CamelCase reason for the last transition."),
    F("message", 6, STRING, "A human-readable explanation of the last transition."),
)

define(
    CORE + "NamespaceSpec",
    "What a namespace needs before it can be removed.",
    F(
        "finalizers",
        1,
        ListOf(STRING),
        "Finalizers that must all be gone before the namespace is deleted from storage.",
        list_type="atomic",
    ),
)

define(
    CORE + "NamespaceStatus",
    "The observed state of a namespace.",
    F("phase", 1, STRING, "Active, or Terminating once deletion has begun."),
    F(
        "conditions",
        2,
        ListOf(CORE + "NamespaceCondition"),
        "The latest observations of the namespace's state.",
        patch_strategy="merge",
        patch_merge_key="type",
        list_type="map",
        list_map_keys=("type",),
    ),
)

define(
    CORE + "Namespace",
    "A scope for names: most objects live in exactly one namespace.",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F("spec", 2, CORE + "NamespaceSpec", "The desired behaviour of the namespace."),
    F("status", 3, CORE + "NamespaceStatus", "The observed state of the namespace."),
)

define(
    CORE + "ComponentCondition",
    "The health of one control-plane component.",
    F("type", 1, STRING, "The kind of condition; only Healthy exists.", required=True),
    F("status", 2, STRING, "True, False or Unknown.", required=True),
    F("message", 3, STRING, "What the health check saw."),
    F("error", 4, STRING, "The health check's error, if any."),
)

define(
    CORE + "ComponentStatus",
    "The health of a control-plane component (deprecated, computed on request).",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F(
        "conditions",
        2,
        ListOf(CORE + "ComponentCondition"),
        "The observed conditions of the component.",
        patch_strategy="merge",
        patch_merge_key="type",
    ),
)

# Not served over the API: the API server's own record of which service IPs and node ports
# are taken, stored as a bitmap.
define(
    CORE + "RangeAllocation",
    "A bitmap of the allocated values in a range (internal).",
    F("apiVersion", 0, STRING, "The versioned schema of this object."),
    F("kind", 0, STRING, "The type of this object, in CamelCase."),
    F("metadata", 1, META + "ObjectMeta", "Standard object metadata."),
    F(
        "range",
        2,
        STRING,
        "The range the bitmap covers, e.g. a CIDR or a port range.",
        required=True,
    ),
    F("data", 3, BYTES, "One bit per value of the range, set when allocated.", required=True),
)


def _register_core(kind: str, plural: str, **options: Any) -> None:
    register(
        Resource(
            group="",
            version="v1",
            kind=kind,
            plural=plural,
            singular=kind.lower(),
            schema=CORE + kind,
            **options,
        )
    )


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, ("get", "patch", "update"))


_register_core("ConfigMap", "configmaps", namespaced=True, short_names=("cm",))
_register_core("Secret", "secrets", namespaced=True)
_register_core(
    "ServiceAccount",
    "serviceaccounts",
    namespaced=True,
    short_names=("sa",),
    subresources=(
        Subresource("token", "TokenRequest", ("create",), "authentication.k8s.io", "v1"),
    ),
)
_register_core(
    "Namespace",
    "namespaces",
    namespaced=False,
    short_names=("ns",),
    verbs=VERBS_NO_DELETECOLLECTION,
    subresources=(Subresource("finalize", "Namespace", ("update",)), _status("Namespace")),
)
_register_core(
    "ComponentStatus",
    "componentstatuses",
    namespaced=False,
    short_names=("cs",),
    verbs=("get", "list"),
    stored=False,
)


# --- defaulting -----------------------------------------------------------------------------


@defaulter(CORE + "Secret")
def fold_string_data(secret: dict) -> None:
    """stringData is write-only: its values land in data (overwriting), then it disappears."""
    string_data = secret.pop("stringData", None)
    if not string_data:
        return
    data = secret.setdefault("data", {})
    for key, value in string_data.items():
        data[key] = base64.b64encode(value.encode()).decode()


@defaulter(CORE + "Namespace")
def default_namespace(namespace: dict) -> None:
    # Every namespace carries its own name as a label, so selectors can pick namespaces by name.
    name = (namespace.get("metadata") or {}).get("name")
    if name:
        labels = namespace["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = name
    status = namespace.setdefault("status", {})
    status.setdefault("phase", "Active")


# --- validation -----------------------------------------------------------------------------


def is_config_map_key(key: str) -> list[str]:
    """Kubernetes' IsConfigMapKey: what may name an entry of a ConfigMap or Secret."""

    errors = []
    if len(key) > names.DNS1123_SUBDOMAIN_MAX:
        errors.append(names.max_len_error(names.DNS1123_SUBDOMAIN_MAX))
    pattern = "[-._a-zA-Z0-9]+"
    if not re.fullmatch(pattern, key):
        message = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
        errors.append(names.regex_error(message, pattern, "key.name", "KEY_NAME", "key-name"))
    if key == ".":
        errors.append("must not be '.'")
    elif key == "..":
        errors.append("must not be '..'")
    elif key.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def _decoded_length(value: str) -> int:
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return len(value)


def _key_causes(field_name: str, keys: dict) -> list[Cause]:
    return [
        validation.invalid(f"{field_name}[{key}]", key, message)
        for key in keys
        for message in is_config_map_key(key)
    ]


@validator(CORE + "ConfigMap")
def validate_config_map(config_map: dict, path: str) -> list[Cause]:
    data = config_map.get("data") or {}
    binary = config_map.get("binaryData") or {}
    causes = _key_causes("data", data) + _key_causes("binaryData", binary)
    for key in data:
        if key in binary:
            causes.append(
                validation.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
            )
    for key in binary:
        if key in data:
            causes.append(
                validation.invalid(f"binaryData[{key}]", key, "duplicate of key present in data")
            )
    size = sum(len(v.encode()) for v in data.values())
    size += sum(_decoded_length(v) for v in binary.values())
    if size > MAX_SECRET_SIZE:
        causes.append(validation.too_long("", MAX_SECRET_SIZE))
    return causes


def _secret_type_causes(secret: dict) -> list[Cause]:
    """The keys each well-known secret type must carry."""

    data = secret.get("data") or {}
    secret_type = secret.get("type", "")
    if secret_type == "kubernetes.io/service-account-token":
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            return [validation.required("metadata.annotations[kubernetes.io/service-account.name]")]
    elif secret_type in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if secret_type.endswith("dockercfg") else ".dockerconfigjson"
        if key not in data:
            return [validation.required(f"data[{key}]")]
        try:
            json.loads(base64.b64decode(data[key]))
        except (ValueError, binascii.Error) as error:
            return [validation.invalid(f"data[{key}]", "<secret contents redacted>", str(error))]
    elif secret_type == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            return [validation.required("data[username]"), validation.required("data[password]")]
    elif secret_type == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            return [validation.required("data[ssh-privatekey]")]
    elif secret_type == "kubernetes.io/tls":
        return [validation.required(f"data[{k}]") for k in ("tls.crt", "tls.key") if k not in data]
    return []


@validator(CORE + "Secret")
def validate_secret(secret: dict, path: str) -> list[Cause]:
    data = secret.get("data") or {}
    causes = _key_causes("data", data)
    if sum(_decoded_length(v) for v in data.values()) > MAX_SECRET_SIZE:
        causes.append(validation.too_long("data", MAX_SECRET_SIZE))
    return causes + _secret_type_causes(secret)


def _immutable_data_causes(new: dict, old: dict, fields: tuple[str, ...]) -> list[Cause]:
    """Once `immutable` is true it stays true, and the payload fields stay as they were."""

    if not old.get("immutable"):
        return []
    message = "field is immutable when `immutable` is set"
    causes = []
    if not new.get("immutable"):
        causes.append(validation.forbidden("immutable", message))
    for name in fields:
        if (new.get(name) or {}) != (old.get(name) or {}):
            causes.append(validation.forbidden(name, message))
    return causes


@update_validator(CORE + "ConfigMap")
def validate_config_map_update(new: dict, old: dict) -> list[Cause]:
    return _immutable_data_causes(new, old, ("data", "binaryData"))


@update_validator(CORE + "Secret")
def validate_secret_update(new: dict, old: dict) -> list[Cause]:
    causes = []
    if new.get("type", "") != old.get("type", ""):
        causes.append(validation.invalid("type", new.get("type", ""), "field is immutable"))
    return causes + _immutable_data_causes(new, old, ("data",))


@validator(CORE + "NamespaceSpec")
def validate_namespace_spec(spec: dict, path: str) -> list[Cause]:
    # Kubernetes reports these at spec.finalizers, without the index.
    where = f"{path}.finalizers" if path else "finalizers"
    causes = []
    for finalizer in spec.get("finalizers") or []:
        causes += [
            validation.invalid(where, finalizer, m) for m in names.is_qualified_name(finalizer)
        ]
        if "/" not in finalizer and finalizer not in STANDARD_FINALIZERS:
            detail = "name is neither a standard finalizer name nor is it fully qualified"
            causes.append(validation.invalid(where, finalizer, detail))
    return causes
