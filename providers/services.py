"""Provider use cases. (Minimal place-keeping functions added from the bookings branch; the
providers branch owns this module — merge keeps theirs and these signatures.)

- ``take_places(session_id, count, using_db=conn) -> bool``: a conditional UPDATE on
  ``places_taken`` for a scheduled, unblocked session; ``False`` when fewer than ``count`` are left.
- ``release_places(session_id, count, using_db=conn) -> None``: gives places back.
- ``mark_session_cancelled(session_id, using_db=conn, now=now) -> bool``: a scheduled session becomes
  cancelled (the provider cancels it, e.g. staff illness); ``False`` if it was not scheduled.
- ``set_sessions_blocked(session_ids, blocked=..., using_db=conn) -> list[UUID]`` (feeds branch):
  block or unblock sessions for new bookings (a provider's imported busy times); returns the
  sessions actually changed. Existing bookings are untouched.

Call them inside the caller's transaction, as its first statements, so the row lock is taken
before anything else is checked.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from providers.enums import SessionStatus
from providers.models import Session


async def take_places(session_id: UUID, count: int, *, using_db: BaseDBAsyncClient | None = None) -> bool:
    """Take ``count`` places on a scheduled session if that many are left; the database does the arithmetic."""
    if count <= 0:
        raise ValueError("count must be positive")
    updated = (
        await Session.filter(id=session_id, status=SessionStatus.SCHEDULED, blocked=False, places_taken__lte=F("capacity") - count)
        .using_db(using_db)
        .update(places_taken=F("places_taken") + count)
    )
    return bool(updated)


async def release_places(session_id: UUID, count: int, *, using_db: BaseDBAsyncClient | None = None) -> None:
    """Give back ``count`` places (never below zero: the CHECK constraint refuses it)."""
    if count <= 0:
        return
    await Session.filter(id=session_id).using_db(using_db).update(places_taken=F("places_taken") - count)


async def mark_session_cancelled(session_id: UUID, *, using_db: BaseDBAsyncClient | None = None, now: datetime | None = None) -> bool:
    """Mark a scheduled session cancelled; calendar subscribers see a new sequence (and, given ``now``,
    a new last-modified time)."""
    changes: dict[str, object] = {"status": SessionStatus.CANCELLED, "sequence": F("sequence") + 1}
    if now is not None:
        changes["updated_at"] = now
    updated = await Session.filter(id=session_id, status=SessionStatus.SCHEDULED).using_db(using_db).update(**changes)
    return bool(updated)


async def set_sessions_blocked(session_ids: list[UUID], *, blocked: bool, using_db: BaseDBAsyncClient | None = None) -> list[UUID]:
    """Block (or unblock) scheduled sessions for new bookings; returns the ids whose flag changed."""
    if not session_ids:
        return []
    changing = list(await Session.filter(id__in=session_ids, blocked=not blocked).using_db(using_db).values_list("id", flat=True))
    if changing:
        await Session.filter(id__in=changing, blocked=not blocked).using_db(using_db).update(blocked=blocked)
    return changing
