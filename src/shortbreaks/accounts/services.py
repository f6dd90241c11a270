"""Account use cases: registration, sign-in, sessions, API tokens, invitations, passwords
(forgotten passwords are in :mod:`shortbreaks.accounts.password_resets`).

Each function owns its transaction and writes the audit log. Services take ``now``; they
never read the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from shortbreaks import audit, mail
from shortbreaks.accounts import queries
from shortbreaks.accounts.enums import ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from shortbreaks.accounts.errors import EmailNotVerified, EmailTaken, InvalidToken, SignInFailed, SignInThrottled
from shortbreaks.accounts.models import ApiToken, Invitation, LoginAttempt, Membership, Organisation, User, WebSession
from shortbreaks.errors import FieldError, NotFound, TooManyRequests, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.permissions import Principal
from shortbreaks.security import (
    email_hash,
    hash_password,
    new_token,
    password_problem,
    sign,
    token_hash,
    unsign,
    verify_password,
)

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20
INVITATION_LIFETIME = timedelta(days=7)
VERIFICATION_LIFETIME = timedelta(days=3)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, *, field: str = "password", user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse a new password that is short or easy to guess (:func:`shortbreaks.security.password_problem`),
    with a message saying why. ``user_inputs``: the person's email address and name."""
    problem = password_problem(password, user_inputs=user_inputs)
    if problem:
        raise ValidationFailed.field(field, problem)


async def load_principal(user: User, *, session_id: str | None = None, token_id: UUID | None = None) -> Principal:
    memberships = await Membership.filter(user_id=user.id).select_related("organisation")
    return Principal.from_memberships(user, list(memberships), session_id=session_id, token_id=token_id)


# --- registration and verification -------------------------------------------------------


async def register_family(
    *, email: str, password: str, display_name: str, local_authority_id: UUID, now: datetime, secret_key: str, base_url: str
) -> User:
    """Create a family account in its home local authority and queue an email-verification link."""
    email = normalise_email(email)
    check_password_strength(password, user_inputs=(email, display_name))
    authority = await Organisation.get_or_none(id=local_authority_id, kind=OrganisationKind.LOCAL_AUTHORITY)
    if authority is None:
        raise ValidationFailed.field("local_authority_id", "Select your local council")
    password_hash = hash_password(password)
    async with in_transaction() as conn:
        if await User.filter(email=email).using_db(conn).exists():
            raise EmailTaken(errors=[])
        user = await User.create(email=email, password_hash=password_hash, display_name=display_name, using_db=conn)
        await Membership.create(user=user, organisation=authority, role=Role.FAMILY, using_db=conn)
        await audit.record(
            "core.user.registered",
            actor=user,
            record_type="user",
            record_id=user.id,
            now=now,
            after={"role": Role.FAMILY, "organisation_id": authority.id},
            using_db=conn,
        )
        message = await _queue_verification(user, now=now, secret_key=secret_key, base_url=base_url, conn=conn)
    await mail.deliver_later(message)
    return user


async def _queue_verification(user: User, *, now: datetime, secret_key: str, base_url: str, conn: BaseDBAsyncClient) -> OutboxMessage:
    """Write the email-verification message into the outbox, in the caller's transaction ``conn``."""
    token = sign(secret_key, "verify-email", {"u": str(user.id), "e": user.email}, now=now)
    return await mail.queue_email(
        to=user.email,
        subject="Confirm your email address",
        body=(
            f"Hello {user.display_name},\n\nConfirm your email address for shortbreaks:\n"
            f"{base_url}/verify-email/{token}\n\nThe link works for 3 days. You can book short breaks once it is confirmed."
        ),
        dedupe_key=f"verify-email:{user.id}:{int(now.timestamp())}",
        now=now,
        using_db=conn,
    )


async def resend_verification(user: User, *, ip: str, now: datetime, secret_key: str, base_url: str) -> bool:
    """Email a new verification link; ``False`` when the address is already confirmed (nothing sent).

    Throttled like sign-in (:func:`_throttle`: ``MAX_FAILURES_PER_ACCOUNT`` a quarter-hour for the
    account, fewer if its IP address has failed often), raising ``TooManyRequests``. Audited.
    """
    if user.email_verified_at is not None:
        return False
    digest = email_hash("verify:" + str(user.id))
    throttle = await _throttle(email_digest=digest, ip=ip, now=now)
    if throttle.locked:
        raise TooManyRequests(
            "You have asked for several links already. Wait a few minutes and try again",
            retry_after=throttle.retry_after,
        )
    async with in_transaction() as conn:
        await LoginAttempt.create(email_hash=digest, ip=ip, succeeded=False, created_at=now, using_db=conn)
        message = await _queue_verification(user, now=now, secret_key=secret_key, base_url=base_url, conn=conn)
        await audit.record("core.user.verification_resent", actor=user, record_type="user", record_id=user.id, now=now, using_db=conn)
    await mail.deliver_later(message)
    return True


def require_verified_email(user: User) -> None:
    """Refuse (``EmailNotVerified``, 403) a user whose email address is not confirmed yet: a family
    books only once it has followed the link emailed at registration (or a new one)."""
    if user.email_verified_at is None:
        raise EmailNotVerified()


async def verify_email(token: str, *, now: datetime, secret_key: str) -> User:
    payload = unsign(secret_key, "verify-email", token, max_age=VERIFICATION_LIFETIME, now=now)
    if not isinstance(payload, dict):
        raise InvalidToken()
    async with in_transaction() as conn:
        user = await User.filter(id=payload["u"], email=payload["e"]).using_db(conn).first()
        if user is None:
            raise InvalidToken()
        if user.email_verified_at is None:
            user.email_verified_at = now
            await user.save(update_fields=["email_verified_at", "updated_at"], using_db=conn)
            await audit.record("core.user.email_verified", actor=user, record_type="user", record_id=user.id, now=now, using_db=conn)
    return user


# --- sign-in, throttling -----------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    locked: bool
    retry_after: int = 0


async def _throttle(*, email_digest: str, ip: str, now: datetime) -> Throttle:
    since = now - THROTTLE_WINDOW
    checks = (
        (LoginAttempt.filter(email_hash=email_digest, succeeded=False, created_at__gt=since), MAX_FAILURES_PER_ACCOUNT),
        (LoginAttempt.filter(ip=ip, succeeded=False, created_at__gt=since), MAX_FAILURES_PER_IP),
    )
    for query, limit in checks:
        recent = await query.order_by("-created_at").limit(limit).values_list("created_at", flat=True)
        if len(recent) >= limit:
            oldest_counted: datetime = min(recent)  # type: ignore[assignment]  # values_list of a DatetimeField is typed as any field value
            return Throttle(True, math.ceil((oldest_counted + THROTTLE_WINDOW - now).total_seconds()))
    return Throttle(False)


async def authenticate(email: str, password: str, *, ip: str, now: datetime) -> User:
    """The active user with this email and password.

    Raises ``SignInThrottled`` after too many recent failures for the account or the address,
    and ``SignInFailed`` otherwise; both are audited. Unknown emails cost one argon2 verification too.
    """
    email = normalise_email(email)
    digest = email_hash(email)
    throttle = await _throttle(email_digest=digest, ip=ip, now=now)
    if throttle.locked:
        await audit.record("core.signin.throttled", actor=None, record_type="email_hash", record_id=digest, now=now, after={"ip": ip})
        raise SignInThrottled(retry_after=throttle.retry_after)
    user = await User.get_or_none(email=email)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.is_active
    async with in_transaction() as conn:
        await LoginAttempt.create(email_hash=digest, ip=ip, succeeded=ok, created_at=now, using_db=conn)
        if not ok:
            await audit.record(
                "core.signin.failed",
                actor=None,
                record_type="email_hash",
                record_id=digest,
                now=now,
                after={"ip": ip},
                using_db=conn,
            )
            raise_after = True
        else:
            await audit.record("core.signin.succeeded", actor=user, record_type="user", record_id=user.id, now=now, using_db=conn)  # type: ignore[union-attr]  # ok implies user
            raise_after = False
    if raise_after:
        raise SignInFailed()
    assert user is not None
    return user


# --- web sessions ------------------------------------------------------------------------


async def start_session(
    user: User, *, now: datetime, absolute: timedelta, stage: str = "full", is_staff: bool = False
) -> tuple[str, WebSession]:
    """A new server-side session; returns the cookie value (shown once) and the row.

    ``stage`` is ``full`` once signed in, ``second_factor`` while a TOTP code is due, and
    ``enrol`` for staff who must set up a second factor before anything else.
    """
    cookie = new_token(32)
    session = await WebSession.create(
        id=token_hash(cookie), user=user, created_at=now, last_seen_at=now, expires_at=now + absolute, stage=stage, is_staff=is_staff
    )
    return cookie, session


async def upgrade_session(session: WebSession, *, now: datetime) -> tuple[str, WebSession]:
    """Finish sign-in after the second factor: a new session id at full strength, and the old one stops."""
    async with in_transaction() as conn:
        await WebSession.filter(id=session.id).using_db(conn).update(revoked_at=now)
        cookie = new_token(32)
        upgraded = await WebSession.create(
            id=token_hash(cookie),
            user_id=session.user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=session.expires_at,
            stage="full",
            is_staff=session.is_staff,
            using_db=conn,
        )
    return cookie, upgraded


async def find_session(cookie: str, *, now: datetime, idle: timedelta, staff_idle: timedelta | None = None) -> WebSession | None:
    """The live session for this cookie, touching its last-seen time at most once a minute.

    Staff sessions time out after ``staff_idle`` when it is shorter than ``idle``.
    """
    session = await WebSession.get_or_none(id=token_hash(cookie)).select_related("user")
    if session is None or session.revoked_at is not None or not session.user.is_active:
        return None
    if session.is_staff and staff_idle is not None:
        idle = min(idle, staff_idle)
    if now >= session.expires_at or now - session.last_seen_at >= idle:
        return None
    if now - session.last_seen_at >= timedelta(minutes=1):
        await WebSession.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    return session


async def end_session(session_id: str, *, actor: User, now: datetime) -> None:
    async with in_transaction() as conn:
        updated = await WebSession.filter(id=session_id, revoked_at=None).using_db(conn).update(revoked_at=now)
        if updated:
            await audit.record("core.session.ended", actor=actor, record_type="user", record_id=actor.id, now=now, using_db=conn)


async def change_password(user: User, *, current: str, new: str, now: datetime) -> None:
    """Change a password; every session and API token of the user is revoked."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed.field("current_password", "Your current password is not correct")
    check_password_strength(new, field="new_password", user_inputs=(user.email, user.display_name))
    async with in_transaction() as conn:
        user.password_hash = hash_password(new)
        user.password_changed_at = now
        await user.save(update_fields=["password_hash", "password_changed_at", "updated_at"], using_db=conn)
        await WebSession.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        await ApiToken.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        await audit.record("core.user.password_changed", actor=user, record_type="user", record_id=user.id, now=now, using_db=conn)


# --- API tokens --------------------------------------------------------------------------


async def create_api_token(user: User, *, name: str = "", now: datetime) -> tuple[str, ApiToken]:
    token = "sbt_" + new_token(32)
    async with in_transaction() as conn:
        row = await ApiToken.create(user=user, token_hash=token_hash(token), prefix=token[:12], name=name, created_at=now, using_db=conn)
        await audit.record("core.api_token.created", actor=user, record_type="api_token", record_id=row.id, now=now, using_db=conn)
    return token, row


async def find_api_token(token: str) -> tuple[ApiToken, Principal] | None:
    """The live token (not revoked, its user active) and who it speaks for (one read:
    :func:`shortbreaks.accounts.queries.find_live_api_token`)."""
    found = await queries.find_live_api_token(token_hash(token))
    if found is None:
        return None
    row, memberships = found
    return row, Principal.from_memberships(row.user, memberships, token_id=row.id)


async def revoke_api_token(token_id: UUID, *, actor: User, now: datetime) -> None:
    async with in_transaction() as conn:
        updated = await ApiToken.filter(id=token_id, user_id=actor.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        if not updated:
            raise NotFound("That token does not exist or was already revoked")
        await audit.record("core.api_token.revoked", actor=actor, record_type="api_token", record_id=token_id, now=now, using_db=conn)


# --- organisations, invitations, administrators -------------------------------------------


async def invite_member(
    organisation: Organisation, *, email: str, role: Role, actor: User, now: datetime, base_url: str
) -> tuple[str, Invitation]:
    """Invite a member of staff; the link goes out by email (logged when no SMTP is configured)."""
    if role is Role.FAMILY:
        raise ValidationFailed.field("role", "Families register themselves")
    if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        raise ValidationFailed.field("role", f"A {organisation.kind.label.lower()} cannot have {role.label.lower()} members")
    email = normalise_email(email)
    token = new_token(32)
    async with in_transaction() as conn:
        invitation = await Invitation.create(
            organisation=organisation,
            role=role,
            email=email,
            token_hash=token_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
            using_db=conn,
        )
        await audit.record(
            "core.invitation.created",
            actor=actor,
            record_type="invitation",
            record_id=invitation.id,
            now=now,
            after={"organisation_id": organisation.id, "role": role},
            using_db=conn,
        )
        message = await mail.queue_email(
            to=email,
            subject=f"You have been invited to join {organisation.name} on shortbreaks",
            body=f"{actor.display_name} has invited you to join {organisation.name} as {role.label.lower()}.\n\n"
            f"Accept the invitation:\n{base_url}/invitations/{token}\n\nThe link works for 7 days.",
            dedupe_key=f"invitation:{invitation.id}",
            now=now,
            using_db=conn,
        )
    await mail.deliver_later(message)
    return token, invitation


async def find_invitation(token: str, *, now: datetime) -> Invitation:
    invitation = await Invitation.get_or_none(token_hash=token_hash(token)).select_related("organisation")
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise InvalidToken()
    return invitation


async def accept_invitation(token: str, *, display_name: str, password: str, now: datetime) -> User:
    """Accept an invitation: create the account (or join an existing one) and the membership."""
    invitation = await find_invitation(token, now=now)
    async with in_transaction() as conn:
        claimed = await Invitation.filter(id=invitation.id, accepted_at=None).using_db(conn).update(accepted_at=now)
        if not claimed:
            raise InvalidToken()
        user = await User.filter(email=invitation.email).using_db(conn).first()
        if user is None:
            check_password_strength(password, user_inputs=(invitation.email, display_name))
            user = await User.create(
                email=invitation.email,
                password_hash=hash_password(password),
                display_name=display_name,
                email_verified_at=now,
                using_db=conn,
            )
        elif not verify_password(user.password_hash, password):
            raise ValidationFailed.field("password", "Enter the password of your existing account")
        await Membership.get_or_create(
            user=user,
            organisation_id=invitation.organisation_id,
            role=invitation.role,
            using_db=conn,
        )
        await audit.record(
            "core.invitation.accepted",
            actor=user,
            record_type="invitation",
            record_id=invitation.id,
            now=now,
            after={"organisation_id": invitation.organisation_id, "role": invitation.role},
            using_db=conn,
        )
    return user


async def ensure_user(*, email: str, password: str, display_name: str, now: datetime, is_site_admin: bool = False) -> User:
    """Create a verified user, or return the existing one unchanged (used by the CLI and demo data)."""
    email = normalise_email(email)
    user = await User.get_or_none(email=email)
    if user is not None:
        return user
    check_password_strength(password, user_inputs=(email, display_name))
    async with in_transaction() as conn:
        user = await User.create(
            email=email,
            password_hash=hash_password(password),
            display_name=display_name,
            is_site_admin=is_site_admin,
            email_verified_at=now,
            using_db=conn,
        )
        await audit.record(
            "core.user.created",
            actor=None,
            record_type="user",
            record_id=user.id,
            now=now,
            after={"is_site_admin": is_site_admin},
            using_db=conn,
        )
    return user


async def anonymise_user(user: User, *, now: datetime) -> None:
    """Erase a user's personal data on request: the account is deactivated and anonymised,
    its sessions and tokens revoked. The row stays, so records that point at it keep their shape.
    """
    async with in_transaction() as conn:
        await (
            User.filter(id=user.id)
            .using_db(conn)
            .update(
                email=f"erased-{user.id}@invalid",
                display_name="Erased user",
                password_hash="!",  # noqa: S106  # not a hash: no password can match it
                is_active=False,
                email_verified_at=None,
            )
        )
        await WebSession.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        await ApiToken.filter(user_id=user.id, revoked_at=None).using_db(conn).update(revoked_at=now)
        await audit.record("core.user.anonymised", actor=None, record_type="user", record_id=user.id, now=now, using_db=conn)


async def ensure_membership(user: User, organisation: Organisation, role: Role, *, is_org_admin: bool = False) -> Membership:
    if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        raise ValidationFailed.field("role", f"A {organisation.kind.label.lower()} cannot have {role.label.lower()} members")
    membership, _ = await Membership.get_or_create(user=user, organisation=organisation, role=role, defaults={"is_org_admin": is_org_admin})
    return membership


async def ensure_organisation(*, identifier: str, name: str, kind: OrganisationKind, region: str = "", now: datetime) -> Organisation:
    """Create an organisation with a validated identifier, or return the one that has it."""
    from shortbreaks.accounts.identifiers import identifier_problem

    problem = identifier_problem(identifier)
    if problem:
        raise ValidationFailed.field("identifier", problem)
    existing = await Organisation.get_or_none(identifier=identifier)
    if existing is not None:
        return existing
    async with in_transaction() as conn:
        organisation = await Organisation.create(identifier=identifier, name=name, kind=kind, region=region, using_db=conn)
        await audit.record(
            "core.organisation.created",
            actor=None,
            record_type="organisation",
            record_id=organisation.id,
            now=now,
            after={"identifier": identifier, "kind": kind},
            using_db=conn,
        )
    return organisation


@dataclass(frozen=True)
class OrganisationContact:
    """How families reach an organisation (a council, about short breaks); blank when not known."""

    phone: str = ""
    email: str = ""
    website: str = ""


def _contact_problems(contact: OrganisationContact) -> list[FieldError]:
    errors = []
    if len(contact.phone) > 30:
        errors.append(FieldError("contact_phone", "Enter a phone number of 30 characters or fewer"))
    if contact.email and ("@" not in contact.email or " " in contact.email or len(contact.email) > 254):
        errors.append(FieldError("contact_email", "Enter an email address like name@example.org"))
    if contact.website and (not contact.website.startswith(("https://", "http://")) or len(contact.website) > 300):
        errors.append(FieldError("website", "Enter the address of the short breaks web page, starting with https://"))
    return errors


async def set_organisation_contact(
    organisation: Organisation, contact: OrganisationContact, *, actor: User | None, now: datetime
) -> Organisation:
    """Record how families reach an organisation (for a council: its short breaks phone, email and
    web page, shown to families who need an allocation). Writes nothing when nothing changes."""
    contact = OrganisationContact(contact.phone.strip(), contact.email.strip().lower(), contact.website.strip())
    errors = _contact_problems(contact)
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    before = {"contact_phone": organisation.contact_phone, "contact_email": organisation.contact_email, "website": organisation.website}
    after = {"contact_phone": contact.phone, "contact_email": contact.email, "website": contact.website}
    if before == after:
        return organisation
    async with in_transaction() as conn:
        await Organisation.filter(id=organisation.id).using_db(conn).update(**after, updated_at=now)
        await audit.record(
            "core.organisation.contact_changed",
            actor=actor,
            record_type="organisation",
            record_id=organisation.id,
            now=now,
            before=before,
            after=after,
            using_db=conn,
        )
    organisation.contact_phone, organisation.contact_email, organisation.website = contact.phone, contact.email, contact.website
    return organisation
