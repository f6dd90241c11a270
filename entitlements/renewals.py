"""Renewal: an allocation ends with the council's allowance year, and the family renews for the next.

- :func:`invite_due_renewals` (the daily ``invite_renewals`` job, :mod:`entitlements.jobs`): each
  approved application whose allocation's allowance year ends within the council's
  ``renewal_invite_weeks`` (default 6) gets one email inviting the family to renew, with a link. An
  ``ApplicationEvent`` of kind ``renewal_invited`` marks it, written in the same transaction as the
  email, so a second run (or two at once: the outbox's dedupe key) invites nobody twice.
- :func:`renew_application`: the family starts a renewal, a draft ``Application`` with
  ``renewal_of`` set and last year's answers copied, under the tier of the same code in the
  council's published statement (its questions, what it gives, what it pays for may have
  changed). Asking again gives the same draft.
- :func:`renew_unchanged`: officers renew in bulk the families whose circumstances have not
  changed: each gets an approved ``Application`` and an allocation for the **next** allowance
  year (:func:`bookings.services.grant_allocation` in the same transaction: the two commit
  together or not at all), the same allowance as last year, audited, on its history and emailed.

The next allowance year starts the day after the old one ends, so a session on its last day is
paid from the old allocation and one on the next day from the new one, which starts at its full
amount (nothing carries over: each year is its own allocation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from bookings import services as booking_services
from bookings.models import Allocation
from bookings.services import AllowanceTerms
from entitlements import permissions, queries
from entitlements.applications import new_reference, record_event
from entitlements.enums import OPEN_APPLICATION_STATUSES, ApplicationEventKind, ApplicationStatus
from entitlements.models import Application, ApplicationEvent, CouncilProfile, Tier
from entitlements.services import transaction
from entitlements.workdays import london_day
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.errors import Conflict, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.money import format_pence
from shortbreaks.permissions import Principal

# The longest notice a council can set (renewal_invite_weeks is at most 26): the job reads no further ahead.
MAX_NOTICE = timedelta(weeks=26)


class NotRenewable(Conflict):
    code = "not_renewable"
    title = "This application cannot be renewed"


def next_year(council: CouncilProfile, ends_on: date) -> tuple[date, date]:
    """The council's allowance year after the one ending ``ends_on``: (first day, last day)."""
    return queries.allowance_year(council, ends_on + timedelta(days=1))


def invite_from(council: CouncilProfile, ends_on: date) -> date:
    """The day the family is invited to renew: ``renewal_invite_weeks`` before the year's last day."""
    return ends_on - timedelta(weeks=council.renewal_invite_weeks)


def period_text(starts_on: date, ends_on: date) -> str:
    return booking_services.period_text(starts_on, ends_on)


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


async def _has_renewal(application_id: UUID, conn: BaseDBAsyncClient | None = None) -> bool:
    """A renewal started or made (a withdrawn one does not count)."""
    return await Application.filter(renewal_of_id=application_id).exclude(status=ApplicationStatus.WITHDRAWN).using_db(conn).exists()


# --- the invitation ----------------------------------------------------------------------------------


async def invite_due_renewals(*, now: datetime, base_url: str) -> int:
    """Invite each family whose approved allocation's allowance year ends within its council's
    notice (``renewal_invite_weeks``) to renew, once per application; how many were invited."""
    today = london_day(now)
    candidates = await Application.filter(
        status=ApplicationStatus.APPROVED,
        allocation__ends_on__gte=today,
        allocation__ends_on__lte=today + MAX_NOTICE,
    ).select_related("council__local_authority", "allocation", "child", "tier")
    already = set(
        await ApplicationEvent.filter(application_id__in=[a.id for a in candidates], kind=ApplicationEventKind.RENEWAL_INVITED).values_list(
            "application_id", flat=True
        )
    )
    # A child whose next year is already allocated (approved another way) needs no invitation.
    covered = {
        (row[0], row[1])
        for row in await Allocation.filter(child_id__in=[a.child_id for a in candidates], starts_on__gt=today).values_list(
            "child_id", "starts_on"
        )
    }
    invited = 0
    for application in candidates:
        allocation = application.allocation
        if application.id in already or allocation is None or today < invite_from(application.council, allocation.ends_on):
            continue
        if (application.child_id, allocation.ends_on + timedelta(days=1)) in covered:
            continue
        messages: list[OutboxMessage | None] = []
        async with transaction() as conn:
            # Lock the application, then re-read: a run at the same moment may have invited it already
            # (on PostgreSQL the second waits for the first to commit, then sees its event).
            await Application.filter(id=application.id).select_for_update().using_db(conn).first()
            if (
                await ApplicationEvent.filter(application_id=application.id, kind=ApplicationEventKind.RENEWAL_INVITED)
                .using_db(conn)
                .exists()
            ):
                continue
            if await _has_renewal(application.id, conn):
                continue
            messages.append(await _invite(application, allocation, now=now, base_url=base_url, conn=conn))
        await mail.deliver_committed(messages)
        invited += 1
    return invited


async def _invite(
    application: Application, allocation: Allocation, *, now: datetime, base_url: str, conn: BaseDBAsyncClient
) -> OutboxMessage | None:
    council = application.council
    starts, ends = next_year(council, allocation.ends_on)
    detail = f"Invited to renew before {_day(allocation.ends_on)}, for {period_text(starts, ends)}"
    await record_event(application, ApplicationEventKind.RENEWAL_INVITED, actor_id=None, detail=detail, now=now, conn=conn)
    await audit.record(
        "entitlements.application.renewal_invited",
        actor=None,
        record_type="application",
        record_id=application.id,
        now=now,
        after={"reference": application.reference, "ends_on": allocation.ends_on.isoformat()},
        using_db=conn,
    )
    to = await queries.active_email(application.family_id, conn)
    if to is None:
        return None
    name = council.local_authority.name
    body = (
        f"{application.child.first_name}'s short breaks allowance ({application.tier.name}, application {application.reference})"
        f" ends on {_day(allocation.ends_on)}.\n\n"
        f"To keep it for {period_text(starts, ends)}, renew with {name}. Last year's answers are filled in for you:"
        " check them, change what has changed and send it.\n\n"
        f"{base_url}/applications/{application.id}/renew\n\n"
        "What is left of this year's allowance does not carry over to next year.\n"
    )
    return await mail.queue_email(
        to=to,
        subject=f"Renew {application.child.first_name}'s short breaks allowance",
        body=body,
        dedupe_key=f"renewal-invite:{application.id}",
        now=now,
        using_db=conn,
    )


# --- the family renews ------------------------------------------------------------------------------


async def current_tier(council: CouncilProfile, tier_code: str) -> Tier:
    """The tier of ``tier_code`` in the council's published statement (what a renewal is made under)."""
    statement = await queries.find_published(council)
    tier = await Tier.get_or_none(statement_id=statement.id, code=tier_code) if statement is not None else None
    if tier is None:
        raise NotRenewable("The council no longer offers this tier in its published statement: apply for another tier instead")
    return tier


async def renew_application(application: Application, *, family: User, now: datetime) -> Application:
    """Start the family's renewal of an approved application: a draft with last year's answers
    under the published statement's tier of the same code; the same draft when asked again."""
    if application.family_id != family.id:
        raise NotFound("Application not found")
    if application.status != ApplicationStatus.APPROVED:
        raise NotRenewable("Only an approved application can be renewed")
    existing = await _open_for(application)
    if existing is not None:
        return existing
    if await _has_renewal(application.id):
        raise NotRenewable("This application has been renewed already")
    tier = await current_tier(application.council, application.tier_code)
    try:
        async with transaction() as conn:
            renewal = await Application.create(
                reference=new_reference(),
                council_id=application.council_id,
                family_id=application.family_id,
                child_id=application.child_id,
                tier_id=tier.id,
                tier_code=tier.code,
                renewal_of_id=application.id,
                status=ApplicationStatus.DRAFT,
                answers=dict(application.answers or {}),
                using_db=conn,
            )
            await record_event(
                renewal,
                ApplicationEventKind.STARTED,
                actor_id=family.id,
                detail=f"Renewal of {application.reference}, with last year's answers filled in",
                now=now,
                conn=conn,
            )
            await audit.record(
                "entitlements.application.renewal_started",
                actor=family,
                record_type="application",
                record_id=renewal.id,
                now=now,
                after={"reference": renewal.reference, "renewal_of": application.reference, "tier_code": tier.code},
                using_db=conn,
            )
    except IntegrityError:
        # Two clicks at once: the one-open-application rule let one through; that is the draft.
        existing = await _open_for(application)
        if existing is None:
            raise
        return existing
    return renewal


async def _open_for(application: Application) -> Application | None:
    """The child's open application for the tier (a renewal draft, or one started another way)."""
    return await Application.filter(
        child_id=application.child_id, tier_code=application.tier_code, status__in=list(OPEN_APPLICATION_STATUSES)
    ).first()


# --- officers renew in bulk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRenewal:
    """An approved application whose allowance year ends within the council's notice, for the officers' list."""

    application: Application
    ends_on: date
    next_starts_on: date
    next_ends_on: date
    invited: bool


async def due_for_renewal(principal: Principal, *, now: datetime) -> list[DueRenewal]:
    """The officer's councils' approved applications whose allocation's year ends within the
    council's notice window and that nobody has renewed yet, soonest to end first."""
    today = london_day(now)
    rows = (
        await Application.filter(
            council__local_authority_id__in=permissions.officer_authority_ids(principal),
            status=ApplicationStatus.APPROVED,
            allocation__ends_on__gte=today,
            allocation__ends_on__lte=today + MAX_NOTICE,
        )
        .select_related("council__local_authority", "allocation", "child", "tier", "family")
        .order_by("allocation__ends_on", "reference")
    )
    ids = [a.id for a in rows]
    renewed = set(
        await Application.filter(renewal_of_id__in=ids).exclude(status=ApplicationStatus.WITHDRAWN).values_list("renewal_of_id", flat=True)
    )
    invited = set(
        await ApplicationEvent.filter(application_id__in=ids, kind=ApplicationEventKind.RENEWAL_INVITED).values_list(
            "application_id", flat=True
        )
    )
    out = []
    for a in rows:
        assert a.allocation is not None
        if a.id in renewed or today < invite_from(a.council, a.allocation.ends_on):
            continue
        starts, ends = next_year(a.council, a.allocation.ends_on)
        out.append(DueRenewal(a, a.allocation.ends_on, starts, ends, a.id in invited))
    return out


@dataclass(frozen=True)
class BulkResult:
    renewed: list[Application]
    skipped: list[tuple[str, str]]  # (reference, why)


async def renew_unchanged(application_ids: list[UUID], *, actor: Principal, now: datetime) -> BulkResult:
    """Renew each application for the next allowance year as it stands: a new approved
    application (last year's answers and allowance) and its allocation, one transaction per child.
    Applications of another council are not found (404); one renewed meanwhile is skipped."""
    if not application_ids:
        raise ValidationFailed.field("application_ids", "Select the applications to renew")
    due = {d.application.id: d for d in await due_for_renewal(actor, now=now)}
    known = await Application.filter(
        id__in=application_ids, council__local_authority_id__in=permissions.officer_authority_ids(actor)
    ).values_list("id", "reference")
    if len(known) != len(set(application_ids)):
        raise NotFound("Application not found")
    renewed: list[Application] = []
    skipped: list[tuple[str, str]] = []
    for application_id, reference in known:
        item = due.get(application_id)
        if item is None:
            skipped.append((str(reference), "it is not due for renewal, or has been renewed already"))
            continue
        try:
            tier = await current_tier(item.application.council, item.application.tier_code)
        except NotRenewable as exc:
            skipped.append((str(reference), exc.message))
            continue
        messages: list[OutboxMessage | None] = []
        async with transaction() as conn:
            # Locked, then re-read: two officers renewing it at once make one renewal.
            await Application.filter(id=application_id).select_for_update().using_db(conn).first()
            if await _has_renewal(application_id, conn):
                skipped.append((str(reference), "it has been renewed already"))
                continue
            application, message = await _renew_one(item, tier, actor=actor, now=now, conn=conn)
            messages.append(message)
        await mail.deliver_committed(messages)
        renewed.append(application)
    return BulkResult(renewed, skipped)


async def _renew_one(
    item: DueRenewal, tier: Tier, *, actor: Principal, now: datetime, conn: BaseDBAsyncClient
) -> tuple[Application, OutboxMessage | None]:
    old = item.application
    minutes = old.approved_minutes if old.approved_minutes is not None else (tier.hours_per_year or 0) * 60
    pence = int(old.approved_pence) if old.approved_pence is not None else int(tier.pence_per_year or 0)
    terms = AllowanceTerms(
        starts_on=item.next_starts_on, ends_on=item.next_ends_on, tier_code=tier.code, service_kinds=tuple(tier.service_kinds or ())
    )
    period = period_text(item.next_starts_on, item.next_ends_on)
    reference = new_reference()
    allocation = await booking_services.grant_allocation(
        old.child, actor=actor.user, terms=terms, minutes=minutes, pence=pence, reason=f"Renewal {reference}", now=now, conn=conn
    )
    renewal = await Application.create(
        reference=reference,
        council_id=old.council_id,
        family_id=old.family_id,
        child_id=old.child_id,
        tier_id=tier.id,
        tier_code=tier.code,
        renewal_of_id=old.id,
        status=ApplicationStatus.APPROVED,
        answers=dict(old.answers or {}),
        submitted_at=now,
        decided_at=now,
        decided_by_id=actor.id,
        approved_minutes=minutes,
        approved_pence=pence,
        decision_reason="Renewed: the family's circumstances have not changed, so the same allowance as last year",
        allocation_id=allocation.id,
        using_db=conn,
    )
    await record_event(
        renewal, ApplicationEventKind.APPROVED, actor_id=actor.user.id, detail=f"Renewed unchanged for {period}", now=now, conn=conn
    )
    await audit.record(
        "entitlements.application.renewed",
        actor=actor.user,
        record_type="application",
        record_id=renewal.id,
        now=now,
        after={
            "reference": renewal.reference,
            "renewal_of": old.reference,
            "allocation_id": allocation.id,
            "starts_on": item.next_starts_on.isoformat(),
            "ends_on": item.next_ends_on.isoformat(),
            "minutes": minutes,
            "pence": pence,
        },
        using_db=conn,
    )
    to = await queries.active_email(old.family_id, conn)
    message = None
    if to is not None:
        gives = " and ".join(
            part
            for part in (
                f"{minutes // 60} hours" if minutes else "",
                format_pence(pence) if pence else "",
            )
            if part
        )
        message = await mail.queue_email(
            to=to,
            subject=f"{old.child.first_name}'s short breaks allowance is renewed",
            body=(
                f"{old.council.local_authority.name} has renewed {old.child.first_name}'s short breaks allowance"
                f" ({tier.name}) for {period}: {gives}.\n\n"
                f"Application reference: {renewal.reference}\n\n"
                "You can book breaks paid from it from its first day. What is left of this year's allowance does not carry over.\n"
            ),
            dedupe_key=f"renewal-approved:{renewal.id}",
            now=now,
            using_db=conn,
            new_record=True,
        )
    return renewal, message
