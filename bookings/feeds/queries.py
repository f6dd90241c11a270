"""Read side of calendar feeds: find a feed by its token, and gather a feed's events.

Every feed is built from a fixed number of queries, whatever its size: the token (private
feeds), the events with their session, service and provider fields (one query through the
bookings or providers queries; a family's booking ids first), and children's first names (one
query). A family feed's validators come from one more small query (:func:`family_feed_version`),
so a 304 costs three small queries (token, booking ids, validator) and builds nothing. Nothing
here reads the clock: ``now`` comes in, and is rounded down to the day (:func:`feed_window`) so the same
data gives the same feed all day.

What each feed shows:

- family: the family's bookings (all children, or one child), with the children's first
  names, address, contact details, what to bring and the booking reference;
- provider: the provider's sessions with places taken and the first names of the children
  booked (staff only; never care details);
- public: a published service's upcoming sessions, with places left and no personal data.

Cancelled bookings and sessions stay in a feed for :data:`KEEP_CANCELLED` after they change,
marked ``STATUS:CANCELLED``, so subscribed calendars remove them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from bookings import queries as booking_queries
from bookings.enums import BookingStatus
from bookings.feeds.enums import FeedKind
from bookings.feeds.exporters import FORMAT_VERSION, CalendarEvent, CalendarFeed
from bookings.feeds.models import CalendarImport, FeedState, FeedToken, ImportBlock
from bookings.models import Child
from providers import queries as provider_queries
from providers.enums import SessionStatus
from providers.models import Provider
from shortbreaks import sql
from shortbreaks.errors import NotFound
from shortbreaks.security import token_hash

KEEP_CANCELLED = timedelta(days=30)
# How far back past events stay in a feed (family and provider feeds); public feeds show upcoming only.
KEEP_PAST = timedelta(days=90)
UID_DOMAIN = "shortbreaks"
# How far ahead an imported calendar blocks sessions.
IMPORT_HORIZON = timedelta(days=366)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

# How far along its lifecycle a booking is: SEQUENCE adds this to the session's own sequence,
# so it rises when the status changes (requested → confirmed → cancelled) as well as when the
# provider moves or cancels the session.
_STATUS_STEP = {
    BookingStatus.HELD: 0,
    BookingStatus.REQUESTED: 0,
    BookingStatus.CONFIRMED: 1,
    BookingStatus.ATTENDED: 1,
    BookingStatus.NO_SHOW: 1,
    BookingStatus.DECLINED: 2,
    BookingStatus.CANCELLED_BY_FAMILY: 2,
    BookingStatus.CANCELLED_BY_PROVIDER: 2,
    BookingStatus.RELEASED: 2,
}
_ENDED = frozenset({BookingStatus.DECLINED, BookingStatus.CANCELLED_BY_FAMILY, BookingStatus.CANCELLED_BY_PROVIDER, BookingStatus.RELEASED})


@dataclass(frozen=True)
class FeedWindow:
    """The day a feed is built for: what is in it changes at most once a day without a data change."""

    day_start: datetime
    changed_since: datetime
    past_since: datetime


def feed_window(now: datetime) -> FeedWindow:
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return FeedWindow(day_start=day_start, changed_since=day_start - KEEP_CANCELLED, past_since=day_start - KEEP_PAST)


def _utc(value: datetime | None) -> datetime:
    return value.astimezone(UTC) if value is not None else EPOCH


def _latest(*values: datetime | None) -> datetime:
    return max(_utc(v) for v in values)


def _location(row: dict[str, Any], prefix: str) -> str:
    name = row[prefix + "name"]
    parts = [part for part in (name, row[prefix + "address"], row[prefix + "postcode"]) if part]
    return ", ".join(parts)


def _contact(row: dict[str, Any], prefix: str) -> list[str]:
    lines = []
    if row[prefix + "contact_phone"]:
        lines.append(f"Phone: {row[prefix + 'contact_phone']}")
    if row[prefix + "contact_email"]:
        lines.append(f"Email: {row[prefix + 'contact_email']}")
    if lines:
        lines.insert(0, f"Contact {row[prefix + 'name']}:")
    return lines


def _feed(name: str, description: str, events: Iterable[CalendarEvent], window: FeedWindow, since: datetime) -> CalendarFeed:
    events = tuple(events)
    last = max([window.day_start, _utc(since), *(e.last_modified for e in events)])
    return CalendarFeed(name=name, description=description, events=events, last_modified=last)


# --- tokens ---------------------------------------------------------------------------------


async def feed_changed_at(key: str, etag: str, *, now: datetime) -> datetime:
    """When the feed ``key`` last changed, to the second (its ``Last-Modified``), given the ETag just
    computed for it: exact, unlike row timestamps, which some changes do not move.

    Recorded the first time a feed is served and whenever its ETag differs from the one recorded,
    and then at least a second after the previous change, so an ``If-Modified-Since`` from before
    a change can never match the date after it. Concurrent requests that see the same change agree;
    of two that see different ones, the later write wins, and the next request records it again.
    """
    state = await FeedState.get_or_none(key=key)
    if state is None:
        try:
            state = await FeedState.create(key=key, etag=etag, changed_at=now)
        except IntegrityError:  # another request recorded it first
            state = await FeedState.get(key=key)
    if state.etag != etag:
        changed = max(now, state.changed_at + timedelta(seconds=1))
        await FeedState.filter(key=key).update(etag=etag, changed_at=changed)
        state.changed_at = changed
    return _whole_second_up(state.changed_at)


def _whole_second_up(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


async def find_feed_token(kind: FeedKind, token: str) -> FeedToken:
    """The active feed a token opens (404 for an unknown, reset or revoked token)."""
    if not 20 <= len(token) <= 100:
        raise NotFound("Feed not found")
    # Hand-written (shortbreaks.sql): every feed request and every 304 starts here.
    found = await sql.fetch_models(
        f"SELECT {sql.columns('t', FeedToken)} FROM feeds_feedtoken t"  # noqa: S608 — the column list from the model, values are parameters
        " WHERE t.token_hash = $1 AND t.kind = $2 AND t.revoked_at IS NULL",
        token_hash(token),
        kind.value,
        models={"t": FeedToken},
    )
    if not found:
        raise NotFound("Feed not found")
    feed: FeedToken = found[0]["t"]
    return feed


async def list_family_feeds(family_id: UUID) -> list[FeedToken]:
    return list(await FeedToken.filter(family_id=family_id, revoked_at=None).order_by("created_at", "id"))


async def list_provider_feeds(provider_id: UUID) -> list[FeedToken]:
    return list(await FeedToken.filter(provider_id=provider_id, revoked_at=None).order_by("created_at", "id"))


# --- family feeds ---------------------------------------------------------------------------


def booking_event(row: dict[str, Any], names: list[str], *, base_url: str) -> CalendarEvent:
    """A booking as an event: UID from the booking id, times from the session (the truth if it moves)."""
    status = BookingStatus(row["status"])
    session_cancelled = row["session__status"] == SessionStatus.CANCELLED
    cancelled = status in _ENDED or session_cancelled
    who = ", ".join(names)
    summary = f"{row['service__name']} ({who})" if who else row["service__name"]
    if cancelled:
        summary = "Cancelled: " + summary
    elif status == BookingStatus.REQUESTED:
        summary = "Requested: " + summary
    elif status == BookingStatus.HELD:
        summary = "Awaiting payment: " + summary
    description = [f"Booking reference: {row['reference']}", f"Status: {status.label}"]
    if session_cancelled and status not in _ENDED:
        description.append("The provider has cancelled this session.")
    if row["service__what_to_bring"]:
        description.append(f"What to bring: {row['service__what_to_bring']}")
    description += _contact(row, "service__provider__")
    url = f"{base_url}/bookings/{row['id']}"
    description.append(f"Your booking: {url}")
    return CalendarEvent(
        uid=f"booking-{row['id']}@{UID_DOMAIN}",
        starts_at=_utc(row["session__starts_at"]),
        ends_at=_utc(row["session__ends_at"]),
        summary=summary,
        location=_location(row, "service__provider__"),
        description="\n".join(description),
        url=url,
        sequence=int(row["session__sequence"]) + _STATUS_STEP[status],
        last_modified=_latest(
            row["created_at"],
            row["decided_at"],
            row["cancelled_at"],
            row["session__updated_at"],
            row["service__updated_at"],
            row["service__provider__updated_at"],
        ),
        cancelled=cancelled,
        tentative=status in (BookingStatus.REQUESTED, BookingStatus.HELD),
    )


FAMILY_FEED_NAME = "Short breaks"
FAMILY_FEED_DESCRIPTION = "Your family's short breaks bookings"


@dataclass(frozen=True)
class FeedVersion:
    """A family feed's validators, and the bookings it may show (so building it repeats no query)."""

    etag: str
    last_modified: datetime
    booking_ids: list[UUID] | None  # None: not read (PostgreSQL digests them in the same statement)


async def family_feed_version(feed: FeedToken, *, now: datetime, base_url: str) -> FeedVersion:
    """The family feed's ETag and Last-Modified without building it: two small queries.

    Why this design: the ETag used to be a digest of the built feed, so a 304 cost as much as the
    feed (every row turned into Python values and events). It is now a digest of everything the
    feed is written from, taken by the database: the very rows :func:`build_family_feed` renders
    (same booking ids, same window) with every column it reads and the children's first names
    (:func:`bookings.queries.family_calendar_version`), plus what the code adds (format version, name,
    base URL, the day, the feed and when its token was last reset). So any change the feed can
    show changes the ETag, including the bulk ``.update()`` status changes that touch no
    timestamp; a validator built from ``max(updated_at)`` and counts would depend on every writer
    remembering to touch a timestamp, now and in future code. Computed before the feed is built,
    so a change in between can only make the client fetch once more, never keep a stale copy.

    Last-Modified, sent for information only (no 304 is decided by date: see
    ``api.is_not_modified``), is the latest timestamp of those rows, the feed's creation, or the
    day the feed is built for.
    """
    assert feed.family_id is not None
    window = feed_window(now)
    version, booking_ids = await booking_queries.family_calendar_version(
        feed.family_id, changed_since=window.changed_since, ends_after=window.past_since, child_id=feed.child_id
    )
    inputs = (
        FORMAT_VERSION,
        FAMILY_FEED_NAME,
        FAMILY_FEED_DESCRIPTION,
        base_url,
        window.day_start.isoformat(),
        str(feed.id),
        _utc(feed.reset_at).isoformat(),  # a new URL starts afresh, though its bytes are the same
        version.digest,
    )
    etag = hashlib.sha256(repr(inputs).encode()).hexdigest()[:40]
    return FeedVersion(etag=etag, last_modified=_latest(window.day_start, feed.created_at, version.last_modified), booking_ids=booking_ids)


async def build_family_feed(feed: FeedToken, *, now: datetime, base_url: str, booking_ids: list[UUID] | None = None) -> CalendarFeed:
    """A family's bookings (all children, or the feed's one child): three queries, two with ``booking_ids``
    (from :func:`family_feed_version`).
    """
    assert feed.family_id is not None
    window = feed_window(now)
    if booking_ids is None:
        booking_ids = await booking_queries.calendar_booking_ids(feed.family_id, changed_since=window.changed_since, child_id=feed.child_id)
    rows = await booking_queries.calendar_bookings(booking_ids, ends_after=window.past_since)
    names = await booking_queries.first_names_by_booking([row["id"] for row in rows])
    events = [booking_event(row, names.get(UUID(str(row["id"])), []), base_url=base_url) for row in rows]
    return _feed(FAMILY_FEED_NAME, FAMILY_FEED_DESCRIPTION, events, window, feed.created_at)


async def build_booking_calendar(family_id: UUID, booking_id: UUID, *, base_url: str) -> CalendarFeed:
    """One booking as a calendar of one event, for 'Add to calendar' (404 unless it is the family's)."""
    row = await booking_queries.get_calendar_booking(family_id, booking_id)
    names = await booking_queries.first_names_by_booking([booking_id])
    event = booking_event(row, names.get(booking_id, []), base_url=base_url)
    return CalendarFeed(name="Short breaks", description="", events=(event,), last_modified=event.last_modified)


# --- provider and public feeds --------------------------------------------------------------


def session_event(row: dict[str, Any], *, base_url: str, names: list[str] | None, public: bool) -> CalendarEvent:
    """A session as an event: places taken (provider) or left (public), and first names for staff."""
    cancelled = row["status"] == SessionStatus.CANCELLED
    summary = row["service__name"]
    description: list[str] = []
    if public:
        left = max(0, int(row["capacity"]) - int(row["places_taken"]))
        if not cancelled:
            description.append("Places left: " + (str(left) if left else "none (you can join the waiting list)"))
    else:
        summary = f"{summary} ({row['places_taken']} of {row['capacity']} booked)"
        if names:
            description.append("Booked: " + ", ".join(names))
    if cancelled:
        summary = "Cancelled: " + summary
        description.insert(0, "This session has been cancelled.")
    if row["service__what_to_bring"]:
        description.append(f"What to bring: {row['service__what_to_bring']}")
    description += _contact(row, "service__provider__")
    url = f"{base_url}/services/{row['service_id']}"
    prefix = "public-session" if public else "session"
    return CalendarEvent(
        uid=f"{prefix}-{row['id']}@{UID_DOMAIN}",
        starts_at=_utc(row["starts_at"]),
        ends_at=_utc(row["ends_at"]),
        summary=summary,
        location=_location(row, "service__provider__"),
        description="\n".join(description),
        url=url,
        sequence=int(row["sequence"]),
        last_modified=_latest(row["updated_at"], row["service__updated_at"], row["service__provider__updated_at"]),
        cancelled=cancelled,
    )


async def build_provider_feed(feed: FeedToken, *, now: datetime, base_url: str) -> CalendarFeed:
    """A provider's sessions with places taken and booked children's first names: three queries."""
    assert feed.provider_id is not None
    window = feed_window(now)
    provider = await provider_queries.get_provider(feed.provider_id)
    if provider is None:
        raise NotFound("Feed not found")
    rows = await provider_queries.calendar_sessions(
        provider_id=feed.provider_id, ends_after=window.past_since, changed_since=window.changed_since
    )
    names = await booking_queries.first_names_by_session(provider_id=feed.provider_id, ends_after=window.past_since)
    events = [session_event(row, base_url=base_url, names=names.get(UUID(str(row["id"]))), public=False) for row in rows]
    return _feed(f"{provider.name}: sessions", f"Sessions run by {provider.name}", events, window, feed.created_at)


async def build_public_feed(service_id: UUID, *, now: datetime, base_url: str) -> CalendarFeed:
    """A published service's upcoming sessions, without personal data: two queries."""
    service = await provider_queries.get_public_service(service_id)
    window = feed_window(now)
    rows = await provider_queries.calendar_sessions(
        service_id=service_id, ends_after=window.day_start, changed_since=window.changed_since, published_only=True
    )
    events = [session_event(row, base_url=base_url, names=None, public=True) for row in rows]
    provider: Provider = service.provider
    return _feed(f"{service.name} – {provider.name}", f"Upcoming sessions of {service.name}", events, window, service.updated_at)


# --- imports --------------------------------------------------------------------------------


async def find_calendar_import(provider_id: UUID) -> CalendarImport | None:
    return await CalendarImport.get_or_none(provider_id=provider_id)


async def flagged_sessions(calendar_import: CalendarImport, *, now: datetime) -> list[dict[str, Any]]:
    """Upcoming sessions the import blocked that already had bookings: the provider should look at them."""
    session_ids = await ImportBlock.filter(calendar_import_id=calendar_import.id, has_bookings=True).values_list("session_id", flat=True)
    if not session_ids:
        return []
    rows = await provider_queries.list_future_sessions(calendar_import.provider_id, since=now, until=now + IMPORT_HORIZON)
    wanted = {UUID(str(i)) for i in session_ids}
    return [row for row in rows if UUID(str(row["id"])) in wanted]


async def get_family_child(family_id: UUID, child_id: UUID) -> Child:
    return await booking_queries.get_family_child(family_id, child_id)
