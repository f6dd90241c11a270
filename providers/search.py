"""The families' search over published services, in SQL that runs on SQLite and PostgreSQL.

Three queries whatever the page size: a count, the page (with each row's next free session
id from a correlated subquery on the partial index ``providers_session_bookable``), and
the page's next sessions by id. Near a postcode, a latitude/longitude bounding box uses
the providers' index, then an equirectangular distance (arithmetic only, so SQLite needs
no maths functions; within 100 miles in Britain it is within 1% of the great-circle
distance) filters and orders; the distance shown is the exact haversine. Order: distance
then id, or name then id, so paging has no duplicates or gaps while data is unchanged.

Date filters (``from``, ``to``, ``weekdays``) keep services with at least one scheduled,
unblocked session with a free place on those London dates and weekdays, and the next
session shown is the first such one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise import connections

from providers.enums import WEEKDAYS, FundingRoute, ProviderStatus, SessionStatus, to_mask
from providers.models import Session
from providers.postcodes import MILES_PER_DEGREE_LATITUDE, Place, bounding_box, haversine_miles, locate
from providers.schemas import SearchQuery


@dataclass
class Hit:
    service_id: UUID
    name: str
    kind: str
    price_pence: int
    min_age: int
    max_age: int
    provider_id: UUID
    provider_name: str
    distance_miles: float | None
    next_session: Session | None


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    place: Place | None


class _Sql:
    """Collects SQL fragments with ``?`` placeholders and their parameters, then renders for a dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def render(self, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
        if self.dialect != "postgres":
            return sql, params
        parts = sql.split("?")
        out = parts[0]
        for i, part in enumerate(parts[1:], start=1):
            out += f"${i}" + part
        return out, params


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _id(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


async def search_services(query: SearchQuery, *, now: datetime) -> Results:
    """One page of services matching ``query`` (raises ``UnknownPostcode`` for a bad postcode)."""
    place = locate(query.postcode) if query.postcode else None
    conn = connections.get("default")
    sql = _Sql(conn.capabilities.dialect)

    # The free-session condition, shared by the date filter and the next-session column.
    session_where = [
        "x.service_id = s.id",
        f"x.status = '{SessionStatus.SCHEDULED.value}'",
        "x.blocked = FALSE",
        "x.places_taken < x.capacity",
        f"x.starts_at > {sql.p(now)}",
    ]
    if query.from_ is not None:
        session_where.append(f"x.local_date >= {sql.p(query.from_)}")
    if query.to is not None:
        session_where.append(f"x.local_date <= {sql.p(query.to)}")
    if query.weekdays:
        days = ", ".join(str(WEEKDAYS.index(d)) for d in sorted(set(query.weekdays), key=WEEKDAYS.index))
        session_where.append(f"x.local_weekday IN ({days})")
    session_params = list(sql.params)
    sql.params.clear()
    next_session_sql = f"SELECT x.id FROM providers_session x WHERE {' AND '.join(session_where)} ORDER BY x.starts_at, x.id LIMIT 1"

    where = [f"p.status = '{ProviderStatus.PUBLISHED.value}'"]
    if query.age is not None:
        where.append(f"s.min_age <= {sql.p(query.age)} AND s.max_age >= {sql.p(query.age)}")
    if query.needs:
        where.append(f"(s.needs_mask & {sql.p(to_mask(query.needs))}) <> 0")
    if query.kind is not None:
        where.append(f"s.kind = {sql.p(query.kind.value)}")
    if query.accessibility:
        mask = to_mask(query.accessibility)
        where.append(f"(p.accessibility_mask & {sql.p(mask)}) = {sql.p(mask)}")
    if query.free_only:
        where.append("s.price_pence = 0")
    elif query.max_price_pence is not None:
        where.append(f"s.price_pence <= {sql.p(query.max_price_pence)}")
    if query.funding is not None:
        where.append(f"(s.funding_mask & {sql.p(to_mask([FundingRoute(query.funding)]))}) <> 0")
    if query.q:
        pattern = _like(query.q)
        where.append(f"(LOWER(s.name) LIKE {sql.p(pattern)} ESCAPE '\\' OR LOWER(s.description) LIKE {sql.p(pattern)} ESCAPE '\\')")
    distance_sql = "NULL"
    if place is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(place.latitude, place.longitude, query.within_miles)
        where.append(f"p.latitude BETWEEN {sql.p(min_lat)} AND {sql.p(max_lat)}")
        where.append(f"p.longitude BETWEEN {sql.p(min_lon)} AND {sql.p(max_lon)}")
        lon_scale = MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(place.latitude))
        k = MILES_PER_DEGREE_LATITUDE
        dlat_a, dlat_b = f"(p.latitude - {sql.p(place.latitude)}) * {k}", f"(p.latitude - {sql.p(place.latitude)}) * {k}"
        dlon_a = f"(p.longitude - {sql.p(place.longitude)}) * {sql.p(lon_scale)}"
        dlon_b = f"(p.longitude - {sql.p(place.longitude)}) * {sql.p(lon_scale)}"
        distance_sql = f"(({dlat_a}) * ({dlat_b}) + ({dlon_a}) * ({dlon_b}))"
        distance_params = sql.params[-6:]
        where.append(f"{distance_sql} <= {sql.p(query.within_miles**2)}")
    filter_params = list(sql.params)
    dated = query.from_ is not None or query.to is not None or bool(query.weekdays)
    if dated:
        where.append(f"EXISTS ({next_session_sql})")
        filter_params += session_params

    from_sql = f"FROM providers_service s JOIN providers_provider p ON p.id = s.provider_id WHERE {' AND '.join(where)}"
    count_rows = await conn.execute_query_dict(*sql.render(f"SELECT COUNT(*) AS n {from_sql}", filter_params))
    total = int(count_rows[0]["n"])

    order = "distance, s.id" if place is not None else "LOWER(s.name), s.id"
    page_params = (distance_params if place is not None else []) + session_params + filter_params
    page_sql = (
        f"SELECT s.id, s.name, s.kind, s.price_pence, s.min_age, s.max_age, p.id AS provider_id, p.name AS provider_name,"
        f" p.latitude, p.longitude, {distance_sql} AS distance, ({next_session_sql}) AS next_session_id"
        f" {from_sql} ORDER BY {order} LIMIT {int(query.page_size)} OFFSET {int((query.page - 1) * query.page_size)}"
    )
    rows = await conn.execute_query_dict(*sql.render(page_sql, page_params))
    next_ids = [_id(r["next_session_id"]) for r in rows if r["next_session_id"] is not None]
    sessions = {s.id: s for s in await Session.filter(id__in=next_ids)} if next_ids else {}
    hits = [
        Hit(
            service_id=_id(r["id"]),
            name=r["name"],
            kind=r["kind"],
            price_pence=int(r["price_pence"]),
            min_age=int(r["min_age"]),
            max_age=int(r["max_age"]),
            provider_id=_id(r["provider_id"]),
            provider_name=r["provider_name"],
            distance_miles=round(haversine_miles(place.latitude, place.longitude, r["latitude"], r["longitude"]), 1) if place else None,
            next_session=sessions.get(_id(r["next_session_id"])) if r["next_session_id"] is not None else None,
        )
        for r in rows
    ]
    return Results(hits=hits, total=total, page=query.page, page_size=query.page_size, place=place)
