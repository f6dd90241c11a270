"""Provider read queries. (Minimal functions added from the bookings branch; the providers
branch owns this module.)

- ``get_session_for_booking(session_id, using_db=None) -> Session | None``: the session with
  its service and provider loaded.
- ``provider_ids_for_organisations(organisation_ids) -> list[UUID]``: the providers run by
  those organisations (for staff permissions).

Added from the feeds branch (read-only, for calendar feeds and imports):

- ``calendar_sessions(...) -> list[dict]``: sessions with their service's and provider's
  calendar fields (address, contact, what to bring), in one query.
- ``find_published_service(service_id) -> Service | None``: a service of a published provider.
- ``list_future_sessions(provider_id, since=, until=) -> list[dict]``: a provider's sessions
  starting in a window, with places taken and the blocked flag.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from providers.enums import ProviderStatus, SessionStatus
from providers.models import Provider, Service, Session


async def get_session_for_booking(session_id: UUID, *, using_db: BaseDBAsyncClient | None = None) -> Session | None:
    """The session with ``service`` and ``service.provider`` loaded, or ``None``."""
    return await Session.filter(id=session_id).using_db(using_db).select_related("service__provider").first()


async def provider_ids_for_organisations(organisation_ids: list[UUID]) -> list[UUID]:
    if not organisation_ids:
        return []
    return list(await Provider.filter(organisation_id__in=organisation_ids).values_list("id", flat=True))


async def get_service(service_id: UUID) -> Service | None:
    return await Service.filter(id=service_id).select_related("provider").first()


CALENDAR_SESSION_FIELDS = (
    "id",
    "starts_at",
    "ends_at",
    "status",
    "sequence",
    "updated_at",
    "capacity",
    "places_taken",
    "service_id",
    "service__name",
    "service__what_to_bring",
    "service__updated_at",
    "service__provider_id",
    "service__provider__name",
    "service__provider__address",
    "service__provider__postcode",
    "service__provider__contact_email",
    "service__provider__contact_phone",
    "service__provider__updated_at",
)


async def calendar_sessions(
    *,
    ends_after: datetime,
    changed_since: datetime,
    provider_id: UUID | None = None,
    service_id: UUID | None = None,
    published_only: bool = False,
) -> list[dict[str, Any]]:
    """Sessions for a calendar feed, oldest first, in one query: scheduled sessions ending after
    ``ends_after``, and cancelled ones changed since ``changed_since`` (so subscribers see them go).
    """
    query = Session.filter(ends_at__gte=ends_after).filter(Q(status=SessionStatus.SCHEDULED) | Q(updated_at__gte=changed_since))
    if provider_id is not None:
        query = query.filter(service__provider_id=provider_id)
    if service_id is not None:
        query = query.filter(service_id=service_id)
    if published_only:
        query = query.filter(service__provider__status=ProviderStatus.PUBLISHED)
    return list(await query.order_by("starts_at", "id").values(*CALENDAR_SESSION_FIELDS))


async def find_published_service(service_id: UUID) -> Service | None:
    return await Service.filter(id=service_id, provider__status=ProviderStatus.PUBLISHED).select_related("provider").first()


async def get_provider(provider_id: UUID) -> Provider | None:
    return await Provider.get_or_none(id=provider_id)


async def list_providers_for_organisations(organisation_ids: list[UUID]) -> list[Provider]:
    if not organisation_ids:
        return []
    return list(await Provider.filter(organisation_id__in=organisation_ids).order_by("name", "id"))


async def list_future_sessions(provider_id: UUID, *, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """A provider's scheduled sessions starting in [since, until): id, times, places taken, blocked."""
    return list(
        await Session.filter(service__provider_id=provider_id, status=SessionStatus.SCHEDULED, starts_at__gte=since, starts_at__lt=until)
        .order_by("starts_at", "id")
        .values("id", "starts_at", "ends_at", "places_taken", "blocked")
    )
