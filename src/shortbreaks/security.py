"""Passwords, random tokens and their hashes, and signed values (itsdangerous)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, Signer, TimestampSigner, URLSafeTimedSerializer
from zxcvbn import zxcvbn

# argon2id with the library's RFC 9106 "low memory" profile defaults.
_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, used for timing equality")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score (0–4) a new password must reach: 3 is "safely unguessable" against an online
# attack and slows an offline one on a stolen argon2id hash. Its dictionaries hold the commonest
# passwords (from breach corpora), English words, names and keyboard patterns.
MIN_PASSWORD_SCORE = 3
_ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters decide
_COMMON = "This password is one of the most common passwords"
# zxcvbn's warnings, in our words (they say why); any other warning is shown as zxcvbn words it.
_WARNINGS = {
    "This is a top-10 common password.": _COMMON,
    "This is a top-100 common password.": _COMMON,
    "This is a very common password.": _COMMON,
    "This is similar to a commonly used password.": "This password is too like one of the most common passwords",
    "A word by itself is easy to guess.": "A single word is easy to guess",
}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time; a missing hash still runs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is not good enough for a new password (a message to show), or ``None``.

    Too short, too long, or guessable: in zxcvbn's lists of common (breached) passwords, a
    single word or name, a repeat, a sequence, a keyboard pattern, or built from ``user_inputs``
    (the person's email address and name). The message says which.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    inputs = [part for value in user_inputs for part in (value, *value.replace("@", " ").replace(".", " ").split()) if part]
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    warning = str(result["feedback"]["warning"] or "")
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        reason = "This password contains your name or email address"
    else:
        reason = _WARNINGS.get(warning) or warning.rstrip(".") or "This password would be easy to guess"
    return f"{reason}. Choose one that is harder to guess, for example 3 or 4 random words"


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
