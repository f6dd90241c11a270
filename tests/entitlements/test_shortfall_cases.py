"""Shortfall cases (issue #21 item 3) with a controllable clock: the nightly job on a real arq worker
(the in-process queue without ``REDIS_URL``), its emails caught by a local SMTP server.

The child is agreed 3 hours every Saturday; bookings, attendance and the provider's cancellations
go through the bookings services as they would in the service.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from bookings import services
from bookings.enums import Attendance
from bookings.models import Child
from entitlements import shortfall_cases
from entitlements.enums import PackagePeriod, ShortfallAction, ShortfallEventKind, ShortfallStatus, ShortfallTrigger
from entitlements.models import ShortfallCase, ShortfallEvent
from entitlements.shortfall import Figures, PackageShortfall, child_shortfalls
from providers.models import Session
from shortbreaks import jobs
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import load_principal
from shortbreaks.audit import AuditEvent
from shortbreaks.clock import LONDON, FrozenClock, london
from shortbreaks.errors import Conflict, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage
from tests.bookings.conftest import Inbox, grant, make_child, make_family, make_service, make_session, make_staff
from tests.entitlements.conftest import Council, RunJobs, agree, make_user

_runs = iter(range(1, 1000))


async def nightly(run_jobs: RunJobs) -> None:
    """Queue the cron job as arq would (each run its own job id) and run the worker."""
    await jobs.enqueue("raise_shortfalls", _job_id=f"raise-shortfalls-{next(_runs)}")
    await run_jobs()


def day_of(clock: FrozenClock) -> date:
    return clock.now().astimezone(LONDON).date()


async def saturdays_booked(council: Council, family: User, child: Child, saturdays: list[date]) -> list[tuple[Session, object]]:
    service = await make_service(authority=council.authority, price=0)
    booked = []
    for saturday in saturdays:
        session = await make_session(service, starts_at=london(saturday.year, saturday.month, saturday.day, 10), hours=3)
        booked.append(
            (session, await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=london(2026, 6, 1, 9)))
        )
    return booked


async def test_two_attended_then_two_cancelled_opens_one_case_tells_family_and_officer_and_a_replacement_reduces_the_shortfall(
    council: Council, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    inbox, _url = smtp
    family = await make_family(council.authority)
    child = await make_child(family, first_name="Amir")
    await grant(child, minutes=6000)
    staff = await make_staff(council.authority)
    package = await agree(
        council, child, starts_on=date(2026, 6, 1), ends_on=date(2027, 3, 31), amounts=[(date(2026, 6, 1), 180, PackagePeriod.WEEK)]
    )
    booked = await saturdays_booked(council, family, child, [date(2026, 6, 6), date(2026, 6, 13), date(2026, 6, 20), date(2026, 6, 27)])
    for session, booking in booked[:2]:
        clock.set(session.ends_at)
        await services.record_attendance(booking, actor=staff, attendance={child.id: Attendance.ATTENDED}, now=clock.now())  # type: ignore[arg-type]

    clock.set(london(2026, 6, 14, 2, 30))  # the night after the second Saturday: on track
    await nightly(run_jobs)
    assert await ShortfallCase.all().count() == 0

    clock.set(london(2026, 6, 16, 9))
    for session, _booking in booked[2:]:
        await services.cancel_session(session.id, actor=staff, reason="Staff illness", now=clock.now())
    await run_jobs()
    inbox.messages.clear()  # the cancellation emails

    clock.set(london(2026, 6, 21, 2, 30))  # Sunday night: the week's 3 hours agreed, nothing delivered
    await nightly(run_jobs)
    await nightly(run_jobs)
    case = await ShortfallCase.get(package_id=package.id)
    assert (case.status, case.trigger, case.officer_id, case.child_id, case.opened_on) == (
        ShortfallStatus.OPEN,
        ShortfallTrigger.BEHIND,
        council.officer.id,
        child.id,
        date(2026, 6, 21),
    )
    assert (case.in_minutes, case.agreed, case.delivered, case.shortfall, case.percent_behind) == (True, 180, 0, 180, 100)
    assert inbox.subjects() == sorted(
        [
            (family.email, "Amir's short breaks: Westshire Council is looking into it"),
            (council.officer.email, f"Shortfall: Amir {child.last_name} is behind their agreed short breaks".replace("  ", " ")),
        ]
    )
    family_mail = next(m for m in inbox.messages if m["To"] == family.email).get_payload(decode=True).decode()
    assert "nothing used or booked of 3 hours agreed so far" in family_mail
    assert f"/children/{child.id}/short-breaks" in family_mail and "complain" in family_mail
    officer_mail = next(m for m in inbox.messages if m["To"] == council.officer.email).get_payload(decode=True).decode()
    assert f"/authority/shortfalls/{case.id}" in officer_mail
    kinds = [e.kind for e in await ShortfallEvent.filter(case_id=case.id).order_by("created_at")]
    assert kinds == [ShortfallEventKind.OPENED, ShortfallEventKind.FAMILY_TOLD, ShortfallEventKind.OFFICER_TOLD]
    assert await AuditEvent.filter(action="entitlements.shortfall_case.opened", record_id=str(case.id)).count() == 1

    # The next night the new week is behind too, but the case is open: nothing new.
    clock.set(london(2026, 6, 22, 2, 30))
    await nightly(run_jobs)
    assert await ShortfallCase.all().count() == 1 and len(inbox.messages) == 2
    [before] = await child_shortfalls(council.profile.id, child.id, day=day_of(clock))
    assert (before.minutes.agreed, before.minutes.booked, before.minutes.cancelled_by_provider, before.minutes.shortfall) == (
        26,
        0,
        180,
        26,
    )

    # A replacement session this week, booked: the shortfall falls.
    replacement = await make_session(await make_service(authority=council.authority, price=0), starts_at=london(2026, 6, 28, 10), hours=2)
    await services.create_booking(family, session_id=replacement.id, child_ids=[child.id], now=clock.now())
    [after] = await child_shortfalls(council.profile.id, child.id, day=day_of(clock))
    assert (after.minutes.booked, after.minutes.shortfall) == (120, 0)


async def test_weeks_with_nothing_attended_open_an_idle_case_even_when_the_month_is_booked(
    council: Council, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    family = await make_family(council.authority)
    idle, busy = await make_child(family, first_name="Maya"), await make_child(family, first_name="Zain")
    for child in (idle, busy):
        await grant(child, minutes=6000)
        await agree(
            council, child, starts_on=date(2026, 5, 1), ends_on=date(2027, 3, 31), amounts=[(date(2026, 5, 1), 600, PackagePeriod.MONTH)]
        )
    service = await make_service(authority=council.authority, price=0)
    late = await make_session(service, starts_at=london(2026, 6, 30, 9), hours=10, capacity=5)
    await services.create_booking(family, session_id=late.id, child_ids=[idle.id, busy.id], now=london(2026, 6, 1, 9))
    attended = await make_session(service, starts_at=london(2026, 6, 6, 10), hours=1)
    booking = await services.create_booking(family, session_id=attended.id, child_ids=[busy.id], now=london(2026, 6, 1, 9))
    clock.set(attended.ends_at)
    await services.record_attendance(
        booking, actor=await make_staff(council.authority), attendance={busy.id: Attendance.ATTENDED}, now=clock.now()
    )

    clock.set(london(2026, 6, 20, 2, 30))  # 600 × 20 / 30 = 400 agreed so far, 600 booked: not behind
    await nightly(run_jobs)
    [case] = await ShortfallCase.all()
    assert (case.child_id, case.trigger, case.shortfall) == (idle.id, ShortfallTrigger.IDLE, 0)
    opened = await ShortfallEvent.get(case_id=case.id, kind=ShortfallEventKind.OPENED)
    assert opened.note.startswith("Nothing delivered for weeks: Nothing attended in 4 weeks")


async def behind_case(council: Council, clock: FrozenClock, run_jobs: RunJobs, *, family: User | None = None) -> ShortfallCase:
    """A case opened on Monday 22 June 2026 for a weekly package with nothing booked."""
    child = await make_child(family or await make_family(council.authority))
    await agree(
        council, child, starts_on=date(2026, 6, 1), ends_on=date(2027, 3, 31), amounts=[(date(2026, 6, 1), 180, PackagePeriod.WEEK)]
    )
    clock.set(london(2026, 6, 22, 2, 30))
    await nightly(run_jobs)
    return await ShortfallCase.get(child_id=child.id)


async def test_a_case_left_open_goes_to_the_councils_manager_after_its_working_days_once(
    council: Council, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    inbox, _url = smtp
    manager = await make_user(role=Role.LA_OFFICER, organisation=council.authority)
    settings = shortfall_cases.Settings(percent=25, idle_weeks=4, escalate_days=10, manager_id=manager.id)
    await shortfall_cases.save_settings(council.officer_p, council.profile, settings, now=clock.now())
    case = await behind_case(council, clock, run_jobs)
    inbox.messages.clear()

    clock.set(london(2026, 7, 3, 2, 30))  # 9 working days after Monday 22 June
    await nightly(run_jobs)
    assert (await ShortfallCase.get(id=case.id)).status is ShortfallStatus.OPEN
    clock.set(london(2026, 7, 6, 2, 30))  # the 10th
    await nightly(run_jobs)
    await nightly(run_jobs)
    case = await ShortfallCase.get(id=case.id)
    assert (case.status, case.escalated_to_id, case.escalated_at) == (ShortfallStatus.ESCALATED, manager.id, clock.now())
    assert [m["To"] for m in inbox.messages] == [manager.email]
    assert await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.ESCALATED).count() == 1


async def test_the_officer_records_what_was_done_and_closes_the_case_and_each_step_is_audited(
    council: Council, clock: FrozenClock, smtp: tuple[Inbox, str], run_jobs: RunJobs
) -> None:
    case = await behind_case(council, clock, run_jobs)
    now = clock.now()
    with pytest.raises(ValidationFailed, match="Record what was done before closing the case"):
        await shortfall_cases.close_case(council.officer_p, case.id, "", now=now)
    with pytest.raises(NotFound):
        await shortfall_cases.record_action(council.other_officer_p, case.id, ShortfallAction.DIRECT_PAYMENT, "", now=now)
    with pytest.raises(ValidationFailed, match="Say what was done"):
        await shortfall_cases.record_action(council.officer_p, case.id, ShortfallAction.OTHER, "  ", now=now)
    assert await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.ACTION).count() == 0

    await shortfall_cases.record_action(
        council.officer_p, case.id, ShortfallAction.ALTERNATIVE_OFFERED, "Saturday club at Hollybank", now=now
    )
    await shortfall_cases.close_case(council.officer_p, case.id, "Family booked Hollybank", now=now + timedelta(minutes=5))
    case = await ShortfallCase.get(id=case.id)
    assert (case.status, case.closed_by_id) == (ShortfallStatus.CLOSED, council.officer.id)
    with pytest.raises(Conflict, match="closed"):
        await shortfall_cases.record_action(council.officer_p, case.id, ShortfallAction.NEW_PROVIDER, "", now=now)
    actions = await AuditEvent.filter(record_id=str(case.id)).order_by("created_at").values_list("action", flat=True)
    assert actions == [
        "entitlements.shortfall_case.opened",
        "entitlements.shortfall_case.action",
        "entitlements.shortfall_case.closed",
    ]

    # Closed, the package can have a new case the next time it falls behind.
    clock.set(london(2026, 6, 29, 2, 30))
    await nightly(run_jobs)
    assert await ShortfallCase.filter(package_id=case.package_id).count() == 2


async def test_the_settings_take_only_the_councils_officers_as_manager(council: Council, clock: FrozenClock) -> None:
    outsider = await load_principal(council.other_officer)
    settings = shortfall_cases.Settings(percent=50, idle_weeks=6, escalate_days=5, manager_id=council.other_officer.id)
    with pytest.raises(ValidationFailed, match="Select an officer of this council"):
        await shortfall_cases.save_settings(council.officer_p, council.profile, settings, now=clock.now())
    with pytest.raises(NotFound):
        await shortfall_cases.save_settings(outsider, council.profile, settings, now=clock.now())
    await shortfall_cases.save_settings(
        council.officer_p, council.profile, shortfall_cases.Settings(50, 6, 5, council.officer.id), now=clock.now()
    )
    await council.profile.refresh_from_db()
    assert (council.profile.shortfall_percent, council.profile.shortfall_idle_weeks, council.profile.shortfall_escalate_days) == (50, 6, 5)


def test_due_counts_behind_from_the_threshold_and_idle_only_with_something_agreed() -> None:
    def row(agreed: int, delivered: int) -> PackageShortfall:
        short = max(agreed - delivered, 0)
        figures = Figures(agreed, delivered, 0, 0, 0, 0, 0, 0, short, short * 100 // agreed if agreed else 0)
        nothing = Figures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return PackageShortfall(
            uuid.uuid4(),
            uuid.uuid4(),
            None,
            date(2026, 6, 1),
            PackagePeriod.WEEK,
            date(2026, 6, 1),
            date(2026, 6, 7),
            1,
            True,
            False,
            figures,
            nothing,
            0,
        )

    at, under, nothing_agreed, idle = row(100, 75), row(100, 76), row(0, 0), row(100, 100)
    found = shortfall_cases.due([at, under, nothing_agreed, idle], {idle.package_id, nothing_agreed.package_id}, percent=25)
    assert [(r.package_id, t) for r, t in found] == [(at.package_id, ShortfallTrigger.BEHIND), (idle.package_id, ShortfallTrigger.IDLE)]


@pytest.mark.postgres
async def test_eight_nightly_runs_at_once_open_one_case_per_package_and_racing_closes_close_once(
    council: Council, clock: FrozenClock
) -> None:
    children = [await make_child(await make_family(council.authority)) for _ in range(3)]
    for child in children:
        await agree(
            council, child, starts_on=date(2026, 6, 1), ends_on=date(2027, 3, 31), amounts=[(date(2026, 6, 1), 180, PackagePeriod.WEEK)]
        )
    clock.set(london(2026, 6, 22, 2, 30))
    results = await asyncio.gather(*(shortfall_cases.run_nightly(now=clock.now(), base_url="http://test") for _ in range(8)))
    assert sum(r.opened for r in results) == 3
    assert await ShortfallCase.all().count() == 3
    assert await OutboxMessage.filter(dedupe_key__startswith="shortfall-family:").count() == 3

    # Two officers closing at once after one action: one closes it, the other is told it is closed.
    case = await ShortfallCase.first()
    assert case is not None
    await shortfall_cases.record_action(council.officer_p, case.id, ShortfallAction.NEW_PROVIDER, "Hollybank", now=clock.now())
    outcomes = await asyncio.gather(
        *(shortfall_cases.close_case(council.officer_p, case.id, "", now=clock.now()) for _ in range(4)), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Conflict", "Conflict", "ShortfallCase"]
    assert await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.CLOSED).count() == 1
