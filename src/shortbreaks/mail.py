"""Email: an outbox written inside the change's transaction, delivered by a job.

Without ``SMTP_URL`` the message is logged (recipient redacted) and kept in the outbox,
so the demo still shows it. Delivery claims the message first, so a job that runs twice
sends it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib
from tortoise.backends.base.client import BaseDBAsyncClient

from shortbreaks import rows
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


async def deliver_later(message: OutboxMessage) -> None:
    """Enqueue delivery of an outbox message. Call after the transaction that wrote it has committed."""
    from shortbreaks import jobs

    await jobs.enqueue("deliver_email", message_id=str(message.id), _job_id=f"deliver-email:{message.id}")


async def deliver(message_id: str, *, mailer: Mailer, now: datetime, claim_timeout: timedelta = CLAIM_TIMEOUT) -> OutboxStatus | None:
    """Deliver one outbox message if it is still pending; safe to run twice.

    A message claimed (``sending``) longer than ``claim_timeout`` ago was being sent by a job
    that died or timed out, and is taken over. Raises ``MailRetryableError`` for the job to
    retry; records a permanent failure.
    """
    # Claim it (pending, or sending but abandoned) and read it in one statement: every booking's
    # confirmation passes here, in the middle of a booking rush.
    claimed = await rows.update_returning(
        OutboxMessage,
        "SET status = {0}, claimed_at = {1} WHERE id = {2} AND (status = {3} OR (status = {0} AND claimed_at < {4}))",
        [OutboxStatus.SENDING.value, now, UUID(str(message_id)), OutboxStatus.PENDING.value, now - claim_timeout],
    )
    if not claimed:
        return None
    message = claimed[0]
    if not mailer.configured:
        log.info("email not sent (no SMTP_URL): message %s, subject %r, body kept in the outbox", message.id, message.subject)
        for line in message.body.splitlines():
            # Links are what a developer needs from a logged message; they carry no personal data.
            if line.startswith(("http://", "https://")):
                log.info("email link for message %s: %s", message.id, line)
        await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.LOGGED, sent_at=now, attempts=message.attempts + 1)
        return OutboxStatus.LOGGED
    try:
        await mailer.send(to=message.to_email, subject=message.subject, body=message.body, message_id=str(message.id))
    except MailRetryableError as exc:
        attempts = message.attempts + 1
        status = OutboxStatus.FAILED if attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        await OutboxMessage.filter(id=message.id).update(status=status, attempts=attempts, last_error=str(exc)[:500])
        if status is OutboxStatus.FAILED:
            log.error("email %s failed after %s attempts: %s", message.id, attempts, exc)
            return status
        raise
    except MailPermanentError as exc:
        await OutboxMessage.filter(id=message.id).update(
            status=OutboxStatus.FAILED, attempts=message.attempts + 1, last_error=str(exc)[:500]
        )
        log.error("email %s refused: %s", message.id, exc)
        return OutboxStatus.FAILED
    await OutboxMessage.filter(id=message.id).update(status=OutboxStatus.SENT, sent_at=now, attempts=message.attempts + 1)
    return OutboxStatus.SENT


def mask_address(address: str) -> str:
    """``parent@example.com`` → ``p…@example.com``: enough for an administrator to tell messages apart."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


async def needing_attention(*, now: datetime, limit: int = 200) -> list[OutboxMessage]:
    """Messages an administrator should look at: failed for good, or stuck (pending or sending
    for more than an hour, e.g. no worker running). Newest first.
    """
    from tortoise.expressions import Q

    stuck = now - timedelta(hours=1)
    return list(
        await OutboxMessage.filter(
            Q(status=OutboxStatus.FAILED) | Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], created_at__lt=stuck)
        )
        .order_by("-created_at")
        .limit(limit)
    )
