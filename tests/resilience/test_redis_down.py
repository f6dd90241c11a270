"""Redis down: pages and bookings keep working, jobs wait in the job outbox, and run once Redis is back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bookings.models import Booking
from shortbreaks import jobs
from shortbreaks.accounts.models import Organisation
from shortbreaks.models import JobOutbox, OutboxMessage, OutboxStatus
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_child, make_family, make_service, make_session, token_headers
from tests.factories import make_organisation
from tests.resilience.conftest import Inbox, OwnRedis
from tests.waiting import wait_until


@pytest.fixture
def settings(settings: Settings, own_redis: OwnRedis, smtp_server: tuple[Inbox, str]) -> Settings:
    """The app under test enqueues to our own Redis and mails our own SMTP server."""
    return settings.model_copy(update={"redis_url": own_redis.url, "smtp_url": smtp_server[1]})


async def run_worker_burst(settings: Settings, app: Starlette) -> None:
    """A real arq worker in burst mode, sharing this process's open database."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx.update(await jobs.build_context(settings, app.state.clock))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await jobs.close_context(ctx)

    worker = jobs.create_worker(settings, burst=True, poll_delay=0.01, on_startup=on_startup, on_shutdown=on_shutdown, cron_jobs=[])
    try:
        await worker.main()
    finally:
        await worker.close()
    jobs.set_queue(app.state.queue)


async def test_with_redis_down_bookings_work_jobs_wait_in_the_outbox_and_run_once_redis_is_back(
    app: Starlette, client: httpx.AsyncClient, own_redis: OwnRedis, smtp_server: tuple[Inbox, str], settings: Settings
) -> None:
    inbox, _ = smtp_server
    authority: Organisation = await make_organisation()
    family = await make_family(authority)
    headers = await token_headers(family)
    child = await make_child(family)
    session = await make_session(await make_service(), capacity=3)

    own_redis.stop()

    assert (await client.get("/")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "unavailable"}

    loop = asyncio.get_running_loop()
    started = loop.time()
    booked = await client.post("/api/v1/bookings", json={"session_id": str(session.id), "child_ids": [str(child.id)]}, headers=headers)
    assert booked.status_code == 201, booked.text
    assert loop.time() - started < 5, "a booking must not wait long on a Redis that is down"
    booking = await Booking.get(id=booked.json()["id"])
    message = await OutboxMessage.get(dedupe_key__contains=str(booking.id))
    waiting = await JobOutbox.all()
    # The booking's email goes out with its quarter-second slot's batch (mail.deliver_later).
    assert [(j.function, j.job_id.rsplit(":", 1)[0], j.kwargs) for j in waiting] == [("deliver_new_email", "deliver-new-email", {})]
    job_id = waiting[0].job_id
    # Enqueueing the same job again while Redis is down is a no-op, as it is on Redis.
    assert await jobs.enqueue("deliver_new_email", _job_id=job_id) is False
    assert await JobOutbox.all().count() == 1

    own_redis.start()

    # The app's sweeper (a lifespan task) moves the job to Redis once Redis answers.
    async def outbox_empty() -> bool:
        return not await JobOutbox.exists()

    await wait_until(outbox_empty, timeout=30, interval=0.1, what="the sweeper to move the waiting job to Redis")
    assert (await client.get("/readyz")).status_code == 200
    assert await app.state.redis.zcard("arq:queue") == 1
    # The deterministic job id holds on Redis too: the same delivery cannot be queued twice.
    assert await jobs.enqueue("deliver_new_email", _job_id=job_id) is False

    await run_worker_burst(settings, app)

    assert len(inbox.messages) == 1
    assert inbox.messages[0]["X-Shortbreaks-Message-Id"] == str(message.id)
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT


async def test_the_outbox_flush_stops_at_a_redis_error_and_keeps_the_job(app: Starlette, own_redis: OwnRedis) -> None:
    own_redis.stop()
    assert await jobs.enqueue("requeue_pending_email") is True
    row = await JobOutbox.get()
    assert row.job_id.startswith("outbox:")
    with pytest.raises(jobs.REDIS_ERRORS):
        await jobs.flush_job_outbox(app.state.redis, now=app.state.clock.now())
    row = await JobOutbox.get()
    assert (row.claimed_at, row.attempts, row.last_error != "") == (None, 1, True)
    own_redis.start()
    assert await jobs.flush_job_outbox(app.state.redis, now=app.state.clock.now()) == 1
    assert await app.state.redis.zcard("arq:queue") == 1
