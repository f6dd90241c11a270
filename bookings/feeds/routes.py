"""Calendar feed endpoints and pages.

Feeds (``endpoint`` routes: no cookies, problem-JSON errors):

- ``GET /feeds/services/{service_id}.ics``: a published service's upcoming sessions (public);
- ``GET /feeds/f/{token}.ics``: a family's bookings (private token);
- ``GET /feeds/p/{token}.ics``: a provider's sessions (private token, for staff).

Each answers with a strong ``ETag`` (a digest of everything the feed is written from; for the
family feed taken by the database, so a 304 builds nothing: see ``queries.family_feed_version``)
and ``Last-Modified`` (when that ETag last changed: ``queries.feed_changed_at``), 304 to
``If-None-Match`` or, without it, ``If-Modified-Since`` (see :func:`is_not_modified`), and HEAD.
``GET /bookings/{id}/calendar.ics`` downloads one booking for its family (404 for anyone else).
Pages: the family's and the provider's "Subscribe to your calendar" pages, with reset and revoke
forms, and the provider's calendar import settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from bookings import permissions
from bookings.feeds import queries, services
from bookings.feeds.enums import FeedKind, ImportErrorCode
from bookings.feeds.exporters import CalendarFeed, fingerprint, render_calendar
from bookings.feeds.models import FeedToken
from bookings.queries import list_children
from providers import queries as provider_queries
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.forms import read_form
from shortbreaks.permissions import FAMILY, PROVIDER_STAFF, PUBLIC, SIGNED_IN
from shortbreaks.routing import endpoint, page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

CALENDAR_TYPE = "text/calendar; charset=utf-8"
COPY_SCRIPT = (Path(__file__).parent / "static" / "copy.js").read_bytes()


def _base_url(request: Request) -> str:
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
    feed = await queries.build_public_feed(service_id, now=request_now(request), base_url=_base_url(request))
    return await calendar_response(request, feed, private=False, state_key=f"service:{service_id}")


async def family_feed(request: Request) -> Response:
    """The family feed; a 304 is decided from its validators alone, before anything is built."""
    token = await queries.find_feed_token(FeedKind.FAMILY, request.path_params["token"])
    now, base_url = request_now(request), _base_url(request)
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
    feed = await queries.build_provider_feed(token, now=request_now(request), base_url=_base_url(request))
    return await calendar_response(request, feed, private=True, state_key=f"provider:{token.id}")


async def booking_calendar(request: Request) -> Response:
    """One booking as a single-event .ics download, for the family that made it."""
    principal = request_principal(request)
    if not permissions.is_family_of(principal, principal.id):
        raise NotFound("Booking not found")
    feed = await queries.build_booking_calendar(principal.id, path_uuid(request, "booking_id"), base_url=_base_url(request))
    return await calendar_response(request, feed, private=True, filename="short-break.ics")


async def copy_script(request: Request) -> Response:
    return Response(COPY_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


# --- pages: subscribing -----------------------------------------------------------------------


class FamilyFeedForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    child_id: UUID | None = None


class ImportForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str = Field(min_length=1, max_length=2000)


def feed_urls(request: Request, kind: FeedKind, token: str) -> dict[str, str]:
    name = "feeds:family_feed" if kind == FeedKind.FAMILY else "feeds:provider_feed"
    url = _base_url(request) + request.app.url_path_for(name, token=token)
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


async def _family_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    children = await list_children(principal.id)
    feeds = {feed.child_id: feed for feed in await queries.list_family_feeds(principal.id)}
    rows = [{"label": "All your children", "child_id": None, "feed": feeds.get(None)}]
    rows += [{"label": child.first_name, "child_id": child.id, "feed": feeds.get(child.id)} for child in children]
    return {"rows": rows}


async def family_calendar_page(request: Request) -> Response:
    return render(request, "feeds/family_calendar.html", await _family_context(request))


async def create_family_feed(request: Request) -> Response:
    form, errors, _values = await read_form(request, FamilyFeedForm)
    if form is None:
        context = {**await _family_context(request), "errors": error_summary(errors), "field_errors": field_errors(errors)}
        return render(request, "feeds/family_calendar.html", context, status_code=422)
    token, feed = await services.create_family_feed(request_principal(request), child_id=form.child_id, now=request_now(request))
    return _show_token(request, feed, token)


def _show_token(request: Request, feed: FeedToken, token: str) -> Response:
    back = (
        request.url_for("feeds:family_calendar").path
        if feed.kind == FeedKind.FAMILY
        else request.url_for("feeds:provider_calendar", provider_id=feed.provider_id).path
    )
    return render(request, "feeds/feed_created.html", {**feed_urls(request, feed.kind, token), "back": back, "kind": feed.kind})


async def reset_feed(request: Request) -> Response:
    principal = request_principal(request)
    feed_id = path_uuid(request, "feed_id")
    token = await services.reset_feed(principal, feed_id, now=request_now(request))
    feed = await FeedToken.get(id=feed_id)
    return _show_token(request, feed, token)


async def revoke_feed(request: Request) -> Response:
    principal = request_principal(request)
    feed_id = path_uuid(request, "feed_id")
    feed = await FeedToken.get_or_none(id=feed_id)
    await services.revoke_feed(principal, feed_id, now=request_now(request))
    assert feed is not None
    target = (
        request.url_for("feeds:family_calendar").path
        if feed.kind == FeedKind.FAMILY
        else request.url_for("feeds:provider_calendar", provider_id=feed.provider_id).path
    )
    return redirect(request, target, message="Your calendar address has been turned off. Calendars using it will stop updating.")


# --- pages: providers -------------------------------------------------------------------------


async def provider_calendars_page(request: Request) -> Response:
    principal = request_principal(request)
    providers = await provider_queries.list_providers_for_organisations(permissions.staff_organisation_ids(principal))
    if len(providers) == 1:
        return redirect(request, request.url_for("feeds:provider_calendar", provider_id=providers[0].id).path)
    return render(request, "feeds/provider_list.html", {"providers": providers})


async def _provider_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    provider_id = path_uuid(request, "provider_id")
    provider = await provider_queries.get_provider(provider_id)
    if provider is None or not permissions.can_act_for_provider(principal, provider.organisation_id):  # type: ignore[attr-defined]
        raise NotFound("Provider not found")
    feeds = await queries.list_provider_feeds(provider_id)
    calendar_import = await queries.find_calendar_import(provider_id)
    flagged = await queries.flagged_sessions(calendar_import, now=request_now(request)) if calendar_import else []
    error = ImportErrorCode(calendar_import.last_error_code) if calendar_import and calendar_import.last_error_code else None
    return {
        "provider": provider,
        "feed": feeds[0] if feeds else None,
        "calendar_import": calendar_import,
        "flagged": flagged,
        "error": error,
    }


async def provider_calendar_page(request: Request) -> Response:
    return render(request, "feeds/provider_calendar.html", await _provider_context(request))


async def create_provider_feed(request: Request) -> Response:
    token, feed = await services.create_provider_feed(
        request_principal(request), provider_id=path_uuid(request, "provider_id"), now=request_now(request)
    )
    return _show_token(request, feed, token)


async def set_calendar_import(request: Request) -> Response:
    form, errors, values = await read_form(request, ImportForm)
    if form is not None:
        try:
            await services.set_calendar_import(
                request_principal(request), provider_id=path_uuid(request, "provider_id"), url=form.url, now=request_now(request)
            )
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            return redirect(
                request,
                request.url_for("feeds:provider_calendar", provider_id=path_uuid(request, "provider_id")).path,
                message="We will import your calendar within 15 minutes",
            )
    context = await _provider_context(request)
    context.update(errors=error_summary(errors), field_errors=field_errors(errors), values=values)
    return render(request, "feeds/provider_calendar.html", context, status_code=422)


async def remove_calendar_import(request: Request) -> Response:
    provider_id = path_uuid(request, "provider_id")
    await services.remove_calendar_import(request_principal(request), provider_id=provider_id, now=request_now(request))
    return redirect(
        request,
        request.url_for("feeds:provider_calendar", provider_id=provider_id).path,
        message="We have stopped importing your calendar and unblocked its sessions",
    )


_FEED = "/calendar/feeds/{feed_id:uuid}"
_PROVIDER = "/calendar/providers/{provider_id:uuid}"
routes = [
    endpoint("/feeds/services/{service_id:uuid}.ics", public_feed, name="feeds:public_feed", permission=PUBLIC),
    endpoint("/feeds/f/{token}.ics", family_feed, name="feeds:family_feed", permission=PUBLIC),
    endpoint("/feeds/p/{token}.ics", provider_feed, name="feeds:provider_feed", permission=PUBLIC),
    endpoint("/calendar/copy.js", copy_script, name="feeds:copy_script", permission=PUBLIC),
    page("/bookings/{booking_id:uuid}/calendar.ics", booking_calendar, name="feeds:booking_calendar", permission=SIGNED_IN),
    page("/calendar", family_calendar_page, name="feeds:family_calendar", permission=FAMILY),
    page("/calendar/feeds", create_family_feed, name="feeds:create_family_feed", permission=FAMILY, methods=["POST"]),
    page(_FEED + "/reset", reset_feed, name="feeds:reset_feed", permission=SIGNED_IN, methods=["POST"]),
    page(_FEED + "/revoke", revoke_feed, name="feeds:revoke_feed", permission=SIGNED_IN, methods=["POST"]),
    page("/calendar/providers", provider_calendars_page, name="feeds:provider_calendars", permission=PROVIDER_STAFF),
    page(_PROVIDER, provider_calendar_page, name="feeds:provider_calendar", permission=PROVIDER_STAFF),
    page(_PROVIDER + "/feed", create_provider_feed, name="feeds:create_provider_feed", permission=PROVIDER_STAFF, methods=["POST"]),
    page(_PROVIDER + "/import", set_calendar_import, name="feeds:set_import", permission=PROVIDER_STAFF, methods=["POST"]),
    page(_PROVIDER + "/import/remove", remove_calendar_import, name="feeds:remove_import", permission=PROVIDER_STAFF, methods=["POST"]),
]
