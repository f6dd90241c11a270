"""Calendar feed jobs: import providers' own calendars.

- ``import_provider_calendars`` (cron, every 15 minutes): enqueues one
  ``import_provider_calendar`` job per import, with a job id per import and quarter hour, so
  a slow or broken calendar never holds up another provider's import.
- ``import_provider_calendar(import_id=...)``: fetches one calendar with the shared HTTP client
  (``ctx["http"]``) and applies it. A bad calendar is recorded on the import and never raises;
  the next scheduled run tries again, so the job itself never retries.
"""

from __future__ import annotations

from uuid import UUID

from arq.cron import CronJob, cron

from bookings.feeds import services
from shortbreaks.jobs import JobContext, JobFunction, enqueue

IMPORT_EVERY_MINUTES = 15


async def import_provider_calendar(ctx: JobContext, *, import_id: str) -> bool | None:
    """Import one provider's calendar; ``None`` if the import was removed meanwhile."""
    result = await services.import_calendar(
        UUID(import_id),
        http=ctx["http"],
        now=ctx["clock"].now(),
        allow_private=ctx["settings"].allow_private_calendar_urls,
    )
    return None if result is None else result.ok


async def import_provider_calendars(ctx: JobContext) -> int:
    """Enqueue an import of every provider calendar; returns how many were queued."""
    slot = int(ctx["clock"].now().timestamp()) // (IMPORT_EVERY_MINUTES * 60)
    queued = 0
    for import_id in await services.list_import_ids():
        if await enqueue("import_provider_calendar", import_id=str(import_id), _job_id=f"feeds-import:{import_id}:{slot}"):
            queued += 1
    return queued


functions: list[JobFunction] = [import_provider_calendar, import_provider_calendars]
cron_jobs: list[CronJob] = [
    cron(
        import_provider_calendars,
        name="import_provider_calendars",
        minute=set(range(7, 60, IMPORT_EVERY_MINUTES)),
        second=40,
        run_at_startup=False,
        unique=True,
        timeout=50,
    ),
]
