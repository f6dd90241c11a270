"""Personal data stays out of logs: demo journeys run with every log record captured, then the
records are searched for the names, emails and care notes the journeys used.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette

from shortbreaks import jobs
from shortbreaks.accounts.models import User
from shortbreaks.models import OutboxMessage
from tests.bookings.conftest import make_service, make_session, token_headers
from tests.factories import csrf, make_organisation
from tests.resilience.test_redis_down import run_worker_burst

NAME = "Priya Logtestova"
EMAIL = "priya.logtestova@example.com"
CHILD = "Zephyrine"
CHILD_LAST = "Quillfeather"
CARE = "Takes levetiracetam twice daily"
DIET = "Coeliac, no gluten"


async def test_registration_booking_cancellation_and_jobs_log_no_personal_data(
    app: Starlette, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    authority = await make_organisation()
    token = await csrf(client, "/register")
    registered = await client.post(
        "/register",
        data={
            "display_name": NAME,
            "email": EMAIL,
            "password": "a long password 123",
            "local_authority_id": str(authority.id),
            "csrf_token": token,
        },
    )
    assert registered.status_code == 303, registered.text
    # The family confirms its email address (the emailed link) before it can book.
    verification = await OutboxMessage.get(to_email=EMAIL)
    link = next(line for line in verification.body.splitlines() if "/verify-email/" in line)
    assert (await client.get(link.removeprefix("http://testserver"))).status_code == 303
    family = await User.get(email=EMAIL)
    headers = await token_headers(family)
    child = await client.post(
        "/api/v1/children",
        json={
            "first_name": CHILD,
            "last_name": CHILD_LAST,
            "date_of_birth": "2015-04-02",
            "needs": ["ASD"],
            "care_profile": {"medical": CARE, "dietary": DIET},
        },
        headers=headers,
    )
    assert child.status_code == 201, child.text
    session = await make_session(await make_service(authority=authority))
    booked = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [child.json()["id"]]}, headers=headers)
    assert booked.status_code == 201, booked.text
    cancelled = await client.post(f"/api/v1/bookings/{booked.json()['id']}/cancel", json={"reason": "Unwell"}, headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    # A failing request is logged too: make sure its log line carries no body.
    bad = await client.post(
        "/api/v1/children", json={"first_name": CHILD, "needs": ["NOPE"], "care_profile": {"medical": CARE}}, headers=headers
    )
    assert bad.status_code == 422

    # Run the jobs the journeys queued (emails), in-process or through a real arq worker.
    queue = app.state.queue
    if isinstance(queue, jobs.InProcessQueue):
        await queue.drain()
    else:
        await run_worker_burst(app.state.settings.model_copy(), app)

    assert any(r.name.startswith("shortbreaks") for r in caplog.records), "the journeys were logged"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (NAME, "Logtestova", EMAIL, CHILD, CHILD_LAST, CARE, DIET):
        assert secret.lower() not in logged.lower(), secret
