"""Email: an outbox written inside the change's transaction, delivered by a job.

New messages go out in batches (:func:`deliver_later`, :func:`deliver_new`); a message that
fails for now, or was left by a job that died, goes on to its own retried :func:`deliver` job.
Without ``SMTP_URL`` the message is logged (recipient redacted) and kept in the outbox,
so the demo still shows it. Delivery claims the message first, so a job that runs twice
sends it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from shortbreaks import queries
from shortbreaks.models import OutboxMessage, OutboxStatus

log = logging.getLogger("shortbreaks.mail")

MAX_ATTEMPTS = 8
# A claim older than this belongs to a worker that died mid-send; the message may go again.
CLAIM_TIMEOUT = timedelta(minutes=10)


class MailRetryableError(Exception):
    """The relay could not take the message now (connection, timeout, 4xx): try again later."""


class MailPermanentError(Exception):
    """The relay refused the message for good (5xx, bad address)."""


class Mailer:
    """Sends one message over SMTP, or logs it when no relay is configured."""

    def __init__(self, smtp_url: str | None, *, sender: str, timeout: float = 10.0) -> None:
        self.smtp_url = smtp_url
        self.sender = sender
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return self.smtp_url is not None

    async def send(self, *, to: str, subject: str, body: str, message_id: str) -> None:
        if self.smtp_url is None:
            raise RuntimeError("no SMTP relay configured")
        parts = urlsplit(self.smtp_url)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["X-Shortbreaks-Message-Id"] = message_id
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=parts.hostname,
                port=parts.port or (465 if parts.scheme == "smtps" else 25),
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                use_tls=parts.scheme == "smtps",
                start_tls=None,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise MailRetryableError(f"SMTP {exc.code}") from exc
            raise MailPermanentError(f"SMTP {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailRetryableError(type(exc).__name__) from exc


async def queue_email(
    *,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str,
    now: datetime,
    using_db: BaseDBAsyncClient | None = None,
    new_record: bool = False,
) -> OutboxMessage:
    """Write a message to the outbox (once per ``dedupe_key``); deliver it after commit with :func:`deliver_later`.

    ``new_record``: the key names a record the caller's transaction has just created, so no message
    can have it yet and the lookup is skipped (the unique key still guards it).
    """
    if not new_record:
        existing = await OutboxMessage.filter(dedupe_key=dedupe_key).using_db(using_db).first()
        if existing is not None:
            return existing
    return await OutboxMessage.create(dedupe_key=dedupe_key, to_email=to, subject=subject, body=body, created_at=now, using_db=using_db)


async def queue_new_emails(
    messages: Sequence[tuple[str, str, str, str]], *, now: datetime, using_db: BaseDBAsyncClient | None = None
) -> list[OutboxMessage]:
    """Write many new messages, ``(to, subject, body, dedupe_key)``, in one statement: each key names a record
    the caller's transaction has just created (as ``queue_email(new_record=True)``), so none exists yet and
    the unique key still guards it. For a job writing thousands at once; deliver them after commit."""
    rows = [OutboxMessage(dedupe_key=key, to_email=to, subject=subject, body=body, created_at=now) for to, subject, body, key in messages]
    if rows:
        await OutboxMessage.bulk_create(rows, batch_size=1000, using_db=using_db)
    return rows


# New messages go out in batches: every message committed in one quarter-second slot is sent by
# one ``deliver_new_email`` job, run once the slot is over (and a margin for the clocks of the
# app's and the worker's machines), so it finds them all in the outbox. In a booking rush that is
# one job, one claim and one Redis round trip per process per slot, not one of each per email.
SLOT_S = 0.25
SLOT_MARGIN_S = 0.25
BATCH_SIZE = 100


def slot_job(now: float) -> tuple[str, float]:
    """The batch job's id for the slot holding ``now`` (Unix seconds), and how long to defer it."""
    slot = int(now // SLOT_S)
    return f"deliver-new-email:{slot}", (slot + 1) * SLOT_S + SLOT_MARGIN_S - now


async def deliver_later(message: OutboxMessage) -> None:
    """Have a message delivered within a second or so. Call after the transaction that wrote
    it has committed: the slot's batch job (see ``SLOT_S``) sends it with the slot's other new
    messages, and the first failure hands it to its own retried ``deliver_email`` job."""
    from shortbreaks import jobs

    job_id, defer_s = slot_job(time.time())
    await jobs.enqueue("deliver_new_email", _job_id=job_id, _defer_by=defer_s, _shared=True)
    log.debug("outbox message %s: delivery by job %s", message.id, job_id)


async def deliver_committed(messages: Sequence[OutboxMessage | None]) -> None:
    """After the transaction that wrote ``messages`` has committed: have them delivered
    (:func:`deliver_later`: one batch job finds every message committed before it, so one call does for
    all). Without a job queue (the command line's demo loader) they stay pending in the outbox and the
    ``requeue_pending_email`` sweep delivers them."""
    first = next((m for m in messages if m is not None), None)
    if first is None:
        return
    try:
        await deliver_later(first)
    except RuntimeError:
        log.info("no job queue: %d outbox messages left for the sweep", sum(m is not None for m in messages))


async def deliver(message_id: str, *, mailer: Mailer, now: datetime, claim_timeout: timedelta = CLAIM_TIMEOUT) -> OutboxStatus | None:
    """Deliver one outbox message if it is still pending; safe to run twice.

    A message claimed (``sending``) longer than ``claim_timeout`` ago was being sent by a job
    that died or timed out, and is taken over. Raises ``MailRetryableError`` for the job to
    retry; records a permanent failure.
    """
    # Claim it (pending, or sending but abandoned); only the job whose update matched sends it.
    message_uuid = UUID(str(message_id))
    claimable = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - claim_timeout)
    if not await OutboxMessage.filter(claimable, id=message_uuid).update(status=OutboxStatus.SENDING, claimed_at=now):
        return None
    message = await OutboxMessage.get(id=message_uuid)
    status = await _send(message, mailer=mailer, now=now)
    if status is OutboxStatus.PENDING:
        raise MailRetryableError(message.last_error)
    return status


@dataclass
class BatchRun:
    """What :func:`deliver_new` left to its caller."""

    retry: list[UUID] = field(default_factory=list)  # each needs its own retried ``deliver`` job
    more: bool = False  # stopped at the deadline with messages perhaps left: run again


async def deliver_new(
    *, mailer: Mailer, now: datetime, claim_timeout: timedelta = CLAIM_TIMEOUT, batch_size: int = BATCH_SIZE, deadline: float | None = None
) -> BatchRun:
    """Deliver the outbox's new messages (never claimed, or claimed by a job that died), a batch
    at a time, until none is left or ``time.monotonic()`` passes ``deadline``; safe to run twice
    and alongside :func:`deliver`.

    At the first temporary failure it stops: the failed message and the rest of its batch go
    back to ``pending`` (still marked as claimed once, so no batch takes them again) and their
    ids are returned, for the caller to give each its own retried :func:`deliver` job.
    """
    while claimed := await queries.claim_new_outbox_messages(now=now, claim_timeout=claim_timeout, limit=batch_size):
        for index, message in enumerate(claimed):
            if await _send(message, mailer=mailer, now=now) is OutboxStatus.PENDING:
                rest = [m.id for m in claimed[index + 1 :]]
                if rest:
                    await OutboxMessage.filter(id__in=rest, status=OutboxStatus.SENDING).update(status=OutboxStatus.PENDING)
                return BatchRun(retry=[message.id, *rest])
        if deadline is not None and time.monotonic() > deadline:
            return BatchRun(more=True)
    return BatchRun()


async def _send(message: OutboxMessage, *, mailer: Mailer, now: datetime) -> OutboxStatus:
    """Send a claimed message and record how it went: ``sent`` (or ``logged`` without a relay),
    ``failed`` for good, or ``pending`` again after a temporary failure (``last_error`` says why)."""
    attempts = message.attempts + 1
    if not mailer.configured:
        log.info("email not sent (no SMTP_URL): message %s, subject %r, body kept in the outbox", message.id, message.subject)
        for line in message.body.splitlines():
            # Links are what a developer needs from a logged message; they carry no personal data.
            if line.startswith(("http://", "https://")):
                log.info("email link for message %s: %s", message.id, line)
        return await _record(message, OutboxStatus.LOGGED, attempts=attempts, now=now)
    try:
        await mailer.send(to=message.to_email, subject=message.subject, body=message.body, message_id=str(message.id))
    except MailRetryableError as exc:
        status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        message.last_error = str(exc)[:500]
        await OutboxMessage.filter(id=message.id).update(status=status, attempts=attempts, last_error=message.last_error)
        if status is OutboxStatus.FAILED:
            log.error("email %s failed after %s attempts: %s", message.id, attempts, exc)
        return status
    except MailPermanentError as exc:
        await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.FAILED, attempts=attempts, last_error=str(exc)[:500])
        log.error("email %s refused: %s", message.id, exc)
        return OutboxStatus.FAILED
    return await _record(message, OutboxStatus.SENT, attempts=attempts, now=now)


async def _record(message: OutboxMessage, status: OutboxStatus, *, attempts: int, now: datetime) -> OutboxStatus:
    await OutboxMessage.filter(id=message.id).update(status=status, sent_at=now, attempts=attempts)
    return status


def mask_address(address: str) -> str:
    """``parent@example.com`` → ``p…@example.com``: enough for an administrator to tell messages apart."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


async def needing_attention(*, now: datetime, limit: int = 200) -> list[OutboxMessage]:
    """Messages an administrator should look at: failed for good, or stuck (pending or sending
    for more than an hour, e.g. no worker running). Newest first.
    """
    stuck = now - timedelta(hours=1)
    return list(
        await OutboxMessage.filter(
            Q(status=OutboxStatus.FAILED) | Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], created_at__lt=stuck)
        )
        .order_by("-created_at")
        .limit(limit)
    )


@dataclass(frozen=True)
class BodyLine:
    """One line of a message body for the development mailbox: a link when the line is a URL."""

    text: str
    is_link: bool


def body_lines(body: str) -> list[BodyLine]:
    """A message body as lines, the links (a line that is an ``http(s)://`` address, as our
    messages put them) marked, so the mailbox page can make them work."""
    return [BodyLine(line, line.startswith(("http://", "https://")) and " " not in line) for line in body.splitlines()]


async def list_outbox(*, limit: int = 50) -> list[OutboxMessage]:
    """The newest outbox messages, whatever their status: for the development mailbox only
    (full addresses and bodies, working links), never shown in production."""
    return list(await OutboxMessage.all().order_by("-created_at", "-id").limit(limit))
