"""The options of registry calls, parsed from query parameters, and continue tokens.

Parsing happens here once, so the store and the handlers see typed values and Kubernetes'
error messages for bad parameters are produced in one place.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from pyk8s.api.errors import BadRequest, Cause, Invalid

FIELD_VALIDATION = ("Ignore", "Warn", "Strict")


@dataclass(slots=True)
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    timeout_seconds: int | None = None
    allow_bookmarks: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ListOptions:
        options = cls(
            label_selector=query.get("labelSelector", ""),
            field_selector=query.get("fieldSelector", ""),
            limit=_int(query, "limit", 0),
            continue_token=query.get("continue", ""),
            resource_version=query.get("resourceVersion", ""),
            resource_version_match=query.get("resourceVersionMatch", ""),
            timeout_seconds=_int(query, "timeoutSeconds", None),
            allow_bookmarks=query.get("allowWatchBookmarks", "").lower() == "true",
        )
        if options.limit < 0:
            raise BadRequest("limit must not be negative")
        watching = query.get("watch", "").lower() in ("true", "1")
        _check_streaming_list(query, watching)
        match = options.resource_version_match
        if match and match not in ("Exact", "NotOlderThan"):
            raise BadRequest(f'resourceVersionMatch: Unsupported value: "{match}"')
        if match and watching:
            raise _forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )
        if match and not options.resource_version:
            raise _forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            )
        if options.continue_token and options.resource_version not in ("", "0"):
            raise BadRequest("specifying resource version is not allowed when using continue")
        if options.resource_version not in ("", "0"):
            parse_resource_version(options.resource_version)
        return options


def _forbidden(field: str, detail: str) -> Invalid:
    """kube-apiserver validates the query as a ListOptions object: a 422 naming the field."""
    return Invalid(
        f'ListOptions.meta.k8s.io "" is invalid: {field}: Forbidden: {detail}',
        details={"name": "", "group": "meta.k8s.io", "kind": "ListOptions"},
        causes=[Cause("FieldValueForbidden", f"Forbidden: {detail}", field)],
    )


def _check_streaming_list(query: Mapping[str, str], watching: bool) -> None:
    """`sendInitialEvents` (the streaming list) is refused as kube-apiserver 1.32 refuses it
    with the WatchList feature gate off; clients then fall back to list-then-watch."""
    if "sendInitialEvents" not in query:
        return
    if watching:
        raise _forbidden(
            "sendInitialEvents",
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        )
    raise _forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")


@dataclass(slots=True)
class WriteOptions:
    """What a create, update, patch or delete was asked to do besides the write itself."""

    dry_run: bool = False
    field_manager: str = ""
    field_validation: str = "Warn"
    user: str = ""
    # Filled during the call: `Warning` headers for the response.
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, default_manager: str = "") -> WriteOptions:
        dry_run = query.getall("dryRun", []) if hasattr(query, "getall") else []
        if not dry_run and query.get("dryRun"):
            dry_run = [query["dryRun"]]
        for value in dry_run:
            if value != "All":
                raise BadRequest(f'Invalid dry run value: "{value}": valid values are "All"')
        validation = query.get("fieldValidation", "") or "Warn"
        if validation not in FIELD_VALIDATION:
            raise BadRequest(
                f'fieldValidation: Unsupported value: "{validation}": supported values: '
                '"Ignore", "Strict", "Warn"'
            )
        manager = query.get("fieldManager", "")
        if len(manager) > 128:
            raise BadRequest("fieldManager: Too long: may not be longer than 128")
        return cls(
            dry_run=bool(dry_run),
            field_manager=manager or default_manager,
            field_validation=validation,
        )


def parse_resource_version(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'invalid resource version "{text}"') from None
    if value < 0:
        raise BadRequest(f'invalid resource version "{text}"')
    return value


def _int(query: Mapping[str, str], name: str, default: Any) -> Any:
    text = query.get(name)
    if text in (None, ""):
        return default
    try:
        return int(text)  # type: ignore[arg-type]
    except ValueError:
        raise BadRequest(f"{name}: invalid value {text!r}: must be an integer") from None


# ---- continue tokens ---------------------------------------------------------------------
# The same shape as Kubernetes' tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":K},
# where K is the next key relative to the listed prefix. Every page of one list is read at
# revision N, so paging gives one consistent snapshot.


def encode_continue(revision: int, next_key: str) -> str:
    token = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": next_key})
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        if data.get("v") != "meta.k8s.io/v1":
            raise ValueError("unknown version")
        revision, start = int(data["rv"]), str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as err:
        raise BadRequest(f"continue key is not valid: {err}") from None
    if revision <= 0 or ".." in start or start.startswith("/"):
        raise BadRequest("continue key is not valid: invalid start key")
    return revision, start
