"""No overbooking and no overdrawn allocation under concurrent requests.

PostgreSQL only (the ``postgres`` mark): there the pool has 10 connections, so requests really
overlap. SQLite runs one transaction at a time, so these would pass there without proving
anything; they are skipped on that run instead.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from bookings import queries
from bookings.enums import BookingStatus
from bookings.models import Allocation, Booking, BookingChild, WaitingListEntry
from providers.models import Session
from shortbreaks.accounts.models import Organisation
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session, token_headers

pytestmark = pytest.mark.postgres


async def test_200_concurrent_requests_for_5_places_make_exactly_5_bookings(client: httpx.AsyncClient, authority: Organisation) -> None:
    session = await make_session(await make_service(), capacity=5)
    requests = []
    for _ in range(40):
        family = await make_family(authority)
        headers = await token_headers(family)
        for _ in range(5):
            child = await make_child(family)
            requests.append((headers, child.id))

    async def book(headers: dict[str, str], child_id: object) -> tuple[int, str]:
        response = await client.post(
            "/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child_id)]}, headers=headers
        )
        if response.status_code == 409 and response.json()["code"] == "session_full":
            joined = await client.post(f"/api/v1/sessions/{session.id}/waiting-list", json={"child_ids": [str(child_id)]}, headers=headers)
            return response.status_code, f"waitlisted:{joined.status_code}"
        return response.status_code, response.json().get("code", response.json().get("status", ""))

    results = await asyncio.gather(*(book(h, c) for h, c in requests))

    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 5
    assert statuses.count(409) == 195
    assert {detail for status, detail in results if status == 409} == {"waitlisted:201"}
    row = await Session.get(id=session.id)
    assert row.places_taken == 5
    assert await BookingChild.filter(session_id=session.id, active=True).count() == 5
    assert await Booking.filter(session_id=session.id, status=BookingStatus.CONFIRMED).count() == 5
    assert await WaitingListEntry.filter(session_id=session.id).count() == 195


async def test_50_concurrent_bookings_against_an_allocation_covering_3_make_exactly_3(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_family(authority)
    headers = await token_headers(family)
    child = await make_child(family)
    allocation = await grant(child, minutes=3 * 120)
    service = await make_service()
    sessions = [await make_session(service, starts_at=NOW + timedelta(days=1, hours=3 * i), hours=2, capacity=5) for i in range(50)]

    async def book(session_id: object) -> httpx.Response:
        return await client.post(
            "/api/v1/bookings", json={"session_id": str(session_id), "child_ids": [str(child.id)], "funding": "allocation"}, headers=headers
        )

    responses = await asyncio.gather(*(book(s.id) for s in sessions))

    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 3
    assert {r.json()["code"] for r in responses if r.status_code != 201} == {"allocation_insufficient"}
    row = await Allocation.get(id=allocation.id)
    assert (row.balance_minutes, row.balance_pence) == (0, 0)
    assert await queries.ledger_totals(allocation.id) == (0, 0)
    assert sum([(await Session.get(id=s.id)).places_taken for s in sessions]) == 3


async def test_the_same_child_booked_from_two_browsers_at_once_gets_one_place(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_family(authority)
    headers = await token_headers(family)
    child = await make_child(family)
    service = await make_service()
    session = await make_session(service, capacity=5)
    overlapping = await make_session(service, starts_at=session.starts_at + timedelta(hours=1), capacity=5)
    body = {"child_ids": [str(child.id)]}

    tried = [session, overlapping] * 10
    responses = await asyncio.gather(
        *(client.post("/api/v1/bookings", json={**body, "session_id": str(s.id)}, headers=headers) for s in tried)
    )

    [won] = [s for s, r in zip(tried, responses, strict=True) if r.status_code == 201]
    refused = Counter(
        ("its session" if s is won else "the other", r.status_code, r.json()["code"])
        for s, r in zip(tried, responses, strict=True)
        if r.status_code != 201
    )
    # The other session overlaps the one won: overlapping_booking, every time.
    assert refused[("the other", 409, "overlapping_booking")] == 10
    # The won session again is a duplicate_booking, whether the service's own check saw the place
    # or the database stopped a request that raced past it (its no-overlap rule fires first, as a
    # session overlaps itself; the service says what it is).
    assert refused[("its session", 409, "duplicate_booking")] == 9
    assert sum(refused.values()) == 19
    assert await BookingChild.filter(child_id=child.id, active=True).count() == 1
    assert (await Session.get(id=session.id)).places_taken + (await Session.get(id=overlapping.id)).places_taken == 1
