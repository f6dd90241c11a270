"""``make bench`` / ``make bench-quick``: build the data set, start the service as production runs it, measure, check, report.

Steps: drop and create the benchmark database, ``shortbreaks migrate``, build the data set with
COPY, flush the Redis database, start ``shortbreaks worker`` and ``shortbreaks serve --workers 2``
with SHORTBREAKS_ENV=production and a fresh SECRET_KEY, then run the scenarios from this (the
load) process over keep-alive HTTP/1.1, check the database after the rushes, print the table,
write bench/results/<date>-<mode>.json, stop everything and drop the database. Processes are
stopped and the database dropped on every exit path, including failures and Ctrl-C.

Exit status: 0 when every correctness check held (targets may MISS: see the table), 1 when a
correctness check failed, 2 when the harness itself could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg

from bench import ceiling, data, loadgen
from bench.loadgen import Request, Result, RunStats, percentile
from bench.procs import RssSampler, Stack, cpu_seconds, free_port, machine_busy, status_kb
from bench.report import Report

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
POSTCODES = ROOT / "providers" / "data" / "uk-postcode-district-centroids.csv"
SEARCH_POSTCODES = ["B1", "M1", "LS1", "BS1", "NG1", "L1", "S1", "NE1", "SE1", "OX1"]
RUSH_CONCURRENCY = 100
LATENCY_CONCURRENCY = 4  # search, feeds, report: a few users at once, so latency is the query's, not a queue's


class CorrectnessError(Exception):
    pass


def dsn_for(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(dsn_for(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(dsn_for(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def flush_redis(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        await client.flushdb()
        return str((await client.info("server"))["redis_version"])
    finally:
        await client.aclose()


def versions(pg_version: str, redis_version: str) -> dict[str, str]:
    found = {"python": platform.python_version(), "postgresql": pg_version, "redis-server": redis_version}
    for package in ("shortbreaks", "starlette", "uvicorn", "uvloop", "httptools", "tortoise-orm", "asyncpg", "arq", "pydantic", "redis"):
        try:
            found[package if package != "redis" else "redis-py"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def machine() -> dict[str, Any]:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1), "cpu": model, "kernel": platform.release()}


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout
        return commit + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def summarise(stats: RunStats) -> dict[str, Any]:
    lat = stats.latencies_ms()
    return {
        "requests": stats.count,
        "seconds": round(stats.wall_seconds, 3),
        "requests_per_s": round(stats.rps, 1),
        "p50_ms": round(percentile(lat, 50), 2),
        "p95_ms": round(percentile(lat, 95), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "max_ms": round(lat[-1], 2) if lat else 0.0,
        "statuses": stats.status_counts(),
        "load_cpu_s": round(stats.cpu_seconds, 3),
        "load_cpu_share": round(stats.cpu_seconds / stats.wall_seconds, 3) if stats.wall_seconds else 0.0,
        "connection_errors": stats.errors[:5],
    }


SCENARIOS = ("ceiling", "rushes", "search", "feeds", "report", "nightly", "sufficiency")
"""Scenarios ``--only`` can pick; the floor always runs. A partial run's results are named ``*-partial.json``."""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick: bool = args.quick
        self.database_url: str = args.database_url
        self.redis_url: str = args.redis_url
        self.only: set[str] = set(args.only.split(",")) if args.only else set(SCENARIOS)
        unknown = self.only - set(SCENARIOS)
        if unknown:
            raise SystemExit(f"bench: unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
        mode = "quick" if self.quick else "full"
        self.report = Report(mode=mode if self.only == set(SCENARIOS) else f"{mode}-partial")
        self.failures: list[str] = []
        self.stack: Stack | None = None
        self.built: data.Built | None = None
        self.paths: set[str] = set()
        self.host = "127.0.0.1"

    # --- set-up -----------------------------------------------------------------------------

    def env(self, workdir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SHORTBREAKS_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))}
        parts = urlsplit(self.database_url)
        query = dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q)
        query.setdefault("maxsize", str(self.args.pool))
        if self.args.pool_min is not None:
            query.setdefault("minsize", str(self.args.pool_min))
        env.update(
            SHORTBREAKS_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), "")),
            REDIS_URL=self.redis_url,
            BASE_URL="http://127.0.0.1",
            SHORTBREAKS_VAR_DIR=str(workdir / "var"),
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            BENCH_BIN=str(BIN),
            PYTHONUNBUFFERED="1",
        )
        return env

    async def setup(self, workdir: Path) -> None:
        t0 = time.perf_counter()
        print(f"bench: recreating database {urlsplit(self.database_url).path.lstrip('/')}", flush=True)
        await recreate_database(self.database_url)
        env = self.env(workdir)
        migrate = await asyncio.to_thread(
            subprocess.run, [str(BIN / "shortbreaks"), "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"shortbreaks migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}")
        self.report.timings["migrate_s"] = round(time.perf_counter() - t0, 1)
        scale = 0.01 if self.quick else 1.0
        print(f"bench: building the data set (scale {scale}) with COPY", flush=True)
        self.built = await data.build(self.database_url, scale=scale, postcodes=POSTCODES)
        self.report.timings["data_build_s"] = round(self.built.seconds, 1)
        self.report.timings.update({f"data_build_{k}": v for k, v in self.built.steps.items()})
        self.report.data_counts = self.built.counts
        print(f"bench: data set built in {self.built.seconds:.1f} s: {self.built.counts}", flush=True)
        conn = await asyncpg.connect(self.database_url)
        try:
            pg_version = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        redis_version = await flush_redis(self.redis_url)
        self.report.meta.update(
            date=datetime.now(UTC).isoformat(timespec="seconds"),
            machine=machine(),
            versions=versions(pg_version, redis_version),
            git_commit=git_commit(),
            server=f"shortbreaks serve --workers {self.args.workers}, SHORTBREAKS_ENV=production, pool maxsize={self.args.pool} each",
        )
        print("bench: starting shortbreaks worker and shortbreaks serve --workers 2 (production)", flush=True)
        self.stack = Stack(root=ROOT, env=env, port=free_port(), workdir=workdir, workers=self.args.workers)
        self.stack.start()
        self.report.meta["processes"] = {k: v for k, v in self.stack.pids().items()}
        self.paths = await self.api_paths()

    async def api_paths(self) -> set[str]:
        stats = await loadgen.run(
            [Request("GET", "/api/openapi.json")], host=self.host, port=self.stack.port, concurrency=1, keep_body=True
        )
        if not stats.results or stats.results[0].status != 200:
            return set()
        paths = set(json.loads(stats.results[0].body).get("paths", {}))
        # Feeds are not in the OpenAPI document: take their paths from the app's routes.
        from shortbreaks.app import collect_routes

        paths |= {getattr(route, "path", "") for route in collect_routes()}
        return paths

    # --- scenarios ---------------------------------------------------------------------------

    async def http(self, requests: Any, *, concurrency: int, duration: float | None = None, **kw: Any) -> RunStats:
        assert self.stack is not None
        return await loadgen.run(requests, host=self.host, port=self.stack.port, concurrency=concurrency, duration=duration, **kw)

    async def pg_pids(self) -> list[int]:
        """The PostgreSQL backends serving the benchmark database (this harness's own monitoring connection excluded)."""
        name = urlsplit(self.database_url).path.lstrip("/")
        conn = await asyncpg.connect(dsn_for(self.database_url, "postgres"))
        try:
            return [r["pid"] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)]
        finally:
            await conn.close()

    @asynccontextmanager
    async def profiled(self, name: str) -> AsyncIterator[None]:
        """With --profile: py-spy samples each server process (collapsed stacks under bench/results/profiles/)."""
        if not self.args.profile or self.stack is None:
            yield
            return
        spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
        if spy is None:
            raise RuntimeError("--profile needs py-spy: make install (it is in the dev group)")
        folder = RESULTS / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        procs = []
        for i, pid in enumerate(self.stack.server_pids()):
            out = folder / f"{name}-server{i + 1}.txt"
            args = [spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"]
            procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # noqa: ASYNC220  # returns at once
        await asyncio.sleep(1.0)  # py-spy attaches
        try:
            yield
        finally:
            for p in procs:
                p.send_signal(signal.SIGINT)
            for p in procs:
                try:
                    await asyncio.to_thread(p.wait, 20)
                except subprocess.TimeoutExpired:
                    p.kill()

    @asynccontextmanager
    async def measure(self) -> AsyncIterator[dict[str, Any]]:
        """CPU seconds of each process of ours (server, worker, PostgreSQL backends, this load process) and of the
        rest of the machine (other people's work on a shared machine), plus peak RSS sampled every 50 ms."""
        assert self.stack is not None
        pids = self.stack.pids()
        pg_before = set(await self.pg_pids())
        out: dict[str, Any] = {"loadavg_before": [round(x, 2) for x in os.getloadavg()]}
        start = {pid: cpu_seconds(pid) for pid in [*pids.values(), *pg_before]}
        busy0, total0 = machine_busy()
        me0 = time.process_time()
        with RssSampler(pids) as rss:
            yield out
        me = time.process_time() - me0
        busy1, total1 = machine_busy()
        pg_after = set(await self.pg_pids())
        used = {name: cpu_seconds(pid) - start.get(pid, 0.0) for name, pid in pids.items()}
        used["postgres (bench database)"] = sum(cpu_seconds(pid) - start.get(pid, 0.0) for pid in pg_before | pg_after)
        used["load process (this harness)"] = me
        busy = busy1 - busy0
        ours = sum(used.values())
        out.update(
            process_cpu_s={k: round(v, 2) for k, v in used.items()},
            machine_cpu_s=round(busy, 2),
            machine_capacity_s=round(total1 - total0, 2),
            others_cpu_s=round(max(0.0, busy - ours), 2),
            peak_rss_mb=_mb(rss.peak_kb),
        )

    async def floor(self) -> None:
        seconds = 3 if self.quick else 10
        async with self.measure() as cpu:
            stats = await self.http(lambda n: Request("GET", "/healthz"), concurrency=RUSH_CONCURRENCY, duration=seconds)
        s = summarise(stats)
        s.update(cpu=cpu)
        s["five_xx"] = self.check_no_5xx("floor", stats)
        self.report.scenarios["floor_http"] = s
        r = self.report
        r.row("floor: GET /healthz, 100 conns", "requests/s", s["requests_per_s"], None)
        r.row("", "p50 / p99 ms", f"{s['p50_ms']} / {s['p99_ms']}", None)
        r.row("", "load generator CPU", f"{s['load_cpu_s']} s ({s['load_cpu_share']:.0%} of a core)", None)
        r.row("", "CPU used", cpu_summary(cpu), None)
        r.row("", "our CPU ms per request → req/s on 2 idle cores", capacity(cpu, stats.count), None)
        stats = await self.http(lambda n: Request("GET", "/healthz"), concurrency=LATENCY_CONCURRENCY, duration=seconds / 2)
        self.report.scenarios["floor_http_low_concurrency"] = summarise(stats)

    async def ceiling(self) -> None:
        assert self.built is not None
        rounds = 1 if self.quick else 5
        pool = self.args.workers * self.args.pool
        async with self.measure() as cpu:
            stats = await ceiling.run(
                self.database_url, self.built.ceiling_families, self.built.ceiling_sessions,
                concurrency=RUSH_CONCURRENCY, pool_size=pool, rounds=rounds,
            )  # fmt: skip
        await self.forget_ceiling_emails()
        used = cpu["process_cpu_s"]
        used["postgres (bench database)"] = round(used["postgres (bench database)"] + stats.backend_cpu_s, 2)
        cpu["others_cpu_s"] = round(max(0.0, cpu["others_cpu_s"] - stats.backend_cpu_s), 2)
        lat = sorted(x * 1000 for x in stats.latencies)
        s = {
            "bookings": stats.bookings,
            "refused": stats.refused,
            "seconds": round(stats.wall_seconds, 3),
            "bookings_per_s": round(stats.bookings_per_second, 1),
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "connections": pool,
            "concurrency": RUSH_CONCURRENCY,
            "statements_per_booking": ceiling.STATEMENTS,
            "cpu": cpu,
        }
        self.report.scenarios["ceiling_sql"] = s
        if stats.refused:
            self.fail(f"ceiling: {stats.refused} raw-SQL bookings were refused on sessions with room")
        self.report.row(f"ceiling: booking SQL via asyncpg, {pool} conns", "bookings/s", s["bookings_per_s"], None)
        self.report.row("", "p50 / p99 ms", f"{s['p50_ms']} / {s['p99_ms']}", None)
        self.report.row("", "CPU used", cpu_summary(cpu), None)
        self.report.row("", "our CPU ms per booking → bookings/s on 2 idle cores", capacity(cpu, stats.bookings), None)

    async def forget_ceiling_emails(self) -> None:
        """The ceiling writes outbox rows as the app does but queues no delivery job (no Redis in the ceiling). Mark them
        delivered, or the core's requeue cron finds them two minutes later and the worker sends thousands of emails in
        the middle of the later scenarios."""
        assert self.built is not None
        conn = await asyncpg.connect(self.database_url)
        try:
            await conn.execute(
                """UPDATE core_outboxmessage o SET status = 'logged', sent_at = now() FROM bookings_booking b
                   WHERE o.dedupe_key = 'booking-confirmed:' || b.id::text AND b.session_id = ANY($1::uuid[])""",
                self.built.ceiling_sessions,
            )
        finally:
            await conn.close()

    async def rush(self, name: str, families: list[data.Family], sessions: list[uuid.UUID]) -> dict[str, Any]:
        """Every family POSTs one booking at the same moment; a 409 session_full is followed by joining the waiting list."""
        session_of = {f.user_id: sessions[i % len(sessions)] for i, f in enumerate(families)}
        requests = [
            Request(
                "POST",
                "/api/v1/bookings",
                json.dumps({"session_id": str(session_of[f.user_id]), "child_ids": [str(c) for c in f.child_ids]}).encode(),
                (("Authorization", f"Bearer {f.token}"),),
                tag=("book", f),
            )
            for f in families
        ]
        refusals: list[Result] = []

        def follow_up(result: Result) -> Request | None:
            kind, family = result.tag
            if kind == "book" and result.status == 409:
                refusals.append(result)
                body = json.dumps({"child_ids": [str(c) for c in family.child_ids]}).encode()
                path = f"/api/v1/sessions/{session_of[family.user_id]}/waiting-list"
                return Request("POST", path, body, (("Authorization", f"Bearer {family.token}"),), tag=("wait", family))
            return None

        async with self.profiled(name), self.measure() as cpu:
            stats = await self.http(requests, concurrency=RUSH_CONCURRENCY, keep_body=True, on_result=follow_up)
        assert self.stack is not None
        hwm = {k: status_kb(pid, "VmHWM") for k, pid in self.stack.pids().items()}
        s = summarise(stats)
        booked = [r for r in stats.results if r.tag[0] == "book" and r.status == 201]
        waited = [r for r in stats.results if r.tag[0] == "wait"]
        book_lat = sorted(r.seconds * 1000 for r in stats.results if r.tag[0] == "book")
        s.update(
            bookings=len(booked),
            bookings_per_s=round(len(booked) / stats.wall_seconds, 1) if stats.wall_seconds else 0.0,
            booking_requests=len(requests),
            booking_p50_ms=round(percentile(book_lat, 50), 2),
            booking_p99_ms=round(percentile(book_lat, 99), 2),
            refused_409=len(refusals),
            waiting_list_joins=sum(1 for r in waited if r.status == 201),
            cpu=cpu,
            peak_rss_mb=cpu["peak_rss_mb"],
            vm_hwm_mb=_mb(hwm),
        )
        s["five_xx"] = self.check_no_5xx(name, stats)
        for r in stats.results:
            kind = r.tag[0]
            if kind == "book" and r.status not in (201, 409):
                self.fail(f"{name}: a booking answered {r.status}: {r.body[:300]!r}")
            elif kind == "book" and r.status == 409:
                problem = json.loads(r.body or b"{}")
                if problem.get("code") != "session_full" or b"application/problem+json" not in r.headers.lower():
                    self.fail(f"{name}: a refusal was not a session_full problem: {r.body[:300]!r}")
            elif kind == "wait" and r.status != 201:
                self.fail(f"{name}: joining the waiting list answered {r.status}: {r.body[:300]!r}")
        checks = await self.check_database(name, families, sessions, booked=len(booked), refused=len(refusals))
        s["oversold"] = checks["oversold"]
        s["checks"] = checks
        return s

    async def rushes(self) -> None:
        assert self.built is not None and self.stack is not None
        if "/api/v1/bookings" not in self.paths or not self.built.sell_out_families:
            self.report.unavailable("rush", "POST /api/v1/bookings is not on this branch")
            return
        n = 300 if self.quick else data.RUSH_FAMILIES  # quick: a smaller crowd, so CI stays under two minutes
        sell = await self.rush("rush_sell_out", self.built.sell_out_families[:n], self.built.sell_out_sessions)
        self.report.scenarios["rush_sell_out"] = sell
        places = data.SELL_OUT_SESSIONS * data.SELL_OUT_PLACES
        r = self.report
        r.row(f"rush, sell-out: {n:,} families, {places} places", "requests/s", sell["requests_per_s"], (">=", 750))
        r.row("", "bookings / 409 / waiting list", f"{sell['bookings']} / {sell['refused_409']} / {sell['waiting_list_joins']}", None)
        r.row("", "p50 / p95 ms", f"{sell['p50_ms']} / {sell['p95_ms']}", None)
        r.row("", "p99 ms", sell["p99_ms"], ("<=", 400))
        r.row("", "oversold places", sell["oversold"], ("==", 0))
        r.row("", "5xx responses", sell["five_xx"], ("==", 0))
        r.row("", "statuses", json.dumps(sell["statuses"]), None)
        r.row("", "load generator CPU", f"{sell['load_cpu_s']} s ({sell['load_cpu_share']:.0%} of a core)", None)
        r.row("", "CPU used", cpu_summary(sell["cpu"]), None)
        r.row("", "our CPU ms per request → req/s on 2 idle cores", capacity(sell["cpu"], sell["requests"]), None)
        ok = await self.rush("rush_all_succeed", self.built.all_succeed_families[:n], self.built.all_succeed_sessions)
        self.report.scenarios["rush_all_succeed"] = ok
        cap = data.ALL_SUCCEED_SESSIONS * data.ALL_SUCCEED_PLACES
        r.row(f"rush, all succeed: {n:,} families, {cap:,} places", "confirmed bookings/s", ok["bookings_per_s"], (">=", 200))
        r.row("", "p50 / p95 ms", f"{ok['p50_ms']} / {ok['p95_ms']}", None)
        r.row("", "p99 ms", ok["p99_ms"], ("<=", 500))
        r.row("", "bookings, 5xx", f"{ok['bookings']}, {ok['five_xx']}", None)
        r.row("", "load generator CPU", f"{ok['load_cpu_s']} s ({ok['load_cpu_share']:.0%} of a core)", None)
        r.row("", "CPU used", cpu_summary(ok["cpu"]), None)
        r.row("", "our CPU ms per booking → bookings/s on 2 idle cores", capacity(ok["cpu"], ok["bookings"]), None)
        peak = {}
        for scen in (sell, ok):
            for k, v in scen["peak_rss_mb"].items():
                peak[k] = max(peak.get(k, 0.0), v)
        self.report.scenarios["peak_rss_mb_during_rushes"] = peak
        for name, mb in peak.items():
            target = ("<", 200) if name.startswith("server process") else None
            r.row("peak RSS during the rushes", name + " MB", mb, target)
        ceil = self.report.scenarios.get("ceiling_sql", {}).get("bookings_per_s")
        flo = self.report.scenarios.get("floor_http", {}).get("requests_per_s")
        if ceil:
            r.row("rush / raw-SQL ceiling", "all-succeed bookings/s ÷ ceiling", round(ok["bookings_per_s"] / ceil, 3), (">=", 0.40))
            r.row("", "sell-out requests/s ÷ ceiling bookings/s", round(sell["requests_per_s"] / ceil, 3), None)
        if flo:
            r.row("rush / framework floor", "sell-out requests/s ÷ /healthz requests/s", round(sell["requests_per_s"] / flo, 3), None)
            r.row("", "all-succeed requests/s ÷ /healthz requests/s", round(ok["requests_per_s"] / flo, 3), None)

    async def check_database(
        self, name: str, families: list[data.Family], sessions: list[uuid.UUID], *, booked: int, refused: int
    ) -> dict[str, int]:
        """Places taken = active places ≤ capacity; confirmed bookings = 201s; ledgers balance; every refusal is on a waiting list."""
        conn = await asyncpg.connect(self.database_url)
        try:
            rows = await conn.fetch(
                """SELECT x.id, x.capacity, x.places_taken,
                          (SELECT count(*) FROM bookings_bookingchild c WHERE c.session_id = x.id AND c.active) AS active_places,
                          (SELECT count(*) FROM bookings_booking b WHERE b.session_id = x.id AND b.status = 'confirmed') AS confirmed,
                          (SELECT count(*) FROM bookings_waitinglistentry w WHERE w.session_id = x.id AND w.status = 'waiting') AS waiting
                   FROM providers_session x WHERE x.id = ANY($1::uuid[])""",
                sessions,
            )
            oversold = sum(max(0, r["active_places"] - r["capacity"]) for r in rows)
            confirmed = sum(r["confirmed"] for r in rows)
            waiting = sum(r["waiting"] for r in rows)
            for r in rows:
                if r["places_taken"] != r["active_places"]:
                    self.fail(f"{name}: session {r['id']} has places_taken={r['places_taken']} but {r['active_places']} active places")
                if r["places_taken"] > r["capacity"]:
                    self.fail(f"{name}: session {r['id']} oversold: {r['places_taken']} places taken of {r['capacity']}")
            if confirmed != booked:
                self.fail(f"{name}: {booked} bookings answered 201 but the database has {confirmed} confirmed")
            if waiting != refused:
                self.fail(f"{name}: {refused} refusals but {waiting} waiting-list entries")
            capacity = sum(r["capacity"] for r in rows)
            expected = min(capacity, len(families))
            if booked != expected:
                self.fail(f"{name}: {booked} bookings for {len(families)} families on {capacity} places (expected {expected})")
            unbalanced = await conn.fetchval(
                """SELECT count(*) FROM bookings_allocation a
                   LEFT JOIN (SELECT allocation_id, sum(minutes) AS m, sum(pence) AS p
                              FROM bookings_allocationentry GROUP BY allocation_id) e
                     ON e.allocation_id = a.id
                   WHERE a.balance_minutes <> coalesce(e.m, 0) OR a.balance_pence <> coalesce(e.p, 0)"""
            )
            if unbalanced:
                self.fail(f"{name}: {unbalanced} allocations whose balance is not the sum of their ledger")
            debits = await conn.fetchval(
                """SELECT count(*) FROM bookings_allocationentry e JOIN bookings_booking b ON b.id = e.booking_id
                   WHERE e.kind = 'debit' AND b.session_id = ANY($1::uuid[])""",
                sessions,
            )
            if debits != booked:
                self.fail(f"{name}: {booked} bookings but {debits} allocation debits")
            return {
                "confirmed": confirmed,
                "capacity": capacity,
                "oversold": oversold,
                "waiting": waiting,
                "unbalanced_allocations": unbalanced,
                "debits": debits,
            }
        finally:
            await conn.close()

    async def analyze_if_no_autovacuum(self, after: str = "rushes") -> None:
        """Refresh the planner's statistics after the rushes when the server runs without autovacuum.

        This machine's PostgreSQL has ``autovacuum = off`` (set for fast test runs); production runs
        it, and its analyze would have run after the thousands of rows the ceiling and the rushes
        write. Without it the statistics still say one family holds every booking (the data set's
        feed family) and the planner picks plans no production database would (bench/README.md,
        "Calendar feeds").
        """
        conn = await asyncpg.connect(self.database_url)
        try:
            if await conn.fetchval("SHOW autovacuum") == "on":
                return
            t0 = time.perf_counter()
            await conn.execute("ANALYZE")
            seconds = round(time.perf_counter() - t0, 1)
        finally:
            await conn.close()
        self.report.timings[f"analyze_after_{after.replace(' ', '_')}_s"] = seconds
        print(f"bench: autovacuum is off on this server: ran ANALYZE after the {after} ({seconds} s), as autovacuum would", flush=True)

    async def worker_delivered(self) -> None:
        """The real worker delivered (logged) every booking confirmation the rushes queued (the ceiling's rows are not queued)."""
        assert self.built is not None
        sessions = self.built.sell_out_sessions + self.built.all_succeed_sessions
        conn = await asyncpg.connect(self.database_url)
        try:
            deadline = time.monotonic() + 60
            while True:
                row = await conn.fetchrow(
                    """SELECT count(*) AS total, count(*) FILTER (WHERE o.status IN ('pending', 'sending')) AS pending
                       FROM core_outboxmessage o JOIN bookings_booking b ON o.dedupe_key = 'booking-confirmed:' || b.id::text
                       WHERE b.session_id = ANY($1::uuid[])""",
                    sessions,
                )
                total, pending = row["total"], row["pending"]
                if not pending or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
        finally:
            await conn.close()
        self.report.scenarios["worker"] = {"booking_emails": total, "undelivered_after_60s": pending}
        self.report.row(f"worker: {total} booking emails queued", "undelivered after 60 s", pending, ("==", 0))
        if pending:
            self.fail(f"worker: {pending} outbox messages still undelivered after 60 s")

    async def search(self) -> None:
        if "/api/v1/services" not in self.paths:
            self.report.unavailable("search", "GET /api/v1/services is not on this branch")
            return
        today = datetime.now(UTC).date()
        queries = []
        for i, pc in enumerate(SEARCH_POSTCODES):
            params = {
                "postcode": pc,
                "within_miles": 25,
                "age": 6 + i % 8,
                "needs": "ASD,SLD" if i % 2 else "PD",
                "kind": ("activity", "day_care_away", "holiday_scheme")[i % 3],
                "accessibility": "step_free",
                "max_price_pence": 6000,
                "funding": "council_allocation",
                "from": (today + timedelta(days=1)).isoformat(),
                "to": (today + timedelta(days=42)).isoformat(),
                "weekdays": "sat,sun" if i % 2 else "mon,wed,fri",
                "q": ("club", "swim", "sensory", "play")[i % 4],
            }
            queries.append("/api/v1/services?" + urlencode(params))
        await self.latency_scenario("search", queries, median=50, p95=150, what="search: GET /api/v1/services, every filter")
        self.report.scenarios["search"]["queries"] = queries
        # Fewer filters: more services match, so the pages come back full (every filter at once matches few).
        broad = []
        for pc in SEARCH_POSTCODES:
            params = {"postcode": pc, "within_miles": 25, "age": 8, "from": (today + timedelta(days=1)).isoformat(), "weekdays": "sat,sun"}
            broad.append("/api/v1/services?" + urlencode(params))
        await self.latency_scenario("search_broad", broad, median=50, p95=150, what="search: postcode, age, from, weekdays")
        self.report.scenarios["search_broad"]["queries"] = broad

    async def latency_scenario(
        self,
        key: str,
        paths: list[str],
        *,
        median: float,
        p95: float | None,
        what: str,
        headers: tuple[tuple[str, str], ...] = (),
        concurrency: int = LATENCY_CONCURRENCY,
        count: int | None = None,
        expect_status: int = 200,
        check: Any = None,
    ) -> dict[str, Any]:
        count = count or (100 if self.quick else 600)
        reqs = [Request("GET", paths[i % len(paths)], b"", headers) for i in range(count)]
        await self.http(reqs[: min(20, count)], concurrency=concurrency)  # warm the caches and the pools
        async with self.measure() as cpu:
            stats = await self.http(reqs, concurrency=concurrency, keep_body=True)
        s = summarise(stats)
        s.update(cpu=cpu, concurrency=concurrency)
        bad = [r for r in stats.results if r.status != expect_status]
        if bad:
            self.fail(f"{key}: {len(bad)} responses were not {expect_status}, e.g. {bad[0].status} {bad[0].body[:300]!r}")
        elif check is not None:
            problem = check(stats.results[0])
            if problem:
                self.fail(f"{key}: {problem}")
        self.report.scenarios[key] = s
        floor = self.report.scenarios.get("floor_http_low_concurrency", {})
        r = self.report
        r.row(f"{what} ({concurrency} conn{'s' if concurrency > 1 else ''})", "median ms", s["p50_ms"], ("<", median))
        r.row("", "p95 ms", s["p95_ms"], ("<", p95) if p95 else None)
        r.row("", "requests/s", s["requests_per_s"], None)
        r.row("", "CPU used", cpu_summary(cpu), None)
        r.row("", "server CPU ms per request", round(server_cpu(cpu) * 1000 / max(1, stats.count), 2), None)
        if floor:
            r.row("", "floor /healthz median / p95 ms", f"{floor['p50_ms']} / {floor['p95_ms']}", None)
        return s

    async def feeds(self) -> None:
        assert self.built is not None
        routes = any(p.startswith("/feeds/p/") for p in self.paths) and any(p.startswith("/feeds/f/") for p in self.paths)
        if not routes or not self.built.provider_feed_token:
            self.report.unavailable("feeds", "/feeds/p/{token}.ics and /feeds/f/{token}.ics are not on this branch")
            return

        def events(expected: int) -> Any:
            def check(result: Result) -> str | None:
                found = result.body.count(b"BEGIN:VEVENT")
                return None if found == expected else f"the feed has {found} events, not {expected}"

            return check

        provider = f"/feeds/p/{self.built.provider_feed_token}.ics"
        family = f"/feeds/f/{self.built.family_feed_token}.ics"
        n = self.built.provider_feed_events
        await self.latency_scenario("feed_provider", [provider], median=1000, p95=None, what=f"feed: provider, {n:,} events",
                                    concurrency=1, count=5 if self.quick else 20, check=events(n))  # fmt: skip
        m = self.built.family_feed_events
        await self.latency_scenario("feed_family", [family], median=50, p95=None, what=f"feed: family, {m} events",
                                    count=50 if self.quick else 300, check=events(m))  # fmt: skip
        first = await self.http([Request("GET", family)], concurrency=1, keep_body=False)
        head = first.results[0].headers.decode("latin-1")
        etag = next((line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("etag:")), "")
        if not etag:
            self.fail("feed_family: no ETag header")
            return
        await self.latency_scenario("feed_304", [family], median=5, p95=None, what="feed: family, If-None-Match → 304",
                                    headers=(("If-None-Match", etag),), count=100 if self.quick else 600, expect_status=304)  # fmt: skip

    async def grants_report(self) -> None:
        assert self.built is not None
        fund = self.built.fund_id
        if fund is None or not any(p.endswith("/report") and "/funds/" in p for p in self.paths):
            self.report.unavailable("grants report", "GET /api/v1/funds/{id}/report is not on this branch")
            return
        base = f"/api/v1/funds/{fund}/report"
        filters = [
            {"region": self.built.region},
            {"round_id": str(self.built.round_id)},
            {"category": "staffing"},
            {"financial_year": 2025},
            {"quarter": 2},
        ]
        paths = [base + "?" + urlencode(f) for f in filters]
        headers = (("Authorization", f"Bearer {self.built.funder_token}"),)
        await self.latency_scenario("grants_report", paths, median=300, p95=None, what="GET /api/v1/funds/{id}/report, one filter",
                                    headers=headers)  # fmt: skip

    # --- the nightly council: shortfall job and sufficiency report (issue #21) -----------------

    @asynccontextmanager
    async def in_process(self) -> AsyncIterator[None]:
        """Tortoise (and an arq queue on the bench Redis) in this load process, against the benchmark database, with the
        server's environment, for work the service runs as a job rather than over HTTP."""
        from shortbreaks import db, jobs
        from shortbreaks.settings import load_settings

        assert self.stack is not None
        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.stack.env.items() if k not in ("PYTHONUNBUFFERED",)})
        pool = None
        try:
            settings = load_settings()
            await db.init_db(settings)
            try:
                from arq import create_pool

                pool = await create_pool(jobs.redis_settings(self.redis_url))
                jobs.set_queue(jobs.ArqQueue(pool))
                yield
            finally:
                jobs.set_queue(None)
                if pool is not None:
                    await pool.aclose()
                await db.close_db()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    async def nightly(self) -> None:
        """The nightly shortfall job for every council, timed in this process as the worker would run it (one process,
        its own connections): ``entitlements.shortfall_cases.run_nightly`` when the branch has it, else the one
        shortfall statement (``council_shortfalls``) for the nightly council, which the job is built on."""
        assert self.built is not None and self.stack is not None
        if self.built.council_id is None:
            self.report.unavailable("nightly shortfall job", "entitlements.AgreedPackage is not on this branch")
            return
        from entitlements.shortfall import council_shortfalls
        from shortbreaks.clock import LONDON

        try:
            from entitlements.shortfall_cases import run_nightly  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            run_nightly = None
        children = self.built.council_children
        now = datetime.now(UTC)
        day = now.astimezone(LONDON).date()
        s: dict[str, Any] = {"children": children, "packages": self.built.council_packages, "places": self.built.council_places}
        async with self.in_process():
            # The statement alone first (the job's main read): its time, and what it finds.
            async with self.measure() as cpu:
                t0 = time.perf_counter()
                rows = await council_shortfalls(self.built.council_id, day=day)
                statement_s = time.perf_counter() - t0
            behind = [r.main.percent_behind for r in rows]
            s["statement"] = {
                "seconds": round(statement_s, 3),
                "rows": len(rows),
                "behind_any": sum(1 for b in behind if b > 0),
                "behind_25": sum(1 for b in behind if b >= 25),
                "behind_50": sum(1 for b in behind if b >= 50),
                "cpu": cpu,
            }
            del rows
            result: Any = None
            if run_nightly is not None:
                async with self.measure() as cpu:
                    t0 = time.perf_counter()
                    result = await run_nightly(now=now, base_url="http://127.0.0.1")
                    job_s = time.perf_counter() - t0
                s["job"] = {"seconds": round(job_s, 3), "cpu": cpu, "result": _plain(result)}
        if run_nightly is not None:
            # The job's emails go to the real worker: let it finish them before the report is measured.
            s["job"]["emails"] = await self.outbox_drained(within_s=180)
        self.report.scenarios["nightly"] = s
        st = s["statement"]
        r = self.report
        what = f"nightly shortfall job: {children:,} children"
        if run_nightly is not None:
            job = s["job"]
            r.row(what, "whole run (run_nightly) s", job["seconds"], ("<", 60))
            r.row("", "ms per child", round(job["seconds"] * 1000 / max(1, children), 3), None)
            r.row("", "result", json.dumps(job["result"], default=str)[:200], None)
            mail = job["emails"]
            r.row("", "emails pending after it / delivered within s", f"{mail['pending_at_start']:,} / {mail['seconds']}", None)
            r.row("", "CPU used", cpu_summary(job["cpu"]), None)
            what = ""
        else:
            r.row(what, "measured", "the shortfall statement only: run_nightly is not on this branch", None)
            r.row("", "statement (council_shortfalls) s", st["seconds"], ("<", 60))
            what = ""
        if run_nightly is not None:
            r.row(what, "statement alone (council_shortfalls) s", st["seconds"], None)
        r.row("", "statement ms per child", round(st["seconds"] * 1000 / max(1, children), 3), None)
        r.row("", "packages read / behind / ≥ 25 % / ≥ 50 %", f"{st['rows']:,} / {st['behind_any']:,} / {st['behind_25']:,} / "
              f"{st['behind_50']:,}", None)  # fmt: skip
        r.row("", "statement CPU used", cpu_summary(st["cpu"]), None)
        if st["rows"] != self.built.council_packages:
            self.fail(f"nightly: the statement read {st['rows']} packages, the data set has {self.built.council_packages} active")

    async def outbox_drained(self, *, within_s: float) -> dict[str, Any]:
        """Wait until the worker has delivered every pending outbox message (or ``within_s``); how many and how long."""
        conn = await asyncpg.connect(self.database_url)
        try:
            t0 = time.monotonic()
            count = "SELECT count(*) FROM core_outboxmessage WHERE status IN ('pending', 'sending')"
            start = pending = await conn.fetchval(count)
            while pending and time.monotonic() - t0 < within_s:
                await asyncio.sleep(1.0)
                pending = await conn.fetchval(count)
        finally:
            await conn.close()
        if pending:
            print(f"bench: {pending} outbox messages still pending after {within_s:.0f} s", flush=True)
        return {"pending_at_start": start, "pending_at_end": pending, "seconds": round(time.monotonic() - t0, 1)}

    async def sufficiency(self) -> None:
        """``GET /api/v1/councils/{slug}/sufficiency?tier=targeted`` as the council's officer: a latency scenario like the
        grants report. The report may read a snapshot that ``entitlements.sufficiency.refresh`` fills: refreshed here
        first (timed) unless the nightly job, which calls it, has just run."""
        assert self.built is not None
        route = "/api/v1/councils/{slug}/sufficiency"
        if self.built.council_id is None or not any(p.startswith("/api/v1/councils/") and p.endswith("/sufficiency") for p in self.paths):
            self.report.unavailable("sufficiency report", f"GET {route} is not on this branch")
            return
        from shortbreaks.clock import LONDON

        refreshed: float | None = None
        job = self.report.scenarios.get("nightly", {}).get("job")
        try:
            from entitlements.sufficiency import refresh  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            refresh = None
        if refresh is not None and job is None:
            async with self.in_process():
                t0 = time.perf_counter()
                await refresh(self.built.council_id, day=datetime.now(UTC).astimezone(LONDON).date())
                refreshed = round(time.perf_counter() - t0, 3)
        # The refresh (or the job) has just written the snapshot's rows: production's autovacuum would analyze them
        # within a minute; without it the planner reads 100,000 rows believing the tables empty (bench/README.md).
        await self.analyze_if_no_autovacuum(after="sufficiency refresh")
        path = f"/api/v1/councils/{self.built.council_slug}/sufficiency?" + urlencode({"tier": "targeted"})
        headers = (("Authorization", f"Bearer {self.built.council_officer_token}"),)
        what = f"GET {route}?tier=, {self.built.council_children:,} children"

        def counted(result: Result) -> str | None:
            found = re.findall(rb'"children":\s*(\d+)', result.body)
            return None if any(int(n) for n in found) else "the report counts no children for the targeted tier"

        s = await self.latency_scenario("sufficiency", [path], median=500, p95=None, what=what, headers=headers, check=counted)
        s["snapshot_refresh_s"] = refreshed
        if refreshed is not None:
            self.report.row("", "snapshot refresh (entitlements.sufficiency.refresh) s", refreshed, None)
        elif job is not None:
            self.report.row("", "snapshot", "refreshed by the nightly job just before", None)

    # --- checks and results ---------------------------------------------------------------------

    def check_no_5xx(self, name: str, stats: RunStats) -> int:
        five = sum(1 for r in stats.results if r.status >= 500 or r.status == 0)
        if five:
            self.fail(f"{name}: {five} responses were 5xx or broken connections ({stats.errors[:3]})")
        return five

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"bench: CORRECTNESS FAILURE: {message}", file=sys.stderr, flush=True)

    async def run(self) -> int:
        workdir = Path(tempfile.mkdtemp(prefix="shortbreaks-bench-"))
        status = 0
        try:
            await self.setup(workdir)
            print("bench: floor (GET /healthz)", flush=True)
            await self.floor()  # always: the other scenarios print the floor beside their own figures
            if "ceiling" in self.only:
                print("bench: ceiling (booking SQL through asyncpg)", flush=True)
                await self.ceiling()
            if "rushes" in self.only:
                print("bench: rushes", flush=True)
                await self.rushes()
                if "rush_sell_out" in self.report.scenarios:
                    await self.worker_delivered()
            await self.analyze_if_no_autovacuum()
            print("bench: search, feeds, grants report", flush=True)
            if "search" in self.only:
                await self.search()
            if "feeds" in self.only:
                await self.feeds()
            if "report" in self.only:
                await self.grants_report()
            # Last: the job writes cases and emails (the worker sends them), and the report may read what it refreshed.
            if "nightly" in self.only:
                print("bench: nightly shortfall job (in this process)", flush=True)
                await self.nightly()
            if "sufficiency" in self.only:
                print("bench: sufficiency report", flush=True)
                await self.sufficiency()
            if self.stack is not None:
                self.report.scenarios["vm_hwm_mb_at_end"] = _mb({k: status_kb(p, "VmHWM") for k, p in self.stack.pids().items()})
        except Exception:
            traceback.print_exc()
            if self.stack is not None:
                for s in self.stack.services:
                    print(f"--- {s.name} log (last lines) ---\n{self.stack.tail(s)}", file=sys.stderr)
            self.failures.append("the harness stopped early: see the traceback above")
            status = 2
        finally:
            if self.stack is not None:
                self.stack.stop()
            if not self.args.keep_database:
                try:
                    await drop_database(self.database_url)
                    await flush_redis(self.redis_url)
                except Exception as exc:  # cleanup must not hide the result
                    print(f"bench: cleanup: {exc}", file=sys.stderr)
            shutil.rmtree(workdir, ignore_errors=True)
        self.report.failures = self.failures
        self.report.print()
        path = self.report.write(RESULTS)
        print(f"bench: results written to {path.relative_to(ROOT)}")
        if self.failures:
            print("\nbench: CORRECTNESS FAILED:\n  " + "\n  ".join(self.failures), file=sys.stderr)
            return status or 1
        return status


def cpu_summary(cpu: dict[str, Any]) -> str:
    """'server 9.1 (4.6 + 4.5), postgres 6.0, worker 0.1, load 0.5, other people's 20.3 of 49.6 CPU s': who used the
    two cores, and how the server processes split theirs."""
    used = cpu.get("process_cpu_s", {})
    server = sum(v for k, v in used.items() if k.startswith("server"))
    # How the server processes shared it: with one shared listening socket, a few connections
    # opened together often all went to one process (src/shortbreaks/serving.py).
    split = [f"{v:.1f}" for k, v in sorted(used.items()) if k.startswith("server process")]
    parts = [
        f"server {server:.1f}" + (f" ({' + '.join(split)})" if len(split) > 1 else ""),
        f"postgres {used.get('postgres (bench database)', 0):.1f}",
        f"worker {used.get('worker', 0):.1f}",
        f"load {used.get('load process (this harness)', 0):.1f}",
        f"other people's {cpu.get('others_cpu_s', 0):.1f}",
    ]
    return ", ".join(parts) + f" of {cpu.get('machine_capacity_s', 0):.1f} CPU s"


def server_cpu(cpu: dict[str, Any]) -> float:
    return float(sum(v for k, v in cpu.get("process_cpu_s", {}).items() if k.startswith("server")))


def capacity(cpu: dict[str, Any], count: int) -> str:
    """CPU our processes spent per request (server, PostgreSQL, worker, load generator) and what two otherwise idle cores
    could therefore serve: the figure that does not depend on what else the shared machine was doing."""
    ours = sum(cpu.get("process_cpu_s", {}).values())
    if not count or not ours:
        return "n/a"
    per = ours / count
    return f"{per * 1000:.1f} ms → {2 / per:,.0f}/s"


def _plain(value: Any) -> Any:
    """A job's result as JSON can hold it (a dataclass's fields, else its text)."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v if isinstance(v, int | float | str | bool | None) else str(v) for k, v in dataclasses.asdict(value).items()}
    return None if value is None else str(value)


def _mb(kb: dict[str, int]) -> dict[str, float]:
    return {k: round(v / 1024, 1) for k, v in kb.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke-sized: ~1%% of the data set, shorter runs")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--pool", type=int, default=10, help="database pool maxsize per server process (default 10, the app's default)")
    parser.add_argument("--pool-min", type=int, default=None, help="database pool minsize per server process (default: the app's)")
    parser.add_argument("--profile", action="store_true", help="sample the server processes with py-spy during the rushes")
    parser.add_argument("--only", default="", help=f"comma-separated scenarios to run (default all): {','.join(SCENARIOS)}")
    parser.add_argument("--keep-database", action="store_true", help="leave the database for inspection (EXPLAIN, psql)")
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    bench = Bench(args)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        return asyncio.run(bench.run())
    except KeyboardInterrupt:
        if bench.stack is not None:
            bench.stack.stop()
        asyncio.run(drop_database(args.database_url)) if not args.keep_database else None
        return 130
