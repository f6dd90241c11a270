"""Bookings' personal data in the core's privacy registry, and the care-profile retention rule.

Retention: a child's care profile (special-category data) is removed when the child has had no
booking for two years (since the child was added, if never booked). The family is told by
email 30 days before; the removal waits until that notice is 30 days old, so a late notice
delays the removal rather than cutting the warning short. A daily cron job runs it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from arq.cron import CronJob, cron
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, CareProfile, Child, WaitingListEntry
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.models import OutboxMessage
from shortbreaks.privacy import Erasure, PersonalData, register

log = logging.getLogger("bookings.privacy")

register(
    PersonalData(
        Child,
        family="family_id",
        child="id",
        export=("id", "first_name", "last_name", "date_of_birth", "needs", "created_at"),
        erasure=Erasure.ANONYMISE,
        why="the child; anonymised (name, date of birth, needs) so bookings and allocations keep their shape",
        personal_fields=("first_name", "last_name", "date_of_birth", "needs"),
    )
)
register(
    PersonalData(
        CareProfile,
        family="child__family_id",
        child="child_id",
        export=(
            "communication",
            "medical",
            "dietary",
            "behaviour_support",
            "emergency_contact_name",
            "emergency_contact_phone",
            "updated_at",
        ),
        erasure=Erasure.DELETE,
        why="special-category care details; deleted at erasure, and after two years without a booking",
        personal_fields=("communication", "medical", "dietary", "behaviour_support", "emergency_contact_name", "emergency_contact_phone"),
    )
)
register(
    PersonalData(
        Booking,
        family="family_id",
        export=("id", "reference", "service_id", "status", "starts_at", "ends_at", "price_pence", "late_cancellation", "created_at"),
        erasure=Erasure.KEEP,
        why="kept for the provider's and the authority's records and figures; it names no one once the child and account are anonymised",
    )
)
register(
    PersonalData(
        BookingChild,
        family="booking__family_id",
        child="child_id",
        export=("booking_id", "child_id", "funding_source", "attendance", "starts_at"),
        erasure=Erasure.KEEP,
        why="which child had which place; kept for attendance figures (respite delivered), names no one once the child is anonymised",
    )
)
register(
    PersonalData(
        WaitingListEntry,
        family="family_id",
        child="child_id",
        export=("session_id", "child_id", "status", "joined_at", "offered_at"),
        erasure=Erasure.KEEP,
        why="open entries are withdrawn at erasure; kept for waiting-list figures, names no one once the child is anonymised",
    )
)
register(
    PersonalData(
        Allocation,
        family="child__family_id",
        child="child_id",
        export=("id", "child_id", "year", "balance_minutes", "balance_pence"),
        erasure=Erasure.KEEP,
        why="the authority's spending record; names no one once the child is anonymised",
    )
)
register(
    PersonalData(
        AllocationEntry,
        family="allocation__child__family_id",
        child="allocation__child_id",
        export=("allocation_id", "kind", "minutes", "pence", "reason", "created_at"),
        erasure=Erasure.KEEP,
        why="the allocation's ledger (the source of truth for balances); reasons hold booking references, not names",
    )
)


# --- retention -------------------------------------------------------------------------------

CARE_PROFILE_RETENTION = timedelta(days=2 * 365)
RETENTION_NOTICE = timedelta(days=30)


def _notice_key(child_id: object, last_activity: datetime) -> str:
    # A new booking moves the last activity on, so a later lapse gets a new notice.
    return f"care-profile-retention:{child_id}:{last_activity.date().isoformat()}"


async def _last_activity(children: list[Child]) -> dict[Any, datetime]:
    latest = {
        row["child_id"]: row["last"]
        for row in await BookingChild.filter(child_id__in=[c.id for c in children])
        .annotate(last=Max("starts_at"))
        .group_by("child_id")
        .values("child_id", "last")
    }
    return {c.id: max(filter(None, [latest.get(c.id), c.created_at])) for c in children}


async def apply_care_profile_retention(*, now: datetime) -> dict[str, int]:
    """Notify families 30 days before a care profile lapses; remove the lapsed ones whose notice
    is 30 days old. Safe to run twice (notices are deduplicated by key). Returns the counts.
    """
    children = list(await Child.filter(erased_at=None, care_profile__id__isnull=False))
    activity = await _last_activity(children)
    notified = removed = 0
    to_send: list[OutboxMessage] = []
    for child in children:
        last = activity[child.id]
        lapses_at = last + CARE_PROFILE_RETENTION
        if now < lapses_at - RETENTION_NOTICE:
            continue
        key = _notice_key(child.id, last)
        notice = await OutboxMessage.get_or_none(dedupe_key=key)
        if notice is None:
            family = await User.get(id=child.family_id)
            if not family.is_active:
                continue
            removal = max(lapses_at, now + RETENTION_NOTICE).astimezone(LONDON).strftime("%A %-d %B %Y")
            async with in_transaction() as conn:
                message = await mail.queue_email(
                    to=family.email,
                    subject="We will delete a care profile you gave us",
                    body=(
                        f"{child.first_name} has not had a short break booked with us for almost two years.\n\n"
                        f"On {removal} we will delete the care details you gave us for {child.first_name} "
                        "(communication, medical, dietary, behaviour support and emergency contact).\n\n"
                        "If you book a short break before then, we will keep them. You can also download your data "
                        "from your account at any time.\n"
                    ),
                    dedupe_key=key,
                    now=now,
                    using_db=conn,
                )
                await audit.record(
                    "bookings.care_profile.retention_notice", actor=None, record_type="child", record_id=child.id, now=now, using_db=conn
                )
            to_send.append(message)
            notified += 1
        elif now >= lapses_at and now >= notice.created_at + RETENTION_NOTICE:
            async with in_transaction() as conn:
                deleted = await CareProfile.filter(child_id=child.id).using_db(conn).delete()
                if deleted:
                    await audit.record(
                        "bookings.care_profile.removed_by_retention",
                        actor=None,
                        record_type="child",
                        record_id=child.id,
                        now=now,
                        using_db=conn,
                    )
            removed += deleted
    for message in to_send:
        await mail.deliver_later(message)
    if notified or removed:
        log.info("care-profile retention: %s notices, %s profiles removed", notified, removed)
    return {"notified": notified, "removed": removed}


async def care_profile_retention(ctx: dict[str, Any]) -> dict[str, int]:
    """Daily: the care-profile retention rule."""
    return await apply_care_profile_retention(now=ctx["clock"].now())


functions = [care_profile_retention]
cron_jobs: list[CronJob] = [
    cron(care_profile_retention, name="care_profile_retention", hour={3}, minute={40}, run_at_startup=False, unique=True, timeout=50)
]
