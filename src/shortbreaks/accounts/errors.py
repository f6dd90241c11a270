"""Account errors.

- ``SignInFailed`` (401, ``sign_in_failed``): wrong email or password, or an inactive account.
  One message for all of them, so nobody can tell which accounts exist.
- ``SignInThrottled`` (429, ``too_many_requests``): too many recent failures for the account or address.
- ``EmailTaken`` (409, ``email_taken``): registration with an email already registered.
- ``InvalidToken`` (400, ``invalid_token``): an invitation or verification link that is wrong, used or expired.
"""

from __future__ import annotations

from shortbreaks.errors import BadRequest, Conflict, DomainError, TooManyRequests


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
