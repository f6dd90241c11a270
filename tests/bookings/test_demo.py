"""The bookings demo data builds on the providers' demo sessions and loads once."""

from __future__ import annotations

from starlette.applications import Starlette

from bookings.enums import BookingStatus
from bookings.models import Allocation, Booking, Child, WaitingListEntry
from providers.models import Session
from shortbreaks.accounts.models import User
from shortbreaks.demo import load_demo_data
from tests.bookings.conftest import NOW


async def test_demo_data_has_past_future_and_requested_bookings_and_loads_once(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    counts = (await Child.all().count(), await Allocation.all().count(), await Booking.all().count())
    await load_demo_data(app.state.settings, now=NOW)

    assert (await Child.all().count(), await Allocation.all().count(), await Booking.all().count()) == counts
    shah = await User.get(email="family@example.com")
    assert sorted(b.status for b in await Booking.filter(family_id=shah.id)) == sorted(
        [BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.CONFIRMED, BookingStatus.REQUESTED]
    )
    # Other demo families fill one session, and a Shah child waits for a place on it.
    [waiting] = await WaitingListEntry.filter(family_id=shah.id)
    full = await Session.get(id=waiting.session_id)  # type: ignore[attr-defined]
    assert full.places_taken == full.capacity
    others = await Booking.filter(session_id=full.id).exclude(family_id=shah.id).count()
    assert others == full.capacity
    # Two children wait for a place there; the demo provider has requests to decide on its approval service.
    queue = await WaitingListEntry.filter(session_id=full.id).order_by("joined_at").prefetch_related("child")
    assert [e.child.name for e in queue] == ["Anika Shah", "Noah Brown"]
    requests = await Booking.filter(status=BookingStatus.REQUESTED, service__name="Sunshine Friday Tea Club").order_by("created_at")
    assert len(requests) == 3 and requests[-1].family_id == shah.id
