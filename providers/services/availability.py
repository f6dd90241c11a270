"""Availability rules and closures: when a service runs and when it does not; each change
re-materialises the service's sessions in the same transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from providers.errors import OverlappingClosure
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from providers.recurrence import bank_holidays, occurrences, parse_start_time, weekly_rrule
from providers.schemas import ClosureIn, PreviewDate, RuleFormIn, RuleIn
from providers.services.common import actor_user, check_manage, merge
from providers.services.sessions import _materialise, _refusal, _remove_sessions
from shortbreaks import audit
from shortbreaks.clock import LONDON
from shortbreaks.errors import FieldError
from shortbreaks.permissions import Principal


def _rule_input(rule: AvailabilityRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RuleIn.model_fields}


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def _service_provider(service: Service) -> Provider:
    return await Provider.get(id=service.provider_id)


PREVIEW_COUNT = 10
PREVIEW_SPAN = timedelta(days=2 * 366)


def rule_from_form(form: RuleFormIn) -> RuleIn:
    """The rule the availability form describes: its days (or the raw RRULE) and its length from start to end."""
    start = datetime.combine(date(2026, 1, 1), parse_start_time(form.start_time))
    end = datetime.combine(date(2026, 1, 1), parse_start_time(form.end_time))
    return RuleIn(
        rrule=form.rrule or weekly_rrule(list(form.weekdays), every_weeks=form.every_weeks),
        start_time=form.start_time,
        duration_minutes=int((end - start).total_seconds() // 60),
        staff_count=form.staff_count,
        valid_from=form.valid_from,
        valid_until=form.valid_until,
    )


async def preview_rule(service: Service, data: RuleIn, *, now: datetime, count: int = PREVIEW_COUNT) -> list[PreviewDate]:
    """The next ``count`` dates the rule makes (from now or its start), each marked when it is a bank
    holiday or inside a closure. Nothing is saved; a date marked ``closed`` gets no session."""
    window = {"after": now, "until": now + PREVIEW_SPAN}
    starts = occurrences(data.rrule, start_time=data.start_time, valid_from=data.valid_from, valid_until=data.valid_until, **window)[:count]
    closures = await Closure.filter(service_id=service.id).order_by("starts_on")
    holidays = bank_holidays()
    out = []
    for starts_at in starts:
        day = starts_at.astimezone(LONDON).date()
        closure = next((c for c in closures if c.starts_on <= day <= c.ends_on), None)
        holiday = day in holidays
        closed = closure is not None or (holiday and service.closed_on_bank_holidays)
        reason = closure.reason or "Closed" if closure is not None else "Closed on bank holidays" if closed else ""
        out.append(PreviewDate(starts_at=starts_at, bank_holiday=holiday, closed=closed, closure_reason=reason))
    return out


async def create_rule(service: Service, data: RuleIn, *, actor: Principal | None, now: datetime) -> AvailabilityRule:
    """Add an availability rule and materialise its sessions for the horizon at once."""
    check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        rule = await AvailabilityRule.create(service_id=service.id, using_db=conn, **data.model_dump())
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.rule.created",
            actor=actor_user(actor),
            record_type="availability_rule",
            record_id=rule.id,
            now=now,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return rule


async def update_rule(rule: AvailabilityRule, changes: dict[str, Any], *, actor: Principal | None, now: datetime) -> AvailabilityRule:
    """Change a rule and re-materialise; refused, with the sessions listed, if booked sessions would go or move."""
    service = await Service.get(id=rule.service_id)
    check_manage(actor, await _service_provider(service))
    before = _rule_input(rule)
    data: RuleIn = merge(RuleIn, before, changes)
    async with in_transaction() as conn:
        await AvailabilityRule.filter(id=rule.id).using_db(conn).update(**data.model_dump(), updated_at=now)
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.rule.updated",
            actor=actor_user(actor),
            record_type="availability_rule",
            record_id=rule.id,
            now=now,
            before=_audit_values(before),
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    await rule.refresh_from_db()
    return rule


async def delete_rule(rule: AvailabilityRule, *, actor: Principal | None, now: datetime) -> None:
    """Remove a rule and its future sessions; refused if any of them has bookings. Past sessions stay."""
    service = await Service.get(id=rule.service_id)
    check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        booked = await Session.filter(rule_id=rule.id, starts_at__gt=now, places_taken__gt=0).using_db(conn).order_by("starts_at")
        if booked:
            raise _refusal(booked)
        unbooked = await Session.filter(rule_id=rule.id, starts_at__gt=now, places_taken=0).using_db(conn).values("id")
        await _remove_sessions([row["id"] for row in unbooked], now=now, conn=conn)
        await AvailabilityRule.filter(id=rule.id).using_db(conn).delete()
        await audit.record(
            "providers.rule.deleted",
            actor=actor_user(actor),
            record_type="availability_rule",
            record_id=rule.id,
            now=now,
            before=_audit_values(_rule_input(rule)),
            using_db=conn,
        )


async def create_closure(service: Service, data: ClosureIn, *, actor: Principal | None, now: datetime) -> Closure:
    """Close a service for a date range (London dates, inclusive); its sessions on those dates go.

    Refused when it overlaps another closure, or when a session on those dates has bookings.
    """
    check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        overlapping = (
            await Closure.filter(service_id=service.id, starts_on__lte=data.ends_on, ends_on__gte=data.starts_on).using_db(conn).first()
        )
        if overlapping is not None:
            message = f"This overlaps the closure from {overlapping.starts_on:%-d %B %Y} to {overlapping.ends_on:%-d %B %Y}"
            raise OverlappingClosure(message, errors=[FieldError("starts_on", message)])
        closure = await Closure.create(service_id=service.id, using_db=conn, **data.model_dump())
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.closure.created",
            actor=actor_user(actor),
            record_type="closure",
            record_id=closure.id,
            now=now,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return closure


async def delete_closure(closure: Closure, *, actor: Principal | None, now: datetime) -> None:
    """Reopen the dates of a closure: its sessions are materialised again."""
    service = await Service.get(id=closure.service_id)
    check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        await Closure.filter(id=closure.id).using_db(conn).delete()
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.closure.deleted",
            actor=actor_user(actor),
            record_type="closure",
            record_id=closure.id,
            now=now,
            before={"starts_on": closure.starts_on.isoformat(), "ends_on": closure.ends_on.isoformat()},
            using_db=conn,
        )
