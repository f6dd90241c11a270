"""Places in sessions, for the bookings package (which never writes these tables itself).

Each function runs inside the caller's transaction: pass its connection as ``using_db``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from providers import queries
from providers.enums import SessionStatus
from providers.models import Session


async def take_places(session_id: UUID, count: int = 1, *, using_db: BaseDBAsyncClient | None = None) -> bool:
    """Take ``count`` places in a scheduled, unblocked session if that many are free; True when taken.

    One conditional UPDATE, so concurrent callers can never overbook; run it first in the
    caller's transaction and pass that connection.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    return await queries.take_places(session_id, count, using_db=using_db) == 1


async def release_places(session_id: UUID, count: int = 1, *, using_db: BaseDBAsyncClient | None = None) -> bool:
    """Give back ``count`` places (a cancelled booking); False if fewer than that were taken."""
    if count < 1:
        raise ValueError("count must be at least 1")
    changed = await Session.filter(id=session_id, places_taken__gte=count).using_db(using_db).update(places_taken=F("places_taken") - count)
    return changed == 1


async def mark_session_cancelled(session_id: UUID, *, using_db: BaseDBAsyncClient | None = None, now: datetime | None = None) -> bool:
    """Mark a scheduled session cancelled (calendar subscribers see a new sequence and, given ``now``,
    a new last-modified time); False if it was not scheduled.

    Bookings calls this inside its own transaction when a provider cancels a whole session,
    and cancels, credits and notifies the bookings there.
    """
    changes: dict[str, Any] = {"status": SessionStatus.CANCELLED, "sequence": F("sequence") + 1}
    if now is not None:
        changes["updated_at"] = now
    changed = await Session.filter(id=session_id, status=SessionStatus.SCHEDULED).using_db(using_db).update(**changes)
    return changed == 1


async def set_sessions_blocked(session_ids: list[UUID], *, blocked: bool, using_db: BaseDBAsyncClient | None = None) -> list[UUID]:
    """Block (or unblock) sessions for new bookings; returns the ids whose flag changed."""
    if not session_ids:
        return []
    changing = [row["id"] for row in await Session.filter(id__in=session_ids, blocked=not blocked).using_db(using_db).values("id")]
    if changing:
        await Session.filter(id__in=changing, blocked=not blocked).using_db(using_db).update(blocked=blocked)
    return changing
