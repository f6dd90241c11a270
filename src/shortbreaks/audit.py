"""The one way to write the audit log. Call it inside the service's transaction."""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from shortbreaks.models import AuditEvent

# Set by the request-id middleware and by jobs, so audit records name their request.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), (str, int)):
        return value.value
    return value


async def record(
    action: str,
    *,
    actor: Any | None,
    record_type: str,
    record_id: object,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> AuditEvent:
    """Append one audit record. ``action`` is dotted: ``bookings.booking.cancelled``.

    ``actor`` is a ``User`` (or anything with ``id`` and ``display_name``), or ``None`` for
    the system (jobs, the CLI). Keep special-category data out of ``before``/``after``.
    """
    actor_id = getattr(actor, "id", None)
    # Never the actor's name: the log is append-only and must outlive an erasure. The id identifies them.
    label = "system" if actor is None else "user"
    return await AuditEvent.create(
        created_at=now,
        actor_id=actor_id,
        actor_label=label[:100],
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=request_id_var.get(),
        using_db=using_db,
    )


async def record_many(
    action: str,
    *,
    actor: Any | None,
    record_type: str,
    records: Sequence[tuple[object, dict[str, Any] | None]],
    now: datetime,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Append one audit record per ``(record_id, after)`` in ``records``, in one statement: what
    :func:`record` writes for each, for a job that changes many records at once (the nightly
    shortfall job opening thousands of cases; a row at a time cost it tens of seconds)."""
    actor_id = getattr(actor, "id", None)
    label = "system" if actor is None else "user"
    request_id = request_id_var.get()
    rows = [
        AuditEvent(
            created_at=now,
            actor_id=actor_id,
            actor_label=label,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            before=None,
            after=_jsonable(after) if after is not None else None,
            request_id=request_id,
        )
        for record_id, after in records
    ]
    if rows:
        await AuditEvent.bulk_create(rows, batch_size=1000, using_db=using_db)
