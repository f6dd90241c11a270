"""Jobs through a real arq Worker on Redis, in-process without it; email through a local SMTP server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
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
from tests.conftest import Enqueued, RecordingQueue, queue_in_use
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


@pytest.mark.redis
async def test_a_real_arq_worker_runs_jobs_retries_and_runs_a_duplicate_id_once(app: Starlette, settings: Settings) -> None:
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
    ctx = {"mailer": mail.Mailer(url, sender="x@example.com"), "clock": clock, "settings": settings, "job_try": 1}
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


# --- new messages go out in batches, one job per quarter-second slot -------------------------


async def _queue(count: int, *, prefix: str = "batch") -> list[OutboxMessage]:
    return [
        await mail.queue_email(to=f"parent{i}@example.com", subject=f"Booking {i}", body="Saturday", dedupe_key=f"{prefix}:{i}", now=NOW)
        for i in range(count)
    ]


async def test_the_batch_sends_every_new_message_once_even_when_two_batches_run_at_once(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    mailer = mail.Mailer(url, sender="x@example.com")
    queued = await _queue(7)
    first, second = await asyncio.gather(
        mail.deliver_new(mailer=mailer, now=NOW, batch_size=2), mail.deliver_new(mailer=mailer, now=NOW, batch_size=2)
    )
    assert (first, second) == (mail.BatchRun(), mail.BatchRun())
    assert sorted(m["Subject"] for m in inbox.messages) == [f"Booking {i}" for i in range(7)]
    rows = await OutboxMessage.filter(id__in=[m.id for m in queued])
    assert {(r.status, r.attempts, r.sent_at) for r in rows} == {(OutboxStatus.SENT, 1, NOW)}
    assert await mail.deliver_new(mailer=mailer, now=NOW) == mail.BatchRun(), "nothing new is left"
    assert len(inbox.messages) == 7


async def test_a_temporary_failure_stops_the_batch_and_hands_the_rest_to_their_own_retried_jobs(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    mailer = mail.Mailer(url, sender="x@example.com")
    queued = await _queue(4)
    inbox.refuse_next = 1
    run = await mail.deliver_new(mailer=mailer, now=NOW, batch_size=3)
    # The first message failed for now; it and the rest of its batch wait for their own jobs.
    assert (len(run.retry), run.more) == (3, False)
    failed, *rest = [await OutboxMessage.get(id=i) for i in run.retry]
    assert (failed.status, failed.attempts, failed.last_error) == (OutboxStatus.PENDING, 1, "SMTP 451")
    assert {(r.status, r.attempts) for r in rest} == {(OutboxStatus.PENDING, 0)}
    # The next batch takes only the message no batch has claimed; the handed-over ones are left to deliver().
    assert await mail.deliver_new(mailer=mailer, now=NOW) == mail.BatchRun()
    [unclaimed] = [m for m in queued if m.id not in run.retry]
    assert [m["Subject"] for m in inbox.messages] == [unclaimed.subject]
    for message_id in run.retry:
        assert await mail.deliver(str(message_id), mailer=mailer, now=NOW) == OutboxStatus.SENT
    assert sorted(m["Subject"] for m in inbox.messages) == [f"Booking {i}" for i in range(4)]


async def test_the_batch_job_queues_each_handed_over_message_its_own_retry_with_backoff(
    smtp: tuple[Inbox, str], settings: Settings, clock: FrozenClock
) -> None:
    inbox, url = smtp
    queued = await _queue(2)
    inbox.refuse_next = 1
    ctx = await jobs.build_context(settings, clock)
    ctx["mailer"] = mail.Mailer(url, sender="x@example.com")
    try:
        with queue_in_use(RecordingQueue()) as queue:
            assert await jobs.deliver_new_email(ctx) == 2
    finally:
        await jobs.close_context(ctx)
    assert isinstance(queue, RecordingQueue)
    # Each message waits jobs.backoff(1) seconds for its own deliver_email job (arq defers it).
    assert sorted(queue.enqueued, key=lambda e: str(e.job_id)) == sorted(
        (Enqueued("deliver_email", f"deliver-email:{m.id}", jobs.backoff(1), {"message_id": str(m.id)}) for m in queued),
        key=lambda e: str(e.job_id),
    )
    assert inbox.messages == []


async def test_the_batch_takes_over_a_claim_abandoned_by_a_dead_job(smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    mailer = mail.Mailer(url, sender="x@example.com")
    [message] = await _queue(1)
    await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.SENDING, claimed_at=NOW - timedelta(minutes=11))
    assert await mail.deliver_new(mailer=mailer, now=NOW) == mail.BatchRun()
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT
    # A claim younger than the timeout belongs to a job still sending: left alone.
    [fresh] = await _queue(1, prefix="fresh")
    await OutboxMessage.filter(id=fresh.id).update(status=OutboxStatus.SENDING, claimed_at=NOW - timedelta(minutes=1))
    assert await mail.deliver_new(mailer=mailer, now=NOW) == mail.BatchRun()
    assert (await OutboxMessage.get(id=fresh.id)).status == OutboxStatus.SENDING
    assert len(inbox.messages) == 1


async def test_the_batch_stops_at_its_deadline_and_says_there_may_be_more() -> None:
    await _queue(3)
    mailer = mail.Mailer(None, sender="x@example.com")
    run = await mail.deliver_new(mailer=mailer, now=NOW, batch_size=1, deadline=0.0)
    assert run == mail.BatchRun(more=True)
    assert await OutboxMessage.filter(status=OutboxStatus.LOGGED).count() == 1
    assert await mail.deliver_new(mailer=mailer, now=NOW, batch_size=1) == mail.BatchRun()
    assert await OutboxMessage.filter(status=OutboxStatus.LOGGED).count() == 3


def test_messages_in_one_quarter_second_share_one_batch_job_run_after_the_slot_and_its_margin() -> None:
    start = 1_800_000_000.0  # a slot boundary
    job, defer = mail.slot_job(start)
    assert (job, defer) == ("deliver-new-email:7200000000", mail.SLOT_S + mail.SLOT_MARGIN_S)
    later, later_defer = mail.slot_job(start + 0.2)
    assert later == job and later_defer == pytest.approx(0.05 + mail.SLOT_MARGIN_S)
    assert mail.slot_job(start + mail.SLOT_S)[0] == "deliver-new-email:7200000001"


async def test_without_redis_a_booking_rushs_emails_go_out_in_one_batch(settings: Settings, clock: FrozenClock) -> None:
    ctx = await jobs.build_context(settings, clock)
    in_process = jobs.InProcessQueue(ctx, jobs.collect_functions())
    recording = RecordingQueue(then=in_process)
    try:
        with queue_in_use(recording):
            queued = await _queue(5)
            for message in queued:
                await mail.deliver_later(message)
            await in_process.drain()
    finally:
        await jobs.close_context(ctx)
    batches = [e for e in recording.enqueued if e.function == "deliver_new_email"]
    assert len(batches) == 5
    # One job per quarter-second slot (see the slot test above): the first message of a slot
    # queues its job, the others in that slot find it queued.
    assert [e.job_id for e in batches if e.queued] == list(dict.fromkeys(e.job_id for e in batches))
    assert {m.status for m in await OutboxMessage.filter(id__in=[m.id for m in queued])} == {OutboxStatus.LOGGED}


@pytest.mark.redis
async def test_on_redis_a_process_asks_about_a_job_id_once_however_many_requests_queue_it(app: Starlette) -> None:
    assert isinstance(app.state.queue, jobs.ArqQueue)
    redis = app.state.redis

    async def watches() -> int:
        return int((await redis.info("commandstats")).get("cmdstat_watch", {}).get("calls", 0))

    before = await watches()
    assert await jobs.enqueue("record_run", label="batch", _job_id="shared-1") is True
    for _ in range(20):
        assert await jobs.enqueue("record_run", label="batch", _job_id="shared-1") is False
    assert await watches() - before == 1, "arq's WATCH-and-check ran once; the repeats were answered from memory"
    assert await redis.zcard("arq:queue") == 1
