"""Named read queries of the provider directory.

Record loads for management (``get_manageable_*``) load the record with its service and
provider, apply the record-level permission once (:func:`_manageable`) and raise ``NotFound``
for anyone else's records. Public loads (``get_public_*``) see only
published providers. For the bookings package: :func:`get_session_for_booking` and
:func:`list_sessions_in_authority` (demo data; added from the bookings branch).

For calendar feeds and imports (read-only; added from the feeds branch): :func:`calendar_sessions`
(sessions with their service's and provider's calendar fields, one query), :func:`get_provider`,
:func:`list_providers_for_organisations` and :func:`list_future_sessions`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist
from tortoise.expressions import Q

from providers import permissions
from providers.enums import WEEKDAYS, FundingRoute, ProviderStatus, SessionStatus, to_mask
from providers.models import AuthoritySetting, AvailabilityRule, Closure, Provider, Service, Session
from providers.postcodes import MILES_PER_DEGREE_LATITUDE, Place, bounding_box
from providers.schemas import SearchQuery
from shortbreaks import sql
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal

M = TypeVar("M")

# Select lists for hand-written reads, made once per model at first use (after Tortoise has added
# the foreign keys' columns to each model's fields).
_columns = cache(sql.columns)


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
    """A rule with its service and the service's provider loaded."""
    return await _get_service_part(principal, AvailabilityRule, rule_id)


async def get_manageable_closure(principal: Principal, closure_id: UUID) -> Closure:
    """A closure with its service and the service's provider loaded."""
    return await _get_service_part(principal, Closure, closure_id)


R = TypeVar("R", AvailabilityRule, Closure)


async def _get_service_part(principal: Principal, model: type[R], record_id: UUID) -> R:
    # Two queries, not select_related("service__provider"): Tortoise's alias for the rule's
    # provider's local_authority_id passes PostgreSQL's 63-character limit and comes back truncated.
    record = await model.get_or_none(id=record_id)
    if record is None:
        raise NotFound()
    record.service = await get_manageable_service(principal, record.service_id)
    return record


async def list_services_awaiting_review(principal: Principal) -> list[Service]:
    """New services of published providers in the officer's councils waiting for approval, oldest first, with their providers."""
    authority_ids = principal.organisation_ids(Role.LA_OFFICER)
    return list(
        await Service.filter(awaiting_review=True, provider__local_authority_id__in=authority_ids)
        .select_related("provider")
        .order_by("created_at", "id")
    )


async def review_settings(principal: Principal) -> list[tuple[Organisation, bool]]:
    """Each of the officer's councils, by name, with whether it reviews a published provider's new services."""
    authorities = await Organisation.filter(id__in=principal.organisation_ids(Role.LA_OFFICER)).order_by("name")
    rows = await AuthoritySetting.filter(local_authority_id__in=[a.id for a in authorities], review_new_services=True).values_list(
        "local_authority_id", flat=True
    )
    reviewing = {sql.uuid_value(r) for r in rows}
    return [(a, a.id in reviewing) for a in authorities]


async def get_public_service(service_id: UUID) -> Service:
    """A service of a published provider (not waiting for the council's review), with its provider loaded; ``NotFound`` otherwise."""
    service = await Service.get_or_none(id=service_id, provider__status=ProviderStatus.PUBLISHED, awaiting_review=False).select_related(
        "provider"
    )
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

    Every booking and waiting-list request starts here: one joined read, hand-written because it
    is a measured hot read (the ORM's ``select_related`` costs ~0.5 ms of CPU a call; ``shortbreaks.sql``).
    """
    columns = f"{_columns('s', Session)}, {_columns('v', Service)}, {_columns('p', Provider)}"
    rows = await sql.fetch_models(
        f"SELECT {columns} FROM providers_session s JOIN providers_service v ON v.id = s.service_id"  # noqa: S608 — the models' columns; the id is $1
        " JOIN providers_provider p ON p.id = v.provider_id WHERE s.id = $1",
        session_id,
        models={"s": Session, "v": Service, "p": Provider},
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
        "response_target_hours": service.response_target_hours,
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
        query = query.filter(service__provider__status=ProviderStatus.PUBLISHED, service__awaiting_review=False)
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


# --- the families' search ----------------------------------------------------------------------
# Hand-written: the ORM cannot say the bit-mask tests, the distance arithmetic or the correlated
# next-free-session subquery, and search is a measured hot read (bench/README.md, "Search").


class _Statement:
    """A hand-written statement's values, each bound once by name and written as its ``$n``
    (a value used in several places keeps one number; one never used is never bound)."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._numbers: dict[str, str] = {}

    def __call__(self, name: str, value: Any) -> str:
        if name not in self._numbers:
            self.values.append(value)
            self._numbers[name] = f"${len(self.values)}"
        return self._numbers[name]


def _is_dated(query: SearchQuery) -> bool:
    return query.from_ is not None or query.to is not None or bool(query.weekdays)


def _free_session(bind: _Statement, query: SearchQuery, now: datetime, *, service_id: str) -> str:
    """The first scheduled, unblocked session of ``service_id`` with a free place after ``now``, on
    the query's London dates and weekdays (served by the partial index ``providers_session_bookable``)."""
    where = [
        f"x.service_id = {service_id}",
        "x.status = 'scheduled'",
        "x.blocked = FALSE",
        "x.places_taken < x.capacity",
        f"x.starts_at > {bind('now', now)}",
    ]
    if query.from_ is not None:
        where.append(f"x.local_date >= {bind('from', query.from_)}")
    if query.to is not None:
        where.append(f"x.local_date <= {bind('to', query.to)}")
    if query.weekdays:
        # Whole numbers from the WEEKDAYS vocabulary, not user text.
        days = ", ".join(str(WEEKDAYS.index(d)) for d in sorted(set(query.weekdays), key=WEEKDAYS.index))
        where.append(f"x.local_weekday IN ({days})")
    return f"SELECT x.id FROM providers_session x WHERE {' AND '.join(where)} ORDER BY x.starts_at, x.id LIMIT 1"  # noqa: S608 — pieces written here, values bound as $n


def _squared_distance(bind: _Statement, place: Place) -> str:
    """Equirectangular distance in miles, squared: arithmetic only (SQLite has no maths functions);
    within 100 miles in Britain it is within 1 % of the great-circle distance."""
    lat, lon = bind("latitude", place.latitude), bind("longitude", place.longitude)
    lon_scale = bind("longitude_scale", MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(place.latitude)))
    dlat = f"((p.latitude - {lat}) * {MILES_PER_DEGREE_LATITUDE})"
    dlon = f"((p.longitude - {lon}) * {lon_scale})"
    return f"({dlat} * {dlat} + {dlon} * {dlon})"


def _search_where(bind: _Statement, query: SearchQuery, place: Place | None, now: datetime, *, upcoming_only: bool = False) -> str:
    where = ["p.status = 'published'", "NOT s.awaiting_review"]
    if query.age is not None:
        where.append(f"s.min_age <= {bind('age', query.age)} AND s.max_age >= {bind('age', query.age)}")
    if query.needs:
        where.append(f"(s.needs_mask & {bind('needs', to_mask(query.needs))}) <> 0")
    if query.kind is not None:
        where.append(f"s.kind = {bind('kind', query.kind.value)}")
    if query.accessibility:
        features = bind("accessibility", to_mask(query.accessibility))
        where.append(f"(p.accessibility_mask & {features}) = {features}")
    if query.free_only:
        where.append("s.price_pence = 0")
    elif query.max_price_pence is not None:
        where.append(f"s.price_pence <= {bind('max_price', query.max_price_pence)}")
    if query.funding is not None:
        where.append(f"(s.funding_mask & {bind('funding', to_mask([FundingRoute(query.funding)]))}) <> 0")
    if query.q:
        words = bind("words", _like(query.q))
        where.append(f"(LOWER(s.name) LIKE {words} ESCAPE '\\' OR LOWER(s.description) LIKE {words} ESCAPE '\\')")
    if place is not None:
        # The bounding box uses the providers' (status, latitude, longitude) index; the distance trims its corners.
        min_lat, max_lat, min_lon, max_lon = bounding_box(place.latitude, place.longitude, query.within_miles)
        where.append(f"p.latitude BETWEEN {bind('min_lat', min_lat)} AND {bind('max_lat', max_lat)}")
        where.append(f"p.longitude BETWEEN {bind('min_lon', min_lon)} AND {bind('max_lon', max_lon)}")
        where.append(f"{_squared_distance(bind, place)} <= {bind('within_squared', query.within_miles**2)}")
    if _is_dated(query):
        where.append(f"EXISTS ({_free_session(bind, query, now, service_id='s.id')})")
    elif upcoming_only:
        # A session to book or to wait for (full ones too: a family may join the waiting list),
        # on the partial index providers_session_bookable.
        where.append(
            "EXISTS (SELECT 1 FROM providers_session u WHERE u.service_id = s.id AND u.status = 'scheduled'"  # noqa: S608 — pieces written here, values bound as $n
            f" AND u.blocked = FALSE AND u.starts_at > {bind('now', now)})"
        )
    return " AND ".join(where)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def count_search(query: SearchQuery, *, place: Place | None, now: datetime, upcoming_only: bool = False) -> int:
    """How many published services match the search (with ``upcoming_only``, only those with a session coming up)."""
    bind = _Statement()
    where = _search_where(bind, query, place, now, upcoming_only=upcoming_only)
    rows = await sql.fetch(
        f"SELECT COUNT(*) AS n FROM providers_service s JOIN providers_provider p ON p.id = s.provider_id WHERE {where}",  # noqa: S608 — pieces written here, values bound as $n
        *bind.values,
    )
    return int(rows[0]["n"])


async def search_page(query: SearchQuery, *, place: Place | None, now: datetime, upcoming_only: bool = False) -> list[dict[str, Any]]:
    """One page of the search, by distance then id near a place, else by name then id: each row the
    columns a result shows (``service_id``, ``name``, ``kind``, ``price_pence``, ``min_age``,
    ``max_age``, ``provider_id``, ``provider_name``, ``address``, ``postcode``, ``latitude``,
    ``longitude``, as the driver returns them) and ``"n"``, the next free ``Session`` or None.

    Only the shown columns, not whole services and providers: turning every page row into two
    full models cost the broad search about 0.5 ms of CPU a request (bench/README.md, 2026-12-07).
    """
    bind = _Statement()
    where = _search_where(bind, query, place, now, upcoming_only=upcoming_only)
    distance = _squared_distance(bind, place) if place is not None else "NULL"
    order, page_order = ("distance, s.id", "page.distance, s.id") if place is not None else ("LOWER(s.name), s.id", "LOWER(s.name), s.id")
    next_free = _free_session(bind, query, now, service_id="s.id")
    # The page's ids first (a narrow sort; the next free session's subquery in its select list is
    # evaluated after the LIMIT, once per row shown, not per match), then its rows and sessions.
    statement = (
        "SELECT s.id AS service_id, s.name, s.kind, s.price_pence, s.min_age, s.max_age,"  # noqa: S608 — pieces written here, values bound as $n
        " p.id AS provider_id, p.name AS provider_name, p.address, p.postcode, p.latitude, p.longitude,"
        f" {_columns('n', Session)}"
        f" FROM (SELECT s.id, {distance} AS distance, ({next_free}) AS next_id"
        f" FROM providers_service s JOIN providers_provider p ON p.id = s.provider_id WHERE {where}"
        f" ORDER BY {order} LIMIT {int(query.page_size)} OFFSET {int((query.page - 1) * query.page_size)}) page"
        " JOIN providers_service s ON s.id = page.id JOIN providers_provider p ON p.id = s.provider_id"
        " LEFT JOIN providers_session n ON n.id = page.next_id"
        f" ORDER BY {page_order}"
    )
    rows = await sql.fetch(statement, *bind.values)
    for row in rows:
        row["n"] = sql.model_from_row(Session, row, "n")
    return rows


async def take_places(session_id: UUID, count: int, *, using_db: BaseDBAsyncClient | None = None) -> int:
    """Take ``count`` places in a scheduled, unblocked session if that many are free: rows changed
    (1 taken, 0 not). A state change, hand-written for the booking hot path:
    through the ORM this conditional update cost about 0.2 ms more CPU per booking, and with the
    other two hot ones the rushes ran 15 % slower (bench/README.md, 2026-12-07).
    ``providers.services.take_places`` is the use case; ``release_places`` stays in the ORM."""
    return await sql.execute(
        "UPDATE providers_session SET places_taken = places_taken + $1"
        " WHERE id = $2 AND status = $3 AND blocked = $4 AND places_taken <= capacity - $1",
        count,
        session_id,
        SessionStatus.SCHEDULED.value,
        False,
        using_db=using_db,
    )
