"""Bookings jobs: cron sweeps that are safe to run twice and need no job to survive.

- ``expire_waiting_list_offers`` (every minute): expires overdue offers and passes each place to
  the next in line. Offers are held by the place itself, so a lost or duplicated run cannot
  strand or double-give a place; the next sweep finishes the work.
- ``offer_waiting_list_places`` (every five minutes): offers places that came free while nobody
  was waiting.
- ``send_booking_reminders`` (every 15 minutes): reminders 24 hours before, once per booking.

Emails go through the outbox and the core's ``deliver_email`` job.
"""

from __future__ import annotations

from arq.cron import CronJob, cron

from bookings import services
from shortbreaks.jobs import JobContext, JobFunction


async def expire_waiting_list_offers(ctx: JobContext) -> int:
    """Expire overdue waiting-list offers and pass their places on."""
    return await services.expire_overdue_offers(now=ctx["clock"].now())


async def offer_waiting_list_places(ctx: JobContext) -> int:
    """Offer free places on sessions that have a waiting list."""
    return await services.offer_free_places(now=ctx["clock"].now())


async def send_booking_reminders(ctx: JobContext) -> int:
    """Queue reminders for confirmed bookings starting within 24 hours."""
    return await services.send_due_reminders(now=ctx["clock"].now())


functions: list[JobFunction] = [expire_waiting_list_offers, offer_waiting_list_places, send_booking_reminders]
# Named after their functions: the in-process queue looks cron jobs up by name, and arq lets a
# cron job of the same name stand in for the function when one is enqueued by hand.
cron_jobs: list[CronJob] = [
    cron(
        expire_waiting_list_offers, name="expire_waiting_list_offers", minute=None, second=5, run_at_startup=True, unique=True, timeout=50
    ),
    cron(
        offer_waiting_list_places,
        name="offer_waiting_list_places",
        minute=set(range(2, 60, 5)),
        second=20,
        run_at_startup=False,
        unique=True,
        timeout=50,
    ),
    cron(
        send_booking_reminders,
        name="send_booking_reminders",
        minute={0, 15, 30, 45},
        second=35,
        run_at_startup=False,
        unique=True,
        timeout=50,
    ),
]
