"""Provider read queries. (Minimal functions added from the bookings branch; the providers
branch owns this module.)

- ``get_session_for_booking(session_id, using_db=None) -> Session | None``: the session with
  its service and provider loaded.
- ``provider_ids_for_organisations(organisation_ids) -> list[UUID]``: the providers run by
  those organisations (for staff permissions).
- ``get_service(service_id) -> Service | None``.
- ``list_sessions_for_organisation(organisation_id, booking_mode=None) -> list[Session]``: for demo data.
"""

from __future__ import annotations

from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

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


async def list_sessions_for_organisation(organisation_id: UUID, *, booking_mode: str | None = None) -> list[Session]:
    """Sessions (service and provider loaded) of every service of the provider run by an organisation, by start."""
    query = Session.filter(service__provider__organisation_id=organisation_id)
    if booking_mode is not None:
        query = query.filter(service__booking_mode=booking_mode)
    return list(await query.select_related("service__provider").order_by("starts_at"))
