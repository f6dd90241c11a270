"""Booking rules, through the services: lifecycle, allocations, waiting lists, cancellation, privacy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from bookings import queries, services
from bookings.enums import Attendance, BookingStatus, FundingSource, LedgerKind, WaitingStatus
from bookings.errors import (
    AllocationInsufficient,
    DuplicateBooking,
    InvalidTransition,
    OfferExpired,
    OutsideAgeRange,
    OverlappingBooking,
    SessionFull,
    SessionNotBookable,
)
from bookings.models import Allocation, AllocationEntry, AuthoritySetting, Booking, BookingChild, CareProfile, Child, WaitingListEntry
from providers.enums import BookingMode, SessionStatus
from providers.models import Session
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import london, utc
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.models import AuditEvent, OutboxMessage
from tests.bookings.conftest import NOW, grant, make_child, make_family, make_service, make_session


async def places_taken(session: Session) -> int:
    return (await Session.get(id=session.id)).places_taken


async def assert_ledger_matches(allocation: Allocation) -> Allocation:
    row = await Allocation.get(id=allocation.id)
    assert await queries.ledger_totals(row.id) == (row.balance_minutes, row.balance_pence)
    return row


async def test_instant_booking_is_confirmed_takes_a_place_and_debits_hours_and_money(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=600, pence=10_000)
    session = await make_session(await make_service(price=2500), hours=3)

    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.reference[:3] == "SB-" and len(booking.reference) == 10
    assert await places_taken(session) == 1
    row = await assert_ledger_matches(allocation)
    assert (row.balance_minutes, row.balance_pence) == (600 - 180, 10_000 - 2500)
    place = await BookingChild.get(booking_id=booking.id)
    assert (place.funding_source, place.debited_minutes, place.debited_pence) == (FundingSource.ALLOCATION, 180, 2500)
    assert await AuditEvent.filter(action="bookings.booking.created", record_id=str(booking.id)).count() == 1
    assert [m.subject for m in await OutboxMessage.all()] == [f"Booking confirmed: {session.service.name}"]  # type: ignore[attr-defined]


async def test_without_an_allocation_the_family_pays(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    session = await make_session(await make_service())
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    assert (await BookingChild.get(booking_id=booking.id)).funding_source == FundingSource.FAMILY


async def test_siblings_are_booked_all_or_none(authority: Organisation) -> None:
    family = await make_family(authority)
    first, second = await make_child(family), await make_child(family)
    session = await make_session(await make_service(), capacity=1)
    with pytest.raises(SessionFull):
        await services.create_booking(family, session_id=session.id, child_ids=[first.id, second.id], now=NOW)
    assert await places_taken(session) == 0
    assert await Booking.all().count() == 0

    roomy = await make_session(session.service, starts_at=NOW + timedelta(days=20), capacity=2)  # type: ignore[arg-type]
    booking = await services.create_booking(family, session_id=roomy.id, child_ids=[first.id, second.id], now=NOW)
    assert sorted(await BookingChild.filter(booking_id=booking.id).values_list("child_id", flat=True)) == sorted([first.id, second.id])
    assert await places_taken(roomy) == 2


async def test_a_child_cannot_be_booked_twice_or_on_overlapping_sessions(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service()
    session = await make_session(service, starts_at=NOW + timedelta(days=5), hours=3)
    overlapping = await make_session(service, starts_at=NOW + timedelta(days=5, hours=2), hours=3)
    await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    with pytest.raises(DuplicateBooking):
        await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    with pytest.raises(OverlappingBooking):
        await services.create_booking(family, session_id=overlapping.id, child_ids=[child.id], now=NOW)
    assert await places_taken(overlapping) == 0


async def test_the_database_refuses_an_overlapping_place_even_without_the_checks(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service()
    session = await make_session(service, hours=3)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    other = await make_session(service, starts_at=session.starts_at + timedelta(hours=1))
    with pytest.raises(IntegrityError):
        await BookingChild.create(
            booking=booking, child=child, session_id=other.id, starts_at=other.starts_at, ends_at=other.ends_at, funding_source="family"
        )
    with pytest.raises(IntegrityError):
        await BookingChild.create(
            booking_id=(await Booking.create(
                reference="SB-2222-22", family=family, session=session, service=service, status=BookingStatus.CONFIRMED,
                starts_at=session.starts_at, ends_at=session.ends_at, minutes=180,
            )).id,
            child=child, session_id=session.id, starts_at=session.starts_at, ends_at=session.ends_at, funding_source="family",
        )  # fmt: skip


async def test_past_cancelled_and_not_yet_open_sessions_cannot_be_booked(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    service = await make_service()
    past = await make_session(service, starts_at=NOW - timedelta(hours=1))
    cancelled = await make_session(service, starts_at=NOW + timedelta(days=3))
    await Session.filter(id=cancelled.id).update(status=SessionStatus.CANCELLED)
    far = await make_session(service, starts_at=NOW + timedelta(days=200))
    codes = []
    for session in (past, cancelled, far):
        with pytest.raises(SessionNotBookable) as caught:
            await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
        codes.append(caught.value.code)
    assert codes == ["session_past", "session_cancelled", "session_not_open"]
    assert await Booking.all().count() == 0


async def test_another_familys_child_is_not_found(authority: Organisation) -> None:
    family, other = await make_family(authority), await make_family(authority)
    child = await make_child(other)
    session = await make_session(await make_service())
    with pytest.raises(NotFound):
        await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)


async def test_age_range_refuses_instant_bookings_and_the_provider_may_override_for_approval(authority: Organisation) -> None:
    family = await make_family(authority)
    toddler = await make_child(family, dob=date(2023, 1, 1))
    staff = await make_family(authority)
    with pytest.raises(OutsideAgeRange) as caught:
        await services.create_booking(family, session_id=(await make_session(await make_service())).id, child_ids=[toddler.id], now=NOW)
    assert "outside the age range" in caught.value.message

    approval = await make_session(await make_service(mode=BookingMode.APPROVAL))
    booking = await services.create_booking(family, session_id=approval.id, child_ids=[toddler.id], now=NOW)
    assert booking.status == BookingStatus.REQUESTED
    assert await places_taken(approval) == 1
    with pytest.raises(OutsideAgeRange):
        await services.confirm_booking(booking, actor=staff, now=NOW)
    await services.confirm_booking(booking, actor=staff, override_age=True, now=NOW)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert (await BookingChild.get(booking_id=booking.id)).age_override is True


async def test_declining_credits_the_allocation_and_frees_the_place(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=300)
    session = await make_session(await make_service(mode=BookingMode.APPROVAL), hours=2)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    with pytest.raises(ValidationFailed):
        await services.decline_booking(booking, actor=family, reason=" ", now=NOW)
    await services.decline_booking(booking, actor=family, reason="No staff trained in PEG feeding that day", now=NOW)
    row = await assert_ledger_matches(allocation)
    assert row.balance_minutes == 300
    assert await places_taken(session) == 0
    assert (await Booking.get(id=booking.id)).reason == "No staff trained in PEG feeding that day"
    with pytest.raises(InvalidTransition):
        await services.confirm_booking(booking, actor=family, now=NOW)


async def test_allocation_cannot_go_below_zero(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=100)
    service = await make_service()
    first = await make_session(service, starts_at=NOW + timedelta(days=2), hours=3)
    second = await make_session(service, starts_at=NOW + timedelta(days=3), hours=3)
    with pytest.raises(AllocationInsufficient):
        await services.create_booking(family, session_id=first.id, child_ids=[child.id], now=NOW)
    assert await places_taken(first) == 0, "the place taken first is rolled back"
    await services.adjust_allocation(allocation, actor=family, minutes=160, reason="Extra hours over the summer", now=NOW)
    await services.create_booking(family, session_id=first.id, child_ids=[child.id], now=NOW)
    with pytest.raises(AllocationInsufficient):
        await services.create_booking(family, session_id=second.id, child_ids=[child.id], now=NOW)
    with pytest.raises(AllocationInsufficient):
        await services.adjust_allocation(allocation, actor=family, minutes=-1000, reason="Correction", now=NOW)
    row = await assert_ledger_matches(allocation)
    assert row.balance_minutes == 260 - 180
    entries = await AllocationEntry.filter(allocation_id=allocation.id)
    assert sorted((e.kind, e.minutes) for e in entries) == [(LedgerKind.ADJUSTMENT, 160), (LedgerKind.DEBIT, -180), (LedgerKind.GRANT, 100)]


async def test_grants_must_be_for_this_or_next_year_and_not_negative(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    for kwargs in (
        {"year": 2024, "minutes": 60},
        {"year": 0, "minutes": 60},
        {"year": 2026, "minutes": -60},
        {"year": 2026, "pence": -1},
        {"year": 2026},
    ):
        with pytest.raises(ValidationFailed):
            await services.grant_allocation(child, actor=family, now=NOW, **kwargs)  # type: ignore[arg-type]
    assert await Allocation.all().count() == 0
    await services.grant_allocation(child, actor=family, year=2027, pence=88_000, now=NOW)
    topped = await services.grant_allocation(child, actor=family, year=2027, minutes=600, now=NOW)
    assert (topped.balance_minutes, topped.balance_pence, topped.in_minutes, topped.in_pence) == (600, 88_000, True, True)


async def test_cancelling_before_the_notice_period_credits_and_late_keeps_the_debit(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=1000)
    service = await make_service(notice_hours=48)
    early = await make_session(service, starts_at=NOW + timedelta(days=5), hours=2)
    late = await make_session(service, starts_at=NOW + timedelta(hours=30), hours=2)
    b1 = await services.create_booking(family, session_id=early.id, child_ids=[child.id], now=NOW)
    b2 = await services.create_booking(family, session_id=late.id, child_ids=[child.id], now=NOW)
    assert (await Allocation.get(id=allocation.id)).balance_minutes == 1000 - 240

    await services.cancel_booking(b1, actor=family, now=NOW)
    await services.cancel_booking(b2, actor=family, now=NOW)

    rows = {b.id: b for b in await Booking.all()}
    assert (rows[b1.id].status, rows[b1.id].late_cancellation) == (BookingStatus.CANCELLED_BY_FAMILY, False)
    assert (rows[b2.id].status, rows[b2.id].late_cancellation) == (BookingStatus.CANCELLED_BY_FAMILY, True)
    assert (await assert_ledger_matches(allocation)).balance_minutes == 1000 - 120
    assert await places_taken(early) == 0 and await places_taken(late) == 0
    with pytest.raises(InvalidTransition) as caught:
        await services.cancel_booking(b1, actor=family, now=NOW)
    assert caught.value.code == "already_cancelled"


async def test_an_authority_can_credit_late_cancellations(authority: Organisation) -> None:
    await AuthoritySetting.create(local_authority=authority, late_cancellation_credit=True)
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=500)
    session = await make_session(await make_service(notice_hours=48), starts_at=NOW + timedelta(hours=5), hours=2)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)
    await services.cancel_booking(booking, actor=family, now=NOW)
    assert (await Booking.get(id=booking.id)).late_cancellation is True
    assert (await assert_ledger_matches(allocation)).balance_minutes == 500


@pytest.mark.parametrize(
    ("starts_at", "deadline"),
    [
        # Sunday 29 March 2026, 10am BST: 48 hours' notice is Friday 10am GMT on the London clock.
        (london(2026, 3, 29, 10), london(2026, 3, 27, 10)),
        # Sunday 25 October 2026, 10am GMT: Friday 10am BST.
        (london(2026, 10, 25, 10), london(2026, 10, 23, 10)),
    ],
)
async def test_the_cancellation_deadline_follows_the_london_clock_across_clock_changes(
    authority: Organisation, starts_at: object, deadline: object
) -> None:
    assert services.cancellation_deadline(starts_at, 48) == deadline  # type: ignore[arg-type]
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=600, year=2025 if starts_at.month == 3 else 2026)  # type: ignore[attr-defined]
    session = await make_session(await make_service(notice_hours=48), starts_at=starts_at, hours=2)  # type: ignore[arg-type]
    now = deadline - timedelta(days=10)  # type: ignore[operator]
    on_time = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=now)
    await services.cancel_booking(on_time, actor=family, now=deadline)  # type: ignore[arg-type]
    rebooked = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=deadline)  # type: ignore[arg-type]
    await services.cancel_booking(rebooked, actor=family, now=deadline + timedelta(minutes=1))  # type: ignore[operator]
    assert [(b.late_cancellation) for b in await Booking.all().order_by("created_at", "id")] == [False, True]
    assert (await assert_ledger_matches(allocation)).balance_minutes == 600 - 120


async def test_an_overnight_across_the_march_change_debits_23_hours(authority: Organisation) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    allocation = await grant(child, minutes=2000, year=2025)
    starts = london(2026, 3, 28, 18)
    session = await make_session(await make_service(), starts_at=starts, hours=23)
    assert session.ends_at == london(2026, 3, 29, 18)
    await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=utc(2026, 3, 1, 9))
    assert (await Allocation.get(id=allocation.id)).balance_minutes == 2000 - 23 * 60


@pytest.mark.parametrize("starts_at", [london(2026, 3, 29, 10), london(2026, 10, 25, 10)])
async def test_reminders_go_24_hours_before_once_across_clock_changes(authority: Organisation, starts_at: object) -> None:
    family = await make_family(authority)
    child = await make_child(family)
    session = await make_session(await make_service(), starts_at=starts_at)  # type: ignore[arg-type]
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=starts_at - timedelta(days=7))  # type: ignore[operator]
    due = starts_at - timedelta(hours=24)  # type: ignore[operator]
    assert await services.send_due_reminders(now=due - timedelta(minutes=1)) == 0
    assert await services.send_due_reminders(now=due) == 1
    assert await services.send_due_reminders(now=due + timedelta(minutes=30)) == 0
    assert await OutboxMessage.filter(dedupe_key=f"booking-reminder:{booking.id}").count() == 1


async def test_a_freed_place_is_offered_first_in_line_and_held_for_them(authority: Organisation) -> None:
    service = await make_service(offer_hours=24)
    session = await make_session(service, capacity=1, starts_at=NOW + timedelta(days=6))
    booker, first, second, outsider = [await make_family(authority) for _ in range(4)]
    kids = {f.id: await make_child(f) for f in (booker, first, second, outsider)}
    booking = await services.create_booking(booker, session_id=session.id, child_ids=[kids[booker.id].id], now=NOW)
    await services.join_waiting_list(second, session_id=session.id, child_ids=[kids[second.id].id], now=NOW)
    await services.join_waiting_list(first, session_id=session.id, child_ids=[kids[first.id].id], now=NOW)
    # An officer moves `first` up the list.
    entry_first = await WaitingListEntry.get(family_id=first.id)
    await services.set_waiting_priority(entry_first, actor=booker, priority=5, now=NOW)

    await services.cancel_booking(booking, actor=booker, now=NOW + timedelta(hours=1))

    entry_first = await WaitingListEntry.get(family_id=first.id)
    assert entry_first.status == WaitingStatus.OFFERED
    assert entry_first.offer_expires_at == NOW + timedelta(hours=25)
    assert (await WaitingListEntry.get(family_id=second.id)).status == WaitingStatus.WAITING
    assert await places_taken(session) == 1, "the place is held for the offer"
    with pytest.raises(SessionFull):
        await services.create_booking(outsider, session_id=session.id, child_ids=[kids[outsider.id].id], now=NOW + timedelta(hours=2))

    accepted = await services.accept_offer(entry_first, family=first, now=NOW + timedelta(hours=3))
    assert accepted.status == BookingStatus.CONFIRMED
    assert await places_taken(session) == 1
    assert (await WaitingListEntry.get(id=entry_first.id)).status == WaitingStatus.ACCEPTED


async def test_an_expired_offer_passes_on_and_then_releases_the_place(authority: Organisation) -> None:
    session = await make_session(await make_service(offer_hours=24), capacity=1, starts_at=NOW + timedelta(days=6))
    booker, first, second = [await make_family(authority) for _ in range(3)]
    kids = {f.id: await make_child(f) for f in (booker, first, second)}
    booking = await services.create_booking(booker, session_id=session.id, child_ids=[kids[booker.id].id], now=NOW)
    await services.join_waiting_list(first, session_id=session.id, child_ids=[kids[first.id].id], now=NOW)
    await services.join_waiting_list(second, session_id=session.id, child_ids=[kids[second.id].id], now=NOW + timedelta(minutes=1))
    await services.cancel_booking(booking, actor=booker, now=NOW)

    assert await services.expire_overdue_offers(now=NOW + timedelta(hours=23)) == 0
    assert await services.expire_overdue_offers(now=NOW + timedelta(hours=24)) == 1
    assert await services.expire_overdue_offers(now=NOW + timedelta(hours=24)) == 0, "safe to run twice"
    entry_first = await WaitingListEntry.get(family_id=first.id)
    assert entry_first.status == WaitingStatus.EXPIRED
    with pytest.raises(OfferExpired):
        await services.accept_offer(entry_first, family=first, now=NOW + timedelta(hours=25))
    assert (await WaitingListEntry.get(family_id=second.id)).status == WaitingStatus.OFFERED
    assert await places_taken(session) == 1

    await services.expire_overdue_offers(now=NOW + timedelta(hours=48))
    assert await places_taken(session) == 0, "nobody left in the queue: the place is released"
    subjects = sorted(m.dedupe_key.split(":")[0] for m in await OutboxMessage.all())
    assert subjects == [
        "booking-cancelled",
        "booking-confirmed",
        "waiting-expired",
        "waiting-expired",
        "waiting-offered",
        "waiting-offered",
    ]


async def test_a_provider_cancelling_a_session_cancels_credits_and_clears_the_waiting_list(authority: Organisation) -> None:
    session = await make_session(await make_service(), capacity=2, hours=2)
    families = [await make_family(authority) for _ in range(3)]
    kids = [await make_child(f) for f in families]
    allocations = [await grant(k, minutes=300) for k in kids]
    for family, kid in zip(families[:2], kids[:2], strict=True):
        await services.create_booking(family, session_id=session.id, child_ids=[kid.id], now=NOW)
    await services.join_waiting_list(families[2], session_id=session.id, child_ids=[kids[2].id], now=NOW)
    staff = await make_family(authority)

    assert await services.cancel_session(session.id, actor=staff, reason="Staff illness", now=NOW) == 2

    assert {b.status for b in await Booking.all()} == {BookingStatus.CANCELLED_BY_PROVIDER}
    assert [(await assert_ledger_matches(a)).balance_minutes for a in allocations] == [300, 300, 300]
    assert (await Session.get(id=session.id)).status == SessionStatus.CANCELLED
    assert await places_taken(session) == 0
    assert (await WaitingListEntry.get()).status == WaitingStatus.CLEARED
    assert sorted(m.dedupe_key.split(":")[0] for m in await OutboxMessage.all()) == [
        "booking-cancelled_by_provider", "booking-cancelled_by_provider", "booking-confirmed", "booking-confirmed", "waiting-cleared",
    ]  # fmt: skip
    with pytest.raises(InvalidTransition):
        await services.cancel_session(session.id, actor=staff, reason="Again", now=NOW)


async def test_attendance_and_the_attended_summary_for_grants(authority: Organisation) -> None:
    service = await make_service()
    s1 = await make_session(service, starts_at=NOW + timedelta(days=1), hours=3)
    s2 = await make_session(service, starts_at=NOW + timedelta(days=2), hours=2)
    family = await make_family(authority)
    a, b = await make_child(family), await make_child(family)
    other = await make_family(authority)
    c = await make_child(other)
    staff = await make_family(authority)
    b1 = await services.create_booking(family, session_id=s1.id, child_ids=[a.id, b.id], now=NOW)
    b2 = await services.create_booking(other, session_id=s1.id, child_ids=[c.id], now=NOW)
    b3 = await services.create_booking(family, session_id=s2.id, child_ids=[a.id], now=NOW)
    with pytest.raises(InvalidTransition):
        await services.record_attendance(b1, actor=staff, attendance={a.id: Attendance.ATTENDED, b.id: Attendance.ATTENDED}, now=NOW)
    later = NOW + timedelta(days=3)
    await services.record_attendance(b1, actor=staff, attendance={a.id: Attendance.ATTENDED, b.id: Attendance.NO_SHOW}, now=later)
    await services.record_attendance(b2, actor=staff, attendance={c.id: Attendance.NO_SHOW}, now=later)
    await services.record_attendance(b3, actor=staff, attendance={a.id: Attendance.ATTENDED}, now=later)
    statuses = {x.id: x.status for x in await Booking.all()}
    assert (statuses[b1.id], statuses[b2.id], statuses[b3.id]) == (BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.ATTENDED)

    summary = await queries.attended_summary_for_services([service.id])
    assert summary == {service.id: {"children": 1, "families": 1, "sessions": 2, "respite_minutes": 180 + 120}}
    assert await queries.attended_summary_for_services([service.id], since=s2.starts_at) == {
        service.id: {"children": 1, "families": 1, "sessions": 1, "respite_minutes": 120}
    }


async def test_export_and_erasure_keep_figures_and_the_audit_log_without_personal_data(authority: Organisation) -> None:
    family = await make_family(authority, name="Priya Shah")
    child = await make_child(family, first_name="Aarav", care={"medical": "Asthma"})
    await grant(child, minutes=300)
    session = await make_session(await make_service(), hours=2)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=NOW)

    data = await queries.export_family_data(family)
    assert data["children"][0]["first_name"] == "Aarav"
    assert data["children"][0]["care_profile"]["medical"] == "Asthma"
    assert data["bookings"][0]["reference"] == booking.reference
    assert data["allocations"][0]["ledger"][0]["kind"] == "grant"

    with pytest.raises(Exception) as caught:
        await services.erase_family(family, now=NOW)
    assert getattr(caught.value, "code", "") == "active_bookings"
    await services.cancel_booking(booking, actor=family, now=NOW)
    await services.erase_family(family, now=NOW)

    erased = await Child.get(id=child.id)
    assert (erased.first_name, erased.date_of_birth, erased.needs) == ("Erased", None, [])
    assert await CareProfile.filter(child_id=child.id).count() == 0
    user = await User.get(id=family.id)
    assert (user.is_active, user.display_name) == (False, "Erased user")
    assert "Aarav" not in str(await AuditEvent.all().values_list("before", "after"))
    assert "Asthma" not in str(await AuditEvent.all().values_list("before", "after"))
    assert await Booking.all().count() == 1
