"""PostgreSQL restarted under load: requests in flight fail cleanly (503 + Retry-After), no booking is
half written, and the app reconnects without a restart. Runs on a PostgreSQL cluster of its own.

Only on the PostgreSQL run (the ``postgres`` mark): Tortoise caches each model's INSERT in the
dialect of the first database a process opened, so after SQLite tests a PostgreSQL app here
would send SQLite SQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bookings.models import Allocation, AllocationEntry, Booking, BookingChild
from providers.models import Session
from shortbreaks.db import close_db, migrate
from shortbreaks.settings import Settings
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session, token_headers
from tests.factories import make_organisation
from tests.resilience.conftest import OwnPostgres
from tests.waiting import wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
async def settings(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The app under test on our own cluster (migrated), with jobs in-process."""
    own_postgres: OwnPostgres = request.getfixturevalue("own_postgres")
    own_postgres.psql("CREATE DATABASE restart_test")
    ours = settings.model_copy(update={"database_url": own_postgres.url("restart_test"), "redis_url": None})
    try:
        await migrate(ours)
    finally:
        await close_db()
    return ours


async def test_requests_fail_cleanly_while_postgres_restarts_and_the_app_reconnects(
    client: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    own_postgres: OwnPostgres = request.getfixturevalue("own_postgres")  # the cluster the settings fixture started
    authority = await make_organisation()
    family = await make_family(authority)
    headers = await token_headers(family)
    children = [await make_child(family) for _ in range(4)]
    for child in children:
        await grant(child, minutes=60 * 1000)
    service = await make_service()
    # Sixty two-hour sessions three hours apart, all inside the booking window (56 days).
    sessions = [await make_session(service, starts_at=NOW + timedelta(days=10, hours=3 * i), hours=2, capacity=10) for i in range(60)]

    statuses: Counter[int] = Counter()
    bad: list[str] = []
    stop = asyncio.Event()

    async def book_in_a_loop(child_index: int) -> None:
        i = 0
        while not stop.is_set():
            session = sessions[(i * 7 + child_index) % len(sessions)]
            i += 1
            body = {"session_id": str(session.id), "child_ids": [str(children[child_index].id)]}
            try:
                response = await client.post("/api/v1/bookings", json=body, headers=headers)
            except Exception as exc:  # an exception escaping the app is as bad as a 500
                bad.append(f"raised {type(exc).__name__}: {exc}")
                continue
            statuses[response.status_code] += 1
            # Booked; or a session this child booked already (each child has room and minutes for all
            # sixty, none overlapping, so nothing else is refused); or the database dropped out.
            if response.status_code == 409:
                if response.json()["code"] != "duplicate_booking":
                    bad.append(f"409 {response.json()['code']}")
            elif response.status_code not in (201, 503):
                bad.append(f"{response.status_code}: {response.text[:300]}")
            if response.status_code == 503:
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["code"] == "service_unavailable"
                assert int(response.headers["Retry-After"]) > 0
            await asyncio.sleep(0.01)  # pacing the load, not waiting for anything: four steady clients, not a flood

    def answered() -> int:
        """Requests the database answered: booked, or refused as a duplicate (a child books each session once)."""
        return statuses[201] + statuses[409]

    async def answered_again(what: str) -> None:
        """Wait until the database answers a request after this point: the app is (back) at work."""
        before = answered()
        await wait_until(lambda: answered() > before or bool(bad), timeout=60, what=what)

    loops = [asyncio.create_task(book_in_a_loop(n)) for n in range(len(children))]
    try:
        await answered_again("the first bookings")
        for mode in ("fast", "immediate"):
            await asyncio.to_thread(own_postgres.restart, mode)
            await answered_again(f"an answer after the {mode} restart (the app reconnects by itself)")
    finally:
        stop.set()
        await asyncio.gather(*loops)

    assert not bad, bad[:5]
    assert statuses[503] > 0, f"the restarts were seen by requests in flight: {statuses}"
    assert statuses[201] > 0

    # Reconnected without a restart: a new request succeeds.
    spare = await make_child(family)
    fresh = await make_session(service, starts_at=NOW + timedelta(days=10, hours=4), hours=2)
    after = await client.post("/api/v1/bookings", json={"session_id": str(fresh.id), "child_ids": [str(spare.id)]}, headers=headers)
    assert after.status_code == 201, after.text
    assert (await client.get("/readyz")).status_code == 200

    # No half-written booking: each has its places and ledger rows, counters and balances agree.
    for booking in await Booking.all():
        places = await BookingChild.filter(booking_id=booking.id)
        assert len(places) == 1, booking.reference
        if places[0].debited_minutes:
            assert await AllocationEntry.filter(booking_id=booking.id).count() == 1, booking.reference
    for session in await Session.all():
        assert session.places_taken == await BookingChild.filter(session_id=session.id, active=True).count()
    for allocation in await Allocation.all():
        entries = await AllocationEntry.filter(allocation_id=allocation.id)
        assert allocation.balance_minutes == sum(e.minutes for e in entries)
    # A 503 can follow a commit (the connection dropped while the response was built, or the
    # commit's reply was lost): such a booking is whole, and a retry gets 409 duplicate_booking.
    assert statuses[201] + 1 <= await Booking.all().count() <= statuses[201] + 1 + statuses[503]
