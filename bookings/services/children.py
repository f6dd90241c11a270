"""Children and their care profiles (special-category data: never audited, never in logs)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from tortoise.transactions import in_transaction

from bookings import queries
from bookings.enums import ACTIVE_WAITING_STATUSES, WaitingStatus
from bookings.errors import ChildHasBookings
from bookings.models import CareProfile, Child, WaitingListEntry
from providers.enums import Need
from shortbreaks import audit
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.errors import ValidationFailed

CARE_FIELDS = ("communication", "medical", "dietary", "behaviour_support", "emergency_contact_name", "emergency_contact_phone")


def _check_born(date_of_birth: date, *, now: datetime) -> None:
    if date_of_birth > now.astimezone(LONDON).date():
        raise ValidationFailed.field("date_of_birth", "Date of birth must be today or in the past")


def _check_needs(needs: list[str]) -> list[str]:
    valid = {n.value for n in Need}
    bad = [n for n in needs if n not in valid]
    if bad:
        raise ValidationFailed.field("needs", f"Unknown need code: {', '.join(bad)}")
    return sorted(set(needs), key=[n.value for n in Need].index)


async def create_child(
    family: User,
    *,
    local_authority_id: UUID,
    first_name: str,
    last_name: str = "",
    date_of_birth: date,
    needs: list[str],
    care: dict[str, str] | None = None,
    now: datetime,
) -> Child:
    """Add a child to a family account, with an optional care profile (special-category, never audited)."""
    _check_born(date_of_birth, now=now)
    needs = _check_needs(needs)
    async with in_transaction() as conn:
        child = await Child.create(
            family_id=family.id,
            local_authority_id=local_authority_id,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            date_of_birth=date_of_birth,
            needs=needs,
            using_db=conn,
        )
        await CareProfile.create(child=child, **{k: v for k, v in (care or {}).items() if k in CARE_FIELDS}, using_db=conn)
        await audit.record("bookings.child.created", actor=family, record_type="child", record_id=child.id, now=now, using_db=conn)
    return child


async def update_child(
    child: Child,
    *,
    actor: User,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    needs: list[str],
    care: dict[str, str],
    now: datetime,
) -> Child:
    """Change a child's details and care profile. The audit record says what changed, not to what."""
    _check_born(date_of_birth, now=now)
    needs = _check_needs(needs)
    async with in_transaction() as conn:
        child.first_name, child.last_name, child.date_of_birth, child.needs = first_name.strip(), last_name.strip(), date_of_birth, needs
        await child.save(using_db=conn)
        profile, _ = await CareProfile.get_or_create(child_id=child.id, using_db=conn)
        for key in CARE_FIELDS:
            if key in care:
                setattr(profile, key, care[key])
        await profile.save(using_db=conn)
        await audit.record("bookings.child.updated", actor=actor, record_type="child", record_id=child.id, now=now, using_db=conn)
    return child


async def remove_child(child: Child, *, actor: User, now: datetime) -> int:
    """Take a child off a family's account: its name, date of birth, needs and care profile are
    erased (the anonymous record stays for past bookings, ledgers and the council's figures) and
    its waiting-list places are given up. Returns how many waiting-list places were given up.

    Refused (:class:`ChildHasBookings`) while the child has a booking still to come: cancelling
    a place has consequences (notice periods, late cancellation, refunds, the provider's rota),
    so the family cancels those bookings itself first, each with its own warning.
    """
    upcoming = await queries.list_child_upcoming_bookings(child.id, now=now)
    if upcoming:
        references = ", ".join(b.reference for b in upcoming)
        raise ChildHasBookings(
            f"{child.first_name} has bookings still to come ({references}). Cancel them first, then remove {child.first_name}."
        )
    async with in_transaction() as conn:
        await CareProfile.filter(child_id=child.id).using_db(conn).delete()
        left = await (
            WaitingListEntry.filter(child_id=child.id, status__in=list(ACTIVE_WAITING_STATUSES))
            .using_db(conn)
            .update(status=WaitingStatus.WITHDRAWN)
        )
        erased: dict[str, object] = {"first_name": "Erased", "last_name": "", "date_of_birth": None, "needs": [], "erased_at": now}
        await Child.filter(id=child.id).using_db(conn).update(**erased)
        await audit.record(
            "bookings.child.removed",
            actor=actor,
            record_type="child",
            record_id=child.id,
            now=now,
            after={"waiting_list_places_given_up": left},
            using_db=conn,
        )
    return int(left)
