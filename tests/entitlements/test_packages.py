"""Agreed packages (services): recording with the first amount, varying from a date with a reason, ending early,
the history kept and audited; each bad input refused with nothing written; the current period's agreed, used,
booked and left; and the package an approval records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bookings.enums import Attendance, BookingStatus, FundingSource
from bookings.models import Booking, BookingChild, Child
from entitlements import decisions, package_queries, packages
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource, RefusalReason
from entitlements.models import AgreedPackage, PackageAmount
from entitlements.packages import PackageTerms
from shortbreaks.clock import utc
from shortbreaks.errors import Conflict, NotFound, ValidationFailed
from shortbreaks.models import AuditEvent
from shortbreaks.permissions import Principal
from tests.bookings.conftest import make_service, make_session
from tests.entitlements.applications import make_child, second_officer, submitted_application
from tests.factories import NOW


def terms(**overrides) -> PackageTerms:
    data = {
        "source": PackageSource.EHC_PLAN_H1,
        "source_reference": "EHCP-2026-114",
        "starts_on": date(2026, 4, 1),
        "ends_on": date(2027, 3, 31),
        "minutes": 180,
        "per": PackagePeriod.WEEK,
        "pattern": "3 hours every Saturday",
    }
    data.update(overrides)
    return PackageTerms(**data)


async def test_recording_a_package_writes_its_first_amount_from_the_start_and_an_audit_record(council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)

    assert (package.council_id, package.child_id, package.source, package.source_reference) == (
        council.profile.id,
        child.id,
        PackageSource.EHC_PLAN_H1,
        "EHCP-2026-114",
    )
    assert (package.officer_id, package.recorded_by_id, package.pattern) == (
        council.officer.id,
        council.officer.id,
        "3 hours every Saturday",
    )
    [amount] = await PackageAmount.filter(package_id=package.id)
    assert (amount.effective_from, amount.minutes, amount.pence, amount.per, amount.reason) == (
        date(2026, 4, 1),
        180,
        None,
        PackagePeriod.WEEK,
        "",
    )
    [event] = await AuditEvent.filter(action="entitlements.package.recorded", record_id=str(package.id))
    assert event.after["starts_on"] == "2026-04-01" and event.after["minutes"] == 180


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": date(2026, 3, 31)}, "ends_on"),
        ({"minutes": -60}, "minutes"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": None, "pence": -100}, "pence"),
        ({"minutes": None, "pence": None}, "minutes"),
        ({"source_reference": "  "}, "source_reference"),
        ({"pattern": "x" * 201}, "pattern"),
    ],
)
async def test_bad_terms_are_refused_naming_the_field_and_nothing_is_written(council, overrides, field) -> None:
    child = await make_child(council)
    with pytest.raises(ValidationFailed) as refused:
        await packages.record_package(child, terms(**overrides), actor=council.officer_p, now=NOW)
    assert refused.value.status_code == 422
    assert refused.value.errors[0].field == field
    assert await AgreedPackage.all().count() == 0
    assert await PackageAmount.all().count() == 0


async def test_an_application_must_be_this_childs_approved_one_and_the_officer_of_the_council(council) -> None:
    child = await make_child(council)
    pending = await submitted_application(council, child=child)
    for bad in (
        terms(source=PackageSource.TIER_DECISION, application_id=pending.id, source_reference=""),
        terms(source=PackageSource.CHILD_IN_NEED, application_id=pending.id),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await packages.record_package(child, bad, actor=council.officer_p, now=NOW)
        assert refused.value.errors[0].field == "application_id"
    with pytest.raises(ValidationFailed) as refused:
        await packages.record_package(child, terms(officer_id=council.other_officer.id), actor=council.officer_p, now=NOW)
    assert refused.value.errors[0].field == "officer_id"
    assert await AgreedPackage.all().count() == 0


async def test_an_officer_of_another_council_finds_no_child_and_records_nothing(council) -> None:
    child = await make_child(council)
    with pytest.raises(NotFound):
        await packages.record_package(child, terms(), actor=council.other_officer_p, now=NOW)
    with pytest.raises(NotFound):
        await packages.get_child_for_officer(council.other_officer_p, child.id)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    with pytest.raises(NotFound):
        await packages.vary_package(
            package,
            effective_from=date(2026, 9, 1),
            minutes=240,
            pence=None,
            per=PackagePeriod.WEEK,
            reason="More",
            actor=council.other_officer_p,
            now=NOW,
        )
    with pytest.raises(NotFound):
        await packages.end_package(package, ends_on=date(2026, 9, 1), reason="Moved", actor=council.other_officer_p, now=NOW)
    assert await PackageAmount.filter(package_id=package.id).count() == 1
    assert (await AgreedPackage.get(id=package.id)).ends_on == date(2027, 3, 31)


async def test_a_variation_keeps_the_history_and_needs_a_reason_and_a_date_inside_the_package(council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)

    async def vary(day: date, reason: str = "Review after 3 months", minutes: int | None = 240) -> object:
        return await packages.vary_package(
            package,
            effective_from=day,
            minutes=minutes,
            pence=None,
            per=PackagePeriod.WEEK,
            reason=reason,
            actor=council.officer_p,
            now=NOW,
        )

    for day, field in ((date(2026, 3, 31), "effective_from"), (date(2027, 4, 1), "effective_from")):
        with pytest.raises(ValidationFailed) as refused:
            await vary(day)
        assert (refused.value.status_code, refused.value.errors[0].field) == (422, field)
    with pytest.raises(ValidationFailed) as refused:
        await vary(date(2026, 7, 1), reason="  ")
    assert refused.value.errors[0].field == "reason"
    with pytest.raises(ValidationFailed) as refused:
        await vary(date(2026, 7, 1), minutes=-30)
    assert refused.value.errors[0].field == "minutes"

    await vary(date(2026, 7, 1))
    with pytest.raises(Conflict) as twice:
        await vary(date(2026, 7, 1), reason="Again")
    assert twice.value.status_code == 409
    with pytest.raises(Conflict):
        await vary(date(2026, 4, 1), reason="The first amount's day")

    history = await PackageAmount.filter(package_id=package.id).order_by("effective_from")
    assert [(a.effective_from, a.minutes, a.reason) for a in history] == [
        (date(2026, 4, 1), 180, ""),
        (date(2026, 7, 1), 240, "Review after 3 months"),
    ]
    assert packages.amount_on(history, date(2026, 6, 30)).minutes == 180
    assert packages.amount_on(history, date(2026, 7, 1)).minutes == 240
    [event] = await AuditEvent.filter(action="entitlements.package.varied", record_id=str(package.id))
    assert (event.before["minutes"], event.after["minutes"], event.after["effective_from"]) == (180, 240, "2026-07-01")


async def test_ending_early_moves_the_end_with_a_reason_and_is_audited(council) -> None:
    child = await make_child(council)
    package = await packages.record_package(child, terms(), actor=council.officer_p, now=NOW)
    await packages.vary_package(
        package,
        effective_from=date(2026, 9, 1),
        minutes=240,
        pence=None,
        per=PackagePeriod.WEEK,
        reason="More",
        actor=council.officer_p,
        now=NOW,
    )
    for day in (date(2027, 3, 31), date(2027, 5, 1), date(2026, 3, 1), date(2026, 8, 31)):
        with pytest.raises(ValidationFailed) as refused:
            await packages.end_package(package, ends_on=day, reason="Moved away", actor=council.officer_p, now=NOW)
        assert refused.value.errors[0].field == "ends_on"
    with pytest.raises(ValidationFailed) as refused:
        await packages.end_package(package, ends_on=date(2026, 12, 31), reason="", actor=council.officer_p, now=NOW)
    assert refused.value.errors[0].field == "reason"
    assert (await AgreedPackage.get(id=package.id)).ends_on == date(2027, 3, 31)

    ended = await packages.end_package(package, ends_on=date(2026, 12, 31), reason="Moved away", actor=council.officer_p, now=NOW)
    assert ended.ends_on == date(2026, 12, 31)
    [event] = await AuditEvent.filter(action="entitlements.package.ended", record_id=str(package.id))
    assert (event.before, event.after) == ({"ends_on": "2027-03-31"}, {"ends_on": "2026-12-31", "reason": "Moved away"})


# --- the current period ----------------------------------------------------------------------------------


def test_periods_are_weeks_from_monday_calendar_months_and_package_years() -> None:
    start = date(2026, 2, 1)
    assert package_queries.period_of(PackagePeriod.WEEK, date(2026, 6, 10), package_start=start) == (date(2026, 6, 8), date(2026, 6, 14))
    assert package_queries.period_of(PackagePeriod.MONTH, date(2026, 2, 10), package_start=start) == (date(2026, 2, 1), date(2026, 2, 28))
    assert package_queries.period_of(PackagePeriod.YEAR, date(2026, 6, 10), package_start=start) == (date(2026, 2, 1), date(2027, 1, 31))
    assert package_queries.period_of(PackagePeriod.YEAR, date(2027, 1, 31), package_start=start) == (date(2026, 2, 1), date(2027, 1, 31))
    assert package_queries.period_of(PackagePeriod.YEAR, date(2027, 2, 1), package_start=start) == (date(2027, 2, 1), date(2028, 1, 31))


async def place(child: Child, service, *, starts_at, hours: int = 3, status=BookingStatus.CONFIRMED, attendance=None, pence: int = 0):
    session = await make_session(service, starts_at=starts_at, hours=hours)
    active = status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.HELD)
    booking = await Booking.create(
        reference=f"SB-{session.id.hex[:4].upper()}-{session.id.hex[4:6].upper()}",
        family_id=child.family_id,
        session_id=session.id,
        service_id=service.id,
        status=status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        minutes=hours * 60,
    )
    await BookingChild.create(
        booking_id=booking.id,
        child_id=child.id,
        session_id=session.id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        active=active,
        funding_source=FundingSource.ALLOCATION,
        attendance=attendance,
        debited_pence=pence,
    )


async def test_the_current_week_counts_attended_and_future_booked_places_and_nothing_else(council) -> None:
    child = await make_child(council)
    other_child = await make_child(council, first_name="Ali")
    service = await make_service(authority=council.authority)
    package = await packages.record_package(child, terms(minutes=360), actor=council.officer_p, now=NOW)
    # NOW is Wednesday 10 June 2026, 10:30 in London: the week is Monday 8 to Sunday 14 June.
    await place(child, service, starts_at=utc(2026, 6, 8, 9), status=BookingStatus.ATTENDED, attendance=Attendance.ATTENDED)
    await place(child, service, starts_at=utc(2026, 6, 9, 9), status=BookingStatus.NO_SHOW, attendance=Attendance.NO_SHOW)
    await place(child, service, starts_at=utc(2026, 6, 13, 9), hours=2)  # Saturday, booked
    await place(child, service, starts_at=utc(2026, 6, 12, 9), status=BookingStatus.CANCELLED_BY_PROVIDER)
    await place(child, service, starts_at=utc(2026, 6, 15, 9))  # next week
    await place(child, service, starts_at=utc(2026, 6, 5, 9), status=BookingStatus.ATTENDED, attendance=Attendance.ATTENDED)  # last week
    await place(other_child, service, starts_at=utc(2026, 6, 13, 12))

    amounts = await PackageAmount.filter(package_id=package.id)
    period = await package_queries.current_period(package, amounts, now=NOW)
    assert (period.starts_on, period.ends_on, period.per, period.partial) == (
        date(2026, 6, 8),
        date(2026, 6, 14),
        PackagePeriod.WEEK,
        False,
    )
    assert (period.agreed_minutes, period.used_minutes, period.booked_minutes, period.left_minutes) == (360, 180, 120, 60)
    assert period.agreed_pence is None and period.left_pence is None


async def test_a_period_cut_short_or_changed_part_way_is_agreed_pro_rata(council) -> None:
    child = await make_child(council)
    # Starts on Thursday 11 June: the week holds 4 of its 7 days.
    package = await packages.record_package(child, terms(starts_on=date(2026, 6, 11), minutes=420), actor=council.officer_p, now=NOW)
    amounts = await PackageAmount.filter(package_id=package.id)
    period = await package_queries.current_period(package, amounts, now=NOW + timedelta(days=1))
    assert (period.starts_on, period.ends_on, period.partial, period.agreed_minutes) == (date(2026, 6, 11), date(2026, 6, 14), True, 240)
    assert await package_queries.current_period(package, amounts, now=NOW) is None  # before it starts

    # £70 a week changed to £140 a week from Saturday 20 June: that week is 5 days at £10 and 2 at £20.
    money = await packages.record_package(
        child, terms(starts_on=date(2026, 6, 1), minutes=None, pence=7000, source_reference="CIN-9"), actor=council.officer_p, now=NOW
    )
    await packages.vary_package(
        money,
        effective_from=date(2026, 6, 20),
        minutes=None,
        pence=14000,
        per=PackagePeriod.WEEK,
        reason="Review",
        actor=council.officer_p,
        now=NOW,
    )
    amounts = await PackageAmount.filter(package_id=money.id)
    period = await package_queries.current_period(money, amounts, now=utc(2026, 6, 19, 12))
    assert (period.agreed_pence, period.agreed_minutes, period.left_pence) == (9000, None, 9000)


# --- from an approved application ---------------------------------------------------------------------------


async def test_approving_an_application_records_its_package_in_the_same_transaction(council) -> None:
    application = await submitted_application(council)
    approved = await decisions.approve(application, minutes=78 * 60, pence=None, actor=council.officer_p, now=NOW)
    assert approved.status == ApplicationStatus.APPROVED

    [package] = await AgreedPackage.filter(child_id=application.child_id)
    # Westshire's allowance year runs from 1 February.
    assert (package.source, package.application_id, package.source_reference) == (
        PackageSource.TIER_DECISION,
        application.id,
        application.reference,
    )
    assert (package.starts_on, package.ends_on, package.officer_id) == (date(2026, 2, 1), date(2027, 1, 31), council.officer.id)
    [amount] = await PackageAmount.filter(package_id=package.id)
    assert (amount.effective_from, amount.minutes, amount.pence, amount.per) == (date(2026, 2, 1), 4680, None, PackagePeriod.YEAR)
    assert await AuditEvent.filter(action="entitlements.package.recorded", record_id=str(package.id)).count() == 1


async def test_an_approved_application_can_be_named_by_hand_and_is_recorded_once_by_the_approval(council) -> None:
    child = await make_child(council)
    application = await submitted_application(council, child=child)
    await decisions.approve(application, minutes=78 * 60, pence=None, actor=council.officer_p, now=NOW)
    by_hand = await packages.record_package(
        child,
        terms(source=PackageSource.TIER_DECISION, application_id=application.id, source_reference="", per=PackagePeriod.YEAR, minutes=4680),
        actor=council.officer_p,
        now=NOW,
    )
    assert by_hand.application_id == application.id
    assert await AgreedPackage.filter(child_id=child.id).count() == 2


async def test_a_refusal_changed_into_an_approval_on_review_records_the_package_and_a_refusal_none(council) -> None:
    application = await submitted_application(council)
    await decisions.refuse(application, reason=RefusalReason.NOT_ENOUGH_EVIDENCE, explanation="No plan", actor=council.officer_p, now=NOW)
    assert await AgreedPackage.filter(application_id=application.id).count() == 0
    review = await decisions.request_review(application, grounds="The plan was attached", actor=Principal(user=council.family), now=NOW)
    reviewer, reviewer_p = await second_officer(council)
    await decisions.decide_review(review, change=True, outcome="The plan shows the needs", minutes=4680, actor=reviewer_p, now=NOW)

    [package] = await AgreedPackage.filter(application_id=application.id)
    [amount] = await PackageAmount.filter(package_id=package.id)
    assert (package.source, package.recorded_by_id, amount.minutes, amount.per) == (
        PackageSource.TIER_DECISION,
        reviewer.id,
        4680,
        PackagePeriod.YEAR,
    )
