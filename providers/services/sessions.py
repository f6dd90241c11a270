"""Sessions materialised from availability rules for a rolling horizon (:data:`HORIZON`).

Materialising twice changes nothing: sessions are keyed by (rule, start). A session with bookings
(``places_taken > 0``) is never deleted or moved: a change that would do so is refused with
:class:`providers.errors.BookedSessionsAffected`, listing the sessions. ``_materialise`` and
``_remove_sessions`` run inside the caller's transaction, on the connection they are given."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from providers.enums import SessionStatus
from providers.errors import BookedSessionsAffected
from providers.models import AvailabilityRule, Closure, Service, Session
from providers.recurrence import bank_holidays, occurrences
from shortbreaks.clock import LONDON
from shortbreaks.errors import FieldError

log = logging.getLogger("providers.services")

HORIZON = timedelta(weeks=16)


@dataclass
class MaterialiseResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    refused: list[Session] = field(default_factory=list)


def describe_session(session: Session) -> str:
    when = session.starts_at.astimezone(LONDON).strftime("%A %-d %B %Y at %H:%M")
    return f"{when} ({session.places_taken} booked)"


def _refusal(sessions: list[Session]) -> BookedSessionsAffected:
    listed = "; ".join(describe_session(s) for s in sessions)
    error = BookedSessionsAffected(
        f"This change would remove or move {len(sessions)} session(s) that have bookings: {listed}. "
        "Cancel those bookings first, or keep these sessions.",
        sessions=sessions,
    )
    error.errors = [FieldError("sessions", describe_session(s)) for s in sessions]
    return error


async def _materialise(service: Service, *, now: datetime, conn: BaseDBAsyncClient, strict: bool) -> MaterialiseResult:
    """Make the service's sessions in (now, now + HORIZON] match its rules, closures and capacity.

    ``strict``: raise :class:`BookedSessionsAffected` before writing anything if booked
    sessions would be removed, moved or left with fewer places than booked. Otherwise
    (the cron job) leave those sessions as they are and apply the rest.
    """
    until = now + HORIZON
    rules = await AvailabilityRule.filter(service_id=service.id).using_db(conn)
    closures = [(c.starts_on, c.ends_on) for c in await Closure.filter(service_id=service.id).using_db(conn)]
    holidays = bank_holidays() if service.closed_on_bank_holidays else frozenset()
    desired: dict[tuple[UUID, datetime], dict[str, Any]] = {}
    for rule in rules:
        capacity = service.capacity_for(rule.staff_count)
        for starts_at in occurrences(
            rule.rrule, start_time=rule.start_time, valid_from=rule.valid_from, valid_until=rule.valid_until, after=now, until=until
        ):
            local_date = starts_at.astimezone(LONDON).date()
            if local_date in holidays or any(start <= local_date <= end for start, end in closures):
                continue
            desired[(rule.id, starts_at)] = {
                "ends_at": starts_at + timedelta(minutes=rule.duration_minutes),
                "capacity": capacity,
                "local_date": local_date,
                "local_weekday": local_date.weekday(),
            }
    existing = await Session.filter(service_id=service.id, starts_at__gt=now, starts_at__lte=until).using_db(conn)
    result = MaterialiseResult()
    to_delete: list[UUID] = []
    to_update: list[tuple[Session, dict[str, Any]]] = []
    seen: set[tuple[UUID, datetime]] = set()
    for session in existing:
        key = (session.rule_id, session.starts_at) if session.rule_id is not None else None
        if key is None or session.status == SessionStatus.CANCELLED:
            if key is not None:
                seen.add(key)
            continue
        want = desired.get(key)
        if want is None:
            if session.places_taken > 0:
                result.refused.append(session)
            else:
                to_delete.append(session.id)
            continue
        seen.add(key)
        if want["ends_at"] != session.ends_at or want["capacity"] != session.capacity:
            if session.places_taken > 0 and (want["ends_at"] != session.ends_at or want["capacity"] < session.places_taken):
                result.refused.append(session)
            else:
                to_update.append((session, want))
    if result.refused and strict:
        raise _refusal(sorted(result.refused, key=lambda s: s.starts_at))
    if result.refused:
        log.warning("service %s: left %d booked sessions that no longer match its rules", service.id, len(result.refused))
    if to_delete:
        result.deleted = await _remove_sessions(to_delete, now=now, conn=conn)
    for session, want in to_update:
        result.updated += (
            await Session.filter(id=session.id, places_taken__lte=want["capacity"])
            .using_db(conn)
            .update(ends_at=want["ends_at"], capacity=want["capacity"], sequence=F("sequence") + 1, updated_at=now)
        )
    new = [
        Session(service_id=service.id, rule_id=rule_id, starts_at=starts_at, created_at=now, updated_at=now, **want)
        for (rule_id, starts_at), want in desired.items()
        if (rule_id, starts_at) not in seen
    ]
    if new:
        await Session.bulk_create(new, ignore_conflicts=True, using_db=conn)
        result.created = len(new)
    return result


async def _remove_sessions(session_ids: list[UUID], *, now: datetime, conn: BaseDBAsyncClient) -> int:
    """Delete sessions that have no places taken; one that another package still refers to (the
    history of a cancelled booking) is cancelled instead, so calendars drop it and history stays."""
    if not session_ids:
        return 0
    try:
        async with conn._in_transaction() as savepoint:
            return await Session.filter(id__in=session_ids, places_taken=0).using_db(savepoint).delete()
    except IntegrityError:
        pass
    removed = 0
    for session_id in session_ids:
        try:
            async with conn._in_transaction() as savepoint:
                removed += await Session.filter(id=session_id, places_taken=0).using_db(savepoint).delete()
        except IntegrityError:
            removed += (
                await Session.filter(id=session_id, places_taken=0)
                .using_db(conn)
                .update(status=SessionStatus.CANCELLED, rule_id=None, sequence=F("sequence") + 1, updated_at=now)
            )
    return removed


async def materialise_service(service: Service, *, now: datetime, strict: bool = False) -> MaterialiseResult:
    """Bring one service's sessions up to date for the horizon from ``now`` (safe to run twice)."""
    async with in_transaction() as conn:
        return await _materialise(service, now=now, conn=conn, strict=strict)


async def materialise_all(*, now: datetime) -> int:
    """Roll every service's sessions forward to the horizon (the daily cron job). Returns sessions created."""
    created = 0
    service_ids = await AvailabilityRule.all().distinct().values_list("service_id", flat=True)
    for service_id in service_ids:
        service = await Service.get_or_none(id=service_id)
        if service is not None:
            created += (await materialise_service(service, now=now)).created
    return created
