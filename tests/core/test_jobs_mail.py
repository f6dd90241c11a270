"""Jobs through a real arq Worker on Redis, in-process without it; email through a local SMTP server."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from arq import Retry
from starlette.applications import Starlette

from shortbreaks import jobs, mail
from shortbreaks.clock import FrozenClock
from shortbreaks.models import OutboxMessage, OutboxStatus
from shortbreaks.settings import Settings
from tests.factories import NOW

runs: list[tuple[str, int]] = []


async def record_run(ctx: dict[str, Any], *, label: str) -> None:
    runs.append((label, ctx["job_try"]))


async def fail_once(ctx: dict[str, Any], *, label: str) -> None:
    runs.append((label, ctx["job_try"]))
    if ctx["job_try"] == 1:
        raise Retry(defer=0.01)


TEST_FUNCTIONS = [record_run, fail_once]


@pytest.fixture(autouse=True)
def _clear_runs() -> Iterator[None]:
    runs.clear()
    yield
    runs.clear()


@pytest.fixture
def redis_url() -> str:
    # The SQLite run has no Redis on purpose; CI's PostgreSQL run sets REDIS_URL, so there these run.
    url = os.environ.get("REDIS_URL")
    if url is None:
        pytest.skip("no REDIS_URL: this run keeps jobs in-process")
    return url


@pytest.mark.redis
async def test_a_real_arq_worker_runs_jobs_retries_and_runs_a_duplicate_id_once(app: Starlette, settings: Settings, redis_url: str) -> None:
    assert isinstance(app.state.queue, jobs.ArqQueue)
    assert await jobs.enqueue("record_run", label="plain") is True
    assert await jobs.enqueue("fail_once", label="flaky") is True
    assert await jobs.enqueue("record_run", label="unique", _job_id="unique-1") is True
    assert await jobs.enqueue("record_run", label="unique", _job_id="unique-1") is False
    worker = jobs.create_worker(settings, burst=True, functions=[*jobs.collect_functions(), *TEST_FUNCTIONS], poll_delay=0.01)
    await worker.main()
    await worker.close()
    assert sorted(runs) == [("flaky", 1), ("flaky", 2), ("plain", 1), ("unique", 1)]
    assert await jobs.enqueue("record_run", label="unique", _job_id="unique-1") is False, "the finished job's id still blocks a re-run"


async def test_without_redis_jobs_run_in_process_with_the_same_semantics(settings: Settings, clock: FrozenClock) -> None:
    ctx = await jobs.build_context(settings, clock)
    queue = jobs.InProcessQueue(ctx, TEST_FUNCTIONS)
    assert await queue.enqueue("record_run", job_id=None, defer_by=None, kwargs={"label": "plain"})
    assert await queue.enqueue("fail_once", job_id=None, defer_by=None, kwargs={"label": "flaky"})
    assert await queue.enqueue("record_run", job_id="same", defer_by=None, kwargs={"label": "unique"})
    assert not await queue.enqueue("record_run", job_id="same", defer_by=None, kwargs={"label": "unique"})
    await queue.drain()
    await jobs.close_context(ctx)
    assert sorted(runs) == [("flaky", 1), ("flaky", 2), ("plain", 1), ("unique", 1)]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse_next = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 try again later"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


async def test_an_email_is_delivered_once_even_when_the_job_runs_twice(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    mailer = mail.Mailer(url, sender="shortbreaks <no-reply@example.com>")
    message = await mail.queue_email(
        to="parent@example.com", subject="Booking confirmed", body="See you Saturday", dedupe_key="test:1", now=NOW
    )
    first, second = await asyncio.gather(
        mail.deliver(str(message.id), mailer=mailer, now=NOW), mail.deliver(str(message.id), mailer=mailer, now=NOW)
    )
    assert sorted([str(first), str(second)]) == ["None", "sent"]
    assert await mail.deliver(str(message.id), mailer=mailer, now=NOW) is None
    assert [(m["To"], m["Subject"], m.get_payload().strip()) for m in inbox.messages] == [
        ("parent@example.com", "Booking confirmed", "See you Saturday")
    ]
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT


async def test_queueing_the_same_event_twice_keeps_one_message() -> None:
    first = await mail.queue_email(to="a@example.com", subject="s", body="b", dedupe_key="event:1", now=NOW)
    second = await mail.queue_email(to="a@example.com", subject="s", body="b", dedupe_key="event:1", now=NOW)
    assert first.id == second.id
    assert await OutboxMessage.all().count() == 1


async def test_a_temporary_smtp_failure_is_retried_then_delivered(smtp: tuple[Inbox, str], settings: Settings, clock: FrozenClock) -> None:
    inbox, url = smtp
    inbox.refuse_next = 1
    message = await mail.queue_email(to="parent@example.com", subject="Reminder", body="Tomorrow", dedupe_key="test:2", now=NOW)
    ctx = {"mailer": mail.Mailer(url, sender="x@example.com"), "clock": clock, "job_try": 1}
    with pytest.raises(Retry):
        await jobs.deliver_email(ctx, message_id=str(message.id))
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "SMTP 451")
    await jobs.deliver_email(dict(ctx, job_try=2), message_id=str(message.id))
    assert len(inbox.messages) == 1
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT


async def test_without_smtp_messages_are_logged_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    message = await mail.queue_email(
        to="parent@example.com", subject="Confirm", body="Click:\nhttp://testserver/verify-email/abc", dedupe_key="test:3", now=NOW
    )
    with caplog.at_level("INFO", logger="shortbreaks.mail"):
        status = await mail.deliver(str(message.id), mailer=mail.Mailer(None, sender="x@example.com"), now=NOW)
    assert status == OutboxStatus.LOGGED
    assert "http://testserver/verify-email/abc" in caplog.text
    assert "parent@example.com" not in caplog.text
    assert (await OutboxMessage.get(id=message.id)).body.endswith("/verify-email/abc")


async def test_in_process_cron_jobs_run_under_arqs_cron_names(settings: Settings, clock: FrozenClock) -> None:
    from arq.cron import cron

    ctx = await jobs.build_context(settings, clock)
    job = cron(record_run, minute=0)
    queue = jobs.InProcessQueue(ctx, [], [job])
    assert job.name == "cron:record_run"
    assert await queue.enqueue(job.name, job_id=None, defer_by=None, kwargs={"label": "cron"})
    await queue.drain()
    await jobs.close_context(ctx)
    assert runs == [("cron", 1)]
