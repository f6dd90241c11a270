"""Entitlements jobs: cron sweeps that are safe to run twice.

- ``invite_renewals`` (daily, 7:10 UTC): invites each family whose approved allowance ends within its
  council's notice (``renewal_invite_weeks``, default 6) to renew, once per application
  (:func:`entitlements.renewals.invite_due_renewals`: a ``renewal_invited`` event marks it, and the
  outbox's dedupe key sends the email once).

Emails go through the outbox and the core's ``deliver_email`` job.
"""

from __future__ import annotations

from arq.cron import CronJob, cron

from entitlements import renewals
from shortbreaks.jobs import JobContext, JobFunction


async def invite_renewals(ctx: JobContext) -> int:
    """Invite families to renew allowances whose year ends within their council's notice."""
    return await renewals.invite_due_renewals(now=ctx["clock"].now(), base_url=ctx["settings"].base_url)


functions: list[JobFunction] = [invite_renewals]
# Named after its function (the in-process queue looks cron jobs up by name).
cron_jobs: list[CronJob] = [
    cron(invite_renewals, name="invite_renewals", hour={7}, minute={10}, second=0, run_at_startup=False, unique=True, timeout=600),
]
