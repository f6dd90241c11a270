"""Named read queries of the provider directory.

Record loads for management (``get_manageable_*``) load the record with its provider in one
query, apply the record-level permission and raise ``NotFound`` for anyone else's records. Public loads (``get_public_*``) see only
published providers. For the bookings package: :func:`get_session_for_booking` and
:func:`list_sessions_in_authority` (demo data; added from the bookings branch).

For calendar feeds and imports (read-only; added from the feeds branch): :func:`calendar_sessions`
(sessions with their service's and provider's calendar fields, one query), :func:`get_provider`,
:func:`list_providers_for_organisations` and :func:`list_future_sessions`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID

from tortoise.exceptions import DoesNotExist
from tortoise.expressions import Q

from providers import permissions
from providers.enums import ProviderStatus, SessionStatus
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal
from shortbreaks.rows import select_joined

M = TypeVar("M")


async def list_local_authorities() -> list[Organisation]:
    return await Organisation.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("name")


async def list_manageable_providers(principal: Principal) -> list[Provider]:
    """Providers the principal manages: its organisations' and, for officers, its authorities'."""
    query = Provider.all()
    if not principal.is_site_admin:
        query = Provider.filter(
            Q(organisation_id__in=principal.organisation_ids(Role.PROVIDER_STAFF))
            | Q(local_authority_id__in=principal.organisation_ids(Role.LA_OFFICER))
        )
    return await query.order_by("name", "id")


def _manageable(principal: Principal, record: M | None, provider_of: Callable[[M], Provider]) -> M:
    """``record`` if the principal manages its provider; ``NotFound`` for a missing record or anyone else's."""
    if record is None:
        raise NotFound()
    provider = provider_of(record)
    if not permissions.can_manage_provider(
        principal, organisation_id=provider.organisation_id, local_authority_id=provider.local_authority_id
    ):
        raise NotFound()
    return record


async def get_manageable_provider(principal: Principal, provider_id: UUID) -> Provider:
    return _manageable(principal, await Provider.get_or_none(id=provider_id), lambda provider: provider)


async def get_manageable_service(principal: Principal, service_id: UUID) -> Service:
    """A service with its provider loaded (one query)."""
    service = await Service.get_or_none(id=service_id).select_related("provider")
    return _manageable(principal, service, lambda s: s.provider)


async def get_manageable_rule(principal: Principal, rule_id: UUID) -> AvailabilityRule:
    """A rule with its service and the service's provider loaded (one query)."""
    rule = await AvailabilityRule.get_or_none(id=rule_id).select_related("service__provider")
    return _manageable(principal, rule, lambda r: r.service.provider)


async def get_manageable_closure(principal: Principal, closure_id: UUID) -> Closure:
    """A closure with its service and the service's provider loaded (one query)."""
    closure = await Closure.get_or_none(id=closure_id).select_related("service__provider")
    return _manageable(principal, closure, lambda c: c.service.provider)


async def get_public_service(service_id: UUID) -> Service:
    """A service of a published provider, with its provider loaded; ``NotFound`` otherwise."""
    service = await Service.get_or_none(id=service_id, provider__status=ProviderStatus.PUBLISHED).select_related("provider")
    if service is None:
        raise NotFound()
    return service


def _london_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


async def list_sessions(
    service_ids: list[UUID], *, now: datetime, start: date | None, end: date | None, include_past: bool = False
) -> list[Session]:
    """Sessions of some services between two London dates (inclusive), by start; upcoming only unless ``include_past``."""
    query = Session.filter(service_id__in=service_ids)
    if start is not None:
        query = query.filter(starts_at__gte=_london_day_start(start))
    if end is not None:
        query = query.filter(starts_at__lt=_london_day_start(end + timedelta(days=1)))
    if not include_past:
        query = query.filter(starts_at__gt=now)
    return await query.order_by("starts_at", "id").limit(2000)


async def list_services(provider: Provider) -> list[Service]:
    return await Service.filter(provider_id=provider.id).order_by("name", "id")


async def get_session_for_booking(session_id: UUID) -> Session:
    """A session with its service and the service's provider loaded (raises ``DoesNotExist``).

    Every booking and waiting-list request starts here: one joined read (:mod:`shortbreaks.rows`).
    """
    rows = await select_joined(
        "FROM providers_session s JOIN providers_service v ON v.id = s.service_id"
        " JOIN providers_provider p ON p.id = v.provider_id WHERE s.id = {0}",
        [session_id],
        {"s": Session, "v": Service, "p": Provider},
    )
    if not rows:
        raise DoesNotExist(Session)
    session, service = rows[0]["s"], rows[0]["v"]
    service.provider = rows[0]["p"]
    session.service = service
    return session


def public_service_fields(service: Service) -> dict[str, Any]:
    """Output fields of :class:`providers.schemas.ServiceOut`."""
    return {
        "id": service.id,
        "name": service.name,
        "kind": service.kind,
        "description": service.description,
        "provider": {"id": service.provider.id, "name": service.provider.name},
        "min_age": service.min_age,
        "max_age": service.max_age,
        "needs": service.needs,
        "staff_ratio": service.staff_ratio,
        "group_size": service.group_size,
        "price_pence": service.price_pence,
        "funding_routes": service.funding_routes,
        "booking_mode": service.booking_mode,
        "cancellation_notice_hours": service.cancellation_notice_hours,
        "booking_window_days": service.booking_window_days,
        "waiting_list_offer_hours": service.waiting_list_offer_hours,
        "late_cancellation_refund_percent": service.late_cancellation_refund_percent,
        "what_to_bring": service.what_to_bring,
        "closed_on_bank_holidays": service.closed_on_bank_holidays,
    }


async def list_sessions_in_authority(local_authority_id: UUID) -> list[Session]:
    """Every session of providers in a local authority's area, service and provider loaded, by start."""
    return list(
        await Session.filter(service__provider__local_authority_id=local_authority_id)
        .select_related("service__provider")
        .order_by("starts_at", "id")
    )


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
