"""Payments jobs: thin, take ids, safe to run twice; Stripe failures retried with backoff.

- ``process_stripe_event`` (enqueued by the webhook, job id ``stripe-event:{id}``): re-reads the
  event's object from Stripe and acts on it.
- ``send_refund`` (enqueued after the transaction that queued the refund, ``send-refund:{id}``).
- ``expire_payment_holds`` (cron, every minute): releases held bookings whose time to pay ran out.
- ``retry_payment_work`` (cron, every five minutes): re-enqueues events and refunds whose job was
  lost (Redis restarted, a worker died).

Only ``PaymentRetryableError`` is retried (``Retry(defer=backoff)``); after ``MAX_TRIES`` the
event or refund is marked for attention instead, and a permanent error does that at once.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from arq import Retry
from arq.cron import CronJob, cron

from bookings.payments import services
from bookings.payments.enums import EventStatus, RefundStatus
from bookings.payments.errors import PaymentRetryableError
from bookings.payments.gateway import is_configured, open_gateway
from bookings.payments.models import Refund, StripeEvent
from shortbreaks.jobs import JobContext, JobFunction, backoff, enqueue

MAX_TRIES = 5
STALE_AFTER = timedelta(minutes=2)


async def process_stripe_event(ctx: JobContext, *, event_id: str) -> None:
    """Act on one stored Stripe event (retried while Stripe cannot be reached)."""
    if not is_configured(ctx["settings"]):
        return
    now = ctx["clock"].now()
    try:
        async with open_gateway(ctx["settings"]) as gateway:
            await services.process_event(event_id, gateway=gateway, now=now)
    except PaymentRetryableError as exc:
        if ctx.get("job_try", 1) >= MAX_TRIES:
            await services.mark_event_for_attention(event_id, error=str(exc), now=now)
            return
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc


async def send_refund(ctx: JobContext, *, refund_id: str) -> None:
    """Send one queued refund to Stripe (retried while Stripe cannot be reached)."""
    if not is_configured(ctx["settings"]):
        return
    now = ctx["clock"].now()
    try:
        async with open_gateway(ctx["settings"]) as gateway:
            await services.send_refund(UUID(refund_id), gateway=gateway, now=now)
    except PaymentRetryableError as exc:
        if ctx.get("job_try", 1) >= MAX_TRIES:
            await services.mark_refund_for_attention(UUID(refund_id), error=str(exc), now=now)
            return
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc


async def expire_payment_holds(ctx: JobContext) -> int:
    """Release held bookings whose time to pay has run out."""
    now = ctx["clock"].now()
    if not is_configured(ctx["settings"]):
        return await services.expire_overdue_holds(gateway=None, now=now)
    async with open_gateway(ctx["settings"]) as gateway:
        return await services.expire_overdue_holds(gateway=gateway, now=now)


async def retry_payment_work(ctx: JobContext) -> int:
    """Re-enqueue Stripe events and refunds left unprocessed for more than two minutes."""
    now = ctx["clock"].now()
    bucket = int(now.timestamp()) // 300
    events = await StripeEvent.filter(status=EventStatus.RECEIVED, received_at__lt=now - STALE_AFTER).values_list("id", flat=True)
    refunds = await Refund.filter(status=RefundStatus.QUEUED, requested_at__lt=now - STALE_AFTER).values_list("id", flat=True)
    for event_id in events:
        await enqueue("process_stripe_event", event_id=str(event_id), _job_id=f"stripe-event:{event_id}:{bucket}")
    for refund_id in refunds:
        await enqueue("send_refund", refund_id=str(refund_id), _job_id=f"send-refund:{refund_id}:{bucket}")
    return len(events) + len(refunds)


functions: list[JobFunction] = [process_stripe_event, send_refund, expire_payment_holds, retry_payment_work]
cron_jobs: list[CronJob] = [
    cron(expire_payment_holds, name="expire_payment_holds", minute=None, second=15, run_at_startup=True, unique=True, timeout=50),
    cron(
        retry_payment_work, name="retry_payment_work", minute=set(range(1, 60, 5)), second=40, run_at_startup=False, unique=True, timeout=50
    ),
]
