"""Allocations: the ledger of what a child may spend in a financial year (minutes and/or pence).

Balances change only through conditional updates (``balance >= n``, backed by a CHECK >= 0), and
every change writes a ledger entry, so the balance always equals the ledger's sum. ``_credit``
(give a place's debit back) runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
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


async def grant_allocation(
    child: Child, *, actor: User, year: int, minutes: int = 0, pence: int = 0, reason: str = "", now: datetime
) -> Allocation:
    """Grant a child hours (as minutes) and/or money for a financial year; a second grant tops it up.

    Only this financial year or the next may be granted.
    """
    errors = []
    if minutes < 0:
        errors.append(FieldError("minutes", "Hours cannot be negative"))
    if pence < 0:
        errors.append(FieldError("pence", "Amount cannot be negative"))
    if not errors and minutes == 0 and pence == 0:
        errors.append(FieldError("minutes", "Grant some hours or an amount"))
    current = financial_year(now.astimezone(LONDON).date())
    if year not in (current, current + 1):
        errors.append(FieldError("year", f"Choose the financial year {current} to {current + 1} or the next one"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)

    async def work() -> Allocation:
        async with in_transaction() as conn:
            allocation = await Allocation.filter(child_id=child.id, year=year).using_db(conn).first()
            if allocation is None:
                allocation = await Allocation.create(
                    child_id=child.id,
                    local_authority_id=child.local_authority_id,
                    year=year,
                    in_minutes=minutes > 0,
                    in_pence=pence > 0,
                    balance_minutes=minutes,
                    balance_pence=pence,
                    using_db=conn,
                )
            else:
                await (
                    Allocation.filter(id=allocation.id)
                    .using_db(conn)
                    .update(
                        balance_minutes=F("balance_minutes") + minutes,
                        balance_pence=F("balance_pence") + pence,
                        in_minutes=allocation.in_minutes or minutes > 0,
                        in_pence=allocation.in_pence or pence > 0,
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
                after={"year": year, "minutes": minutes, "pence": pence},
                using_db=conn,
            )
            return await Allocation.get(id=allocation.id, using_db=conn)

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
