"""The waiting-list journey end to end: API, jobs and email over SMTP.

With ``REDIS_URL`` (the PostgreSQL run) the jobs go through a real arq worker on Redis; without
it they run in-process. Either way each email reaches the local SMTP server exactly once, even
when its delivery job runs twice.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from bookings.enums import WaitingStatus
from bookings.models import WaitingListEntry
from providers.models import Session
from shortbreaks import jobs, mail
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from shortbreaks.models import OutboxMessage
from tests.bookings.conftest import Inbox, RunJobs, make_child, make_family, make_service, make_session, token_headers


async def test_a_freed_place_goes_to_the_first_in_line_and_an_expired_offer_passes_on(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    inbox, _url = smtp
    service = await make_service(offer_hours=24)
    session = await make_session(service, capacity=1, starts_at=clock.now() + timedelta(days=6))
    booker, first, second = [await make_family(authority) for _ in range(3)]
    kids = {f.email: await make_child(f) for f in (booker, first, second)}
    headers = {f.email: await token_headers(f) for f in (booker, first, second)}

    booked = await client.post(
        "/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(kids[booker.email].id)]}, headers=headers[booker.email]
    )
    assert booked.status_code == 201
    full = await client.post(
        "/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(kids[first.email].id)]}, headers=headers[first.email]
    )
    assert (full.status_code, full.json()["code"]) == (409, "session_full")
    for family in (first, second):
        joined = await client.post(
            f"/api/v1/sessions/{session.id}/waiting-list", json={"child_ids": [str(kids[family.email].id)]}, headers=headers[family.email]
        )
        assert joined.status_code == 201
        clock.advance(timedelta(minutes=1))

    cancelled = await client.post(f"/api/v1/bookings/{booked.json()['id']}/cancel", json={}, headers=headers[booker.email])
    assert cancelled.json()["status"] == "cancelled_by_family"
    await run_jobs()
    offer = (await client.get("/api/v1/waiting-list", headers=headers[first.email])).json()[0]
    assert offer["status"] == "offered"

    accepted = await client.post(f"/api/v1/waiting-list/{offer['id']}/accept", json={}, headers=headers[first.email])
    assert (accepted.status_code, accepted.json()["status"]) == (201, "confirmed")
    again = await client.post(f"/api/v1/waiting-list/{offer['id']}/accept", json={}, headers=headers[first.email])
    assert (again.status_code, again.json()["code"]) == (409, "offer_expired")

    # The first family cancels in turn: the second is offered the place but lets it lapse.
    await client.post(f"/api/v1/bookings/{accepted.json()['id']}/cancel", json={}, headers=headers[first.email])
    await run_jobs()
    assert (await WaitingListEntry.get(family_id=second.id)).status == WaitingStatus.OFFERED
    clock.advance(timedelta(hours=24, minutes=1))
    assert await jobs.enqueue("expire_waiting_list_offers", _job_id="test-sweep-1")
    await run_jobs()
    lapsed = await WaitingListEntry.get(family_id=second.id)
    assert lapsed.status == WaitingStatus.EXPIRED
    late = await client.post(f"/api/v1/waiting-list/{lapsed.id}/accept", json={}, headers=headers[second.email])
    assert (late.status_code, late.json()["code"]) == (409, "offer_expired")
    assert (await Session.get(id=session.id)).places_taken == 0, "nobody else waiting: the place is free again"

    # Delivery jobs running a second time send nothing new.
    for message in await OutboxMessage.all():
        await jobs.enqueue("deliver_email", message_id=str(message.id), _job_id=f"again:{message.id}")
    await run_jobs()

    name = service.name
    assert inbox.subjects() == sorted(
        [
            (booker.email, f"Booking confirmed: {name}"),
            (booker.email, f"Booking cancelled: {name}"),
            (first.email, f"A place is free: {name}"),
            (first.email, f"Booking confirmed: {name}"),
            (first.email, f"Booking cancelled: {name}"),
            (second.email, f"A place is free: {name}"),
            (second.email, f"Waiting-list offer expired: {name}"),
        ]
    )
    assert {m.status for m in await OutboxMessage.all()} == {mail.OutboxStatus.SENT}


async def test_reminders_are_sent_once_by_the_cron_job(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    inbox, _url = smtp
    family = await make_family(authority)
    child = await make_child(family)
    session = await make_session(await make_service(), starts_at=clock.now() + timedelta(days=2))
    headers = await token_headers(family)
    assert (
        await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    ).status_code == 201
    clock.set(session.starts_at - timedelta(hours=23))
    await jobs.enqueue("send_booking_reminders", _job_id="test-reminders-1")
    await jobs.enqueue("send_booking_reminders", _job_id="test-reminders-2")
    await run_jobs()
    assert [s for _to, s in inbox.subjects()] == sorted(
        [f"Booking confirmed: {session.service.name}", f"Reminder: {session.service.name} tomorrow"]  # type: ignore[attr-defined]
    )
