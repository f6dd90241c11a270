"""Shortfall cases (issue #21 item 3): raised by a nightly job before a missed break becomes a complaint.

**The nightly job** (:func:`run_nightly`, cron in :mod:`entitlements.jobs`) takes each council in
turn: one statement computes every active package's period so far (:mod:`entitlements.shortfall`),
a second finds the packages whose child attended nothing for the council's ``shortfall_idle_weeks``
(:func:`entitlements.shortfall_queries.idle_packages`). A package is **due** a case when something
was agreed so far in its period and it is at least ``shortfall_percent`` behind (trigger
``behind``), or it had nothing delivered for those weeks (trigger ``idle``). For each due package
without an open case the job opens one, assigned to the package's officer, records the step and
tells the family (what the council is doing, and how to complain) and the officer, in one
transaction with the outbox. A case still open after ``shortfall_escalate_days`` working days
goes to the council's ``shortfall_manager`` (and is emailed to them, or to the council's contact
address when it has named no manager). Last, the council's sufficiency report's figures are worked
out again (:func:`entitlements.sufficiency.refresh`).

Running the job twice opens nothing new: the partial unique index
``entitlements_shortfallcase_one_open`` allows one open or escalated case per package, and each
case is written after locking its package row and re-reading; escalation is a conditional update.

**The officer** records what was done (an alternative offered, a direct payment, a new provider,
the family declined, something else) with a note, and closes the case, which needs at least one
action recorded (422 otherwise). Every step is an event on the case and an audit record. Declines
and cancellations by providers are in the figures the case shows (today's, beside those of the
night it opened). Services take ``now``; they never read the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from tortoise.backends.base.client import BaseDBAsyncClient

from bookings.models import Child
from entitlements import permissions, queries, shortfall, shortfall_queries, sufficiency, workdays
from entitlements.decision_queries import list_council_officers
from entitlements.decisions import hours_text
from entitlements.enums import ShortfallAction, ShortfallEventKind, ShortfallStatus, ShortfallTrigger
from entitlements.models import AgreedPackage, CouncilProfile, ShortfallCase, ShortfallEvent
from entitlements.services import transaction
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.errors import Conflict, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.money import format_pence
from shortbreaks.permissions import Principal

log = logging.getLogger("entitlements.shortfall_cases")

MAX_NOTE = 5000


# --- which packages are due a case ------------------------------------------------------------------------


Due = tuple[shortfall.PackageShortfall, ShortfallTrigger]


def due(rows: list[shortfall.PackageShortfall], idle: set[UUID], *, percent: int) -> list[Due]:
    """The packages that need a case, and why: ``percent`` or more behind with something agreed so far
    (``behind``), else nothing attended for the council's weeks (``idle``)."""
    found = []
    for row in rows:
        figures = row.main
        if figures.agreed > 0 and figures.shortfall > 0 and figures.percent_behind >= percent:
            found.append((row, ShortfallTrigger.BEHIND))
        elif row.package_id in idle and figures.agreed > 0:
            found.append((row, ShortfallTrigger.IDLE))
    return found


# --- the nightly job -------------------------------------------------------------------------------------


@dataclass
class NightlyResult:
    """What one run did: councils and packages looked at, cases opened and escalated."""

    councils: int = 0
    packages: int = 0
    opened: int = 0
    escalated: int = 0
    per_council: dict[str, dict[str, int]] = field(default_factory=dict)


async def run_nightly(*, now: datetime, base_url: str) -> NightlyResult:
    """Open a case for every package due one, in every council, and escalate cases left open too long."""
    result = NightlyResult()
    day = workdays.london_day(now)
    for council in await CouncilProfile.all().select_related("local_authority").order_by("slug"):
        rows = await shortfall.council_shortfalls(council.id, day=day)
        idle = await shortfall_queries.idle_packages(council.id, day, weeks=council.shortfall_idle_weeks)
        open_packages = set(
            await ShortfallCase.filter(council_id=council.id).exclude(status=ShortfallStatus.CLOSED).values_list("package_id", flat=True)
        )
        todo = [
            (row, trigger) for row, trigger in due(rows, idle, percent=council.shortfall_percent) if row.package_id not in open_packages
        ]
        opened = await open_cases(council, todo, now=now, base_url=base_url)
        escalated = await escalate_due(council, now=now, base_url=base_url)
        await sufficiency.refresh(council.id, day=day)
        result.councils += 1
        result.packages += len(rows)
        result.opened += opened
        result.escalated += escalated
        result.per_council[council.slug] = {"packages": len(rows), "opened": opened, "escalated": escalated}
    log.info("shortfall run on %s: %s", day, result)
    return result


def amount_text(value: int, in_minutes: bool) -> str:
    """Minutes as hours ("2 hours 30 minutes"), pence as pounds; nothing is "nothing"."""
    if value == 0:
        return "nothing"
    if in_minutes and value < 60:
        return f"{value} minute" + ("" if value == 1 else "s")
    return hours_text(value) if in_minutes else format_pence(value)


def figures_text(agreed: int, delivered: int, in_minutes: bool) -> str:
    """ "6 hours of 24 hours agreed so far" in words, for events and emails."""
    return f"{amount_text(delivered, in_minutes)} used or booked of {amount_text(agreed, in_minutes)} agreed so far"


async def _event(
    case: ShortfallCase,
    kind: ShortfallEventKind,
    *,
    now: datetime,
    conn: BaseDBAsyncClient,
    actor_id: UUID | None = None,
    note: str = "",
    action: ShortfallAction | None = None,
) -> None:
    await ShortfallEvent.create(case_id=case.id, kind=kind, action=action, note=note, actor_id=actor_id, at=now, using_db=conn)


CHUNK = 500  # cases opened per transaction


def _chunks(items: list[Due], size: int = CHUNK) -> list[list[Due]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def open_cases(council: CouncilProfile, rows: list[Due], *, now: datetime, base_url: str) -> int:
    """Open a case for each of ``rows``' packages that has none open, tell each family and officer; how many.

    A few hundred at a time, each lot in one transaction with bulk inserts (a row at a time, the first
    night of a council of 100,000 children took tens of seconds more: bench/README.md). The council's
    row is locked first, so two runs for one council take turns and the second sees the first's
    cases (the partial unique index would refuse a second open case anyway).
    """
    opened = 0
    for chunk in _chunks(rows):
        async with transaction() as conn:
            await CouncilProfile.filter(id=council.id).select_for_update().using_db(conn).first()
            ids = [row.package_id for row, _ in chunk]
            already = set(
                await ShortfallCase.filter(package_id__in=ids)
                .exclude(status=ShortfallStatus.CLOSED)
                .using_db(conn)
                .values_list("package_id", flat=True)
            )
            todo = [(row, trigger) for row, trigger in chunk if row.package_id not in already]
            if not todo:
                continue
            packages = {p.id: p for p in await AgreedPackage.filter(id__in=[r.package_id for r, _ in todo]).using_db(conn)}
            children = {c.id: c for c in await Child.filter(id__in=[p.child_id for p in packages.values()]).using_db(conn)}
            people = {p.officer_id for p in packages.values()} | {c.family_id for c in children.values()}
            emails = {u.id: u.email for u in await User.filter(id__in=[i for i in people if i], is_active=True).using_db(conn)}
            cases, events, audits, messages = [], [], [], []
            for row, trigger in todo:
                package = packages[row.package_id]
                child = children[package.child_id]
                case = _new_case(council, package, row, trigger, now=now)
                summary = figures_text(row.main.agreed, row.main.delivered, row.in_minutes)
                if trigger is ShortfallTrigger.IDLE:
                    summary = f"Nothing attended in {council.shortfall_idle_weeks} weeks; {summary}"
                cases.append(case)
                events.append(ShortfallEvent(case_id=case.id, kind=ShortfallEventKind.OPENED, note=f"{trigger.label}: {summary}", at=now))
                audits.append((case.id, {"package_id": package.id, "trigger": trigger, "agreed": case.agreed, "delivered": case.delivered}))
                reply_by = workdays.add_working_days(row.day, council.shortfall_escalate_days)
                if (to := emails.get(child.family_id)) is not None:
                    messages.append(_family_email(council, child, case, summary, reply_by, to=to, base_url=base_url))
                    events.append(
                        ShortfallEvent(
                            case_id=case.id, kind=ShortfallEventKind.FAMILY_TOLD, note="Emailed what the council is doing", at=now
                        )
                    )
                if package.officer_id is not None and (to := emails.get(package.officer_id)) is not None:
                    messages.append(_officer_email(child, case, summary, reply_by, to=to, base_url=base_url))
                    events.append(
                        ShortfallEvent(case_id=case.id, kind=ShortfallEventKind.OFFICER_TOLD, note="Emailed the child's officer", at=now)
                    )
            await ShortfallCase.bulk_create(cases, batch_size=1000, using_db=conn)
            await ShortfallEvent.bulk_create(events, batch_size=1000, using_db=conn)
            await audit.record_many(
                "entitlements.shortfall_case.opened", actor=None, record_type="shortfall_case", records=audits, now=now, using_db=conn
            )
            written = await mail.queue_new_emails(messages, now=now, using_db=conn)
        await mail.deliver_committed(written)
        opened += len(cases)
    return opened


def _new_case(
    council: CouncilProfile, package: AgreedPackage, row: shortfall.PackageShortfall, trigger: ShortfallTrigger, *, now: datetime
) -> ShortfallCase:
    figures = row.main
    return ShortfallCase(
        id=uuid4(),
        council_id=council.id,
        package_id=package.id,
        child_id=package.child_id,
        officer_id=package.officer_id,
        status=ShortfallStatus.OPEN,
        trigger=trigger,
        opened_on=row.day,
        opened_at=now,
        period_starts=row.period_starts,
        period_ends=row.period_ends,
        in_minutes=row.in_minutes,
        agreed=figures.agreed,
        delivered=figures.delivered,
        shortfall=figures.shortfall,
        percent_behind=figures.percent_behind,
    )


def _family_email(
    council: CouncilProfile, child: Child, case: ShortfallCase, summary: str, reply_by: date, *, to: str, base_url: str
) -> tuple[str, str, str, str]:
    name = council.local_authority.name
    body = (
        f"{child.first_name} has had fewer short breaks than {name} agreed: {summary} (from {case.period_starts:%-d %B %Y}).\n\n"
        f"We have asked {child.first_name}'s officer to find out why and to contact you"
        f" by {reply_by:%A %-d %B %Y} about another break, another provider or a direct payment.\n\n"
        f"What {child.first_name} has been agreed, used and booked:\n{base_url}/children/{child.id}/short-breaks\n\n"
        "If you are not getting what was agreed, you can complain to the council; the page above says how.\n"
    )
    return to, f"{child.first_name}'s short breaks: {name} is looking into it", body, f"shortfall-family:{case.id}"


def _officer_email(child: Child, case: ShortfallCase, summary: str, reply_by: date, *, to: str, base_url: str) -> tuple[str, str, str, str]:
    name = f"{child.first_name} {child.last_name}".strip()
    body = (
        f"{name}: {summary}.\n\n"
        f"Contact the family by {reply_by:%A %-d %B %Y}; the case goes to a manager after that.\n"
        f"Record what you did and close the case:\n{base_url}/authority/shortfalls/{case.id}\n"
    )
    return to, f"Shortfall: {name} is behind their agreed short breaks", body, f"shortfall-officer:{case.id}"


async def escalate_due(council: CouncilProfile, *, now: datetime, base_url: str) -> int:
    """Escalate the council's cases open for ``shortfall_escalate_days`` working days or more, in one
    transaction (the council's row locked first, so runs take turns), and email the manager one list of
    them; how many. (After a big first night, thousands fall due on the same day.)"""
    day = workdays.london_day(now)
    messages: list[OutboxMessage | None] = []
    async with transaction() as conn:
        await CouncilProfile.filter(id=council.id).select_for_update().using_db(conn).first()
        open_cases = await ShortfallCase.filter(council_id=council.id, status=ShortfallStatus.OPEN).select_related("child").using_db(conn)
        due_cases = [c for c in open_cases if workdays.add_working_days(c.opened_on, council.shortfall_escalate_days) <= day]
        if not due_cases:
            return 0
        for i in range(0, len(due_cases), 1000):
            await (
                ShortfallCase.filter(id__in=[c.id for c in due_cases[i : i + 1000]])
                .using_db(conn)
                .update(status=ShortfallStatus.ESCALATED, escalated_at=now, escalated_to_id=council.shortfall_manager_id)
            )
        note = f"Still open after {council.shortfall_escalate_days} working days"
        await ShortfallEvent.bulk_create(
            [ShortfallEvent(case_id=c.id, kind=ShortfallEventKind.ESCALATED, note=note, at=now) for c in due_cases],
            batch_size=1000,
            using_db=conn,
        )
        records = [(c.id, {"escalated_to": council.shortfall_manager_id}) for c in due_cases]
        await audit.record_many(
            "entitlements.shortfall_case.escalated", actor=None, record_type="shortfall_case", records=records, now=now, using_db=conn
        )
        to = await queries.active_email(council.shortfall_manager_id, conn) or council.local_authority.contact_email or None
        if to:
            lines = [
                f"- {c.child.first_name} {c.child.last_name}".rstrip()
                + f", opened {c.opened_on:%-d %B %Y}: {base_url}/authority/shortfalls/{c.id}"
                for c in due_cases[:50]
            ]
            more = f"\n…and {len(due_cases) - 50} more." if len(due_cases) > 50 else ""
            count = f"{len(due_cases)} shortfall case" + ("" if len(due_cases) == 1 else "s")
            body = (
                f"{count} had no outcome for {council.shortfall_escalate_days} working days and now come to you:\n\n"
                + "\n".join(lines)
                + more
                + f"\n\nAll open cases: {base_url}/authority/shortfalls\n"
            )
            messages.append(
                await mail.queue_email(
                    to=to,
                    subject=f"Escalated to you: {count}",
                    body=body,
                    dedupe_key=f"shortfall-escalated:{council.id}:{day.isoformat()}",
                    now=now,
                    using_db=conn,
                )
            )
    await mail.deliver_committed(messages)
    return len(due_cases)


# --- the officer's side ----------------------------------------------------------------------------------


async def get_case_for_officer(principal: Principal, case_id: UUID) -> ShortfallCase:
    """A case of a council the officer works for, else :class:`NotFound` (another council's case is not there)."""
    case = await ShortfallCase.get_or_none(id=case_id).select_related("council__local_authority", "child", "package")
    if case is None or not permissions.is_officer_for(principal, case.council.local_authority_id):
        raise NotFound("There is no shortfall case with that reference")
    return case


async def _locked_open_case(principal: Principal, case_id: UUID, conn: BaseDBAsyncClient) -> ShortfallCase:
    await get_case_for_officer(principal, case_id)
    case = await ShortfallCase.filter(id=case_id).select_for_update().using_db(conn).first()
    if case is None:
        raise NotFound("There is no shortfall case with that reference")
    if case.status is ShortfallStatus.CLOSED:
        raise Conflict("This case is closed")
    return case


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed.field("note", f"The note must be {MAX_NOTE:,} characters or fewer")
    return note


async def record_action(
    principal: Principal, case_id: UUID, action: ShortfallAction, note: str, *, now: datetime, close: bool = False
) -> ShortfallCase:
    """Record what the officer did about the case; with ``close``, close it too (in the same transaction)."""
    note = _note(note)
    if action is ShortfallAction.OTHER and not note:
        raise ValidationFailed.field("note", "Say what was done")
    async with transaction() as conn:
        case = await _locked_open_case(principal, case_id, conn)
        await _event(case, ShortfallEventKind.ACTION, now=now, conn=conn, actor_id=principal.id, note=note, action=action)
        await audit.record(
            "entitlements.shortfall_case.action",
            actor=principal.user,
            record_type="shortfall_case",
            record_id=case.id,
            now=now,
            after={"action": action, "note": note},
            using_db=conn,
        )
        if close:
            await _close(principal, case, now=now, conn=conn, note="")
    return case


async def close_case(principal: Principal, case_id: UUID, note: str, *, now: datetime) -> ShortfallCase:
    """Close the case; it needs at least one action recorded first (422 otherwise)."""
    note = _note(note)
    async with transaction() as conn:
        case = await _locked_open_case(principal, case_id, conn)
        await _close(principal, case, now=now, conn=conn, note=note)
    return case


async def _close(principal: Principal, case: ShortfallCase, *, now: datetime, conn: BaseDBAsyncClient, note: str) -> None:
    if not await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.ACTION).using_db(conn).exists():
        raise ValidationFailed.field("action", "Record what was done before closing the case")
    await ShortfallCase.filter(id=case.id).using_db(conn).update(status=ShortfallStatus.CLOSED, closed_at=now, closed_by_id=principal.id)
    await _event(case, ShortfallEventKind.CLOSED, now=now, conn=conn, actor_id=principal.id, note=note)
    await audit.record(
        "entitlements.shortfall_case.closed",
        actor=principal.user,
        record_type="shortfall_case",
        record_id=case.id,
        now=now,
        before={"status": case.status},
        after={"status": ShortfallStatus.CLOSED},
        using_db=conn,
    )
    case.status, case.closed_at, case.closed_by_id = ShortfallStatus.CLOSED, now, principal.id


async def list_cases(principal: Principal, *, status: ShortfallStatus | None = None) -> list[ShortfallCase]:
    """The cases of every council the officer works for (all but closed ones unless ``status`` says):
    escalated first, then the oldest first."""
    query = ShortfallCase.filter(council__local_authority_id__in=permissions.officer_authority_ids(principal))
    query = query.filter(status=status) if status is not None else query.exclude(status=ShortfallStatus.CLOSED)
    cases = await query.select_related("child", "officer", "council__local_authority").order_by("opened_at").limit(500)
    return sorted(cases, key=lambda c: c.status is not ShortfallStatus.ESCALATED)


async def case_events(case: ShortfallCase) -> list[ShortfallEvent]:
    return await ShortfallEvent.filter(case_id=case.id).select_related("actor").order_by("at", "created_at")


async def today_figures(case: ShortfallCase, *, now: datetime) -> shortfall.PackageShortfall | None:
    """The case's package's period so far today (``None`` once the package has ended)."""
    rows = await shortfall.child_shortfalls(case.council_id, case.child_id, day=workdays.london_day(now))
    return next((r for r in rows if r.package_id == case.package_id), None)


async def open_cases_for_child(child_id: UUID) -> list[ShortfallCase]:
    """The child's open or escalated cases (the family's page says the council is looking into it)."""
    return await ShortfallCase.filter(child_id=child_id).exclude(status=ShortfallStatus.CLOSED).order_by("opened_at")


# --- the council's thresholds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """When the nightly job opens and escalates cases for a council."""

    percent: int
    idle_weeks: int
    escalate_days: int
    manager_id: UUID | None


async def save_settings(principal: Principal, council: CouncilProfile, settings: Settings, *, now: datetime) -> None:
    """Set the council's thresholds and manager (an active officer of the council, else 422)."""
    if not permissions.is_officer_for(principal, council.local_authority_id):
        raise NotFound("There is no council with that address")
    officers = {u.id for u in await list_council_officers(council.local_authority_id)}
    if settings.manager_id is not None and settings.manager_id not in officers:
        raise ValidationFailed.field("manager_id", "Select an officer of this council")
    before: dict[str, Any] = {
        "percent": council.shortfall_percent,
        "idle_weeks": council.shortfall_idle_weeks,
        "escalate_days": council.shortfall_escalate_days,
        "manager_id": council.shortfall_manager_id,
    }
    async with transaction() as conn:
        await (
            CouncilProfile.filter(id=council.id)
            .using_db(conn)
            .update(
                shortfall_percent=settings.percent,
                shortfall_idle_weeks=settings.idle_weeks,
                shortfall_escalate_days=settings.escalate_days,
                shortfall_manager_id=settings.manager_id,
            )
        )
        await audit.record(
            "entitlements.council.shortfall_settings",
            actor=principal.user,
            record_type="council",
            record_id=council.id,
            now=now,
            before=before,
            after={
                "percent": settings.percent,
                "idle_weeks": settings.idle_weeks,
                "escalate_days": settings.escalate_days,
                "manager_id": settings.manager_id,
            },
            using_db=conn,
        )
