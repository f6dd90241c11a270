"""Calendar feeds and downloads (``.ics``), and the HTTP caching they share.

Feeds (``endpoint`` routes: no cookies, problem-JSON errors):

- ``GET /feeds/services/{service_id}.ics``: a published service's upcoming sessions (public);
- ``GET /feeds/f/{token}.ics``: a family's bookings (private token);
- ``GET /feeds/p/{token}.ics``: a provider's sessions (private token, for staff).

Each answers with a strong ``ETag`` (a digest of everything the feed is written from; for the
family feed taken by the database, so a 304 builds nothing: see ``queries.family_feed_version``)
and ``Last-Modified`` (when that ETag last changed: ``queries.feed_changed_at``), 304 to
``If-None-Match`` or, without it, ``If-Modified-Since`` (see :func:`is_not_modified`), and HEAD.
``GET /bookings/{id}/calendar.ics`` downloads one booking for its family (404 for anyone else).
The pages (subscribing, reset and revoke, the provider's calendar import) are in
:mod:`bookings.feeds.pages`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from bookings import permissions
from bookings.feeds import queries
from bookings.feeds.enums import FeedKind
from bookings.feeds.exporters import CalendarFeed, fingerprint, render_calendar
from shortbreaks.errors import NotFound
from shortbreaks.permissions import PUBLIC, SIGNED_IN
from shortbreaks.routing import endpoint, page
from shortbreaks.web import path_uuid, request_now, request_principal

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def site_url(request: Request) -> str:
    base: str = request.app.state.settings.base_url
    return base


# --- HTTP caching -----------------------------------------------------------------------------


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
    candidates = [part.strip() for part in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def is_not_modified(request: Request, *, etag: str, last_modified: datetime | None = None) -> bool:
    """RFC 9110 §13.2: the client's copy is current when it holds our ETag (If-None-Match) or, when
    it sends no ETag, when nothing changed after its If-Modified-Since.

    A feed's ``last_modified`` comes from :func:`queries.feed_changed_at`: the time its ETag last
    changed, a second or more after the change before, so a date answer is as exact as the ETag.
    Row timestamps would not do (some changes move none, and an HTTP date cannot tell two changes
    in one second apart). Without ``last_modified`` (a one-booking download) only the ETag counts.
    """
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = request.headers.get("if-modified-since")
    if last_modified is None or not since:
        return False
    try:
        client_copy = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # not a date: answer in full (RFC 9110 §13.1.3)
    if client_copy.tzinfo is None:
        client_copy = client_copy.replace(tzinfo=UTC)
    return last_modified <= client_copy


async def calendar_response(
    request: Request,
    feed: CalendarFeed,
    *,
    private: bool,
    filename: str | None = None,
    etag: str | None = None,
    state_key: str | None = None,
    last_modified: datetime | None = None,
) -> Response:
    """The feed with validators (its own digest unless given); 304 when the client's copy is current;
    headers only for HEAD. ``state_key`` names a subscribed feed, whose Last-Modified is the time its
    ETag last changed (:func:`queries.feed_changed_at`), unless the caller has it (``last_modified``);
    without either (a download) the feed's own, and only the ETag earns a 304."""
    etag = etag or fingerprint(feed)
    if state_key and last_modified is None:
        last_modified = await queries.feed_changed_at(state_key, etag, now=request_now(request))
    headers = _validator_headers(f'"{etag}"', last_modified or feed.last_modified, private=private)
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if is_not_modified(request, etag=headers["ETag"], last_modified=last_modified):
        return Response(status_code=304, headers=headers)
    body = render_calendar(feed)
    if request.method == "HEAD":
        response = Response(b"", headers=headers, media_type=CALENDAR_TYPE)
        response.headers["Content-Length"] = str(len(body))
        return response
    return Response(body, headers=headers, media_type=CALENDAR_TYPE)


def _validator_headers(etag: str, last_modified: datetime | None, *, private: bool) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": "private, no-cache" if private else "public, max-age=300"}
    if last_modified is not None:
        headers["Last-Modified"] = formatdate(last_modified.timestamp(), usegmt=True)
    if private:
        headers["X-Robots-Tag"] = "noindex, nofollow"
        headers["Referrer-Policy"] = "no-referrer"
    return headers


# --- feeds ------------------------------------------------------------------------------------


async def public_feed(request: Request) -> Response:
    service_id = path_uuid(request, "service_id")
    feed = await queries.build_public_feed(service_id, now=request_now(request), base_url=site_url(request))
    return await calendar_response(request, feed, private=False, state_key=f"service:{service_id}")


async def family_feed(request: Request) -> Response:
    """The family feed; a 304 is decided from its validators alone, before anything is built."""
    token = await queries.find_feed_token(FeedKind.FAMILY, request.path_params["token"])
    now, base_url = request_now(request), site_url(request)
    version = await queries.family_feed_version(token, now=now, base_url=base_url)
    if request.headers.get("if-none-match") is not None and is_not_modified(request, etag=f'"{version.etag}"'):
        # A 304 for a matching ETag carries no Last-Modified (RFC 9110 §15.4.5), so the recorded
        # state is not read: the common 304 is two queries.
        return Response(status_code=304, headers=_validator_headers(f'"{version.etag}"', None, private=True))
    changed_at = await queries.feed_changed_at(f"family:{token.id}", version.etag, now=now)
    if is_not_modified(request, etag=f'"{version.etag}"', last_modified=changed_at):
        return Response(status_code=304, headers=_validator_headers(f'"{version.etag}"', changed_at, private=True))
    feed = await queries.build_family_feed(token, now=now, base_url=base_url, booking_ids=version.booking_ids)
    return await calendar_response(request, feed, private=True, etag=version.etag, last_modified=changed_at)


async def provider_feed(request: Request) -> Response:
    token = await queries.find_feed_token(FeedKind.PROVIDER, request.path_params["token"])
    feed = await queries.build_provider_feed(token, now=request_now(request), base_url=site_url(request))
    return await calendar_response(request, feed, private=True, state_key=f"provider:{token.id}")


async def booking_calendar(request: Request) -> Response:
    """One booking as a single-event .ics download, for the family that made it."""
    principal = request_principal(request)
    if not permissions.is_family_of(principal, principal.id):
        raise NotFound("Booking not found")
    feed = await queries.build_booking_calendar(principal.id, path_uuid(request, "booking_id"), base_url=site_url(request))
    return await calendar_response(request, feed, private=True, filename="short-break.ics")


routes = [
    endpoint("/feeds/services/{service_id:uuid}.ics", public_feed, name="feeds:public_feed", permission=PUBLIC),
    endpoint("/feeds/f/{token}.ics", family_feed, name="feeds:family_feed", permission=PUBLIC),
    endpoint("/feeds/p/{token}.ics", provider_feed, name="feeds:provider_feed", permission=PUBLIC),
    page("/bookings/{booking_id:uuid}/calendar.ics", booking_calendar, name="feeds:booking_calendar", permission=SIGNED_IN),
]
