"""The database's booking rules, broken behind the services' backs, come back as the errors the
services' own checks raise (``bookings/constraints.py``), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.exceptions import IntegrityError

from bookings import services
from bookings.enums import BookingStatus
from bookings.errors import AllocationInsufficient, AlreadyWaiting, DuplicateBooking, OverlappingBooking
from bookings.models import Allocation, Booking, BookingChild, WaitingListEntry
from shortbreaks import constraints
from shortbreaks.accounts.models import Organisation
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session


def translated_type(caught: pytest.ExceptionInfo[IntegrityError]) -> type[Exception]:
    return type(constraints.translate(caught.value))


async def test_an_overlapping_or_second_place_is_the_booking_checks_error(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service()
    session = await make_session(service, hours=3)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    other = await make_session(service, starts_at=session.starts_at + timedelta(hours=1))
    with pytest.raises(IntegrityError) as overlapping:
        await BookingChild.create(
            booking=booking, child=child, session_id=other.id, starts_at=other.starts_at, ends_at=other.ends_at, funding_source="family"
        )
    second = await Booking.create(
        reference="SB-2222-22", family=family, session=session, service=service, status=BookingStatus.CONFIRMED,
        starts_at=session.starts_at, ends_at=session.ends_at, minutes=180,
    )  # fmt: skip
    # The place's own times (copied from the session) moved clear of the first place, so only the
    # one-place-per-session rule is broken, not the no-overlap rule too.
    later = session.ends_at + timedelta(hours=1)
    with pytest.raises(IntegrityError) as duplicate:
        await BookingChild.create(
            booking=second, child=child, session_id=session.id, starts_at=later, ends_at=later + timedelta(hours=1), funding_source="family"
        )
    assert (translated_type(overlapping), translated_type(duplicate)) == (OverlappingBooking, DuplicateBooking)


async def test_a_reference_taken_twice_is_a_clash_to_retry(authority: Organisation) -> None:
    family = await make_family(authority)
    service = await make_service()
    session = await make_session(service)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=NOW)
    with pytest.raises(IntegrityError) as caught:
        await Booking.create(
            reference=booking.reference, family=family, session=session, service=service, status=BookingStatus.CONFIRMED,
            starts_at=session.starts_at, ends_at=session.ends_at, minutes=180,
        )  # fmt: skip
    assert translated_type(caught) is constraints.Clash


async def test_an_overdrawn_allocation_and_a_second_wait_are_the_checks_errors(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=60)
    with pytest.raises(IntegrityError) as overdrawn:
        await Allocation.filter(id=allocation.id).update(balance_minutes=-1)
    session = await make_session(await make_service())
    await WaitingListEntry.create(session=session, family=family, child=child, joined_at=NOW)
    with pytest.raises(IntegrityError) as waiting:
        await WaitingListEntry.create(session=session, family=family, child=child, joined_at=NOW)
    assert (translated_type(overdrawn), translated_type(waiting)) == (AllocationInsufficient, AlreadyWaiting)
