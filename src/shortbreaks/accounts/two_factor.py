"""The second factor: TOTP (RFC 6238) with one-time recovery codes.

Staff (provider staff, officers, grantees, funders, site administrators) must enrol before
they can do anything else; families may opt in. A code is accepted once (the last accepted
30-second step is stored) within one step either side of ``now``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
import segno
from tortoise.transactions import in_transaction

from shortbreaks import audit
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import LoginAttempt, Membership, RecoveryCode, User
from shortbreaks.errors import ValidationFailed
from shortbreaks.security import email_hash, token_hash

ISSUER = "Short breaks"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
MAX_FAILURES = 5


async def is_staff(user: User) -> bool:
    """Whether the user must use a second factor: any role but family, or a site administrator."""
    if user.is_site_admin:
        return True
    return await Membership.filter(user_id=user.id).exclude(role=Role.FAMILY).exists()


def provisioning_uri(user: User) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data URI (an image, so the strict CSP allows it)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


async def begin_enrolment(user: User) -> User:
    """Give the user a fresh, not yet active, TOTP secret (unless one is already active)."""
    if user.totp_enabled_at is not None:
        return user
    user.totp_secret = pyotp.random_base32()
    await user.save(update_fields=["totp_secret", "updated_at"])
    return user


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        step = _step(now) + offset
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_codes() -> list[str]:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(2)) for _ in range(RECOVERY_CODE_COUNT)]


async def confirm_enrolment(user: User, code: str, *, now: datetime) -> list[str]:
    """Activate TOTP with a first valid code; returns recovery codes to show once."""
    if user.totp_secret is None:
        raise ValidationFailed.field("code", "Start again: reload the page to get a new QR code")
    step = _matching_step(user.totp_secret, code, now)
    if step is None:
        raise ValidationFailed.field("code", "Enter the 6-digit code shown in your authenticator app")
    codes = _new_recovery_codes()
    async with in_transaction() as conn:
        user.totp_enabled_at = now
        user.totp_last_step = step
        await user.save(update_fields=["totp_enabled_at", "totp_last_step", "updated_at"], using_db=conn)
        await RecoveryCode.filter(user_id=user.id).using_db(conn).delete()
        for plain in codes:
            await RecoveryCode.create(user=user, code_hash=token_hash(plain), created_at=now, using_db=conn)
        await audit.record("core.user.two_factor_enabled", actor=user, record_type="user", record_id=user.id, now=now, using_db=conn)
    return codes


async def recent_failures(user: User, *, now: datetime) -> int:
    from shortbreaks.accounts.services import THROTTLE_WINDOW

    return await LoginAttempt.filter(
        email_hash=email_hash("2fa:" + str(user.id)), succeeded=False, created_at__gt=now - THROTTLE_WINDOW
    ).count()


async def verify_second_factor(user: User, code: str, *, ip: str, now: datetime) -> bool:
    """Check a TOTP code (once only) or an unused recovery code; failures are recorded and audited."""
    ok = False
    async with in_transaction() as conn:
        if user.totp_secret and user.totp_enabled_at:
            step = _matching_step(user.totp_secret, code, now)
            if step is not None:
                # Conditional update: two requests with the same code cannot both pass.
                ok = bool(await User.filter(id=user.id).filter(totp_last_step__lt=step).using_db(conn).update(totp_last_step=step))
        if not ok:
            normalised = code.strip().lower()
            ok = bool(
                await RecoveryCode.filter(user_id=user.id, code_hash=token_hash(normalised), used_at=None)
                .using_db(conn)
                .update(used_at=now)
            )
        await LoginAttempt.create(email_hash=email_hash("2fa:" + str(user.id)), ip=ip, succeeded=ok, created_at=now, using_db=conn)
        await audit.record(
            "core.signin.second_factor_" + ("succeeded" if ok else "failed"),
            actor=user,
            record_type="user",
            record_id=user.id,
            now=now,
            using_db=conn,
        )
    return ok
