"""Error responses turned back into the exceptions of pyk8s/api/errors.py.

The API server answers a failed request with a `Status` object; a watch reports a failure
as an ERROR event carrying one. Both become the same typed exception here, so a caller
writes `except NotFound:` whatever the path. A body that is not a Status (a proxy's HTML
page, plain text) still becomes the class that matches its HTTP code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from pyk8s.api import errors

_BY_CODE: dict[int, type[errors.StatusError]] = {
    cls.code: cls for cls in errors.BY_REASON.values() if cls is not errors.AlreadyExists
}


def status_error(status: int, body: bytes, retry_after: int | None = None) -> errors.StatusError:
    """The typed exception for an error response (a Status body, or anything else)."""
    try:
        document = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or document.get("kind") != "Status":
        text = body.decode(errors="replace").strip()
        return _instance(_BY_CODE.get(status), status, text or f"HTTP {status}", {}, retry_after)
    return error_from_status(document, status, retry_after)


def error_from_status(
    document: Mapping[str, Any], status: int | None = None, retry_after: int | None = None
) -> errors.StatusError:
    """A Status object (from a response body or a watch ERROR event) as an exception."""
    code = int(document.get("code") or status or 500)
    details = dict(document.get("details") or {})
    causes = [
        errors.Cause(c.get("reason", ""), c.get("message", ""), c.get("field", ""))
        for c in details.pop("causes", None) or []
    ]
    if retry_after is None and "retryAfterSeconds" in details:
        retry_after = int(details["retryAfterSeconds"])
    details.pop("retryAfterSeconds", None)
    cls = errors.BY_REASON.get(document.get("reason", "")) or _BY_CODE.get(code)
    error = _instance(cls, code, document.get("message", ""), details, retry_after)
    error.causes = causes
    return error


def _instance(
    cls: type[errors.StatusError] | None,
    code: int,
    message: str,
    details: dict[str, Any],
    retry_after: int | None,
) -> errors.StatusError:
    error = (cls or errors.StatusError)(message, details=details, retry_after=retry_after)
    if cls is None or cls.code != code:
        error.code = code  # type: ignore[misc]  # a code without a class of its own
    return error
