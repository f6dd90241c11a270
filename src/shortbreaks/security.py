"""Passwords, random tokens and their hashes, signed short-lived tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


def hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign(key: str, purpose: str, payload: dict[str, str], *, expires_at: datetime) -> str:
    """A compact signed token carrying ``payload`` for ``purpose`` until ``expires_at``."""
    body = dict(payload, p=purpose, x=str(int(expires_at.timestamp())))
    raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode()).decode().rstrip("=")
    return f"{raw}.{hmac_hex(key, raw)}"


def unsign(key: str, purpose: str, token: str, *, now: datetime) -> dict[str, str] | None:
    """The payload of a token made by :func:`sign`, or ``None`` if forged, expired or for another purpose."""
    raw, _, mac = token.partition(".")
    if not raw or not hmac.compare_digest(mac, hmac_hex(key, raw)):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    if body.get("p") != purpose or int(body.get("x", 0)) < now.timestamp():
        return None
    return {k: v for k, v in body.items() if k not in ("p", "x")}


def expires_in(now: datetime, **kwargs: float) -> datetime:
    return now + timedelta(**kwargs)
