"""The families' search over published services, on SQLite and PostgreSQL.

Two queries whatever the page size (:func:`providers.queries.count_search` and
:func:`providers.queries.search_page`): a count, and the page with each row's next free session
(found by a correlated subquery on the partial index ``providers_session_bookable``, run only
for the rows shown). Near a postcode, a latitude/longitude bounding box uses the providers'
index, then an equirectangular distance (arithmetic only, so SQLite needs no maths functions;
within 100 miles in Britain it is within 1% of the great-circle distance) filters and orders;
the distance shown is the exact haversine. Order: distance then id, or name then id, so paging
has no duplicates or gaps while data is unchanged.

Date filters (``from``, ``to``, ``weekdays``) keep services with at least one scheduled,
unblocked session with a free place on those London dates and weekdays, and the next
session shown is the first such one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from providers import queries
from providers.models import Session
from providers.postcodes import Place, haversine_miles, locate
from providers.schemas import SearchQuery
from shortbreaks import sql


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
    address: str
    postcode: str
    latitude: float
    longitude: float
    distance_miles: float | None
    next_session: Session | None


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    place: Place | None


async def search_services(query: SearchQuery, *, now: datetime, upcoming_only: bool = False) -> Results:
    """One page of services matching ``query`` (raises ``UnknownPostcode`` for a bad postcode).

    ``upcoming_only`` leaves out services with no session coming up (the families' page: nothing
    to book there); the API lists every published service that matches.
    """
    place = locate(query.postcode) if query.postcode else None
    total = await queries.count_search(query, place=place, now=now, upcoming_only=upcoming_only)
    rows = await queries.search_page(query, place=place, now=now, upcoming_only=upcoming_only) if total else []
    hits = []
    for row in rows:
        distance = None
        if place is not None:
            distance = round(haversine_miles(place.latitude, place.longitude, float(row["latitude"]), float(row["longitude"])), 1)
        hits.append(
            Hit(
                service_id=sql.uuid_value(row["service_id"]),
                name=row["name"],
                kind=row["kind"],
                price_pence=int(row["price_pence"]),
                min_age=int(row["min_age"]),
                max_age=int(row["max_age"]),
                provider_id=sql.uuid_value(row["provider_id"]),
                provider_name=row["provider_name"],
                address=row["address"],
                postcode=row["postcode"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                distance_miles=distance,
                next_session=row["n"],
            )
        )
    return Results(hits=hits, total=total, page=query.page, page_size=query.page_size, place=place)
