"""Agreed against delivered, with a controllable clock: a child agreed 3 hours every Saturday.

Bookings, attendance and the provider's cancellations go through the bookings services, as they
would in the service; the package is written directly (its services are built elsewhere).
"""

from __future__ import annotations

from datetime import date, datetime

from bookings import services
from bookings.enums import Attendance
from entitlements.enums import PackagePeriod, PackageSource
from entitlements.models import AgreedPackage
from entitlements.shortfall import child_shortfalls, council_shortfalls, package_year, periods
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON, FrozenClock, london
from tests.bookings.conftest import grant, make_child, make_family, make_service, make_session, make_staff
from tests.entitlements.conftest import Council, agree


def today(clock: FrozenClock) -> date:
    return clock.now().astimezone(LONDON).date()


async def session_at(service: object, at: datetime, hours: float) -> object:
    return await make_session(service, starts_at=at, hours=hours)  # type: ignore[arg-type]


async def test_three_hours_every_saturday_two_attended_two_cancelled_then_a_replacement(council: Council, clock: FrozenClock) -> None:
    family = await make_family(council.authority)
    child = await make_child(family)
    await grant(child, minutes=6000, pence=100_000)
    staff: User = await make_staff(council.authority)
    service = await make_service(authority=council.authority, price=0)
    package = await agree(
        council, child, starts_on=date(2026, 6, 1), ends_on=date(2027, 3, 31), amounts=[(date(2026, 6, 1), 180, PackagePeriod.WEEK)]
    )
    saturdays = [date(2026, 6, 6), date(2026, 6, 13), date(2026, 6, 20), date(2026, 6, 27)]
    clock.set(london(2026, 6, 1, 9))
    bookings = []
    for saturday in saturdays:
        session = await make_session(service, starts_at=london(saturday.year, saturday.month, saturday.day, 10), hours=3)
        bookings.append((session, await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now())))

    # Before anything happened: Wednesday 3 June, three days of the week so far, all booked.
    clock.set(london(2026, 6, 3, 18))
    [row] = await council_shortfalls(council.profile.id, day=today(clock))
    assert (row.package_id, row.child_id, row.officer_id) == (package.id, child.id, council.officer.id)
    assert (row.per, row.period_starts, row.period_ends, row.days_so_far) == (PackagePeriod.WEEK, date(2026, 6, 1), date(2026, 6, 7), 3)
    assert row.in_minutes and not row.in_pence and row.main is row.minutes
    assert (row.minutes.agreed, row.minutes.booked, row.minutes.attended, row.minutes.shortfall) == (77, 180, 0, 0)  # 180 × 3 / 7

    # Two Saturdays attended.
    for session, booking in bookings[:2]:
        clock.set(session.ends_at)  # type: ignore[attr-defined]
        await services.record_attendance(booking, actor=staff, attendance={child.id: Attendance.ATTENDED}, now=clock.now())
    clock.set(london(2026, 6, 13, 20))
    [row] = await child_shortfalls(council.profile.id, child.id, day=today(clock))
    assert (row.minutes.agreed, row.minutes.attended, row.minutes.booked, row.minutes.shortfall) == (154, 180, 0, 0)  # 180 × 6 / 7

    # Then the provider cancels the next two.
    clock.set(london(2026, 6, 18, 9))
    for session, _ in bookings[2:]:
        await services.cancel_session(session.id, actor=staff, reason="Staff illness", now=clock.now())  # type: ignore[attr-defined]
    clock.set(london(2026, 6, 21, 20))  # Sunday: the whole week agreed, nothing delivered
    [row] = await council_shortfalls(council.profile.id, day=today(clock))
    assert (row.minutes.agreed, row.minutes.attended, row.minutes.booked, row.minutes.cancelled_by_provider) == (180, 0, 0, 180)
    assert (row.minutes.shortfall, row.minutes.percent_behind) == (180, 100)

    clock.set(london(2026, 6, 26, 12))  # Friday of the last week: 180 × 5 / 7 = 128.6 agreed
    [row] = await council_shortfalls(council.profile.id, day=today(clock))
    assert (row.minutes.agreed, row.minutes.cancelled_by_provider, row.minutes.shortfall, row.minutes.percent_behind) == (
        129,
        180,
        129,
        100,
    )

    # A two-hour replacement on the Sunday reduces the shortfall by two hours' worth.
    replacement = await make_session(service, starts_at=london(2026, 6, 28, 10), hours=2)
    await services.create_booking(family, session_id=replacement.id, child_ids=[child.id], now=clock.now())
    [row] = await council_shortfalls(council.profile.id, day=today(clock))
    assert (row.minutes.agreed, row.minutes.booked, row.minutes.shortfall, row.minutes.percent_behind) == (129, 120, 9, 6)
    assert await child_shortfalls(council.profile.id, child.id, day=today(clock)) == [row]


async def test_only_the_councils_active_packages_and_a_variation_counts_each_part_at_its_own_amount(council: Council) -> None:
    family = await make_family(council.authority)
    child, other = await make_child(family), await make_child(family)
    day = date(2026, 6, 12)  # a Friday
    # 120 minutes a week until Wednesday 10 June, then 240: 120 × 2 / 7 + 240 × 3 / 7 = 137.1.
    varied = await agree(
        council,
        child,
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 12, 31),
        amounts=[(date(2026, 1, 5), 120, PackagePeriod.WEEK), (date(2026, 6, 10), 240, PackagePeriod.WEEK)],
    )
    # A monthly package that started on 4 June: 600 × 9 / 30 = 180, counted from its start.
    monthly = await agree(
        council, other, starts_on=date(2026, 6, 4), ends_on=date(2026, 9, 30), amounts=[(date(2026, 6, 4), 600, PackagePeriod.MONTH)]
    )
    await agree(
        council, other, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 11), amounts=[(date(2026, 1, 1), 60, PackagePeriod.WEEK)]
    )  # ended
    await agree(
        council, other, starts_on=date(2026, 6, 13), ends_on=date(2026, 7, 11), amounts=[(date(2026, 6, 13), 60, PackagePeriod.WEEK)]
    )  # not yet
    elsewhere = await make_child(await make_family(council.other_authority))
    other_profile = council.profile  # a second council's package must not show: record one under a new profile
    from entitlements.models import CouncilProfile

    second = await CouncilProfile.create(local_authority=council.other_authority, slug="eastshire")
    await AgreedPackage.create(
        council=second, child=elsewhere, source=PackageSource.CHILD_IN_NEED, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    rows = {r.package_id: r for r in await council_shortfalls(other_profile.id, day=day)}
    assert set(rows) == {varied.id, monthly.id}
    assert rows[varied.id].minutes.agreed == 137 and rows[varied.id].minutes.shortfall == 137
    assert (rows[monthly.id].period_starts, rows[monthly.id].period_ends, rows[monthly.id].days_so_far) == (
        date(2026, 6, 4),
        date(2026, 6, 30),
        9,
    )
    assert rows[monthly.id].minutes.agreed == 180
    assert [r.package_id for r in await child_shortfalls(council.profile.id, other.id, day=day)] == [monthly.id]
    assert await child_shortfalls(council.profile.id, elsewhere.id, day=day) == []


def test_package_years_run_from_the_start_anniversary_and_29_february_falls_on_28_february() -> None:
    assert package_year(date(2025, 9, 1), date(2026, 6, 12)) == (date(2025, 9, 1), date(2026, 8, 31))
    assert package_year(date(2025, 9, 1), date(2026, 9, 1)) == (date(2026, 9, 1), date(2027, 8, 31))
    assert package_year(date(2024, 2, 29), date(2026, 3, 1)) == (date(2026, 2, 28), date(2027, 2, 27))
    assert package_year(date(2024, 2, 29), date(2027, 2, 28)) == (date(2027, 2, 28), date(2028, 2, 28))
    p = periods(date(2026, 6, 12))
    assert (p.week, p.month, p.month_days, len(p.years)) == (
        (date(2026, 6, 8), date(2026, 6, 14)),
        (date(2026, 6, 1), date(2026, 6, 30)),
        30,
        366,
    )
