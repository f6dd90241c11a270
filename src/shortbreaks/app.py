"""Build the app: ``create_app(settings)`` collects every package's routes and opens shared resources."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles
from tortoise.contrib.starlette import RegisterTortoise

from shortbreaks import api as core_api
from shortbreaks import jobs, marks, navigation
from shortbreaks import pages as core_pages
from shortbreaks.accounts import api as account_api
from shortbreaks.accounts import pages as account_pages
from shortbreaks.clock import Clock, SystemClock
from shortbreaks.db import admission_limit, tortoise_config
from shortbreaks.domains import DOMAIN_PACKAGES, ROUTE_MODULES, optional_module
from shortbreaks.metrics import MetricsMiddleware
from shortbreaks.middleware import AdmissionMiddleware, RequestContextMiddleware
from shortbreaks.routing import PublicMount
from shortbreaks.settings import Settings
from shortbreaks.web import EXCEPTION_HANDLERS, make_templates

log = logging.getLogger("shortbreaks")

STATIC_DIR = Path(__file__).parent / "static"


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [*core_api.routes, *core_pages.routes, *account_api.routes, *account_pages.routes]
    for package in DOMAIN_PACKAGES:
        for name in ROUTE_MODULES:
            module = optional_module(package, name)
            if module is not None:
                routes.extend(module.routes)
    routes.append(PublicMount("/assets", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="assets"))
    return routes


def _admission(settings: Settings) -> list[Middleware]:
    limit = admission_limit(settings.database_url)
    return [] if limit is None else [Middleware(AdmissionMiddleware, limit=limit)]


def _checkout_origins(settings: Settings) -> tuple[str, ...]:
    """Stripe Checkout lives at checkout.stripe.com; a different ``STRIPE_API_BASE`` (a local fake) serves it too."""
    if not settings.stripe_api_base:
        return ()
    parts = urlsplit(settings.stripe_api_base)
    return (f"{parts.scheme}://{parts.netloc}",)


def create_app(settings: Settings, *, clock: Clock | None = None, run_cron: bool = True) -> Starlette:
    """The ASGI app. ``clock`` lets tests move time; ``run_cron`` starts in-process cron without Redis."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            ctx = await jobs.build_context(settings, app.state.clock)
            redis = None
            sweeper: asyncio.Task[None] | None = None
            if settings.redis_url:
                redis = await jobs.open_redis(settings.redis_url)
                arq_queue = jobs.ArqQueue(redis, clock=app.state.clock)
                queue: jobs.Queue = arq_queue
                # Jobs enqueued while Redis was down wait in the job outbox; this moves them on.
                sweeper = asyncio.create_task(jobs.run_outbox_sweeper(arq_queue, app.state.clock, interval=settings.job_outbox_sweep_s))
            else:
                in_process = jobs.InProcessQueue(
                    ctx, jobs.collect_functions(), jobs.collect_cron_jobs(job_timeout_s=settings.job_timeout_s)
                )
                if run_cron:
                    in_process.start_cron()
                queue = in_process
            jobs.set_queue(queue)
            app.state.queue = queue
            app.state.redis = redis
            app.state.http = ctx["http"]
            try:
                yield {}
            finally:
                if sweeper is not None:
                    sweeper.cancel()
                    await asyncio.gather(sweeper, return_exceptions=True)
                if isinstance(queue, jobs.InProcessQueue):
                    await queue.close()
                if redis is not None:
                    await redis.aclose()
                await jobs.close_context(ctx)
                jobs.set_queue(None)

    app = Starlette(
        routes=collect_routes(),
        lifespan=lifespan,
        middleware=[
            Middleware(RequestContextMiddleware, https=settings.https, form_actions=_checkout_origins(settings)),
            Middleware(MetricsMiddleware),
            *_admission(settings),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.templates = make_templates()
    app.state.nav_items = navigation.all_items()
    app.state.session_markers = marks.all_markers()
    return app
