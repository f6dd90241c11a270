"""Forgotten passwords: an emailed link, good once for 30 minutes, that sets a new password.

Only the link token's SHA-256 is stored (``PasswordReset``). Asking for a link gives the same
answer whether or not the address has an account and is throttled with sign-in's counters
(:func:`shortbreaks.accounts.services._throttle`); using one revokes every session and API token
of the account and leaves its second factor in place. Each function owns its transaction and
writes the audit log; ``now`` is passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from shortbreaks import audit, mail
from shortbreaks.accounts.errors import ResetLinkInvalid, ResetThrottled
from shortbreaks.accounts.models import ApiToken, LoginAttempt, PasswordReset, User, WebSession
from shortbreaks.accounts.services import _throttle, check_password_strength, normalise_email
from shortbreaks.models import OutboxMessage
from shortbreaks.security import email_hash, hash_password, new_token, token_hash

PASSWORD_RESET_LIFETIME = timedelta(minutes=30)


async def request_password_reset(email: str, *, ip: str, now: datetime, base_url: str) -> None:
    """Email a link to reset the password of the active account with this address, if there is one.

    The caller gives everyone the same answer, account or not. Throttled like sign-in (the same
    :func:`_throttle`): a request counts as a failed attempt for the address (kept apart from
    sign-in's by its own hash) and for the caller's IP address, so ``MAX_FAILURES_PER_ACCOUNT``
    requests for one address, or ``MAX_FAILURES_PER_IP`` failures of any kind from one IP, in
    ``THROTTLE_WINDOW`` raise ``ResetThrottled`` (for unknown addresses too). Audited; the link
    (its token stored only as a hash) works once, for ``PASSWORD_RESET_LIFETIME``.
    """
    email = normalise_email(email)
    digest = email_hash("reset:" + email)
    throttle = await _throttle(email_digest=digest, ip=ip, now=now)
    if throttle.locked:
        await audit.record(
            "core.password_reset.throttled", actor=None, record_type="email_hash", record_id=email_hash(email), now=now, after={"ip": ip}
        )
        raise ResetThrottled(retry_after=throttle.retry_after)
    user = await User.get_or_none(email=email, is_active=True)
    token = new_token(32)
    message: OutboxMessage | None = None
    async with in_transaction() as conn:
        await LoginAttempt.create(email_hash=digest, ip=ip, succeeded=False, created_at=now, using_db=conn)
        if user is None:
            await audit.record(
                "core.password_reset.requested_unknown",
                actor=None,
                record_type="email_hash",
                record_id=email_hash(email),
                now=now,
                after={"ip": ip},
                using_db=conn,
            )
        else:
            reset = await PasswordReset.create(
                user=user, token_hash=token_hash(token), created_at=now, expires_at=now + PASSWORD_RESET_LIFETIME, using_db=conn
            )
            await audit.record(
                "core.password_reset.requested",
                actor=None,
                record_type="user",
                record_id=user.id,
                now=now,
                after={"ip": ip, "password_reset_id": reset.id},
                using_db=conn,
            )
            message = await mail.queue_email(
                to=email,
                subject="Reset your shortbreaks password",
                body=(
                    f"Hello {user.display_name},\n\nWe received a request to reset the password of your shortbreaks account.\n\n"
                    f"Reset your password:\n{base_url}/reset-password/{token}\n\n"
                    "The link works once, for 30 minutes. If you did not ask, you can ignore this email: your password has not changed."
                ),
                dedupe_key=f"password-reset:{reset.id}",
                now=now,
                using_db=conn,
                new_record=True,
            )
    if message is not None:
        await mail.deliver_later(message)


async def find_password_reset(token: str, *, now: datetime) -> PasswordReset:
    """The unused, unexpired reset of an active account that ``token`` names (its ``user`` loaded); else ``ResetLinkInvalid``."""
    reset = await PasswordReset.get_or_none(token_hash=token_hash(token)).select_related("user")
    if reset is None or reset.used_at is not None or reset.expires_at <= now or not reset.user.is_active:
        raise ResetLinkInvalid()
    return reset


async def reset_password(token: str, *, password: str, now: datetime) -> User:
    """Set a new password through a reset link, once: every session and API token of the user is revoked.

    The link is claimed by a conditional update (unused and unexpired), so a second use, even at
    the same moment, raises ``ResetLinkInvalid`` and changes nothing; the account's other reset
    links stop working too. Following the emailed link confirms the email address. A second
    factor, if the account has one, stays: the next sign-in still asks for it. Audited.
    """
    reset = await find_password_reset(token, now=now)
    user = reset.user
    check_password_strength(password, user_inputs=(user.email, user.display_name))
    password_hash = hash_password(password)
    async with in_transaction() as conn:
        claimed = await PasswordReset.filter(id=reset.id, used_at=None, expires_at__gt=now).using_db(conn).update(used_at=now)
        if not claimed:
            raise ResetLinkInvalid()
        await PasswordReset.filter(user_id=user.id, used_at=None).using_db(conn).update(used_at=now)
        user.password_hash = password_hash
        user.password_changed_at = now
        fields = ["password_hash", "password_changed_at", "updated_at"]
        if user.email_verified_at is None:
            user.email_verified_at = now
            fields.append("email_verified_at")
        await user.save(update_fields=fields, using_db=conn)
        sessions = await WebSession.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        tokens = await ApiToken.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        await audit.record(
            "core.user.password_reset",
            actor=user,
            record_type="user",
            record_id=user.id,
            now=now,
            after={"password_reset_id": reset.id, "sessions_revoked": sessions, "api_tokens_revoked": tokens},
            using_db=conn,
        )
    return user
