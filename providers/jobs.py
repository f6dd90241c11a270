"""Provider directory jobs: roll sessions forward to the horizon every night."""

from __future__ import annotations

from arq.cron import cron

from providers import services
from shortbreaks.jobs import JobContext


async def materialise_sessions(ctx: JobContext) -> int:
    """Create the sessions that have come into the 16-week horizon (safe to run twice)."""
    return await services.materialise_all(now=ctx["clock"].now())


functions = [materialise_sessions]
cron_jobs = [cron(materialise_sessions, hour={2}, minute={15}, run_at_startup=False)]
