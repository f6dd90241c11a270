"""Calendar feed use cases: private feed tokens, and importing providers' own calendars.

Tokens are 256 random bits, shown once and stored as a SHA-256 hash. Resetting a feed replaces
the hash in place (the old URL stops at once, the feed keeps its id); revoking sets
``revoked_at``. Each change writes one audit record (``feeds.feed.created`` / ``reset`` /
``revoked``) without the token or its hash.

Imports (:func:`import_calendar`) fetch a provider's calendar through :mod:`bookings.feeds.remote`,
expand recurring events, and block the provider's future sessions that overlap a busy time
for new bookings (through ``providers.services.set_sessions_blocked``); sessions that already
have bookings are blocked too and flagged to the provider, never cancelled. Sessions whose busy
time has gone are unblocked. A failed import changes no session, and is recorded on the
import (code, time) beside the time of the last good import.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

import httpx
from tortoise.transactions import in_transaction

from bookings import permissions
from bookings import queries as booking_queries
from bookings.feeds.enums import FeedKind, ImportErrorCode
from bookings.feeds.models import CalendarImport, FeedToken, ImportBlock
from bookings.feeds.queries import IMPORT_HORIZON
from bookings.feeds.remote import BusyTime, CalendarFetchError, FetchLimits, check_url, fetch_calendar, parse_busy_times
from providers import queries as provider_queries
from providers import services as provider_services
from providers.models import Provider
from shortbreaks import audit
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.permissions import Principal
from shortbreaks.security import new_token, token_hash

log = logging.getLogger("shortbreaks.feeds")

TOKEN_BYTES = 32  # 256 bits


# --- feed tokens ----------------------------------------------------------------------------


async def _manageable_provider(principal: Principal, provider_id: UUID) -> Provider:
    provider = await provider_queries.get_provider(provider_id)
    if provider is None or not permissions.can_act_for_provider(principal, provider.organisation_id):
        raise NotFound("Provider not found")
    return provider


async def _owned_feed(principal: Principal, feed_id: UUID) -> FeedToken:
    feed = await FeedToken.get_or_none(id=feed_id, revoked_at=None)
    if feed is None:
        raise NotFound("Feed not found")
    if feed.kind == FeedKind.FAMILY:
        if feed.family_id != principal.id:
            raise NotFound("Feed not found")
    else:
        assert feed.provider_id is not None
        await _manageable_provider(principal, feed.provider_id)
    return feed


async def create_family_feed(principal: Principal, *, child_id: UUID | None, now: datetime) -> tuple[str, FeedToken]:
    """A private feed of the family's bookings (one child's with ``child_id``); returns the token, shown once.

    If the family already has that feed, it is reset instead: one URL per feed.
    """
    if child_id is not None:
        await booking_queries.get_family_child(principal.id, child_id)
    existing = await FeedToken.get_or_none(kind=FeedKind.FAMILY, family_id=principal.id, child_id=child_id, revoked_at=None)
    if existing is not None:
        return await reset_feed(principal, existing.id, now=now), existing
    token = new_token(TOKEN_BYTES)
    async with in_transaction() as conn:
        feed = await FeedToken.create(
            kind=FeedKind.FAMILY, token_hash=token_hash(token), family_id=principal.id, child_id=child_id, using_db=conn
        )
        await audit.record(
            "feeds.feed.created",
            actor=principal.user,
            record_type="feed",
            record_id=feed.id,
            now=now,
            after={"kind": FeedKind.FAMILY, "child_id": child_id},
            using_db=conn,
        )
    return token, feed


async def create_provider_feed(principal: Principal, *, provider_id: UUID, now: datetime) -> tuple[str, FeedToken]:
    """A private feed of a provider's sessions, for its staff; reset instead if one exists."""
    await _manageable_provider(principal, provider_id)
    existing = await FeedToken.get_or_none(kind=FeedKind.PROVIDER, provider_id=provider_id, revoked_at=None)
    if existing is not None:
        return await reset_feed(principal, existing.id, now=now), existing
    token = new_token(TOKEN_BYTES)
    async with in_transaction() as conn:
        feed = await FeedToken.create(kind=FeedKind.PROVIDER, token_hash=token_hash(token), provider_id=provider_id, using_db=conn)
        await audit.record(
            "feeds.feed.created",
            actor=principal.user,
            record_type="feed",
            record_id=feed.id,
            now=now,
            after={"kind": FeedKind.PROVIDER, "provider_id": provider_id},
            using_db=conn,
        )
    return token, feed


async def reset_feed(principal: Principal, feed_id: UUID, *, now: datetime) -> str:
    """A new URL for the feed; the old one stops working at once. Returns the new token."""
    await _owned_feed(principal, feed_id)
    token = new_token(TOKEN_BYTES)
    async with in_transaction() as conn:
        updated = await FeedToken.filter(id=feed_id, revoked_at=None).using_db(conn).update(token_hash=token_hash(token), reset_at=now)
        if not updated:
            raise NotFound("Feed not found")
        await audit.record("feeds.feed.reset", actor=principal.user, record_type="feed", record_id=feed_id, now=now, using_db=conn)
    return token


async def get_owned_feed(principal: Principal, feed_id: UUID) -> FeedToken:
    """A live feed the principal may reset or turn off (their family's, or their provider's); 404 otherwise."""
    return await _owned_feed(principal, feed_id)


async def revoke_feed(principal: Principal, feed_id: UUID, *, now: datetime) -> None:
    """Turn the feed off: its URL stops working at once."""
    await _owned_feed(principal, feed_id)
    async with in_transaction() as conn:
        updated = await FeedToken.filter(id=feed_id, revoked_at=None).using_db(conn).update(revoked_at=now)
        if not updated:
            raise NotFound("Feed not found")
        await audit.record("feeds.feed.revoked", actor=principal.user, record_type="feed", record_id=feed_id, now=now, using_db=conn)


# --- calendar imports -----------------------------------------------------------------------


async def set_calendar_import(principal: Principal, *, provider_id: UUID, url: str, now: datetime) -> CalendarImport:
    """Set (or change) the URL of the provider's own calendar; the next import uses it."""
    await _manageable_provider(principal, provider_id)
    url = url.strip()
    if len(url) > 2000:
        raise ValidationFailed.field("url", "Enter a calendar address of 2,000 characters or fewer")
    try:
        check_url(url)
    except CalendarFetchError:
        raise ValidationFailed.field("url", "Enter a calendar address starting with https:// or http://") from None
    async with in_transaction() as conn:
        existing = await CalendarImport.filter(provider_id=provider_id).using_db(conn).first()
        if existing is None:
            row = await CalendarImport.create(provider_id=provider_id, url=url, using_db=conn)
        else:
            row = existing
            if row.url != url:
                row.url = url
                row.last_error, row.last_error_code = "", ""
                await row.save(using_db=conn)
        await audit.record(
            "feeds.calendar_import.set",
            actor=principal.user,
            record_type="calendar_import",
            record_id=row.id,
            now=now,
            after={"provider_id": provider_id},
            using_db=conn,
        )
    return row


async def remove_calendar_import(principal: Principal, *, provider_id: UUID, now: datetime) -> None:
    """Stop importing: the sessions the import blocked are unblocked."""
    await _manageable_provider(principal, provider_id)
    async with in_transaction() as conn:
        row = await CalendarImport.filter(provider_id=provider_id).using_db(conn).first()
        if row is None:
            raise NotFound("No calendar is being imported")
        session_ids = cast(
            "list[UUID]", await ImportBlock.filter(calendar_import_id=row.id).using_db(conn).values_list("session_id", flat=True)
        )
        await provider_services.set_sessions_blocked(session_ids, blocked=False, using_db=conn)
        await row.delete(using_db=conn)
        await audit.record(
            "feeds.calendar_import.removed",
            actor=principal.user,
            record_type="calendar_import",
            record_id=row.id,
            now=now,
            after={"unblocked": len(session_ids)},
            using_db=conn,
        )


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    busy: int = 0
    blocked: int = 0
    unblocked: int = 0
    error: ImportErrorCode | None = None


def overlapping(sessions: list[dict[str, object]], busy: list[BusyTime]) -> set[UUID]:
    """Ids of the sessions that overlap any busy time (half-open intervals), in O((n + m) log m)."""
    starts = [b.starts_at for b in busy]
    furthest_end: list[datetime] = []
    for b in busy:
        furthest_end.append(max(furthest_end[-1], b.ends_at) if furthest_end else b.ends_at)
    found = set()
    for session in sessions:
        starts_at, ends_at = session["starts_at"], session["ends_at"]
        assert isinstance(starts_at, datetime) and isinstance(ends_at, datetime)
        i = bisect.bisect_left(starts, ends_at)  # busy times starting before the session ends
        if i and furthest_end[i - 1] > starts_at:
            found.add(UUID(str(session["id"])))
    return found


async def _record_failure(calendar_import: CalendarImport, error: CalendarFetchError, *, now: datetime) -> ImportResult:
    await CalendarImport.filter(id=calendar_import.id).update(
        last_attempt_at=now, last_error_code=error.code.value, last_error=error.code.label[:300]
    )
    return ImportResult(ok=False, error=error.code)


async def import_calendar(
    import_id: UUID, *, http: httpx.AsyncClient, now: datetime, allow_private: bool = False, limits: FetchLimits | None = None
) -> ImportResult | None:
    """Fetch the provider's calendar and block overlapping future sessions; ``None`` if the import has gone.

    Never raises for a bad calendar: the error is recorded on the import and no session changes.
    """
    calendar_import = await CalendarImport.get_or_none(id=import_id)
    if calendar_import is None:
        return None
    until = now + IMPORT_HORIZON
    try:
        body = await fetch_calendar(http, calendar_import.url, allow_private=allow_private, limits=limits)
        busy = parse_busy_times(body, since=now, until=until)
    except CalendarFetchError as exc:
        log.info("calendar import %s failed: %s", import_id, exc.code.value)
        return await _record_failure(calendar_import, exc, now=now)
    sessions = await provider_queries.list_future_sessions(calendar_import.provider_id, since=now, until=until)
    busy_ids = overlapping(sessions, busy)
    by_id = {UUID(str(s["id"])): s for s in sessions}
    async with in_transaction() as conn:
        blocks = {b.session_id: b for b in await ImportBlock.filter(calendar_import_id=import_id).using_db(conn)}
        newly = await provider_services.set_sessions_blocked(
            [sid for sid in sorted(busy_ids) if sid not in blocks], blocked=True, using_db=conn
        )
        if newly:
            await ImportBlock.bulk_create(
                [
                    ImportBlock(
                        calendar_import_id=import_id, session_id=sid, has_bookings=int(str(by_id[sid]["places_taken"])) > 0, created_at=now
                    )
                    for sid in newly
                ],
                using_db=conn,
            )
        still = [sid for sid in blocks if sid in busy_ids]
        with_bookings = [sid for sid in still if int(str(by_id[sid]["places_taken"])) > 0]
        if still:
            await ImportBlock.filter(calendar_import_id=import_id, session_id__in=still).using_db(conn).update(has_bookings=False)
        if with_bookings:
            await ImportBlock.filter(calendar_import_id=import_id, session_id__in=with_bookings).using_db(conn).update(has_bookings=True)
        freed = [sid for sid in blocks if sid in by_id and sid not in busy_ids]
        unblocked = await provider_services.set_sessions_blocked(freed, blocked=False, using_db=conn)
        gone = [sid for sid in blocks if sid not in busy_ids]  # freed, or no longer upcoming and scheduled
        if gone:
            await ImportBlock.filter(calendar_import_id=import_id, session_id__in=gone).using_db(conn).delete()
        await (
            CalendarImport.filter(id=import_id)
            .using_db(conn)
            .update(last_attempt_at=now, last_success_at=now, last_error_code="", last_error="", busy_count=len(busy))
        )
        if newly or unblocked:
            await audit.record(
                "feeds.calendar_import.applied",
                actor=None,
                record_type="calendar_import",
                record_id=import_id,
                now=now,
                after={"blocked": len(newly), "unblocked": len(unblocked)},
                using_db=conn,
            )
    return ImportResult(ok=True, busy=len(busy), blocked=len(newly), unblocked=len(unblocked))


async def list_import_ids() -> list[UUID]:
    return cast("list[UUID]", await CalendarImport.all().order_by("id").values_list("id", flat=True))
