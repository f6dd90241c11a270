"""Calendar feeds over HTTP: what each feed shows and to whom, stable output, caching, tokens, and DST."""

from __future__ import annotations

from datetime import timedelta
from email.utils import formatdate

import httpx
from starlette.applications import Starlette

from bookings import services as booking_services
from bookings.feeds import services as feed_services
from bookings.feeds.models import FeedToken
from providers.models import Session
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock, london, utc
from shortbreaks.security import token_hash
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

CALENDAR = "text/calendar; charset=utf-8"


async def test_family_feed_lists_the_familys_bookings_with_times_from_the_database(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_family(authority)
    amira, ben = await make_child(family, first_name="Amira"), await make_child(family, first_name="Ben")
    service = await make_service(authority=authority)
    await publish(service)
    first = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    second = await session_at(service, NOW + timedelta(days=10), NOW + timedelta(days=10, hours=2))
    together = await make_booking(family, first, [amira, ben])
    alone = await make_booking(family, second, [ben])
    token = await family_feed_token(family)

    response = await client.get(f"/feeds/f/{token}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR
    parsed = parse_both(response.content)
    assert parsed.icalendar == {
        f"booking-{together.id}@shortbreaks": (first.starts_at, first.ends_at, "CONFIRMED", 1, f"{service.name} (Amira, Ben)"),
        f"booking-{alone.id}@shortbreaks": (second.starts_at, second.ends_at, "CONFIRMED", 1, f"{service.name} (Ben)"),
    }
    calendar = parsed.calendar
    assert (str(calendar["NAME"]), str(calendar["X-WR-CALNAME"]), str(calendar["X-PUBLISHED-TTL"])) == (
        "Short breaks",
        "Short breaks",
        "PT1H",
    )
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"VTIMEZONE" not in response.content
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"booking-{together.id}@shortbreaks")
    assert str(event["LOCATION"]) == f"{(await service.provider).name}, 1 High Street, Birmingham, B1 1AA"
    assert str(event["URL"]) == f"http://testserver/bookings/{together.id}"
    assert f"Booking reference: {together.reference}" in str(event["DESCRIPTION"])
    assert "Phone: 0121 496 0000" in str(event["DESCRIPTION"])
    assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt


async def test_one_childs_feed_shows_only_that_childs_bookings(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    amira, ben = await make_child(family, first_name="Amira"), await make_child(family, first_name="Ben")
    service = await make_service(authority=authority)
    one = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    two = await session_at(service, NOW + timedelta(days=4), NOW + timedelta(days=4, hours=3))
    amiras = await make_booking(family, one, [amira])
    await make_booking(family, two, [ben])
    token = await family_feed_token(family, child_id=amira.id)

    parsed = parse_both((await client.get(f"/feeds/f/{token}.ics")).content)

    assert list(parsed.icalendar) == [f"booking-{amiras.id}@shortbreaks"]


async def test_feeds_never_leak_across_families_or_into_public_feeds(client: httpx.AsyncClient, authority: Organisation) -> None:
    ours, theirs = await make_family(authority), await make_family(authority)
    our_child = await make_child(ours, first_name="Amira", care={"medical": "Epilepsy rescue medication", "dietary": "No nuts"})
    their_child = await make_child(theirs, first_name="Zed")
    service = await make_service(authority=authority)
    await publish(service)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    ours_booking = await make_booking(ours, session, [our_child])
    theirs_booking = await make_booking(theirs, session, [their_child])
    our_token = await family_feed_token(ours)

    family = (await client.get(f"/feeds/f/{our_token}.ics")).content
    public = (await client.get(f"/feeds/services/{service.id}.ics")).content
    provider_token, _ = await feed_services.create_provider_feed(
        await principal_for(await make_staff(await service.provider.organisation)),  # type: ignore[attr-defined]
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        now=NOW,
    )
    provider = (await client.get(f"/feeds/p/{provider_token}.ics")).content

    assert str(theirs_booking.id).encode() not in family and b"Zed" not in family
    assert list(parse_both(family).icalendar) == [f"booking-{ours_booking.id}@shortbreaks"]
    for secret in (b"Amira", b"Zed", b"Shah", b"Epilepsy", b"nuts", ours_booking.reference.encode(), str(ours_booking.id).encode()):
        assert secret not in public
    public_events = parse_both(public).icalendar
    assert list(public_events) == [f"public-session-{session.id}@shortbreaks"]
    # Staff see first names and places taken, never surnames or care details.
    provider_event = parse_both(provider).calendar.walk("VEVENT")[0]
    assert str(provider_event["SUMMARY"]) == f"{service.name} (2 of 5 booked)"
    assert "Booked: Amira, Zed" in str(provider_event["DESCRIPTION"])
    for secret in (b"Shah", b"Epilepsy", b"nuts"):
        assert secret not in provider
    # A family token does not open a provider feed, nor the other way round.
    assert (await client.get(f"/feeds/p/{our_token}.ics")).status_code == 404
    assert (await client.get(f"/feeds/f/{provider_token}.ics")).status_code == 404


async def test_unpublished_services_have_no_public_feed(client: httpx.AsyncClient, authority: Organisation) -> None:
    service = await make_service(authority=authority)
    response = await client.get(f"/feeds/services/{service.id}.ics")
    assert (response.status_code, response.headers["content-type"]) == (404, "application/problem+json")


async def test_the_same_data_gives_the_same_bytes_and_stable_uids(
    client: httpx.AsyncClient, clock: FrozenClock, authority: Organisation
) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service(authority=authority)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    booking = await make_booking(family, session, [child])
    token = await family_feed_token(family)

    first = await client.get(f"/feeds/f/{token}.ics")
    clock.advance(timedelta(hours=5))
    second = await client.get(f"/feeds/f/{token}.ics")
    other = await make_booking(family, await session_at(service, NOW + timedelta(days=5), NOW + timedelta(days=5, hours=1)), [child])
    third = await client.get(f"/feeds/f/{token}.ics")

    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert set(parse_both(third.content).icalendar) == {f"booking-{booking.id}@shortbreaks", f"booking-{other.id}@shortbreaks"}
    assert third.headers["etag"] != first.headers["etag"]


async def test_sequence_rises_and_cancelled_bookings_stay_30_days(
    client: httpx.AsyncClient, clock: FrozenClock, authority: Organisation
) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service(authority=authority)
    session = await session_at(service, NOW + timedelta(days=40), NOW + timedelta(days=40, hours=3))
    booking = await make_booking(family, session, [child])
    token = await family_feed_token(family)
    uid = f"booking-{booking.id}@shortbreaks"
    before = parse_both((await client.get(f"/feeds/f/{token}.ics")).content).icalendar[uid]

    clock.advance(timedelta(days=1))
    await booking_services.cancel_booking(booking, actor=family, now=clock.now())
    after = parse_both((await client.get(f"/feeds/f/{token}.ics")).content).icalendar[uid]

    assert (before[2], after[2]) == ("CONFIRMED", "CANCELLED")
    assert after[3] > before[3]
    assert after[:2] == before[:2]
    clock.advance(timedelta(days=29))
    assert uid in parse_both((await client.get(f"/feeds/f/{token}.ics")).content).icalendar
    clock.advance(timedelta(days=2))
    assert parse_both((await client.get(f"/feeds/f/{token}.ics")).content).icalendar == {}


async def test_a_cancelled_session_is_cancelled_in_provider_and_family_feeds(
    client: httpx.AsyncClient, clock: FrozenClock, authority: Organisation
) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service(authority=authority)
    staff = await make_staff(await service.provider.organisation)  # type: ignore[attr-defined]
    session = await session_at(service, NOW + timedelta(days=20), NOW + timedelta(days=20, hours=3))
    booking = await make_booking(family, session, [child])
    family_token = await family_feed_token(family)
    provider_token, _ = await feed_services.create_provider_feed(
        await principal_for(staff),
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        now=NOW,
    )
    provider_before = parse_both((await client.get(f"/feeds/p/{provider_token}.ics")).content).icalendar[
        f"session-{session.id}@shortbreaks"
    ]

    clock.advance(timedelta(hours=2))
    await booking_services.cancel_session(session.id, actor=staff, reason="Staff illness", now=clock.now())

    provider_after = parse_both((await client.get(f"/feeds/p/{provider_token}.ics")).content).icalendar[f"session-{session.id}@shortbreaks"]
    family_after = parse_both((await client.get(f"/feeds/f/{family_token}.ics")).content).icalendar[f"booking-{booking.id}@shortbreaks"]
    assert (provider_before[2:4], provider_after[2:4]) == (("CONFIRMED", 0), ("CANCELLED", 1))
    assert family_after[2:4] == ("CANCELLED", 3)


async def test_conditional_requests_get_304_and_head_gets_headers_only(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service(authority=authority)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    await make_booking(family, session, [child])
    token = await family_feed_token(family)
    url = f"/feeds/f/{token}.ics"

    full = await client.get(url)
    etag, last_modified = full.headers["etag"], full.headers["last-modified"]
    by_etag = await client.get(url, headers={"If-None-Match": etag})
    by_date = await client.get(url, headers={"If-Modified-Since": last_modified})
    stale_etag = await client.get(url, headers={"If-None-Match": '"nope"', "If-Modified-Since": last_modified})
    older = await client.get(url, headers={"If-Modified-Since": formatdate(0, usegmt=True)})
    head = await client.head(url)

    assert etag.startswith('"') and not etag.startswith("W/")
    assert (by_etag.status_code, by_etag.content, by_etag.headers["etag"]) == (304, b"", etag)
    # Last-Modified is when the ETag last changed (tests/feeds/test_feed_validators.py).
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert stale_etag.status_code == 200  # If-None-Match decides when both are sent
    assert older.status_code == 200
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(full.content)))
    assert (head.headers["etag"], head.headers["content-type"]) == (etag, CALENDAR)


async def test_feeds_are_built_from_a_fixed_number_of_queries(
    client: httpx.AsyncClient, app: Starlette, authority: Organisation, count_queries: QueryCounter
) -> None:
    family = await make_family(authority)
    children = [await make_child(family) for _ in range(3)]
    service = await make_service(authority=authority)
    staff = await make_staff(await service.provider.organisation)  # type: ignore[attr-defined]
    await publish(service)
    sessions = [await session_at(service, NOW + timedelta(days=d), NOW + timedelta(days=d, hours=2)) for d in range(1, 9)]
    await make_booking(family, sessions[0], children[:1])
    family_token = await family_feed_token(family)
    provider_token, _ = await feed_services.create_provider_feed(
        await principal_for(staff),
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        now=NOW,
    )

    async def queries_for(url: str) -> int:
        if hasattr(app.state.queue, "drain"):
            await app.state.queue.drain()  # booking emails run as in-process jobs; let them finish first
        count_queries.count = 0
        assert (await client.get(url)).status_code == 200
        return count_queries.count

    family_few, provider_few, public_few = (
        await queries_for(f"/feeds/f/{family_token}.ics"),
        await queries_for(f"/feeds/p/{provider_token}.ics"),
        await queries_for(f"/feeds/services/{service.id}.ics"),
    )
    for session in sessions[1:]:
        await make_booking(family, session, children)
    family_many, provider_many, public_many = (
        await queries_for(f"/feeds/f/{family_token}.ics"),
        await queries_for(f"/feeds/p/{provider_token}.ics"),
        await queries_for(f"/feeds/services/{service.id}.ics"),
    )

    assert (family_few, provider_few, public_few) == (family_many, provider_many, public_many)
    # family: token, booking ids, validator, events, names (bookings.feeds.queries.family_feed_version);
    # every feed: its recorded state, read and (first time, or changed, as here) written
    assert (family_many, provider_many, public_many) == (7, 4 + 2, 2 + 2)


async def test_overnight_stays_across_both_clock_changes_keep_their_real_length(
    client: httpx.AsyncClient, clock: FrozenClock, authority: Organisation
) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service(authority=authority)
    staff = await make_staff(await service.provider.organisation)  # type: ignore[attr-defined]
    spring = await session_at(service, london(2026, 3, 28, 18), london(2026, 3, 29, 18))
    autumn = await session_at(service, london(2026, 10, 24, 18), london(2026, 10, 25, 18))
    await make_booking(family, spring, [child], now=london(2026, 3, 20, 9))
    await make_booking(family, autumn, [child], now=london(2026, 10, 10, 9))
    clock.set(london(2026, 3, 21, 9))
    family_token = await family_feed_token(family)
    provider_token, _ = await feed_services.create_provider_feed(
        await principal_for(staff),
        provider_id=service.provider_id,  # type: ignore[attr-defined]
        now=clock.now(),
    )

    for url in (f"/feeds/f/{family_token}.ics", f"/feeds/p/{provider_token}.ics"):
        parsed = parse_both((await client.get(url)).content)
        times = sorted((start, end) for start, end, *_ in parsed.icalendar.values())
        assert times == [(spring.starts_at, spring.ends_at), (autumn.starts_at, autumn.ends_at)]
        assert [end - start for start, end in times] == [timedelta(hours=23), timedelta(hours=25)]
        assert times[0] == (utc(2026, 3, 28, 18), utc(2026, 3, 29, 17))
        assert times[1] == (utc(2026, 10, 24, 17), utc(2026, 10, 25, 18))


async def test_awkward_names_are_escaped_and_folded(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family, first_name='Zoë-Ånne; "Bo", \\o/ 🎉')
    service = await make_service(authority=authority)
    service.name = "Club, Café; Back\\slash – " + "très long nom de club 🌈 " * 4
    service.what_to_bring = "Wellies, a coat; lunch\nand a \\ towel"
    await service.save()
    await publish(service, name='Ōkami & Söhne, Ltd; "Respite"')
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    booking = await make_booking(family, session, [child])
    token = await family_feed_token(family)

    body = (await client.get(f"/feeds/f/{token}.ics")).content

    for line in body.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no UTF-8 sequence is split by folding
    parsed = parse_both(body)
    summary = parsed.icalendar[f"booking-{booking.id}@shortbreaks"][4]
    assert summary == f"{service.name} ({child.first_name})"
    event = parsed.calendar.walk("VEVENT")[0]
    assert "What to bring: Wellies, a coat; lunch\nand a \\ towel" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]).startswith('Ōkami & Söhne, Ltd; "Respite", 1 High Street')


async def test_add_to_calendar_downloads_one_booking_for_its_family_only(
    client: httpx.AsyncClient, app: Starlette, authority: Organisation
) -> None:
    from shortbreaks.accounts.enums import Role
    from tests.factories import make_user, sign_in

    owner = await make_user(role=Role.FAMILY)
    child = await make_child(owner)
    service = await make_service(authority=authority)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    booking = await make_booking(owner, session, [child])
    path = f"/bookings/{booking.id}/calendar.ics"

    anonymous = await client.get(path)
    await sign_in(client, owner)
    mine = await client.get(path)
    other = await make_user(role=Role.FAMILY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other_client:
        await sign_in(other_client, other)
        theirs = await other_client.get(path)

    assert anonymous.status_code == 303
    assert (mine.status_code, mine.headers["content-type"]) == (200, CALENDAR)
    assert mine.headers["content-disposition"] == 'attachment; filename="short-break.ics"'
    assert parse_both(mine.content).icalendar == {
        f"booking-{booking.id}@shortbreaks": (session.starts_at, session.ends_at, "CONFIRMED", 1, f"{service.name} ({child.first_name})")
    }
    assert theirs.status_code == 404


async def test_reset_and_revoke_through_the_pages(client: httpx.AsyncClient, authority: Organisation) -> None:
    from shortbreaks.accounts.enums import Role
    from tests.factories import csrf, make_user, sign_in

    family = await make_user(role=Role.FAMILY)
    child = await make_child(family, first_name="Amira")
    await sign_in(client, family)
    page = await client.get("/calendar")
    assert page.status_code == 200
    assert "Get calendar address" in page.text and "Amira" in page.text

    created = await client.post("/calendar/feeds", data={"csrf_token": await csrf(client, "/calendar")})
    assert created.status_code == 200
    feed = await FeedToken.get(family_id=family.id)
    token = _token_from(created.text)
    assert feed.token_hash == token_hash(token) and len(token) >= 43  # 256 bits, stored only as its hash
    assert f"webcal://testserver/feeds/f/{token}.ics" in created.text
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 200
    assert token not in (await client.get("/calendar")).text

    reset = await client.post(f"/calendar/feeds/{feed.id}/reset", data={"csrf_token": await csrf(client, "/calendar")})
    new_token = _token_from(reset.text)
    assert new_token != token
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 404
    assert (await client.get(f"/feeds/f/{new_token}.ics")).status_code == 200

    child_feed = await client.post("/calendar/feeds", data={"child_id": str(child.id), "csrf_token": await csrf(client, "/calendar")})
    child_token = _token_from(child_feed.text)
    revoked = await client.post(f"/calendar/feeds/{feed.id}/revoke", data={"csrf_token": await csrf(client, "/calendar")})
    assert revoked.status_code == 303
    assert (await client.get(f"/feeds/f/{new_token}.ics")).status_code == 404
    assert (await client.get(f"/feeds/f/{child_token}.ics")).status_code == 200


async def test_nobody_else_can_reset_or_revoke_a_feed(client: httpx.AsyncClient, authority: Organisation) -> None:
    from shortbreaks.accounts.enums import Role
    from tests.factories import csrf, make_user, sign_in

    owner = await make_user(role=Role.FAMILY)
    token, feed = await feed_services.create_family_feed(await principal_for(owner), child_id=None, now=NOW)
    intruder = await make_user(role=Role.FAMILY)
    await sign_in(client, intruder)

    reset = await client.post(f"/calendar/feeds/{feed.id}/reset", data={"csrf_token": await csrf(client, "/calendar")})
    revoke = await client.post(f"/calendar/feeds/{feed.id}/revoke", data={"csrf_token": await csrf(client, "/calendar")})

    assert (reset.status_code, revoke.status_code) == (404, 404)
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 200


async def test_staff_get_a_provider_feed_from_their_page(client: httpx.AsyncClient, authority: Organisation) -> None:
    from shortbreaks.accounts.enums import Role
    from tests.factories import csrf, make_user, sign_in

    service = await make_service(authority=authority)
    organisation = await service.provider.organisation  # type: ignore[attr-defined]
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=organisation)
    session = await session_at(service, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=3))
    await sign_in(client, staff)

    index = await client.get("/calendar/providers")
    assert index.status_code == 303
    page_url = index.headers["location"]
    created = await client.post(page_url + "/feed", data={"csrf_token": await csrf(client, page_url)})
    token = _token_from(created.text, kind="p")
    feed = parse_both((await client.get(f"/feeds/p/{token}.ics")).content)

    assert list(feed.icalendar) == [f"session-{session.id}@shortbreaks"]
    assert (await Session.get(id=session.id)).sequence == 0


def _token_from(html: str, kind: str = "f") -> str:
    marker = f"http://testserver/feeds/{kind}/"
    start = html.index(marker) + len(marker)
    return html[start : html.index(".ics", start)]


async def test_erasing_a_family_turns_its_feeds_off(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    token = await family_feed_token(family, child_id=None)
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 200
    await booking_services.erase_family(family, now=NOW)
    assert (await client.get(f"/feeds/f/{token}.ics")).status_code == 404
