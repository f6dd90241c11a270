"""The core's hand-written statements (``shortbreaks.sql``), each for what the ORM cannot say."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise import connections

from shortbreaks import sql
from shortbreaks.models import OutboxMessage, OutboxStatus


async def claim_new_outbox_messages(*, now: datetime, claim_timeout: timedelta, limit: int) -> list[OutboxMessage]:
    """Claim up to ``limit`` new outbox messages (never claimed, or claimed by a job that died more
    than ``claim_timeout`` ago) and return them, oldest first, in one statement.

    Hand-written: ``UPDATE … RETURNING`` with ``FOR UPDATE SKIP LOCKED`` is beyond the ORM. Two batch
    jobs may run at once (a slow slot and the next): SKIP LOCKED lets the second take other rows;
    the outer condition, re-checked on a row a concurrent claim changed, keeps it from claiming one
    twice. On PostgreSQL the batch is picked once, as an InitPlan (``ARRAY(…)``): an
    ``IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` may be rescanned, skip the rows this statement
    has just claimed and claim more than n. SQLite runs one writer at a time.
    """
    new = "((status = $3 AND claimed_at IS NULL) OR (status = $1 AND claimed_at < $4))"
    pick = f"SELECT id FROM core_outboxmessage WHERE {new} ORDER BY created_at, id LIMIT $5"  # noqa: S608 — fixed text, values are parameters
    postgres = connections.get("default").capabilities.dialect == "postgres"
    batch = f"= ANY(ARRAY({pick} FOR UPDATE SKIP LOCKED))" if postgres else f"IN ({pick})"
    statement = (
        f"UPDATE core_outboxmessage SET status = $1, claimed_at = $2 WHERE {new} AND id {batch}"  # noqa: S608 — fixed text, values are parameters
        f" RETURNING {sql.returning('m', OutboxMessage)}"
    )
    values = (OutboxStatus.SENDING.value, now, OutboxStatus.PENDING.value, now - claim_timeout, limit)
    rows = await sql.fetch_models(statement, *values, models={"m": OutboxMessage})
    claimed = [row["m"] for row in rows]
    claimed.sort(key=lambda m: (m.created_at, str(m.id)))
    return claimed
