"""The bookings demo data builds on the providers' demo sessions and loads once."""

from __future__ import annotations

from starlette.applications import Starlette

from bookings.enums import BookingStatus
from bookings.models import Allocation, Booking, Child
from shortbreaks.demo import load_demo_data
from tests.bookings.conftest import NOW


async def test_demo_data_has_past_future_and_requested_bookings_and_loads_once(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    counts = (await Child.all().count(), await Allocation.all().count(), await Booking.all().count())
    await load_demo_data(app.state.settings, now=NOW)

    assert counts == (2, 2, 4)
    assert (await Child.all().count(), await Allocation.all().count(), await Booking.all().count()) == counts
    assert sorted(b.status for b in await Booking.all()) == sorted(
        [BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.CONFIRMED, BookingStatus.REQUESTED]
    )
