"""Calendar feed benchmark: a 10,000-event provider feed, a 200-event family feed and a 304, through the HTTP API.

    DATABASE_URL=postgres://... .venv/bin/python bench/feeds.py      # or no DATABASE_URL: a temporary SQLite file

Builds its data in that database (it migrates it first; use an empty database), then prints
medians beside the time ``icalendar`` alone takes to serialise the same events. Targets: provider
feed < 1 s, family feed < 50 ms, 304 < 5 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from icalendar import Calendar, Event

from bookings.enums import BookingStatus, FundingSource
from bookings.feeds import queries as feed_queries
from bookings.feeds import services as feed_services
from bookings.feeds.enums import FeedKind
from bookings.feeds.exporters import CalendarFeed, render_calendar
from bookings.feeds.models import FeedToken
from bookings.models import Booking, BookingChild, Child
from providers.enums import ProviderStatus, ServiceKind, StaffRatio
from providers.models import Provider, Service, Session
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Membership, Organisation, User
from shortbreaks.accounts.services import load_principal
from shortbreaks.app import create_app
from shortbreaks.clock import LONDON, FrozenClock
from shortbreaks.db import close_db, migrate
from shortbreaks.security import token_hash
from shortbreaks.settings import load_settings

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)


def icalendar_alone(feed: CalendarFeed) -> bytes:
    """The same events through icalendar's object model, for comparison."""
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//bench//EN")
    calendar.add("X-WR-CALNAME", feed.name)
    for e in feed.events:
        event = Event()
        event.add("UID", e.uid)
        event.add("DTSTAMP", e.last_modified)
        event.add("LAST-MODIFIED", e.last_modified)
        event.add("DTSTART", e.starts_at)
        event.add("DTEND", e.ends_at)
        event.add("SEQUENCE", e.sequence)
        event.add("STATUS", "CANCELLED" if e.cancelled else "CONFIRMED")
        event.add("SUMMARY", e.summary)
        event.add("LOCATION", e.location)
        event.add("DESCRIPTION", e.description)
        event.add("URL", e.url)
        calendar.add_component(event)
    return calendar.to_ical()


async def median_ms(work: Callable[[], Awaitable[object]], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def build_data() -> tuple[User, Provider, Service]:
    authority = await Organisation.create(name="Bench Council", kind=OrganisationKind.LOCAL_AUTHORITY, identifier="GB-LAE-BEN")
    charity = await Organisation.create(name="Bench Trust", kind=OrganisationKind.CHARITY, identifier="GB-CHC-9999999")
    provider = await Provider.create(
        organisation=charity,
        local_authority=authority,
        name="Bench Provider, Ltd",
        address="1 High Street",
        postcode="B1 1AA",
        latitude=52.48,
        longitude=-1.9,
        contact_phone="0121 496 0000",
        status=ProviderStatus.PUBLISHED,
    )
    service = await Service.create(
        provider=provider,
        name="Saturday Club",
        kind=ServiceKind.ACTIVITY,
        min_age=5,
        max_age=18,
        staff_ratio=StaffRatio.GROUP,
        group_size=10,
        what_to_bring="Wellies, a coat; lunch",
    )
    start = NOW + timedelta(days=1)
    sessions = []
    for i in range(10_000):
        starts_at = start + timedelta(hours=3 * i)
        local = starts_at.astimezone(LONDON)
        sessions.append(
            Session(
                service=service,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                local_date=local.date(),
                local_weekday=local.weekday(),
                capacity=10,
                places_taken=1 if i < 200 else 0,
            )
        )
    await Session.bulk_create(sessions, batch_size=1000)
    family = await User.create(email="bench@example.com", password_hash="!", display_name="Bench family", email_verified_at=NOW)
    await Membership.create(user=family, organisation=authority, role=Role.FAMILY)
    child = await Child.create(
        family=family, local_authority=authority, first_name="Zoë", last_name="Bench", date_of_birth=date(2016, 1, 1)
    )
    saved = await Session.filter(service=service).order_by("starts_at").limit(200)
    for n, session in enumerate(saved):
        booking = await Booking.create(
            reference=f"SB-B{n:03d}-00",
            family=family,
            session=session,
            service=service,
            status=BookingStatus.CONFIRMED,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            minutes=120,
        )
        await BookingChild.create(
            booking=booking,
            child=child,
            session_id=session.id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            funding_source=FundingSource.FAMILY,
        )
    return family, provider, service


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    env = {
        "SHORTBREAKS_ENV": "test",
        "SHORTBREAKS_VAR_DIR": str(folder),
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite://{folder / 'bench.sqlite3'}",
    }
    settings = load_settings(env)
    await migrate(settings)
    await close_db()
    app = create_app(settings, clock=FrozenClock(NOW), run_cron=False)
    async with app.router.lifespan_context(app):
        family, provider, _service = await build_data()
        family_token, _ = await feed_services.create_family_feed(await load_principal(family), child_id=None, now=NOW)
        provider_feed = await FeedToken.create(kind=FeedKind.PROVIDER, token_hash="x" * 64, provider_id=provider.id)
        staff_token = "bench-provider-token-0123456789abcdef"
        provider_feed.token_hash = token_hash(staff_token)
        await provider_feed.save()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            provider_url, family_url = f"/feeds/p/{staff_token}.ics", f"/feeds/f/{family_token}.ics"
            big = await client.get(provider_url)
            small = await client.get(family_url)
            assert big.status_code == small.status_code == 200
            etag = small.headers["etag"]

            provider_ms = await median_ms(lambda: client.get(provider_url), 5)
            family_ms = await median_ms(lambda: client.get(family_url), 50)
            not_modified_ms = await median_ms(lambda: client.get(family_url, headers={"If-None-Match": etag}), 200)

            big_feed = await feed_queries.build_provider_feed(provider_feed, now=NOW, base_url=settings.base_url)
            small_feed = await feed_queries.build_family_feed(
                await feed_queries.find_feed_token(FeedKind.FAMILY, family_token), now=NOW, base_url=settings.base_url
            )

            async def ours_big() -> bytes:
                return render_calendar(big_feed)

            async def ical_big() -> bytes:
                return icalendar_alone(big_feed)

            async def ours_small() -> bytes:
                return render_calendar(small_feed)

            async def ical_small() -> bytes:
                return icalendar_alone(small_feed)

            rows = [
                ("provider feed, 10,000 events (GET)", provider_ms, 1000.0, await median_ms(ours_big, 3), await median_ms(ical_big, 3)),
                ("family feed, 200 events (GET)", family_ms, 50.0, await median_ms(ours_small, 20), await median_ms(ical_small, 20)),
                ("family feed, 304 (If-None-Match)", not_modified_ms, 5.0, 0.0, 0.0),
            ]
    print(f"database: {settings.database_url.split('://')[0]}  ({len(big.content):,} and {len(small.content):,} bytes)")
    print(f"{'':38} {'HTTP median':>12} {'target':>8} {'our writer':>11} {'icalendar':>10}")
    for label, measured, target, ours, ical in rows:
        verdict = "ok" if measured < target else "SLOW"
        extra = f"{ours:10.1f}ms {ical:9.1f}ms" if ours else ""
        print(f"{label:38} {measured:10.1f}ms {target:6.0f}ms {extra}  {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
