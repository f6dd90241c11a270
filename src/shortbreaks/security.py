"""Passwords, random tokens and their hashes, and signed values (itsdangerous)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, Signer, TimestampSigner, URLSafeTimedSerializer

# argon2id with the library's RFC 9106 "low memory" profile defaults.
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, used for timing equality")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time; a missing hash still runs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (``nbytes`` of entropy; 32 bytes = 256 bits)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 hex of a high-entropy token: what we store instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer, dated by the caller's ``now`` rather than ``time.time()``:
    services take ``now`` (tests freeze it), and a token's age is measured on the same clock."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp())


def _serializer(secret: str, purpose: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=purpose, signer=_ClockSigner, signer_kwargs={"digest_method": hashlib.sha256, "now": now})


def sign(secret: str, purpose: str, payload: Any, *, now: datetime) -> str:
    """A URL-safe signed value carrying ``payload`` (readable by anyone: not for secrets) for ``purpose``, dated ``now``."""
    return _serializer(secret, purpose, now).dumps(payload)


def unsign(secret: str, purpose: str, token: str, *, max_age: timedelta, now: datetime) -> Any | None:
    """The payload of a value made by :func:`sign` for ``purpose`` at most ``max_age`` before ``now``;
    ``None`` if it is older, forged, or for another purpose."""
    try:
        return _serializer(secret, purpose, now).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:  # a subclass of BadSignature: the value was ours, but is too old
        return None
    except BadSignature:
        return None


def signature(secret: str, purpose: str, value: str) -> str:
    """A keyed signature of ``value`` alone (the value itself is not in it): for a CSRF token tied to a session."""
    return Signer(secret, salt=purpose, digest_method=hashlib.sha256).get_signature(value).decode()


def has_signature(secret: str, purpose: str, value: str, sent: str) -> bool:
    """Whether ``sent`` is :func:`signature` of ``value`` (compared in constant time)."""
    return Signer(secret, salt=purpose, digest_method=hashlib.sha256).verify_signature(value, sent.encode())
