"""The database's limit: the booking request's SQL issued straight through asyncpg, no HTTP, no ORM.

The statements are those one ``POST /api/v1/bookings`` makes on PostgreSQL, in order, read
from ``shortbreaks.accounts.auth`` (the bearer token, the principal), ``bookings.services.
create_booking`` (the session with its service and provider, the children, the two prechecks,
the allocations; then one transaction: take the place with a conditional UPDATE first, debit
the allocation conditionally, insert the booking, its child row, the ledger entry, the audit
record, read the family's email, look up and write the outbox message) and the route's reload
of the booking for the response. It leaves out only what is not SQL: JSON parsing, pydantic,
the ORM's object building, the Redis enqueue of the email job.
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
SELECT t.id, t.last_used_at, u.id AS user_id, u.display_name, u.is_active
FROM core_apitoken t LEFT OUTER JOIN core_user u ON u.id = t.user_id
WHERE t.token_hash = $1 LIMIT 2"""
TOUCH_TOKEN = "UPDATE core_apitoken SET last_used_at = $1 WHERE id = $2"
MEMBERSHIPS = """
SELECT m.id, m.role, m.is_org_admin, o.id, o.name, o.kind, o.identifier
FROM core_membership m LEFT OUTER JOIN core_organisation o ON o.id = m.organisation_id WHERE m.user_id = $1"""
SESSION = """
SELECT x.*, s.*, p.*
FROM providers_session x
LEFT OUTER JOIN providers_service s ON s.id = x.service_id
LEFT OUTER JOIN providers_provider p ON p.id = s.provider_id
WHERE x.id = $1 LIMIT 1"""
CHILDREN = "SELECT * FROM bookings_child WHERE id = ANY($1::uuid[]) AND family_id = $2 AND erased_at IS NULL"
DUPLICATE = "SELECT 1 FROM bookings_bookingchild WHERE child_id = ANY($1::uuid[]) AND session_id = $2 AND active LIMIT 1"
OVERLAP = """
SELECT 1 FROM bookings_bookingchild
WHERE child_id = ANY($1::uuid[]) AND active AND starts_at < $2 AND ends_at > $3 LIMIT 1"""
ALLOCATIONS = "SELECT * FROM bookings_allocation WHERE child_id = ANY($1::uuid[]) AND year = $2"
TAKE_PLACE = """
UPDATE providers_session SET places_taken = places_taken + $2
WHERE id = $1 AND status = 'scheduled' AND blocked = FALSE AND places_taken <= capacity - $2"""
DEBIT = """
UPDATE bookings_allocation SET balance_minutes = balance_minutes - $2, balance_pence = balance_pence - $3
WHERE id = $1 AND balance_minutes >= $2 AND balance_pence >= $3"""
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
FAMILY_EMAIL = "SELECT * FROM core_user WHERE id = $1 LIMIT 1"
OUTBOX_EXISTING = "SELECT * FROM core_outboxmessage WHERE dedupe_key = $1 LIMIT 1"
INSERT_OUTBOX = """
INSERT INTO core_outboxmessage (id, dedupe_key, to_email, subject, body, status, attempts, last_error, created_at)
VALUES ($1, $2, $3, $4, $5, 'pending', 0, '', $6)"""
RELOAD = """
SELECT b.*, s.*, x.* FROM bookings_booking b
LEFT OUTER JOIN providers_service s ON s.id = b.service_id
LEFT OUTER JOIN providers_session x ON x.id = b.session_id
WHERE b.id = $1 AND b.family_id = $2 LIMIT 1"""
PLACES = "SELECT * FROM bookings_bookingchild WHERE booking_id = ANY($1::uuid[]) ORDER BY created_at, id"

STATEMENTS = 19  # per booking, BEGIN and COMMIT included


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
    token_row = await conn.fetchrow(AUTH_TOKEN, hashlib.sha256(family.token.encode()).hexdigest())
    if token_row["last_used_at"] is None or now - token_row["last_used_at"] >= timedelta(minutes=5):
        await conn.execute(TOUCH_TOKEN, now, token_row["id"])
    await conn.fetch(MEMBERSHIPS, family.user_id)
    session = await conn.fetchrow(SESSION, session_id)
    children = await conn.fetch(CHILDREN, family.child_ids, family.user_id)
    child_ids = [c["id"] for c in children]
    starts_at, ends_at = session["starts_at"], session["ends_at"]
    await conn.fetchval(DUPLICATE, child_ids, session_id)
    await conn.fetchval(OVERLAP, child_ids, ends_at, starts_at)
    year = session["local_date"].year if session["local_date"].month >= 4 else session["local_date"].year - 1
    allocations = {a["child_id"]: a for a in await conn.fetch(ALLOCATIONS, child_ids, year)}
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    booking_id = uuid.uuid4()
    reference = _reference()
    async with conn.transaction():
        if await conn.execute(TAKE_PLACE, session_id, len(child_ids)) != "UPDATE 1":
            return False
        for cid in child_ids:
            if await conn.execute(DEBIT, allocations[cid]["id"], minutes, 0) != "UPDATE 1":
                raise RuntimeError("allocation exhausted: the ceiling's families need a larger allocation")
        await conn.execute(INSERT_BOOKING, booking_id, reference, family.user_id, session_id, session["service_id"], starts_at, ends_at,
                           minutes, 0, now)  # fmt: skip
        for cid in child_ids:
            await conn.execute(INSERT_PLACE, uuid.uuid4(), booking_id, cid, session_id, starts_at, ends_at, allocations[cid]["id"],
                               minutes, 0, now)  # fmt: skip
            await conn.execute(INSERT_ENTRY, uuid.uuid4(), allocations[cid]["id"], -minutes, 0, booking_id, reference, family.user_id, now)
        after = {"reference": reference, "status": "confirmed", "session_id": str(session_id), "child_ids": [str(c) for c in child_ids]}
        await conn.fetchval(INSERT_AUDIT, now, family.user_id, token_row["display_name"], str(booking_id), json.dumps(after), "")
        user = await conn.fetchrow(FAMILY_EMAIL, family.user_id)
        key = f"booking-confirmed:{booking_id}"
        await conn.fetchrow(OUTBOX_EXISTING, key)
        await conn.execute(INSERT_OUTBOX, uuid.uuid4(), key, user["email"], "Booking confirmed: Saturday rush club",
                           f"Booking reference: {reference}\n", now)  # fmt: skip
    await conn.fetchrow(RELOAD, booking_id, family.user_id)
    await conn.fetch(PLACES, [booking_id])
    return True


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
