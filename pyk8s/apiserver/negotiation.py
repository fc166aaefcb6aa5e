"""Content negotiation: which body formats come in, which answer goes out.

In: `application/json`, `application/yaml` and `application/vnd.kubernetes.protobuf` for
objects (kubectl's typed clients send protobuf and never fall back, kubectl-contract §1.3),
plus the four patch types. Out: always JSON, shaped either as the object itself or as a
`meta.k8s.io/v1` Table when the client's Accept asks for `as=Table`, or as aggregated
discovery when it asks for `as=APIGroupDiscoveryList`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from pyk8s.api.errors import BadRequest, NotAcceptable, UnsupportedMediaType

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

OBJECT_TYPES = (JSON, YAML, PROTOBUF)
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str  # "application/json"
    params: dict[str, str] = field(default_factory=dict)


def parse_media_type(text: str) -> MediaType:
    main, *params = (p.strip() for p in text.split(";"))
    values = {}
    for param in params:
        key, _, value = param.partition("=")
        values[key.strip().lower()] = value.strip().strip('"')
    return MediaType(main.lower(), values)


def parse_accept(header: str | None) -> list[MediaType]:
    """The media types of an Accept header, in the client's order (q-values are ignored,
    as kube-apiserver's own negotiation mostly does)."""
    if not header:
        return [MediaType("*/*")]
    return [parse_media_type(part) for part in header.split(",") if part.strip()]


def _is_json(media: MediaType) -> bool:
    return media.type in (JSON, "application/*", "*/*")


def wants_table(accept: list[MediaType]) -> bool | None:
    """True when the first acceptable choice is a meta.k8s.io Table; None when nothing in
    the Accept header can be served (406)."""
    for media in accept:
        if media.type == JSON and media.params.get("as") == "Table":
            if media.params.get("g") == "meta.k8s.io" and media.params.get("v") in (
                "v1",
                "v1beta1",
            ):
                return True
            continue
        if media.type == PROTOBUF and media.params.get("as") == "Table":
            continue
        if media.params.get("as"):
            continue  # some other transformation (PartialObjectMetadata...) we do not serve
        if _is_json(media) or media.type in (PROTOBUF, YAML):
            # Protobuf and YAML answers are replaced by JSON, which every client accepts.
            return False
    return None


def require_json_or_table(accept: list[MediaType]) -> bool:
    table = wants_table(accept)
    if table is None:
        raise NotAcceptable(
            "only the following media types are accepted: application/json, "
            "application/yaml, application/vnd.kubernetes.protobuf"
        )
    return table


def discovery_version(accept: list[MediaType]) -> str | None:
    """ "v2" or "v2beta1" when the client prefers aggregated discovery, else None (legacy)."""
    for media in accept:
        if media.params.get("as") == "APIGroupDiscoveryList":
            if media.params.get("g") == "apidiscovery.k8s.io" and media.params.get("v") in (
                "v2",
                "v2beta1",
            ):
                return media.params["v"]
            continue
        if _is_json(media):
            return None
    return None


def decode_body(
    content_type: str | None, body: bytes, *, allowed: tuple[str, ...], kind: str = ""
) -> Any:
    """Decode a request body of one of the `allowed` media types into plain JSON values.

    With `kind` (the object a create or update expects), a body that does not parse is
    reported as kube-apiserver reports it: "the object provided is unrecognized (must be of
    type <kind>): <why> (<the body's first 30 bytes>)".
    """
    media = parse_media_type(content_type or JSON).type
    if media not in allowed:
        raise UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types include: {', '.join(allowed)}"
        )
    if not body.strip():
        raise BadRequest("the body of the request was empty")
    if media == PROTOBUF:
        from pyk8s.api.protobuf import decode_object

        try:
            return decode_object(body)
        except Exception as err:  # a malformed body must be a 400, whatever the decoder raised
            raise BadRequest(f"unable to decode protobuf body: {err}") from None
    try:
        if media in (YAML, APPLY_PATCH):
            return _decode_yaml(body)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            reason = "couldn't get version/kind; json parse error" if kind else "json parse error"
            raise BadRequest(f"{reason}: {err}") from None
    except BadRequest as err:
        if not kind:
            raise
        raise BadRequest(
            f"the object provided is unrecognized (must be of type {kind}): "
            f"{err.message} ({_summary(body)})"
        ) from None


def _summary(body: bytes, limit: int = 30) -> str:
    """The start of a body, for error messages: text when it looks like JSON, else hex."""
    shown = body[:limit]
    text = shown.decode("utf-8", "replace") if body[:1] == b"{" else shown.hex()
    return text + (" ..." if len(body) > limit else "")


def _decode_yaml(body: bytes) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(body, Loader=loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise BadRequest(f"error converting YAML to JSON: yaml: {where}{problem}") from None
