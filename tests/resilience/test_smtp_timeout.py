"""A mail relay that never answers: the request that queued the email is not held up, delivery is
retried with backoff, then marked failed with the error, and site administrators see it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from arq import Retry
from starlette.applications import Starlette

from shortbreaks import jobs, mail
from shortbreaks.accounts.enums import Role
from shortbreaks.models import OutboxMessage, OutboxStatus
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_child, make_family, make_service, make_session, token_headers
from tests.conftest import RecordingQueue, queue_in_use
from tests.factories import make_organisation, make_user, sign_in


@pytest.fixture
def silent_relay() -> Iterator[str]:
    """Accepts connections and never says a word (not even the SMTP greeting)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    try:
        yield f"smtp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


@pytest.fixture
def settings(settings: Settings, silent_relay: str) -> Settings:
    return settings.model_copy(update={"smtp_url": silent_relay})


async def test_a_relay_that_never_answers_is_retried_with_backoff_then_failed_and_shown_to_admins(
    app: Starlette, client: httpx.AsyncClient, silent_relay: str
) -> None:
    authority = await make_organisation()
    family = await make_family(authority)
    headers = await token_headers(family)
    child = await make_child(family)
    session = await make_session(await make_service())

    # The booking is not held up by the relay: it only queues the email's delivery job (arq's
    # worker, or the in-process queue, runs it later) and never touches the relay itself.
    with queue_in_use(RecordingQueue()) as queue:
        booked = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert booked.status_code == 201
    assert isinstance(queue, RecordingQueue)
    assert [e.function for e in queue.enqueued] == ["deliver_new_email"]
    message = await OutboxMessage.get(dedupe_key__contains=booked.json()["id"])
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)

    # The delivery job's tries, run here one after another.
    ctx = {
        "mailer": mail.Mailer(silent_relay, sender="test@example.com", timeout=0.3),
        "clock": app.state.clock,
        "settings": app.state.settings,
    }
    defers = []
    for job_try in range(1, mail.MAX_ATTEMPTS):
        with pytest.raises(Retry) as retry:
            await jobs.deliver_email({**ctx, "job_try": job_try}, message_id=str(message.id))
        defers.append(retry.value.defer_score)
        row = await OutboxMessage.get(id=message.id)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, job_try)
    assert defers == [int(jobs.backoff(job_try) * 1000) for job_try in range(1, mail.MAX_ATTEMPTS)], "backoff grows"
    await jobs.deliver_email({**ctx, "job_try": mail.MAX_ATTEMPTS}, message_id=str(message.id))  # the last try gives up quietly
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, mail.MAX_ATTEMPTS)
    assert row.last_error == "SMTPConnectTimeoutError"  # no greeting within the timeout

    # Pages go by the session cookie (a bearer token is for the API): signed out, to the sign-in form.
    signed_out = await client.get("/admin/email-problems", headers=headers)
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/sign-in?next=%2Fadmin%2Femail-problems")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other_browser:
        await sign_in(other_browser, await make_user(role=Role.FAMILY, organisation=authority))
        assert (await other_browser.get("/admin/email-problems")).status_code == 403
    admin = await make_user(admin=True)
    await sign_in(client, admin)
    page = await client.get("/admin/email-problems")
    assert page.status_code == 200
    assert row.subject in page.text and row.last_error in page.text
    assert family.email not in page.text, "the address is masked"
