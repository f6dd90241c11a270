"""Entitlements jobs: cron sweeps that are safe to run twice.

- ``invite_renewals`` (daily, 7:10 UTC): invites each family whose approved allowance ends within its
  council's notice (``renewal_invite_weeks``, default 6) to renew, once per application
  (:func:`entitlements.renewals.invite_due_renewals`: a ``renewal_invited`` event marks it, and the
  outbox's dedupe key sends the email once).
- ``raise_shortfalls`` (nightly, 2:30 UTC): opens a shortfall case for each agreed package that has
  fallen behind its council's thresholds and escalates cases left open too long
  (:func:`entitlements.shortfall_cases.run_nightly`: one open case per package, by a unique index).

Emails go through the outbox and the core's ``deliver_email`` job.
"""

from __future__ import annotations

from arq.cron import CronJob, cron

from entitlements import renewals, shortfall_cases
from shortbreaks.jobs import JobContext, JobFunction


async def invite_renewals(ctx: JobContext) -> int:
    """Invite families to renew allowances whose year ends within their council's notice."""
    return await renewals.invite_due_renewals(now=ctx["clock"].now(), base_url=ctx["settings"].base_url)


async def raise_shortfalls(ctx: JobContext) -> int:
    """Open shortfall cases for packages behind their council's thresholds; escalate old ones."""
    result = await shortfall_cases.run_nightly(now=ctx["clock"].now(), base_url=ctx["settings"].base_url)
    return result.opened


functions: list[JobFunction] = [invite_renewals, raise_shortfalls]
# Named after its function (the in-process queue looks cron jobs up by name).
cron_jobs: list[CronJob] = [
    cron(invite_renewals, name="invite_renewals", hour={7}, minute={10}, second=0, run_at_startup=False, unique=True, timeout=600),
    cron(raise_shortfalls, name="raise_shortfalls", hour={2}, minute={30}, second=0, run_at_startup=False, unique=True, timeout=1800),
]
