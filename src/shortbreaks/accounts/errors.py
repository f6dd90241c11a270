"""Account errors.

- ``SignInFailed`` (401, ``sign_in_failed``): wrong email or password, or an inactive account.
  One message for all of them, so nobody can tell which accounts exist.
- ``SignInThrottled`` (429, ``too_many_requests``): too many recent failures for the account or address.
- ``EmailTaken`` (409, ``email_taken``): registration with an email already registered.
- ``InvalidToken`` (400, ``invalid_token``): an invitation or verification link that is wrong, used or expired.
- ``ResetLinkInvalid`` (400, ``invalid_token``): a forgotten-password link that is wrong, used or expired.
- ``ResetThrottled`` (429, ``too_many_requests``): too many recent password-reset requests for the address or from the caller.
- ``EmailNotVerified`` (403, ``email_not_verified``): a family that has not confirmed its email address tried to book.
"""

from __future__ import annotations

from shortbreaks.errors import BadRequest, Conflict, DomainError, PermissionDenied, TooManyRequests


class SignInFailed(DomainError):
    code = "sign_in_failed"
    status_code = 401
    title = "Enter a correct email address and password"


class SignInThrottled(TooManyRequests):
    title = "Too many attempts to sign in. Wait a few minutes and try again"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "An account with this email address already exists"


class InvalidToken(BadRequest):
    code = "invalid_token"
    title = "This link is not valid. It may have been used already or have expired"


class ResetLinkInvalid(InvalidToken):
    title = "This link to reset your password is not valid. It may have been used already or have expired"


class ResetThrottled(TooManyRequests):
    title = "Too many requests to reset a password. Wait a few minutes and try again"


class EmailNotVerified(PermissionDenied):
    code = "email_not_verified"
    title = "Confirm your email address before you book: use the link we emailed you, or ask for a new one on your account page"
