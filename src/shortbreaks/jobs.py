"""Background jobs: one ``enqueue()`` for all code, arq workers with Redis, in-process without.

With ``REDIS_URL`` set, :func:`enqueue` puts the job on arq's queue and ``shortbreaks worker``
runs it. Without Redis (the embedded default), jobs run as tasks in the app's own process
and cron jobs run on an in-process timer. Call ``enqueue`` after the transaction that made
the change has committed. Jobs take ids, never personal data (arq logs arguments).

Each domain package lists its jobs in ``<package>.jobs.functions`` and ``cron_jobs``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from arq import Retry
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Function, Worker, func
from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from shortbreaks import db, mail
from shortbreaks.audit import request_id_var
from shortbreaks.clock import Clock, SystemClock
from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.metrics import JOB_FAILURES, JOBS_RUN
from shortbreaks.models import JobOutbox, OutboxMessage, OutboxStatus
from shortbreaks.settings import Settings

log = logging.getLogger("shortbreaks.jobs")

JobContext = dict[str, Any]
JobFunction = Callable[..., Awaitable[Any]]


# Keep job timeouts short (``settings.job_timeout_s``, ``SHORTBREAKS_JOB_TIMEOUT_S``): a killed
# worker's job runs again only after the longest timeout + 10 s.
MAX_TRIES = 8
# arq keeps a finished job's result, and with it the job id's lock, this long.
KEEP_RESULT_S = 3600


def backoff(job_try: int, *, base: float = 5.0, cap: float = 600.0) -> float:
    """Seconds to wait before try ``job_try + 1``: 5, 10, 20 … up to ten minutes."""
    return min(cap, base * 2 ** max(0, job_try - 1))


def _mail_claim_timeout(ctx: JobContext) -> timedelta:
    """A delivery claimed longer ago than this belongs to a job that was killed or timed out."""
    return timedelta(seconds=ctx["settings"].job_timeout_s + 5)


# --- core jobs -----------------------------------------------------------------------------


async def deliver_email(ctx: JobContext, *, message_id: str) -> None:
    """Send one outbox message; retried with backoff on temporary failures."""
    try:
        await mail.deliver(message_id, mailer=ctx["mailer"], now=ctx["clock"].now(), claim_timeout=_mail_claim_timeout(ctx))
    except mail.MailRetryableError as exc:
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc


async def deliver_new_email(ctx: JobContext) -> int:
    """Send the outbox's new messages in batches (``mail.deliver_later`` queues one such job per
    quarter second); a message that fails for now goes on to its own retried ``deliver_email``."""
    run = await mail.deliver_new(
        mailer=ctx["mailer"],
        now=ctx["clock"].now(),
        claim_timeout=_mail_claim_timeout(ctx),
        deadline=time.monotonic() + ctx["settings"].job_timeout_s / 2,
    )
    for message_id in run.retry:
        await enqueue("deliver_email", message_id=str(message_id), _job_id=f"deliver-email:{message_id}", _defer_by=backoff(1))
    if run.more:
        job_id, defer_s = mail.slot_job(time.time())
        await enqueue("deliver_new_email", _job_id=f"{job_id}:more", _defer_by=defer_s, _shared=True)
    return len(run.retry)


async def requeue_pending_email(ctx: JobContext) -> int:
    """Re-enqueue outbox messages whose delivery job was lost (Redis restarted, a worker died)."""
    now = ctx["clock"].now()
    cutoff = now - timedelta(minutes=2)
    ids = await OutboxMessage.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff).values_list("id", flat=True)
    stale = await OutboxMessage.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - _mail_claim_timeout(ctx)).values_list(
        "id", flat=True
    )
    for message_id in [*ids, *stale]:
        await enqueue("deliver_email", message_id=str(message_id), _job_id=f"deliver-email:{message_id}:{int(now.timestamp()) // 300}")
    return len(ids) + len(stale)


CORE_FUNCTIONS: list[JobFunction | Function] = [
    deliver_email,
    # A slot's id is never queued again once its slot has passed, so its result need not be kept long.
    func(deliver_new_email, name="deliver_new_email", keep_result=60),
    requeue_pending_email,
]
CORE_CRON_JOBS: list[CronJob] = [cron(requeue_pending_email, minute=set(range(0, 60, 5)), run_at_startup=False)]


# A package's modules that may list ``functions`` and ``cron_jobs``: its jobs, and its privacy
# rules (retention sweeps).
JOB_MODULES = ("jobs", "privacy")


def collect_functions() -> list[JobFunction | Function]:
    functions: list[JobFunction | Function] = list(CORE_FUNCTIONS)
    for package in DOMAIN_PACKAGES:
        for part in JOB_MODULES:
            module = optional_module(package, part)
            if module is not None:
                functions.extend(getattr(module, "functions", []))
    return functions


def instrumented(f: JobFunction | Function) -> Function:
    """Wrap a job: restore the enqueuing request's id for logs and audit, count runs and failures."""
    name = _function_name(f)
    coroutine = _coroutine(f)

    @functools.wraps(coroutine)
    async def run(ctx: JobContext, *args: Any, _request_id: str = "", **kwargs: Any) -> Any:
        token = request_id_var.set(_request_id or f"job:{ctx.get('job_id', '')}")
        JOBS_RUN.labels(name).inc()
        try:
            return await coroutine(ctx, *args, **kwargs)
        except Retry:
            raise
        except Exception as exc:
            if db.is_connection_error(exc):
                # The database (or Redis) dropped out: not this job's fault, try again later.
                log.warning("job %s: %s, retrying", name, type(exc).__name__)
                raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc
            JOB_FAILURES.labels(name).inc()
            raise
        finally:
            request_id_var.reset(token)

    if isinstance(f, Function):
        return Function(name, run, f.timeout_s, f.keep_result_s, f.keep_result_forever, f.max_tries)
    return func(run, name=name)


def collect_cron_jobs(*, job_timeout_s: int) -> list[CronJob]:
    """Every package's cron jobs, their timeouts capped at ``job_timeout_s``: the longest timeout
    decides how long a killed worker's job waits before it runs again.
    """
    jobs: list[CronJob] = list(CORE_CRON_JOBS)
    for package in DOMAIN_PACKAGES:
        for part in JOB_MODULES:
            module = optional_module(package, part)
            if module is not None:
                jobs.extend(getattr(module, "cron_jobs", []))
    return [dataclasses.replace(j, timeout_s=min(j.timeout_s or job_timeout_s, job_timeout_s)) for j in jobs]


def _function_name(f: JobFunction | Function) -> str:
    return f.name if isinstance(f, Function) else f.__name__


def _coroutine(f: JobFunction | Function) -> JobFunction:
    return f.coroutine if isinstance(f, Function) else f


# --- shared context ------------------------------------------------------------------------


async def build_context(settings: Settings, clock: Clock | None = None) -> JobContext:
    """Clients shared by every job in a process: settings, clock, mailer, HTTP client."""
    return {
        "settings": settings,
        "clock": clock or SystemClock(),
        "mailer": mail.Mailer(settings.smtp_url, sender=settings.mail_from),
        "http": httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False),
    }


async def close_context(ctx: JobContext) -> None:
    http = ctx.get("http")
    if isinstance(http, httpx.AsyncClient):
        await http.aclose()


# --- queues --------------------------------------------------------------------------------


class Queue(Protocol):
    async def enqueue(self, function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any]) -> bool: ...


# What a Redis that is down, restarting or unreachable raises.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, ConnectionError, TimeoutError)
# After Redis fails, enqueue straight to the job outbox for this long instead of waiting on Redis again.
REDIS_BACKOFF_S = 5.0
OUTBOX_CLAIM_S = 60.0
KNOWN_ID_S = 30.0  # below every job's keep_result (deliver_new_email's 60 s is the shortest)


class ArqQueue:
    """Enqueue through arq on Redis; while Redis is down, into the ``JobOutbox`` table.

    The app's sweeper (:func:`run_outbox_sweeper`) moves outbox jobs to Redis once it answers,
    with the same job ids, so a job enqueued twice still runs once.
    """

    def __init__(self, pool: ArqRedis, *, clock: Clock | None = None) -> None:
        self.pool = pool
        self.clock = clock or SystemClock()
        self._redis_down_until = 0.0
        # Job ids Redis has answered for lately (queued, or there already): arq keeps an id at
        # least a minute (``keep_result``), so asking again within KNOWN_ID_S would be refused.
        # Spares the round trips when many requests queue one id (a slot's email batch).
        self._known: dict[str, float] = {}

    async def enqueue(self, function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any]) -> bool:
        monotonic = time.monotonic()
        if job_id is not None and self._known.get(job_id, 0.0) > monotonic:
            return False
        if monotonic >= self._redis_down_until:
            try:
                job = await self.pool.enqueue_job(function, _job_id=job_id, _defer_by=defer_by, **kwargs)
                self._redis_down_until = 0.0
                if job_id is not None:
                    self._remember(job_id, monotonic)
                return job is not None
            except REDIS_ERRORS as exc:
                self._redis_down_until = time.monotonic() + REDIS_BACKOFF_S
                log.warning("redis unavailable (%s): job %s kept in the job outbox", type(exc).__name__, function)
        return await to_outbox(function, job_id=job_id, defer_by=defer_by, kwargs=kwargs, now=self.clock.now())

    def _remember(self, job_id: str, monotonic: float) -> None:
        if len(self._known) >= 1024:
            self._known = {k: v for k, v in self._known.items() if v > monotonic}
        self._known[job_id] = monotonic + KNOWN_ID_S

    @property
    def redis_suspect(self) -> bool:
        """Redis failed lately, so enqueueing goes to the outbox (for :func:`run_outbox_sweeper`)."""
        return self._redis_down_until > 0.0

    def redis_is_back(self) -> None:
        self._redis_down_until = 0.0


async def to_outbox(function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any], now: datetime) -> bool:
    """Keep a job in the database until Redis takes it. ``False`` if one with that id is waiting already."""
    row_id = uuid.uuid4()
    arq_id = job_id or f"outbox:{row_id}"
    if await JobOutbox.filter(job_id=arq_id).exists():
        return False
    run_after = now + timedelta(seconds=defer_by) if defer_by else None
    try:
        await JobOutbox.create(id=row_id, function=function, job_id=arq_id, kwargs=kwargs, run_after=run_after, created_at=now)
    except IntegrityError:  # the same job id, written by another request a moment ago
        return False
    return True


async def flush_job_outbox(pool: ArqRedis, *, now: datetime, limit: int = 500) -> int:
    """Move jobs from the outbox to Redis, oldest first; stop at the first Redis error.

    Each row is claimed first, so app processes sweeping at once move it once; a row whose
    claim is older than a minute (its sweeper died) is taken over. Returns the rows moved.
    """
    moved = 0
    rows = await JobOutbox.all().order_by("created_at").limit(limit)
    for row in rows:
        claimed = (
            await JobOutbox.filter(id=row.id)
            .filter(Q(claimed_at=None) | Q(claimed_at__lt=now - timedelta(seconds=OUTBOX_CLAIM_S)))
            .update(claimed_at=now, attempts=row.attempts + 1)
        )
        if not claimed:
            continue
        defer = max(0.0, (row.run_after - now).total_seconds()) if row.run_after else None
        try:
            await pool.enqueue_job(row.function, _job_id=row.job_id, _defer_by=defer or None, **row.kwargs)
        except REDIS_ERRORS as exc:
            await JobOutbox.filter(id=row.id).update(claimed_at=None, last_error=type(exc).__name__[:200])
            raise
        # Queued now, or already on Redis under that id (a previous flush): either way done.
        await JobOutbox.filter(id=row.id).delete()
        moved += 1
    if moved:
        log.info("moved %s jobs from the job outbox to redis", moved)
    return moved


async def run_outbox_sweeper(queue: ArqQueue, clock: Clock, *, interval: float) -> None:
    """The app's background task: every ``interval`` seconds (``SHORTBREAKS_JOB_OUTBOX_SWEEP_S``),
    if Redis answers, flush the job outbox and let enqueueing go straight to Redis again.
    """
    while True:
        try:
            if queue.redis_suspect or await JobOutbox.exists():
                await queue.pool.ping()
                queue.redis_is_back()
                await flush_job_outbox(queue.pool, now=clock.now())
        except asyncio.CancelledError:
            raise
        except REDIS_ERRORS as exc:
            log.info("job outbox waits: redis unavailable (%s)", type(exc).__name__)
        except Exception:  # the database may be down too; try again next round
            log.warning("job outbox sweep failed", exc_info=True)
        await asyncio.sleep(interval)


class InProcessQueue:
    """Run jobs as tasks in this process, with arq's semantics: job ids dedupe, ``Retry`` defers."""

    def __init__(self, ctx: JobContext, functions: Sequence[JobFunction | Function], cron_jobs: Sequence[CronJob] = ()) -> None:
        self.ctx = ctx
        self.functions = {_function_name(f): _coroutine(instrumented(f)) for f in functions}
        self.cron_jobs = list(cron_jobs)
        # arq names a cron job ``cron:<function>``; run it by that name here too.
        for job in self.cron_jobs:
            self.functions.setdefault(job.name, _coroutine(instrumented(func(job.coroutine, name=job.name))))
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: dict[str, float] = {}
        self._cron_task: asyncio.Task[None] | None = None

    async def enqueue(self, function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any]) -> bool:
        if function not in self.functions:
            raise LookupError(f"no job function named {function!r}")
        monotonic = time.monotonic()
        self._seen = {k: v for k, v in self._seen.items() if v > monotonic}
        if job_id is not None:
            if job_id in self._seen:
                return False
            self._seen[job_id] = monotonic + KEEP_RESULT_S
        task = asyncio.create_task(self._run(function, job_id, defer_by, kwargs))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, function: str, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any]) -> None:
        if defer_by:
            await asyncio.sleep(defer_by)
        for job_try in range(1, MAX_TRIES + 1):
            ctx = dict(self.ctx, job_try=job_try, job_id=job_id or "", enqueue_time=datetime.now(UTC))
            try:
                await asyncio.wait_for(self.functions[function](ctx, **kwargs), timeout=self.ctx["settings"].job_timeout_s)
                return
            except Retry as retry:
                delay = retry.defer_score / 1000 if retry.defer_score else 0
                await asyncio.sleep(delay)
            except Exception:
                log.exception("in-process job %s failed", function)
                return
        log.error("in-process job %s gave up after %s tries", function, MAX_TRIES)

    async def drain(self) -> None:
        """Wait until no job is running or waiting (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def start_cron(self) -> None:
        if self.cron_jobs and self._cron_task is None:
            self._cron_task = asyncio.create_task(self._cron_loop())

    async def _cron_loop(self) -> None:
        now = datetime.now(UTC)
        for job in self.cron_jobs:
            job.calculate_next(now)
        while True:
            now = datetime.now(UTC)
            for job in self.cron_jobs:
                if job.next_run is not None and job.next_run <= now:
                    await self.enqueue(job.name, job_id=f"cron:{job.name}:{int(job.next_run.timestamp())}", defer_by=None, kwargs={})
                    job.calculate_next(now)
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._cron_task is not None:
            self._cron_task.cancel()
            await asyncio.gather(self._cron_task, return_exceptions=True)
            self._cron_task = None
        await self.drain()


_queue: Queue | None = None


def set_queue(queue: Queue | None) -> None:
    global _queue
    _queue = queue


def get_queue() -> Queue:
    if _queue is None:
        raise RuntimeError("no job queue: the app's lifespan or the worker start-up sets one")
    return _queue


async def enqueue(
    function: str, *, _job_id: str | None = None, _defer_by: float | timedelta | None = None, _shared: bool = False, **kwargs: Any
) -> bool:
    """Enqueue ``function`` with keyword arguments; ``_job_id`` makes a second enqueue a no-op.

    The job logs under the enqueuing request's id, unless it is ``_shared`` by many requests
    (a batch), when it logs under its own job id. Returns whether the job was queued
    (``False``: one with that id exists already).
    """
    defer = _defer_by.total_seconds() if isinstance(_defer_by, timedelta) else _defer_by
    request_id = request_id_var.get()
    if request_id and not _shared:
        kwargs["_request_id"] = request_id
    return await get_queue().enqueue(function, job_id=_job_id, defer_by=defer, kwargs=kwargs)


# --- arq worker ----------------------------------------------------------------------------


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


async def open_redis(url: str) -> ArqRedis:
    """A Redis client for enqueueing that connects lazily: the app starts even while Redis is down."""
    return ArqRedis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def worker_settings(settings: Settings, *, clock: Clock | None = None, burst: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``arq.Worker``: every package's jobs, start-up that opens the database."""

    async def on_startup(ctx: JobContext) -> None:
        await db.init_db(settings)
        ctx.update(await build_context(settings, clock))
        set_queue(ArqQueue(ctx["redis"]))

    async def on_shutdown(ctx: JobContext) -> None:
        await close_context(ctx)
        await db.close_db()

    if settings.redis_url is None:
        raise RuntimeError("the worker needs REDIS_URL")
    return {
        "functions": [instrumented(f) for f in collect_functions()],
        "cron_jobs": collect_cron_jobs(job_timeout_s=settings.job_timeout_s),
        "redis_settings": redis_settings(settings.redis_url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "job_timeout": settings.job_timeout_s,
        "max_tries": MAX_TRIES,
        "keep_result": KEEP_RESULT_S,
        "timezone": UTC,
        "burst": burst,
        "handle_signals": not burst,
    }


def create_worker(settings: Settings, *, clock: Clock | None = None, burst: bool = False, **overrides: Any) -> Worker:
    options = worker_settings(settings, clock=clock, burst=burst)
    if "functions" in overrides:
        overrides["functions"] = [instrumented(f) for f in overrides["functions"]]
    options.update(overrides)
    return Worker(**options)
