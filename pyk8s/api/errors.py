"""Errors as Kubernetes reports them: a `Status` object with a code, a reason and details.

Every error the API server returns on purpose is one of these; the client machinery raises the
same classes when it reads a Status back, so controllers can `except NotFound:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Cause:
    """One reason an object is invalid: `field` is a path like `spec.containers[0].image`."""

    type: str  # FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate, ...
    message: str
    field: str

    def to_dict(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.message, "field": self.field}


class StatusError(Exception):
    """An error that becomes a `Status` response. Subclasses fix `code` and `reason`."""

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        causes: list[Cause] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})
        self.causes = list(causes or [])
        self.retry_after = retry_after

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details = dict(self.details)
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        if details:
            status["details"] = details
        if not self.reason:
            del status["reason"]
        return status


def _details(kind: str, name: str, group: str = "") -> dict[str, str]:
    # Kubernetes puts the resource (plural, lower case) in details.kind for these errors.
    details = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    return details


class BadRequest(StatusError):
    code, reason = 400, "BadRequest"


class Unauthorized(StatusError):
    code, reason = 401, "Unauthorized"


class Forbidden(StatusError):
    code, reason = 403, "Forbidden"


class NotFound(StatusError):
    code, reason = 404, "NotFound"

    @classmethod
    def of(cls, resource: str, name: str, group: str = "") -> NotFound:
        what = f"{resource}.{group}" if group else resource
        return cls(f'{what} "{name}" not found', details=_details(resource, name, group))


class MethodNotAllowed(StatusError):
    code, reason = 405, "MethodNotAllowed"


class NotAcceptable(StatusError):
    code, reason = 406, "NotAcceptable"


class AlreadyExists(StatusError):
    code, reason = 409, "AlreadyExists"

    @classmethod
    def of(cls, resource: str, name: str, group: str = "") -> AlreadyExists:
        what = f"{resource}.{group}" if group else resource
        return cls(f'{what} "{name}" already exists', details=_details(resource, name, group))


class Conflict(StatusError):
    code, reason = 409, "Conflict"

    @classmethod
    def of(cls, resource: str, name: str, group: str = "") -> Conflict:
        what = f"{resource}.{group}" if group else resource
        return cls(
            f'Operation cannot be fulfilled on {what} "{name}": the object has been modified; '
            "please apply your changes to the latest version and try again",
            details=_details(resource, name, group),
        )


class Gone(StatusError):
    code, reason = 410, "Expired"


class RequestEntityTooLarge(StatusError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(StatusError):
    code, reason = 422, "Invalid"

    @classmethod
    def of(cls, kind: str, name: str, causes: list[Cause], group: str = "") -> Invalid:
        what = f"{kind}.{group}" if group else kind
        summary = ", ".join(f"{c.field}: {c.message}" if c.field else c.message for c in causes)
        message = f'{what} "{name}" is invalid: '
        message += f"[{summary}]" if len(causes) > 1 else summary
        details = {"name": name, "kind": kind}
        if group:
            details["group"] = group
        return cls(message, details=details, causes=causes)


class TooManyRequests(StatusError):
    code, reason = 429, "TooManyRequests"


class InternalError(StatusError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(StatusError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(StatusError):
    code, reason = 504, "Timeout"


# For turning a Status read back from the wire into the right exception (client side).
BY_REASON: dict[str, type[StatusError]] = {
    cls.reason: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        AlreadyExists,
        Conflict,
        Gone,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        Invalid,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
        Timeout,
    )
}
