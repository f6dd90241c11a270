"""The database's limit: the booking request's SQL issued straight through asyncpg, no HTTP, no ORM.

The statements are those one ``POST /api/v1/bookings`` makes on PostgreSQL, in order, read
from ``shortbreaks.accounts.auth`` (the bearer token with its user and memberships in one read,
and the token's last-used time when it is older than five minutes), ``bookings.services.
book_places`` (the session with its service and provider; the children with their allocations
and any active place of theirs on this or an overlapping session, in one read; then one transaction: debit the
allocation conditionally, insert the booking, its child row, the ledger entry, the audit record
and the outbox message, and take the place with a conditional UPDATE last). The 201 is built
from what is in hand, with no reload. It leaves out only what is not SQL: JSON parsing,
pydantic, the ORM's object building, the Redis enqueue of the email job.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.data import Family
from bench.procs import cpu_seconds

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

AUTH_TOKEN = """
SELECT t.id AS token_id, t.last_used_at AS token_last_used_at, u.email AS user_email, t.*, u.*, m.*, o.*
FROM core_apitoken t JOIN core_user u ON u.id = t.user_id
LEFT JOIN core_membership m ON m.user_id = u.id LEFT JOIN core_organisation o ON o.id = m.organisation_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.is_active ORDER BY m.created_at, m.id"""
TOUCH_TOKEN = "UPDATE core_apitoken SET last_used_at = $1 WHERE id = $2"
SESSION = """
SELECT x.*, s.*, p.*
FROM providers_session x
JOIN providers_service s ON s.id = x.service_id
JOIN providers_provider p ON p.id = s.provider_id
WHERE x.id = $1"""
CHILDREN = """
SELECT c.id AS the_child_id, a.id AS the_allocation_id, c.*, a.*, x.*
FROM bookings_child c
LEFT JOIN bookings_allocation a ON a.child_id = c.id AND a.starts_on <= $1 AND a.ends_on >= $1
LEFT JOIN bookings_bookingchild x ON x.child_id = c.id AND x.active AND (x.session_id = $4 OR (x.starts_at < $5 AND x.ends_at > $6))
WHERE c.family_id = $2 AND c.erased_at IS NULL AND c.id = ANY($3::uuid[])"""
TAKE_PLACE = """
UPDATE providers_session SET places_taken = places_taken + $2
WHERE id = $1 AND status = 'scheduled' AND blocked = FALSE AND places_taken <= capacity - $2"""
DEBIT = """
UPDATE bookings_allocation SET balance_minutes = balance_minutes - $1, balance_pence = balance_pence - $2
WHERE id = $3 AND balance_minutes >= $1 AND balance_pence >= $2"""
INSERT_BOOKING = """
INSERT INTO bookings_booking (id, reference, family_id, session_id, service_id, status, starts_at, ends_at, minutes, price_pence,
  late_cancellation, reason, decided_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'confirmed', $6, $7, $8, $9, FALSE, '', $10, $10, $10)"""
INSERT_PLACE = """
INSERT INTO bookings_bookingchild (id, booking_id, child_id, session_id, starts_at, ends_at, active, funding_source, allocation_id,
  debited_minutes, debited_pence, age_override, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, TRUE, 'allocation', $7, $8, $9, FALSE, $10, $10)"""
INSERT_ENTRY = """
INSERT INTO bookings_allocationentry (id, allocation_id, kind, minutes, pence, booking_id, reason, actor_id, created_at)
VALUES ($1, $2, 'debit', $3, $4, $5, $6, $7, $8)"""
INSERT_AUDIT = """
INSERT INTO core_auditevent (created_at, actor_id, actor_label, action, record_type, record_id, before, after, request_id)
VALUES ($1, $2, $3, 'bookings.booking.created', 'booking', $4, NULL, $5, $6) RETURNING id"""
INSERT_OUTBOX = """
INSERT INTO core_outboxmessage (id, dedupe_key, to_email, subject, body, status, attempts, last_error, created_at)
VALUES ($1, $2, $3, $4, $5, 'pending', 0, '', $6)"""
STATEMENTS = 14  # per booking, BEGIN and COMMIT included, the token's last-used update too


@dataclass
class CeilingStats:
    bookings: int = 0
    refused: int = 0
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    connections: int = 0
    concurrency: int = 0
    backend_cpu_s: float = 0.0  # CPU time of the pool's PostgreSQL backends, read before they close

    @property
    def bookings_per_second(self) -> float:
        return self.bookings / self.wall_seconds if self.wall_seconds else 0.0


def _reference() -> str:
    chars = [secrets.choice(ALPHABET) for _ in range(6)]
    return f"SB-{''.join(chars[:4])}-{''.join(chars[4:])}"


async def book(conn: asyncpg.Connection, family: Family, session_id: uuid.UUID, now: datetime) -> bool:
    token_rows = await conn.fetch(AUTH_TOKEN, hashlib.sha256(family.token.encode()).hexdigest())
    token_row = token_rows[0]
    if token_row["token_last_used_at"] is None or now - token_row["token_last_used_at"] >= timedelta(minutes=5):
        await conn.execute(TOUCH_TOKEN, now, token_row["token_id"])
    session = await conn.fetchrow(SESSION, session_id)
    starts_at, ends_at = session["starts_at"], session["ends_at"]
    local_date = session["local_date"]
    children = await conn.fetch(CHILDREN, local_date, family.user_id, family.child_ids, session_id, ends_at, starts_at)
    child_ids = [c["the_child_id"] for c in children]
    allocations = {c["the_child_id"]: c["the_allocation_id"] for c in children}  # x.* has its own child_id, allocation_id
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    booking_id = uuid.uuid4()
    reference = _reference()
    try:
        async with conn.transaction():
            await _book(conn, family, session_id, session["service_id"], child_ids, allocations, starts_at, ends_at, minutes, booking_id,
                        reference, token_row["user_email"], now)  # fmt: skip
    except _Full:
        return False
    return True


class _Full(Exception):
    """The conditional UPDATE found no place: roll the transaction back."""


async def _book(conn: asyncpg.Connection, family: Family, session_id: uuid.UUID, service_id: uuid.UUID, child_ids: list[uuid.UUID],
                allocations: dict[uuid.UUID, uuid.UUID], starts_at: datetime, ends_at: datetime, minutes: int, booking_id: uuid.UUID,
                reference: str, email: str, now: datetime) -> None:  # fmt: skip
    for cid in child_ids:
        if await conn.execute(DEBIT, minutes, 0, allocations[cid]) != "UPDATE 1":
            raise RuntimeError("allocation exhausted: the ceiling's families need a larger allocation")
    await conn.execute(INSERT_BOOKING, booking_id, reference, family.user_id, session_id, service_id, starts_at, ends_at,
                       minutes, 0, now)  # fmt: skip
    for cid in child_ids:
        await conn.execute(INSERT_PLACE, uuid.uuid4(), booking_id, cid, session_id, starts_at, ends_at, allocations[cid],
                           minutes, 0, now)  # fmt: skip
        await conn.execute(INSERT_ENTRY, uuid.uuid4(), allocations[cid], -minutes, 0, booking_id, reference, family.user_id, now)
    after = {"reference": reference, "status": "confirmed", "session_id": str(session_id), "child_ids": [str(c) for c in child_ids]}
    await conn.fetchval(INSERT_AUDIT, now, family.user_id, "user", str(booking_id), json.dumps(after), "")
    key = f"booking-confirmed:{booking_id}"
    await conn.execute(INSERT_OUTBOX, uuid.uuid4(), key, email, "Booking confirmed: Saturday rush club",
                       f"Booking reference: {reference}\n", now)  # fmt: skip
    if await conn.execute(TAKE_PLACE, session_id, len(child_ids)) != "UPDATE 1":
        raise _Full()


async def run(
    dsn: str, families: list[Family], sessions: list[uuid.UUID], *, concurrency: int, pool_size: int, rounds: int
) -> CeilingStats:
    """Every family books each of ``rounds`` sessions, ``concurrency`` at a time over ``pool_size`` connections."""
    stats = CeilingStats(connections=pool_size, concurrency=concurrency)
    jobs = [(f, sessions[(i + r) % len(sessions)]) for r in range(rounds) for i, f in enumerate(families)]
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
    try:
        queue: asyncio.Queue[tuple[Family, uuid.UUID]] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)

        async def worker() -> None:
            while not queue.empty():
                family, session_id = queue.get_nowait()
                t0 = time.perf_counter()
                async with pool.acquire() as conn:
                    ok = await book(conn, family, session_id, datetime.now(UTC))
                stats.latencies.append(time.perf_counter() - t0)
                if ok:
                    stats.bookings += 1
                else:
                    stats.refused += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        stats.wall_seconds = time.perf_counter() - t0
        conns = [await pool.acquire() for _ in range(pool_size)]
        try:
            pids = [await c.fetchval("SELECT pg_backend_pid()") for c in conns]
            stats.backend_cpu_s = sum(cpu_seconds(pid) for pid in pids)
        finally:
            for c in conns:
                await pool.release(c)
    except BaseException:
        pool.terminate()
        raise
    else:
        await pool.close()
    return stats
