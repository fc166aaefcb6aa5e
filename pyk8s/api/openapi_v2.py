"""The swagger 2.0 document kube-apiserver serves at /openapi/v2, derived from the v3 documents.

kubectl prefers /openapi/v3 but still reads v2 in two places: client-side validation of a
kind whose group-version has no PATCH operation declaring `fieldValidation` (create-only kinds
such as TokenReview and SelfSubjectAccessReview), and client-side `apply`'s patch computation.
It asks for protobuf (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`)
and cannot read JSON there; the answer's Content-Type is the spelling without "@"
(`...spec.v2.v1.0+protobuf`), which Go's media type parser accepts. JSON is served too, for
people and other tools.

There is one document for the whole server. It is the v3 documents translated, so the two
never disagree: every path and operation (with x-kubernetes-group-version-kind and
x-kubernetes-action), and under `definitions` every schema, with `$ref`s rewritten to
`#/definitions/<name>`. What swagger 2.0 spells differently is translated:

- a property that refers to a struct is `{"$ref": ..., "description": ...}` (v3 needs allOf);
- Quantity and IntOrString, two JSON types in v3 (oneOf), are `type: string` as in Kubernetes;
- query and path parameters carry their type inline; a request body is a `body` parameter,
  and media types move to `consumes` / `produces`.

Both encodings are computed once, cached, and rebuilt only when kinds are registered later.

    openapi_v2_response(accept) -> (body, content type), or None if no acceptable format (406)
    openapi_v2_etag() -> the quoted ETag of the current document
    openapi_v2_document() -> the document as a dict
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from pyk8s.api import openapi
from pyk8s.api.openapi_schemas import REF_PREFIX
from pyk8s.api.openapi_v2_proto import encode_document
from pyk8s.api.resource import RESOURCES
from pyk8s.api.schema import STRUCTS

JSON = "application/json"
PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
# What client-go still asks for. Its "@" is not allowed in a media type token, so a Go client
# cannot parse it as a Content-Type: the answer is always labelled with PROTOBUF.
PROTOBUF_AT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
ACCEPTED_TYPES = (JSON, PROTOBUF_AT, PROTOBUF)
DEFINITIONS_PREFIX = "#/definitions/"
GVK = "x-kubernetes-group-version-kind"

_SECURITY_DEFINITIONS = {
    "BearerToken": {
        "description": "A bearer token in the Authorization header: 'Bearer <token>'.",
        "type": "apiKey",
        "name": "authorization",
        "in": "header",
    }
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_cache: dict[str, Any] = {"key": None}


def openapi_v2_response(accept: str) -> tuple[bytes, str] | None:
    """GET /openapi/v2: the body and Content-Type for this Accept header, chosen the way
    kube-apiserver chooses (highest q first; */* means JSON); None means answer 406."""
    content_type = negotiate(accept)
    if content_type is None:
        return None
    built = _built()
    body = built["json"] if content_type == JSON else built["protobuf"]
    return body, content_type


def openapi_v2_etag() -> str:
    """The ETag header value (quoted), the same for both encodings of one document."""
    return _built()["etag"]


def openapi_v2_document() -> dict[str, Any]:
    return _built()["document"]


def negotiate(accept: str) -> str | None:
    """The Content-Type to answer an Accept header with (JSON or PROTOBUF), or None."""
    clauses = []
    for position, clause in enumerate((accept or "*/*").split(",")):
        media, *params = (part.strip() for part in clause.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and media:
            # Higher q first; among equals, specific types before wildcards, then as written.
            clauses.append((-quality, media.count("*"), position, media.lower()))
    for *_, media in sorted(clauses):
        kind, _, subtype = media.partition("/")
        for served in ACCEPTED_TYPES:
            served_kind, _, served_subtype = served.partition("/")
            if kind in ("*", served_kind) and subtype in ("*", served_subtype):
                return JSON if served == JSON else PROTOBUF
    return None


def _built() -> dict[str, Any]:
    key = (len(RESOURCES), len(STRUCTS))
    if _cache["key"] != key:
        document = build_document()
        as_json = orjson.dumps(document)
        etag = hashlib.sha512(as_json).hexdigest().upper()
        _cache.update(
            key=key,
            document=document,
            json=as_json,
            protobuf=encode_document(document),
            etag=f'"{etag}"',
        )
    return _cache


def build_document() -> dict[str, Any]:
    """The whole server's swagger 2.0 document, from every group-version's v3 document."""
    paths: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for group, version in openapi.served_group_versions():
        v3 = openapi.openapi_v3_document(group, version)
        if v3 is None:
            continue
        for path, item in v3["paths"].items():
            paths.setdefault(path, {}).update(path_item(item))
        for name, schema in v3["components"]["schemas"].items():
            _merge_definition(definitions, name, convert_schema(schema))
    return {
        "swagger": "2.0",
        "info": {"title": openapi.TITLE, "version": openapi.VERSION},
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(definitions.items())),
        "securityDefinitions": _SECURITY_DEFINITIONS,
        "security": [{"BearerToken": []}],
    }


def _merge_definition(definitions: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    """A schema shared by several group-versions (Status, DeleteOptions, a Scale) keeps the
    union of the kinds each document tagged it with."""
    existing = definitions.setdefault(name, schema)
    if existing is schema or GVK not in schema:
        return
    kinds = existing.get(GVK, [])
    # A new list: the old one may still belong to a cached v3 document.
    existing[GVK] = [*kinds, *(k for k in schema[GVK] if k not in kinds)]


# ---------------------------------------------------------------- schemas


def convert_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """One v3 schema in swagger 2.0 terms."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out["$ref"] = DEFINITIONS_PREFIX + value.removeprefix(REF_PREFIX)
        elif key == "allOf" and len(value) == 1 and "$ref" in value[0]:
            # v3 wraps a reference so it may carry a description; swagger 2.0 puts both
            # side by side, as kube-apiserver's v2 document does.
            out.update(convert_schema(value[0]))
        elif key == "oneOf":
            # Swagger 2.0 has no oneOf; Kubernetes calls a string-or-number value a string.
            out["type"] = "string"
        elif key == "properties":
            out[key] = {name: convert_schema(s) for name, s in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = convert_schema(value)
        elif key == "allOf":
            out[key] = [convert_schema(s) for s in value]
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- paths


def path_item(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for method in _METHODS:
        if method in item:
            out[method] = operation(item[method])
    if item.get("parameters"):
        out["parameters"] = [parameter(p) for p in item["parameters"]]
    return out


def operation(op: dict[str, Any]) -> dict[str, Any]:
    """One v3 operation as a swagger 2.0 operation."""
    out: dict[str, Any] = {"description": op["description"]}
    body = op.get("requestBody")
    if body is not None:
        out["consumes"] = list(body["content"])
    produces: dict[str, None] = {}
    for answer in op["responses"].values():
        produces.update(dict.fromkeys(answer.get("content", {})))
    out["produces"] = list(produces)
    out["schemes"] = ["https"]
    out["tags"] = op["tags"]
    out["operationId"] = op["operationId"]
    parameters = [parameter(p) for p in op.get("parameters", [])]
    if body is not None:
        schema = next(iter(body["content"].values()))["schema"]
        body_parameter = {"name": "body", "in": "body", "required": True}
        parameters.insert(0, body_parameter | {"schema": convert_schema(schema)})
    if parameters:
        out["parameters"] = parameters
    out["responses"] = {code: response(r) for code, r in op["responses"].items()}
    out["responses"]["401"] = {"description": "Unauthorized"}
    out.update({key: value for key, value in op.items() if key.startswith("x-")})
    return out


def parameter(param: dict[str, Any]) -> dict[str, Any]:
    """A v3 query or path parameter: its schema's keywords move onto the parameter."""
    out = {key: value for key, value in param.items() if key != "schema"}
    out.update(param.get("schema", {}))
    return out


def response(v3_response: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": v3_response["description"]}
    content = v3_response.get("content")
    if content:
        out["schema"] = convert_schema(next(iter(content.values()))["schema"])
    return out
