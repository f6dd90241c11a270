"""A family feed's ETag and Last-Modified: cheap to check, and never stale.

The ETag is taken from the data the feed is written from (``family_feed_version``), not from the
built feed, so every test here changes something a family can see in its calendar, in the ways
the code really changes it (services) and in ways that touch no timestamp at all (bulk updates),
and checks that the ETag the client holds no longer earns a 304.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formatdate, parsedate_to_datetime
from uuid import UUID

import httpx
import pytest
from starlette.applications import Starlette

from bookings import services as booking_services
from bookings.enums import Attendance, BookingStatus
from bookings.feeds import services as feed_services
from bookings.models import Booking, BookingChild, Child
from providers import services as provider_services
from providers.models import Provider, Service, Session
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import FrozenClock
from tests.bookings.conftest import make_staff
from tests.feeds.conftest import (
    NOW,
    QueryCounter,
    family_feed_token,
    make_booking,
    make_child,
    make_family,
    make_service,
    parse_both,
    principal_for,
    publish,
    session_at,
)


@dataclass
class World:
    family: User
    child: Child
    service: Service
    provider: Provider
    session: Session
    booking: Booking
    token: str
    clock: FrozenClock

    @property
    def url(self) -> str:
        return f"/feeds/f/{self.token}.ics"


@pytest.fixture
async def world(authority: Organisation, clock: FrozenClock) -> World:
    family = await make_family(authority)
    child = await make_child(family, first_name="Amara")
    service = await make_service(authority=authority)
    provider = await publish(service)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    booking = await make_booking(family, session, [child])
    token = await family_feed_token(family)
    return World(family, child, service, provider, session, booking, token, clock)


async def _staff(world: World) -> User:
    return await make_staff(await world.service.provider.organisation)  # type: ignore[attr-defined]


async def cancel_by_family(w: World) -> None:
    await booking_services.cancel_booking(w.booking, actor=w.family, now=w.clock.now())


async def status_by_bulk_update(w: World) -> None:
    await Booking.filter(id=w.booking.id).update(status=BookingStatus.ATTENDED)


async def session_moved_by_bulk_update(w: World) -> None:
    await Session.filter(id=w.session.id).update(
        starts_at=w.session.starts_at + timedelta(hours=1), ends_at=w.session.ends_at + timedelta(hours=1)
    )


async def session_cancelled(w: World) -> None:
    await booking_services.cancel_session(w.session.id, actor=await _staff(w), reason="Staff illness", now=w.clock.now())


async def sequence_by_bulk_update(w: World) -> None:
    await Session.filter(id=w.session.id).update(sequence=7)


async def provider_address_changed(w: World) -> None:
    provider = await Provider.get(id=w.provider.id)
    await provider_services.update_provider(provider, {"address": "2 Low Road, Birmingham"}, actor=None, now=w.clock.now())


async def provider_contact_by_bulk_update(w: World) -> None:
    await Provider.filter(id=w.provider.id).update(contact_phone="0121 496 0999")


async def service_renamed_by_bulk_update(w: World) -> None:
    await Service.filter(id=w.service.id).update(name="Sunday Club")


async def what_to_bring_by_bulk_update(w: World) -> None:
    await Service.filter(id=w.service.id).update(what_to_bring="A towel")


async def child_renamed_by_bulk_update(w: World) -> None:
    await Child.filter(id=w.child.id).update(first_name="Amira")


async def sibling_added_to_the_booking(w: World) -> None:
    sibling = await make_child(w.family, first_name="Bo")
    await BookingChild.create(
        booking_id=w.booking.id,
        child_id=sibling.id,
        session_id=w.session.id,
        starts_at=w.session.starts_at,
        ends_at=w.session.ends_at,
        funding_source="family",
    )


async def new_booking(w: World) -> None:
    later = await session_at(w.service, NOW + timedelta(days=5), NOW + timedelta(days=5, hours=1))
    await make_booking(w.family, later, [w.child])


async def token_reset(w: World) -> None:
    w.token = await feed_services.reset_feed(await principal_for(w.family), await _feed_id(w), now=w.clock.now())


async def _feed_id(w: World) -> UUID:
    from bookings.feeds.models import FeedToken

    return (await FeedToken.get(family_id=w.family.id, revoked_at=None)).id


CHANGES: list[Callable[[World], Awaitable[None]]] = [
    cancel_by_family,
    status_by_bulk_update,
    session_moved_by_bulk_update,
    session_cancelled,
    sequence_by_bulk_update,
    provider_address_changed,
    provider_contact_by_bulk_update,
    service_renamed_by_bulk_update,
    what_to_bring_by_bulk_update,
    child_renamed_by_bulk_update,
    sibling_added_to_the_booking,
    new_booking,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
async def test_a_change_the_family_can_see_makes_the_old_etag_stale(
    client: httpx.AsyncClient, world: World, change: Callable[[World], Awaitable[None]]
) -> None:
    before = await client.get(world.url)
    assert (await client.get(world.url, headers={"If-None-Match": before.headers["etag"]})).status_code == 304

    world.clock.advance(timedelta(minutes=1))
    await change(world)
    after = await client.get(world.url, headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert after.content != before.content
    assert after.headers["etag"] != before.headers["etag"]
    again = await client.get(world.url, headers={"If-None-Match": after.headers["etag"]})
    assert (again.status_code, again.headers["etag"]) == (304, after.headers["etag"])


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__)
async def test_if_modified_since_earns_a_304_only_until_the_content_changes(
    client: httpx.AsyncClient, world: World, change: Callable[[World], Awaitable[None]]
) -> None:
    """Last-Modified is when the ETag last changed, a second or more after the change before: so a
    change that touches no timestamp, in the same second as the client's copy, still gets a 200."""
    before = await client.get(world.url)
    unchanged = await client.get(world.url, headers={"If-Modified-Since": before.headers["last-modified"]})
    await change(world)  # the clock has not moved: the same second
    after = await client.get(world.url, headers={"If-Modified-Since": before.headers["last-modified"]})
    again = await client.get(world.url, headers={"If-Modified-Since": after.headers["last-modified"]})

    assert (unchanged.status_code, unchanged.headers["last-modified"]) == (304, before.headers["last-modified"])
    assert after.status_code == 200
    assert after.content != before.content
    assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(before.headers["last-modified"])
    assert again.status_code == 304


async def test_recording_attendance_again_changes_only_the_status_and_the_etag(client: httpx.AsyncClient, world: World) -> None:
    staff = await _staff(world)
    later = world.session.starts_at + timedelta(hours=1)
    await booking_services.record_attendance(world.booking, actor=staff, attendance={world.child.id: Attendance.ATTENDED}, now=later)
    attended = await client.get(world.url)

    booking = await Booking.get(id=world.booking.id)
    await booking_services.record_attendance(
        booking, actor=staff, attendance={world.child.id: Attendance.NO_SHOW}, now=later + timedelta(minutes=5)
    )
    by_etag = await client.get(world.url, headers={"If-None-Match": attended.headers["etag"]})

    assert b"Status: Attended" in attended.content
    assert by_etag.status_code == 200
    assert b"Status: Attended" not in by_etag.content


async def test_a_reset_token_starts_with_a_new_etag_and_the_old_url_is_gone(client: httpx.AsyncClient, world: World) -> None:
    old_url = world.url
    before = await client.get(old_url)
    world.clock.advance(timedelta(minutes=1))
    await token_reset(world)

    assert (await client.get(old_url, headers={"If-None-Match": before.headers["etag"]})).status_code == 404
    fresh = await client.get(world.url, headers={"If-None-Match": before.headers["etag"]})
    assert fresh.status_code == 200
    assert fresh.content == before.content


async def test_the_etag_changes_with_the_day_the_feed_is_built_for(client: httpx.AsyncClient, world: World) -> None:
    before = await client.get(world.url)
    world.clock.advance(timedelta(days=1))
    after = await client.get(world.url, headers={"If-None-Match": before.headers["etag"]})

    # What the window holds may change at midnight, so the day is part of the ETag: one full answer a day.
    assert (after.status_code, after.content) == (200, before.content)
    assert after.headers["etag"] != before.headers["etag"]


async def test_a_booking_leaving_the_window_changes_the_etag(client: httpx.AsyncClient, world: World) -> None:
    before = await client.get(world.url)
    world.clock.advance(timedelta(days=95))  # the session ended more than 90 days ago
    after = await client.get(world.url, headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert b"BEGIN:VEVENT" in before.content and b"BEGIN:VEVENT" not in after.content


async def test_one_childs_feed_etag_ignores_a_siblings_other_booking(
    client: httpx.AsyncClient, world: World, authority: Organisation
) -> None:
    sibling = await make_child(world.family, first_name="Bo")
    token = await family_feed_token(world.family, child_id=world.child.id)
    url = f"/feeds/f/{token}.ics"
    before = await client.get(url)
    other = await session_at(world.service, NOW + timedelta(days=6), NOW + timedelta(days=6, hours=1))
    await make_booking(world.family, other, [sibling])

    assert (await client.get(url, headers={"If-None-Match": before.headers["etag"]})).status_code == 304
    await Child.filter(id=world.child.id).update(first_name="Amira")
    assert (await client.get(url, headers={"If-None-Match": before.headers["etag"]})).status_code == 200


async def test_an_empty_feed_has_validators_too(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    token = await family_feed_token(family)
    full = await client.get(f"/feeds/f/{token}.ics")
    again = await client.get(f"/feeds/f/{token}.ics", headers={"If-None-Match": full.headers["etag"]})
    older = await client.get(f"/feeds/f/{token}.ics", headers={"If-Modified-Since": formatdate(0, usegmt=True)})

    assert (full.status_code, again.status_code, older.status_code) == (200, 304, 200)


async def test_a_304_builds_nothing(client: httpx.AsyncClient, app: Starlette, world: World, count_queries: QueryCounter) -> None:
    for day in range(4, 12):
        session = await session_at(world.service, NOW + timedelta(days=day), NOW + timedelta(days=day, hours=1))
        await make_booking(world.family, session, [world.child])
    if hasattr(app.state.queue, "drain"):
        await app.state.queue.drain()
    etag = (await client.get(world.url)).headers["etag"]
    count_queries.count = 0
    response = await client.get(world.url, headers={"If-None-Match": etag})

    assert (response.status_code, response.content) == (304, b"")
    on_postgres = Booking._meta.db.capabilities.dialect == "postgres"
    # The token and the validator (a 304 for an ETag carries no Last-Modified, so the feed's
    # recorded state is not read); on SQLite the booking ids are a query of their own.
    assert count_queries.count == (2 if on_postgres else 3)
    assert "last-modified" not in response.headers
    assert response.headers["cache-control"] == "private, no-cache"


async def test_bookings_awaiting_payment_or_released_are_in_the_feed(client: httpx.AsyncClient, world: World) -> None:
    """Every status a feed can select has a place in it (held and released came with payments)."""
    uid = f"booking-{world.booking.id}@shortbreaks"
    await Booking.filter(id=world.booking.id).update(status=BookingStatus.HELD)
    held = await client.get(world.url)
    await Booking.filter(id=world.booking.id).update(status=BookingStatus.RELEASED, cancelled_at=world.clock.now())
    released = await client.get(world.url)

    assert (held.status_code, released.status_code) == (200, 200)
    held_event, released_event = parse_both(held.content).icalendar[uid], parse_both(released.content).icalendar[uid]
    assert held_event[2:] == ("TENTATIVE", 0, f"Awaiting payment: {world.service.name} (Amara)")
    assert released_event[2:4] == ("CANCELLED", 2)
