"""The bookings demo data builds on the providers' sessions and loads once."""

from __future__ import annotations

from datetime import timedelta

from starlette.applications import Starlette

from bookings.enums import BookingStatus
from bookings.models import Allocation, Booking, Child, WaitingListEntry
from providers.enums import BookingMode
from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.services import ensure_organisation
from shortbreaks.demo import load_demo_data
from tests.bookings.conftest import NOW, make_service, make_session


async def test_demo_data_has_past_future_waiting_and_requested_bookings_and_loads_once(app: Starlette) -> None:
    sunshine = await ensure_organisation(
        identifier="GB-CHC-1180001", name="Sunshine Saturday Club", kind=OrganisationKind.CHARITY, region="West Midlands", now=NOW
    )
    club = await make_service(organisation=sunshine, max_age=18, min_age=5)
    for days in (-14, -7):
        await make_session(club, starts_at=NOW + timedelta(days=days), capacity=8)
    await make_session(club, starts_at=NOW + timedelta(days=7), capacity=8)
    full = await make_session(club, starts_at=NOW + timedelta(days=14), capacity=1)
    full.places_taken = 1
    await full.save()
    respite = await make_service(organisation=sunshine, mode=BookingMode.APPROVAL)
    await make_session(respite, starts_at=NOW + timedelta(days=21), capacity=4)

    await load_demo_data(app.state.settings, now=NOW)
    counts = (await Child.all().count(), await Allocation.all().count(), await Booking.all().count(), await WaitingListEntry.all().count())
    await load_demo_data(app.state.settings, now=NOW)

    assert counts == (2, 2, 4, 1)
    assert (
        await Child.all().count(),
        await Allocation.all().count(),
        await Booking.all().count(),
        await WaitingListEntry.all().count(),
    ) == counts
    assert sorted(b.status for b in await Booking.all()) == sorted(
        [BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.CONFIRMED, BookingStatus.REQUESTED]
    )
