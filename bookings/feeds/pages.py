"""Calendar pages: the family's and the provider's "Subscribe to your calendar" pages, with reset
and revoke forms, the provider's calendar import settings, and the pages' copy-to-clipboard script.
The feeds themselves are in :mod:`bookings.feeds.api`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from bookings import permissions
from bookings.feeds import queries, services
from bookings.feeds.api import site_url
from bookings.feeds.enums import FeedKind, ImportErrorCode
from bookings.feeds.models import FeedToken
from bookings.queries import list_children
from providers import queries as provider_queries
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.forms import read_form
from shortbreaks.permissions import FAMILY, PROVIDER_STAFF, PUBLIC, SIGNED_IN
from shortbreaks.routing import endpoint, page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

COPY_SCRIPT = (Path(__file__).parent / "static" / "copy.js").read_bytes()


async def copy_script(request: Request) -> Response:
    return Response(COPY_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


# --- pages: subscribing -----------------------------------------------------------------------


class FamilyFeedForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    child_id: UUID | None = None


class ImportForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    url: str = Field(min_length=1, max_length=2000, title="Calendar address")


def feed_urls(request: Request, kind: FeedKind, token: str) -> dict[str, str]:
    name = "feeds:family_feed" if kind == FeedKind.FAMILY else "feeds:provider_feed"
    url = site_url(request) + request.app.url_path_for(name, token=token)
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


async def _family_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    children = await list_children(principal.id)
    feeds = {feed.child_id: feed for feed in await queries.list_family_feeds(principal.id)}
    rows: list[dict[str, Any]] = [{"label": "All your children", "child_id": None, "feed": feeds.get(None)}]
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


def _calendars_page(request: Request, feed: FeedToken) -> str:
    if feed.kind == FeedKind.FAMILY:
        return request.url_for("feeds:family_calendar").path
    return request.url_for("feeds:provider_calendar", provider_id=feed.provider_id).path


async def confirm_revoke_page(request: Request) -> Response:
    """Ask first: turning an address off stops every calendar subscribed to it, on every phone."""
    principal = request_principal(request)
    feed = await services.get_owned_feed(principal, path_uuid(request, "feed_id"))
    if feed.kind == FeedKind.FAMILY:
        children = {child.id: child.first_name for child in await list_children(principal.id)}
        label = f"{children.get(feed.child_id, 'your child')}'s bookings" if feed.child_id else "all your children's bookings"
    else:
        provider = await provider_queries.get_provider(feed.provider_id) if feed.provider_id else None
        label = f"{provider.name}'s sessions" if provider else "your sessions"
    return render(request, "feeds/confirm_revoke.html", {"feed": feed, "label": label, "back": _calendars_page(request, feed)})


async def revoke_feed(request: Request) -> Response:
    principal = request_principal(request)
    feed_id = path_uuid(request, "feed_id")
    feed = await FeedToken.get_or_none(id=feed_id)
    await services.revoke_feed(principal, feed_id, now=request_now(request))
    assert feed is not None
    return redirect(
        request, _calendars_page(request, feed), message="Your calendar address has been turned off. Calendars using it will stop updating."
    )


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
    if provider is None or not permissions.can_act_for_provider(principal, provider.organisation_id):
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
    endpoint("/calendar/copy.js", copy_script, name="feeds:copy_script", permission=PUBLIC),
    page("/calendar", family_calendar_page, name="feeds:family_calendar", permission=FAMILY),
    page("/calendar/feeds", create_family_feed, name="feeds:create_family_feed", permission=FAMILY, methods=["POST"]),
    page(_FEED + "/reset", reset_feed, name="feeds:reset_feed", permission=SIGNED_IN, methods=["POST"]),
    page(_FEED + "/revoke", confirm_revoke_page, name="feeds:confirm_revoke_feed", permission=SIGNED_IN),
    page(_FEED + "/revoke", revoke_feed, name="feeds:revoke_feed", permission=SIGNED_IN, methods=["POST"]),
    page("/calendar/providers", provider_calendars_page, name="feeds:provider_calendars", permission=PROVIDER_STAFF),
    page(_PROVIDER, provider_calendar_page, name="feeds:provider_calendar", permission=PROVIDER_STAFF),
    page(_PROVIDER + "/feed", create_provider_feed, name="feeds:create_provider_feed", permission=PROVIDER_STAFF, methods=["POST"]),
    page(_PROVIDER + "/import", set_calendar_import, name="feeds:set_import", permission=PROVIDER_STAFF, methods=["POST"]),
    page(_PROVIDER + "/import/remove", remove_calendar_import, name="feeds:remove_import", permission=PROVIDER_STAFF, methods=["POST"]),
]
