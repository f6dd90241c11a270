"""Provider directory use cases: the only code that changes the directory's tables.

Every function owns its transaction, re-checks the actor's permission for writes, and
writes one audit record. ``actor`` is a :class:`shortbreaks.permissions.Principal`, or
``None`` for the system (jobs, the demo loader).

Sessions are materialised from availability rules for a rolling horizon
(:data:`HORIZON`, 16 weeks) at once when a rule, closure or capacity changes, and daily
by the ``materialise_sessions`` cron job. Materialising twice changes nothing: sessions
are keyed by (rule, start). A session with bookings (``places_taken > 0``) is never
deleted or moved: a change that would do so is refused with
:class:`providers.errors.BookedSessionsAffected`, listing the sessions.

For the bookings package (which must never write these tables itself):

- ``await take_places(session_id, count, using_db=conn) -> bool``: one conditional UPDATE
  (``places_taken + count <= capacity``, scheduled, not blocked); True when the places were
  taken. Call it first inside your own transaction and pass its connection.
- ``await release_places(session_id, count, using_db=conn) -> bool``: gives places back;
  never takes ``places_taken`` below 0.
- ``providers.queries.get_session_for_booking(session_id)`` loads a session with its
  service and provider.
- ``await mark_session_cancelled(session_id, using_db=conn, now=now) -> bool``: the provider cancels a
  scheduled session (bookings cancels its bookings in the same transaction). (Added from the
  bookings branch; ``now`` from the feeds branch, so feeds see when it changed.)
- ``await set_sessions_blocked(session_ids, blocked=..., using_db=conn) -> list[UUID]``: block or
  unblock sessions for new bookings (a provider's imported busy times); returns the sessions
  whose flag changed. Existing bookings are untouched. (Added from the feeds branch.)

The database backs both with ``CHECK (places_taken BETWEEN 0 AND capacity)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from providers import permissions
from providers.enums import ProviderStatus, SessionStatus, to_mask
from providers.errors import BookedSessionsAffected, OverlappingClosure, ProviderNotPublishable
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from providers.postcodes import locate
from providers.recurrence import bank_holidays, occurrences
from providers.schemas import ClosureIn, ProviderIn, RuleIn, ServiceIn
from shortbreaks import audit, rows
from shortbreaks.accounts.enums import OrganisationKind
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal

log = logging.getLogger("providers.services")

HORIZON = timedelta(weeks=16)


def _user(actor: Principal | None) -> Any:
    return actor.user if actor is not None else None


def _field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as field errors (as :func:`shortbreaks.routing.validation_errors`, without the web layer)."""
    errors = []
    for error in exc.errors(include_url=False):
        message = "This field is required" if error["type"] == "missing" else str(error["msg"])
        errors.append(FieldError(".".join(str(part) for part in error["loc"]) or "body", message))
    return errors


def merge(model: type[BaseModel], current: dict[str, Any], changes: dict[str, Any]) -> Any:
    """Validate ``current`` with ``changes`` applied as a whole ``model`` (so cross-field rules hold on a partial update)."""
    unknown = sorted(set(changes) - set(model.model_fields) - {"from"})
    if unknown:
        raise ValidationFailed(errors=[FieldError(name, "Unknown field") for name in unknown])
    try:
        return model.model_validate({**current, **changes})
    except ValidationError as exc:
        raise ValidationFailed(errors=_field_errors(exc)) from None


def _check_manage(actor: Principal | None, provider: Provider) -> None:
    if actor is not None and not permissions.can_manage_provider(
        actor, organisation_id=provider.organisation_id, local_authority_id=provider.local_authority_id
    ):
        raise NotFound()


# --- providers -----------------------------------------------------------------------------


def provider_values(data: ProviderIn) -> dict[str, Any]:
    place = locate(data.postcode)
    return {
        "name": data.name,
        "local_authority_id": data.local_authority_id,
        "description": data.description,
        "ofsted_urn": data.ofsted_urn,
        "address": data.address,
        "postcode": place.postcode,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "contact_email": data.contact_email,
        "contact_phone": data.contact_phone,
        "website": data.website,
        "accessibility_mask": to_mask(data.accessibility),
        "languages": data.languages,
    }


def provider_input(provider: Provider) -> dict[str, Any]:
    """A provider as :class:`ProviderIn` data (to merge a partial update into)."""
    return {
        "name": provider.name,
        "local_authority_id": provider.local_authority_id,
        "description": provider.description,
        "ofsted_urn": provider.ofsted_urn,
        "address": provider.address,
        "postcode": provider.postcode,
        "contact_email": provider.contact_email,
        "contact_phone": provider.contact_phone,
        "website": provider.website,
        "accessibility": [a.value for a in provider.accessibility],
        "languages": list(provider.languages),
    }


async def _check_authority(local_authority_id: UUID) -> None:
    if not await Organisation.filter(id=local_authority_id, kind=OrganisationKind.LOCAL_AUTHORITY).exists():
        raise ValidationFailed.field("local_authority_id", "Choose a local authority")


async def create_provider(data: ProviderIn, *, organisation_id: UUID, actor: Principal | None, now: datetime) -> Provider:
    """Create a draft provider profile for an organisation; an officer of its authority publishes it."""
    if actor is not None and not permissions.can_create_provider_for(actor, organisation_id):
        raise PermissionDenied("You can only create a profile for your own organisation")
    values = provider_values(data)
    await _check_authority(data.local_authority_id)
    async with in_transaction() as conn:
        if await Provider.filter(organisation_id=organisation_id).using_db(conn).exists():
            raise ValidationFailed.field("organisation_id", "This organisation already has a provider profile")
        provider = await Provider.create(organisation_id=organisation_id, status=ProviderStatus.DRAFT, using_db=conn, **values)
        await audit.record(
            "providers.provider.created",
            actor=_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            after={"name": provider.name},
            using_db=conn,
        )
    return provider


async def update_provider(provider: Provider, changes: dict[str, Any], *, actor: Principal | None, now: datetime) -> Provider:
    """Change a provider's profile (any fields of :class:`ProviderIn`; postcode re-located)."""
    _check_manage(actor, provider)
    data: ProviderIn = merge(ProviderIn, provider_input(provider), changes)
    values = provider_values(data)
    if values["local_authority_id"] != provider.local_authority_id:
        await _check_authority(data.local_authority_id)
    async with in_transaction() as conn:
        before = provider_input(provider)
        await Provider.filter(id=provider.id).using_db(conn).update(**values, updated_at=now)
        if (values["address"], values["postcode"]) != (provider.address, provider.postcode):
            # The place changed: calendars must take the new LOCATION (RFC 5545 SEQUENCE rises).
            service_ids = await Service.filter(provider_id=provider.id).using_db(conn).values_list("id", flat=True)
            await (
                Session.filter(service_id__in=list(service_ids), starts_at__gte=now)
                .using_db(conn)
                .update(sequence=F("sequence") + 1, updated_at=now)
            )
        await audit.record(
            "providers.provider.updated",
            actor=_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            before=before,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    await provider.refresh_from_db()
    return provider


async def _set_status(
    provider: Provider, status: ProviderStatus, *, allowed_from: set[ProviderStatus], actor: Principal | None, now: datetime
) -> Provider:
    if actor is not None and not permissions.can_approve_provider(actor, local_authority_id=provider.local_authority_id):
        raise NotFound()
    if provider.status not in allowed_from:
        raise ProviderNotPublishable(f"A {provider.status.value} provider cannot be {status.value}")
    async with in_transaction() as conn:
        changed = (
            await Provider.filter(id=provider.id, status=provider.status)
            .using_db(conn)
            .update(status=status, published_at=now if status == ProviderStatus.PUBLISHED else provider.published_at, updated_at=now)
        )
        if not changed:
            raise ProviderNotPublishable("The provider changed while you were looking at it: reload and try again")
        await audit.record(
            f"providers.provider.{status.value}",
            actor=_user(actor),
            record_type="provider",
            record_id=provider.id,
            now=now,
            before={"status": provider.status},
            after={"status": status},
            using_db=conn,
        )
    await provider.refresh_from_db()
    return provider


async def publish_provider(provider: Provider, *, actor: Principal | None, now: datetime) -> Provider:
    """An officer of the provider's authority approves it: families and Open Referral UK can see it."""
    return await _set_status(
        provider, ProviderStatus.PUBLISHED, allowed_from={ProviderStatus.DRAFT, ProviderStatus.SUSPENDED}, actor=actor, now=now
    )


async def suspend_provider(provider: Provider, *, actor: Principal | None, now: datetime) -> Provider:
    """Hide a published provider from families and Open Referral UK; its sessions stay as they are."""
    return await _set_status(provider, ProviderStatus.SUSPENDED, allowed_from={ProviderStatus.PUBLISHED}, actor=actor, now=now)


# --- services ------------------------------------------------------------------------------


def service_values(data: ServiceIn) -> dict[str, Any]:
    values = data.model_dump(exclude={"needs", "funding_routes"})
    values["needs_mask"] = to_mask(data.needs)
    values["funding_mask"] = to_mask(data.funding_routes)
    return values


def service_input(service: Service) -> dict[str, Any]:
    values = {name: getattr(service, name) for name in ServiceIn.model_fields if name not in ("needs", "funding_routes")}
    values["needs"] = [n.value for n in service.needs]
    values["funding_routes"] = [f.value for f in service.funding_routes]
    return values


async def create_service(provider: Provider, data: ServiceIn, *, actor: Principal | None, now: datetime) -> Service:
    """Add a service to a provider. It has no sessions until it has an availability rule."""
    _check_manage(actor, provider)
    async with in_transaction() as conn:
        service = await Service.create(provider_id=provider.id, using_db=conn, **service_values(data))
        await audit.record(
            "providers.service.created",
            actor=_user(actor),
            record_type="service",
            record_id=service.id,
            now=now,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return service


async def update_service(service: Service, changes: dict[str, Any], *, actor: Principal | None, now: datetime) -> Service:
    """Change a service; a new staff ratio, group size or bank-holiday choice re-materialises its sessions.

    Refused (nothing written) when that would remove booked sessions or leave fewer places than are booked.
    """
    provider = await Provider.get(id=service.provider_id)
    _check_manage(actor, provider)
    data: ServiceIn = merge(ServiceIn, service_input(service), changes)
    before = service_input(service)
    async with in_transaction() as conn:
        await Service.filter(id=service.id).using_db(conn).update(**service_values(data), updated_at=now)
        updated = await Service.get(id=service.id).using_db(conn)
        await _materialise(updated, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.service.updated",
            actor=_user(actor),
            record_type="service",
            record_id=service.id,
            now=now,
            before=before,
            after=data.model_dump(mode="json"),
            using_db=conn,
        )
    return updated


# --- availability rules and closures -------------------------------------------------------


def _rule_input(rule: AvailabilityRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RuleIn.model_fields}


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def _service_provider(service: Service) -> Provider:
    return await Provider.get(id=service.provider_id)


async def create_rule(service: Service, data: RuleIn, *, actor: Principal | None, now: datetime) -> AvailabilityRule:
    """Add an availability rule and materialise its sessions for the horizon at once."""
    _check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        rule = await AvailabilityRule.create(service_id=service.id, using_db=conn, **data.model_dump())
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.rule.created",
            actor=_user(actor),
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
    _check_manage(actor, await _service_provider(service))
    before = _rule_input(rule)
    data: RuleIn = merge(RuleIn, before, changes)
    async with in_transaction() as conn:
        await AvailabilityRule.filter(id=rule.id).using_db(conn).update(**data.model_dump(), updated_at=now)
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.rule.updated",
            actor=_user(actor),
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
    _check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        booked = await Session.filter(rule_id=rule.id, starts_at__gt=now, places_taken__gt=0).using_db(conn).order_by("starts_at")
        if booked:
            raise _refusal(booked)
        unbooked = await Session.filter(rule_id=rule.id, starts_at__gt=now, places_taken=0).using_db(conn).values_list("id", flat=True)
        await _remove_sessions(list(unbooked), now=now, conn=conn)
        await AvailabilityRule.filter(id=rule.id).using_db(conn).delete()
        await audit.record(
            "providers.rule.deleted",
            actor=_user(actor),
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
    _check_manage(actor, await _service_provider(service))
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
            actor=_user(actor),
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
    _check_manage(actor, await _service_provider(service))
    async with in_transaction() as conn:
        await Closure.filter(id=closure.id).using_db(conn).delete()
        await _materialise(service, now=now, conn=conn, strict=True)
        await audit.record(
            "providers.closure.deleted",
            actor=_user(actor),
            record_type="closure",
            record_id=closure.id,
            now=now,
            before={"starts_on": closure.starts_on.isoformat(), "ends_on": closure.ends_on.isoformat()},
            using_db=conn,
        )


# --- materialising sessions ----------------------------------------------------------------


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
        key = (session.rule_id, session.starts_at) if session.rule_id is not None else None  # type: ignore[attr-defined]
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


# --- places (for the bookings package) ------------------------------------------------------


async def take_places(session_id: UUID, count: int = 1, *, using_db: BaseDBAsyncClient | None = None) -> bool:
    """Take ``count`` places in a scheduled, unblocked session if that many are free; True when taken.

    One conditional UPDATE, so concurrent callers can never overbook; run it first in the
    caller's transaction and pass that connection.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    changed = await rows.execute(  # hand-written: every booking runs it (shortbreaks.rows)
        "UPDATE providers_session SET places_taken = places_taken + {0}"
        " WHERE id = {1} AND status = {2} AND blocked = {3} AND places_taken <= capacity - {0}",
        [count, session_id, SessionStatus.SCHEDULED.value, False],
        using_db=using_db,
    )
    return changed > 0


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
    changing = list(await Session.filter(id__in=session_ids, blocked=not blocked).using_db(using_db).values_list("id", flat=True))
    if changing:
        await Session.filter(id__in=changing, blocked=not blocked).using_db(using_db).update(blocked=blocked)
    return changing
