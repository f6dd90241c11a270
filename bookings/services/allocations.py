"""Allocations: the ledger of what a child may spend in a financial year (minutes and/or pence).

Balances change only through conditional updates (``balance >= n``, backed by a CHECK >= 0), and
every change writes a ledger entry, so the balance always equals the ledger's sum. ``_credit``
(give a place's debit back) runs inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bookings import queries
from bookings.enums import LedgerKind
from bookings.errors import AllocationInsufficient
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, Child
from bookings.services.common import _with_retries
from bookings.services.rules import financial_year
from shortbreaks import audit
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.errors import FieldError, ValidationFailed


@dataclass(frozen=True)
class AllowanceTerms:
    """What an approval under a council's statement sets on an allocation (passed down as data by
    the package that decides applications): its allowance year, the tier it was approved under and
    the kinds of break (``providers.enums.ServiceKind`` values) it pays for."""

    starts_on: date
    ends_on: date
    tier_code: str = ""
    service_kinds: tuple[str, ...] = ()


def financial_year_terms(year: int) -> AllowanceTerms:
    """The April-to-March year starting in ``year``, paying for any service: an officer's grant."""
    return AllowanceTerms(starts_on=date(year, 4, 1), ends_on=date(year + 1, 3, 31))


async def grant_allocation(
    child: Child,
    *,
    actor: User,
    year: int | None = None,
    terms: AllowanceTerms | None = None,
    minutes: int = 0,
    pence: int = 0,
    reason: str = "",
    now: datetime,
    conn: BaseDBAsyncClient | None = None,
) -> Allocation:
    """Grant a child hours (as minutes) and/or money for an allowance year; a second grant for the
    same year tops it up (and widens what it pays for to both grants' kinds of break).

    ``terms`` gives the year (an approval under the council's statement); without it ``year`` names
    an April-to-March financial year that pays for any service. Only a year that has not ended and
    starts within the next year may be granted. With ``conn`` the grant runs inside the caller's
    transaction (an approval commits with its allocation or not at all); without it, in its own.
    """
    today = now.astimezone(LONDON).date()
    current = financial_year(today)
    if terms is None:
        if year is not None and year not in (current, current + 1):
            raise ValidationFailed.field("year", f"Choose the financial year {current} to {current + 1} or the next one")
        terms = financial_year_terms(current if year is None else year)
    errors = []
    if minutes < 0:
        errors.append(FieldError("minutes", "Hours cannot be negative"))
    if pence < 0:
        errors.append(FieldError("pence", "Amount cannot be negative"))
    if not errors and minutes == 0 and pence == 0:
        errors.append(FieldError("minutes", "Grant some hours or an amount"))
    if terms.ends_on < today or terms.starts_on > today + timedelta(days=366):
        errors.append(FieldError("year", f"Choose the financial year {current} to {current + 1} or the next one"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)

    async def write(conn: BaseDBAsyncClient) -> Allocation:
        allocation = await Allocation.filter(child_id=child.id, year=terms.starts_on.year).using_db(conn).first()
        if allocation is None:
            allocation = await Allocation.create(
                child_id=child.id,
                local_authority_id=child.local_authority_id,
                year=terms.starts_on.year,
                starts_on=terms.starts_on,
                ends_on=terms.ends_on,
                tier_code=terms.tier_code,
                service_kinds=sorted(terms.service_kinds),
                in_minutes=minutes > 0,
                in_pence=pence > 0,
                balance_minutes=minutes,
                balance_pence=pence,
                using_db=conn,
            )
        else:
            # One that pays for any service keeps doing so; otherwise it pays for both grants' kinds.
            kinds = sorted(set(allocation.service_kinds) | set(terms.service_kinds)) if allocation.service_kinds else []
            await (
                Allocation.filter(id=allocation.id)
                .using_db(conn)
                .update(
                    balance_minutes=F("balance_minutes") + minutes,
                    balance_pence=F("balance_pence") + pence,
                    in_minutes=allocation.in_minutes or minutes > 0,
                    in_pence=allocation.in_pence or pence > 0,
                    service_kinds=kinds,
                    tier_code=allocation.tier_code or terms.tier_code,
                )
            )
        await AllocationEntry.create(
            allocation=allocation,
            kind=LedgerKind.GRANT,
            minutes=minutes,
            pence=pence,
            reason=reason,
            actor_id=actor.id,
            created_at=now,
            using_db=conn,
        )
        await audit.record(
            "bookings.allocation.granted",
            actor=actor,
            record_type="allocation",
            record_id=allocation.id,
            now=now,
            after={"year": terms.starts_on.year, "minutes": minutes, "pence": pence, "tier_code": terms.tier_code},
            using_db=conn,
        )
        return await Allocation.get(id=allocation.id, using_db=conn)

    if conn is not None:
        return await write(conn)

    async def work() -> Allocation:
        async with in_transaction() as own:
            return await write(own)

    return await _with_retries(work)


async def adjust_allocation(
    allocation: Allocation, *, actor: User, minutes: int = 0, pence: int = 0, reason: str, now: datetime
) -> Allocation:
    """Add or take away minutes and pence, with a reason; the balance cannot go below zero."""
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give a reason for the adjustment")
    if minutes == 0 and pence == 0:
        raise ValidationFailed.field("minutes", "Adjust the hours or the amount")
    async with in_transaction() as conn:
        updated = (
            await Allocation.filter(id=allocation.id, balance_minutes__gte=-minutes, balance_pence__gte=-pence)
            .using_db(conn)
            .update(
                balance_minutes=F("balance_minutes") + minutes,
                balance_pence=F("balance_pence") + pence,
                in_minutes=allocation.in_minutes or minutes > 0,
                in_pence=allocation.in_pence or pence > 0,
            )
        )
        if not updated:
            raise AllocationInsufficient("The adjustment would take the balance below zero")
        await AllocationEntry.create(
            allocation_id=allocation.id,
            kind=LedgerKind.ADJUSTMENT,
            minutes=minutes,
            pence=pence,
            reason=reason.strip(),
            actor_id=actor.id,
            created_at=now,
            using_db=conn,
        )
        await audit.record(
            "bookings.allocation.adjusted",
            actor=actor,
            record_type="allocation",
            record_id=allocation.id,
            now=now,
            after={"minutes": minutes, "pence": pence, "reason": reason.strip()},
            using_db=conn,
        )
        return await Allocation.get(id=allocation.id, using_db=conn)


async def _debit(allocation_id: UUID, *, minutes: int, pence: int, conn: BaseDBAsyncClient) -> bool:
    """Take ``minutes`` and ``pence`` from an allocation if its balance covers both, inside the
    caller's transaction: whether it did (one conditional UPDATE, :func:`bookings.queries.debit_allocation`)."""
    return await queries.debit_allocation(allocation_id, minutes=minutes, pence=pence, conn=conn)


async def _credit(
    place: BookingChild, *, booking: Booking, reason: str, now: datetime, conn: BaseDBAsyncClient, actor: User | None
) -> None:
    """Give a place's debit back to its allocation."""
    if place.allocation_id is None or (place.debited_minutes == 0 and place.debited_pence == 0):
        return
    await (
        Allocation.filter(id=place.allocation_id)
        .using_db(conn)
        .update(balance_minutes=F("balance_minutes") + place.debited_minutes, balance_pence=F("balance_pence") + place.debited_pence)
    )
    await AllocationEntry.create(
        allocation_id=place.allocation_id,
        kind=LedgerKind.CREDIT,
        minutes=place.debited_minutes,
        pence=place.debited_pence,
        booking_id=booking.id,
        reason=reason,
        actor_id=getattr(actor, "id", None),
        created_at=now,
        using_db=conn,
    )
