"""Errors every package shares.

``DomainError`` is the base of every error a service may raise on purpose. It carries:

- ``code``: a stable machine-readable string (``session_full``, ``validation_failed``);
- ``status_code``: the HTTP status the one handler in :mod:`shortbreaks.web` maps it to;
- ``message``: a sentence safe to show the user;
- ``errors``: for validation, a list of ``FieldError(field, message)``.

Subclasses here: ``ValidationFailed`` (422), ``NotFound`` (404), ``PermissionDenied`` (403),
``NotAuthenticated`` (401), ``Conflict`` (409), ``TooManyRequests`` (429), ``PayloadTooLarge``
(413), ``UnsupportedMediaType`` (415), ``BadRequest`` (400), ``ServiceUnavailable`` (503).
Each domain package documents its own subclasses in its ``errors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    code = "error"
    status_code = 400
    title = "Something is wrong with the request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.title
        if code is not None:
            self.code = code
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(DomainError):
    code = "bad_request"
    status_code = 400
    title = "Bad request"


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status_code = 401
    title = "Sign in to continue"


class PermissionDenied(DomainError):
    code = "forbidden"
    status_code = 403
    title = "You do not have permission to do that"


class NotFound(DomainError):
    code = "not_found"
    status_code = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status_code = 409
    title = "That conflicts with the current state"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status_code = 413
    title = "The request body is too large"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status_code = 415
    title = "Unsupported content type"


class ValidationFailed(DomainError):
    code = "validation_failed"
    status_code = 422
    title = "There is a problem"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, errors=[FieldError(field, message)])


class TooManyRequests(DomainError):
    code = "too_many_requests"
    status_code = 429
    title = "Too many attempts"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status_code = 503
    title = "The service is unavailable; try again shortly"
