"""Deciding applications (services): working days, the pause, asking for information, approving with the
allocation in the same transaction, refusing, reviews by another officer, and the row lock."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError

from bookings.enums import LedgerKind
from bookings.models import Allocation, AllocationEntry
from entitlements import decision_queries, decisions, workdays
from entitlements.enums import ApplicationEventKind, ApplicationStatus, RefusalReason, ReviewStatus
from entitlements.models import Application, ApplicationEvent, Review
from shortbreaks.clock import utc
from shortbreaks.errors import Conflict, NotFound, ValidationFailed
from shortbreaks.models import AuditEvent, OutboxMessage
from shortbreaks.permissions import Principal
from tests.entitlements.applications import make_child, second_officer, submitted_application
from tests.factories import NOW


def council_family(council) -> Principal:
    """The council's family, as the services see a signed-in family."""
    return Principal(user=council.family)


# --- working days -------------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_england_bank_holidays() -> None:
    # Wed 23 Dec 2026 → Mon 4 Jan 2027: Christmas (Fri), Boxing Day observed (Mon 28), New Year (Fri 1) and two weekends out.
    assert workdays.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert workdays.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    # Fri 28 Aug 2026 → Tue 1 Sep: the weekend and the summer bank holiday (Mon 31 Aug) are not counted.
    assert workdays.working_days_between(date(2026, 8, 28), date(2026, 9, 1)) == 1
    assert not workdays.is_working_day(date(2026, 8, 31)) and workdays.is_working_day(date(2026, 9, 1))
    # The day it was sent is day 0; nothing before it counts.
    assert workdays.working_days_between(date(2026, 6, 10), date(2026, 6, 10)) == 0
    assert workdays.working_days_between(date(2026, 6, 10), date(2026, 6, 1)) == 0


async def test_the_clock_counts_working_days_and_leaves_out_the_pause(council) -> None:
    # Sent Friday 21 August 2026; asked for more on Wednesday 26th; answered Wednesday 2 September.
    application = await submitted_application(council, submitted_at=utc(2026, 8, 21, 10))
    await decisions.request_information(application, request_text="Send the EHC plan", actor=council.officer_p, now=utc(2026, 8, 26, 11))

    paused = await Application.get(id=application.id)
    clock = decision_queries.decision_clock(paused, council.profile, now=utc(2026, 8, 28, 15))
    # 24–28 Aug are 5 working days; the pause has taken 27th and 28th.
    assert (clock.waited, clock.paused, clock.is_paused, clock.overdue) == (3, 2, True, False)

    await decisions.send_information(paused, reply="Attached to my email", actor=council_family(council), now=utc(2026, 9, 2, 9))
    answered = await Application.get(id=application.id)
    # Paused 27, 28 Aug, 1, 2 Sep (31 Aug is the summer bank holiday): 4 working days.
    assert (answered.status, answered.paused_at, answered.paused_working_days) == (ApplicationStatus.SUBMITTED, None, 4)
    clock = decision_queries.decision_clock(answered, council.profile, now=utc(2026, 9, 4, 12))
    # 9 working days from 21 Aug to 4 Sep, less 4 paused.
    assert (clock.waited, clock.paused, clock.target, clock.is_paused) == (5, 4, 20, False)
    assert clock.due_on == workdays.add_working_days(date(2026, 8, 21), 24)


async def test_an_application_past_its_target_is_overdue_and_a_renewal_has_the_shorter_target(council) -> None:
    first = await submitted_application(council, submitted_at=utc(2026, 5, 1, 9))
    later = utc(2026, 5, 18, 9)  # 11 working days after Friday 1 May (Monday 4 May is a bank holiday)
    clock = decision_queries.decision_clock(first, council.profile, now=later)
    assert (clock.waited, clock.target, clock.overdue) == (10, 20, False)
    renewal = await submitted_application(council, submitted_at=utc(2026, 5, 1, 9), renewal_of=first, tier_code="specialist")
    clock = decision_queries.decision_clock(renewal, council.profile, now=later)
    assert (clock.waited, clock.target, clock.is_renewal, clock.overdue) == (10, 10, True, False)
    clock = decision_queries.decision_clock(renewal, council.profile, now=utc(2026, 5, 19, 9))
    assert (clock.waited, clock.overdue) == (11, True)


# --- asking for more information -------------------------------------------------------------------------


async def test_asking_for_more_information_pauses_records_and_emails_the_family(council) -> None:
    application = await submitted_application(council)
    await decisions.request_information(application, request_text="  Please send the EHC plan  ", actor=council.officer_p, now=NOW)

    row = await Application.get(id=application.id)
    assert (row.status, row.paused_at, row.info_request) == (ApplicationStatus.MORE_INFO, NOW, "Please send the EHC plan")
    [event] = await ApplicationEvent.filter(application_id=application.id)
    assert (event.kind, event.detail, event.actor_id, event.shared) == (
        ApplicationEventKind.MORE_INFO_REQUESTED,
        "Please send the EHC plan",
        council.officer.id,
        True,
    )
    assert await AuditEvent.filter(action="entitlements.application.more_info_requested", record_id=str(application.id)).count() == 1
    [message] = await OutboxMessage.filter(to_email=council.family.email)
    assert message.subject == f"We need more information about your application {application.reference}"
    assert "Please send the EHC plan" in message.body

    with pytest.raises(Conflict):
        await decisions.request_information(application, request_text="Again", actor=council.officer_p, now=NOW)


async def test_only_the_family_that_applied_answers_and_only_when_asked(council) -> None:
    application = await submitted_application(council)
    with pytest.raises(Conflict):
        await decisions.send_information(application, reply="Unasked", actor=council_family(council), now=NOW)
    await decisions.request_information(application, request_text="Send the plan", actor=council.officer_p, now=NOW)
    with pytest.raises(NotFound):
        await decisions.send_information(application, reply="Not mine", actor=council.officer_p, now=NOW)
    with pytest.raises(ValidationFailed):
        await decisions.send_information(application, reply="   ", actor=council_family(council), now=NOW)
    assert (await Application.get(id=application.id)).status == ApplicationStatus.MORE_INFO


# --- approving ---------------------------------------------------------------------------------------------


async def test_approving_writes_the_allocation_for_the_councils_allowance_year_and_emails_the_family(council) -> None:
    application = await submitted_application(council)
    default = decisions.default_amount(await application.tier)
    assert default == decisions.Amount(minutes=78 * 60, pence=0)

    await decisions.approve(application, minutes=default.minutes, pence=default.pence, actor=council.officer_p, now=NOW)

    row = await Application.get(id=application.id)
    assert (row.status, row.decided_at, row.decided_by_id, row.approved_minutes, row.approved_pence) == (
        ApplicationStatus.APPROVED,
        NOW,
        council.officer.id,
        78 * 60,
        None,
    )
    allocation = await Allocation.get(id=row.allocation_id)
    # Westshire's allowance year runs 1 February to 31 January.
    assert (allocation.starts_on, allocation.ends_on, allocation.tier_code, allocation.service_kinds) == (
        date(2026, 2, 1),
        date(2027, 1, 31),
        "targeted",
        ["activity", "day_care_away"],
    )
    assert (allocation.balance_minutes, allocation.child_id) == (78 * 60, application.child_id)
    [entry] = await AllocationEntry.filter(allocation_id=allocation.id)
    assert (entry.kind, entry.minutes, entry.actor_id) == (LedgerKind.GRANT, 78 * 60, council.officer.id)
    assert [e.kind for e in await ApplicationEvent.filter(application_id=application.id)] == [ApplicationEventKind.APPROVED]
    assert await AuditEvent.filter(action="entitlements.application.approved").count() == 1
    [message] = await OutboxMessage.filter(to_email=council.family.email)
    assert message.subject == f"Your application {application.reference} has been approved"
    assert "78 hours" in message.body


async def test_approving_with_no_amount_or_a_different_amount_without_a_reason_is_refused_and_nothing_is_written(council) -> None:
    application = await submitted_application(council)
    with pytest.raises(ValidationFailed) as no_amount:
        await decisions.approve(application, minutes=None, pence=None, actor=council.officer_p, now=NOW)
    assert (no_amount.value.status_code, no_amount.value.errors[0].field) == (422, "hours")
    with pytest.raises(ValidationFailed) as no_reason:
        await decisions.approve(application, minutes=40 * 60, pence=None, actor=council.officer_p, now=NOW)
    assert no_reason.value.errors[0].field == "reason"
    assert (await Application.get(id=application.id)).status == ApplicationStatus.SUBMITTED
    assert await Allocation.all().count() == 0 and await ApplicationEvent.all().count() == 0

    reason = "A smaller package and a wallet"
    await decisions.approve(application, minutes=40 * 60, pence=20_000, reason=reason, actor=council.officer_p, now=NOW)
    row = await Application.get(id=application.id)
    assert (row.approved_minutes, row.approved_pence, row.decision_reason) == (2400, 20_000, "A smaller package and a wallet")


async def test_deciding_twice_is_a_conflict_and_another_councils_officer_finds_nothing(council) -> None:
    application = await submitted_application(council)
    with pytest.raises(NotFound):
        await decisions.approve(application, minutes=4680, pence=None, actor=council.other_officer_p, now=NOW)
    with pytest.raises(NotFound):
        await decision_queries.get_application_for_officer(council.other_officer_p, application.id)
    await decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW)
    with pytest.raises(decisions.NotDecidable) as twice:
        await decisions.refuse(application, reason=RefusalReason.OTHER, explanation="No", actor=council.officer_p, now=NOW)
    assert twice.value.status_code == 409
    with pytest.raises(decisions.NotDecidable):
        await decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW)
    assert await AllocationEntry.all().count() == 1


async def test_deciding_while_waiting_for_the_family_ends_the_pause(council) -> None:
    application = await submitted_application(council, submitted_at=utc(2026, 6, 1, 9))
    await decisions.request_information(application, request_text="Send the plan", actor=council.officer_p, now=utc(2026, 6, 2, 9))
    await decisions.refuse(
        application, reason=RefusalReason.NO_REPLY, explanation="We did not hear back", actor=council.officer_p, now=utc(2026, 6, 9, 9)
    )
    row = await Application.get(id=application.id)
    assert (row.status, row.paused_at, row.paused_working_days, row.refusal_reason) == (
        ApplicationStatus.REFUSED,
        None,
        5,
        RefusalReason.NO_REPLY,
    )


async def _ledger_fails() -> None:
    """A trigger that makes every insert into the allocations ledger fail, at the database."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            "CREATE FUNCTION ledger_down() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'ledger down'; END $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER ledger_down BEFORE INSERT ON bookings_allocationentry FOR EACH ROW EXECUTE FUNCTION ledger_down();"
        )
    else:
        await conn.execute_script(
            "CREATE TRIGGER ledger_down BEFORE INSERT ON bookings_allocationentry BEGIN SELECT RAISE(ABORT, 'ledger down'); END;"
        )


async def _ledger_works() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("DROP TRIGGER ledger_down ON bookings_allocationentry; DROP FUNCTION ledger_down();")
    else:
        await conn.execute_script("DROP TRIGGER ledger_down;")


async def test_the_decision_and_its_allocation_commit_together_or_not_at_all(council) -> None:
    application = await submitted_application(council)
    await _ledger_fails()
    try:
        with pytest.raises((IntegrityError, OperationalError, asyncpg.exceptions.RaiseError)) as failed:
            await decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW)
        assert "ledger down" in str(failed.value)
    finally:
        await _ledger_works()

    row = await Application.get(id=application.id)
    assert (row.status, row.decided_at, row.allocation_id) == (ApplicationStatus.SUBMITTED, None, None)
    assert await Allocation.all().count() == 0 and await AllocationEntry.all().count() == 0
    assert await ApplicationEvent.filter(application_id=application.id).count() == 0
    assert await AuditEvent.filter(action__in=["entitlements.application.approved", "bookings.allocation.granted"]).count() == 0
    assert await OutboxMessage.all().count() == 0

    # With the ledger back, the same approval goes through whole.
    await decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW)
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPROVED
    assert await AllocationEntry.all().count() == 1


# --- refusing --------------------------------------------------------------------------------------------


async def test_refusing_needs_a_reason_from_the_list_and_words(council) -> None:
    application = await submitted_application(council)
    with pytest.raises(ValidationFailed) as blank:
        await decisions.refuse(application, reason=RefusalReason.NEEDS_NOT_MET, explanation=" ", actor=council.officer_p, now=NOW)
    assert blank.value.errors[0].field == "explanation"
    await decisions.refuse(
        application, reason=RefusalReason.NEEDS_NOT_MET, explanation="The plan shows needs met at school", actor=council.officer_p, now=NOW
    )
    row = await Application.get(id=application.id)
    assert (row.status, row.refusal_reason, row.decision_reason, row.allocation_id) == (
        ApplicationStatus.REFUSED,
        RefusalReason.NEEDS_NOT_MET,
        "The plan shows needs met at school",
        None,
    )
    [event] = await ApplicationEvent.filter(application_id=application.id)
    assert event.detail == "The child's needs do not meet the tier's criteria. The plan shows needs met at school"
    assert (await OutboxMessage.get(to_email=council.family.email)).subject == f"Decision on your application {application.reference}"


# --- reviews -----------------------------------------------------------------------------------------------


async def test_a_review_goes_to_another_officer_who_can_change_a_refusal_into_an_approval(council) -> None:
    application = await submitted_application(council)
    await decisions.refuse(application, reason=RefusalReason.NOT_ENOUGH_EVIDENCE, explanation="No plan", actor=council.officer_p, now=NOW)
    family = council_family(council)
    with pytest.raises(NotFound):
        await decisions.request_review(application, grounds="Not mine", actor=council.other_officer_p, now=NOW)
    review = await decisions.request_review(application, grounds="The plan was attached", actor=family, now=NOW)
    assert (review.status, review.original_officer_id, review.reviewer_id) == (ReviewStatus.OPEN, council.officer.id, None)
    with pytest.raises(Conflict):
        await decisions.request_review(application, grounds="Again", actor=family, now=NOW)

    # Not the officer who decided: refused by the service, and by the database.
    with pytest.raises(ValidationFailed):
        await decisions.assign_reviewer(review, reviewer_id=council.officer.id, actor=council.officer_p, now=NOW)
    with pytest.raises(IntegrityError):
        await Review.filter(id=review.id).update(reviewer_id=council.officer.id)
    with pytest.raises(ValidationFailed):
        await decisions.decide_review(review, change=False, outcome="Fine as it is", actor=council.officer_p, now=NOW)

    reviewer, reviewer_p = await second_officer(council)
    await decisions.assign_reviewer(review, reviewer_id=reviewer.id, actor=council.officer_p, now=NOW)
    later = utc(2026, 6, 15, 10)
    await decisions.decide_review(review, change=True, outcome="The plan shows the needs", minutes=4680, actor=reviewer_p, now=later)

    row = await Application.get(id=application.id)
    assert (row.status, row.decided_by_id, row.decided_at, row.approved_minutes) == (ApplicationStatus.APPROVED, reviewer.id, later, 4680)
    allocation = await Allocation.get(id=row.allocation_id)
    assert allocation.balance_minutes == 4680
    decided = await Review.get(id=review.id)
    assert (decided.status, decided.reviewer_id, decided.outcome) == (ReviewStatus.CHANGED, reviewer.id, "The plan shows the needs")
    events = [(e.kind, e.shared) for e in await ApplicationEvent.filter(application_id=application.id).order_by("at", "created_at")]
    # Who a review is assigned to is the council's housekeeping, not shown to the family.
    assert events == [
        (ApplicationEventKind.REFUSED, True),
        (ApplicationEventKind.REVIEW_REQUESTED, True),
        (ApplicationEventKind.ASSIGNED, False),
        (ApplicationEventKind.REVIEW_DECIDED, True),
    ]
    assert await AuditEvent.filter(action__startswith="entitlements.review.").count() == 3
    subjects = {m.subject for m in await OutboxMessage.filter(to_email=council.family.email)}
    assert f"The review of your application {application.reference} has been decided" in subjects


async def test_a_reviewer_raises_an_approved_allowance_with_a_further_grant_or_keeps_the_decision(council) -> None:
    application = await submitted_application(council)
    await decisions.approve(application, minutes=2400, pence=None, reason="Part-time needs", actor=council.officer_p, now=NOW)
    _, reviewer_p = await second_officer(council)
    review = await decisions.request_review(application, grounds="We need the full 78", actor=council_family(council), now=NOW)
    with pytest.raises(ValidationFailed):
        await decisions.decide_review(review, change=True, outcome="Lower", minutes=1200, actor=reviewer_p, now=NOW)
    await decisions.decide_review(review, change=True, outcome="Full needs shown", minutes=4680, actor=reviewer_p, now=NOW)
    row = await Application.get(id=application.id)
    allocation = await Allocation.get(id=row.allocation_id)
    assert (row.approved_minutes, allocation.balance_minutes) == (4680, 4680)
    assert sorted(e.minutes for e in await AllocationEntry.filter(allocation_id=allocation.id)) == [2280, 2400]

    second = await decisions.request_review(application, grounds="And money too", actor=council_family(council), now=NOW)
    third_officer, third_p = await second_officer(council)
    await decisions.assign_reviewer(second, reviewer_id=third_officer.id, actor=council.officer_p, now=NOW)
    with pytest.raises(Conflict):  # assigned to someone else
        await decisions.decide_review(second, change=False, outcome="Mine", actor=council.officer_p, now=NOW)
    await decisions.decide_review(second, change=False, outcome="Hours meet the needs", actor=third_p, now=NOW)
    assert (await Review.get(id=second.id)).status == ReviewStatus.UPHELD
    assert (await Application.get(id=application.id)).approved_minutes == 4680


async def test_only_a_decision_can_be_reviewed(council) -> None:
    application = await submitted_application(council)
    with pytest.raises(Conflict):
        await decisions.request_review(application, grounds="Too slow", actor=council_family(council), now=NOW)


# --- the queue ------------------------------------------------------------------------------------------------


async def test_the_queue_holds_the_officers_council_oldest_first_with_filters(council) -> None:
    old = await submitted_application(council, submitted_at=utc(2026, 4, 1, 9))
    new = await submitted_application(council, submitted_at=utc(2026, 6, 9, 9))
    paused = await submitted_application(council, submitted_at=utc(2026, 6, 1, 9), tier_code="specialist")
    await decisions.request_information(paused, request_text="More", actor=council.officer_p, now=NOW)
    done = await submitted_application(council, submitted_at=utc(2026, 5, 1, 9))
    await decisions.refuse(done, reason=RefusalReason.OTHER, explanation="No", actor=council.officer_p, now=NOW)
    await decisions.assign(new, assignee_id=council.officer.id, actor=council.officer_p, now=NOW)

    def refs(rows):
        return [r.application.reference for r in rows]

    assert refs(await decision_queries.list_queue(council.officer_p, now=NOW)) == [old.reference, paused.reference, new.reference]
    assert refs(await decision_queries.list_queue(council.other_officer_p, status="all", now=NOW)) == []
    assert refs(await decision_queries.list_queue(council.officer_p, status="all", now=NOW)) == [
        old.reference,
        done.reference,
        paused.reference,
        new.reference,
    ]
    assert refs(await decision_queries.list_queue(council.officer_p, status="more_info", now=NOW)) == [paused.reference]
    assert refs(await decision_queries.list_queue(council.officer_p, tier_code="specialist", now=NOW)) == [paused.reference]
    assert refs(await decision_queries.list_queue(council.officer_p, assigned="me", now=NOW)) == [new.reference]
    assert refs(await decision_queries.list_queue(council.officer_p, assigned="unassigned", now=NOW)) == [old.reference, paused.reference]
    assert refs(await decision_queries.list_queue(council.officer_p, overdue=True, now=NOW)) == [old.reference]
    assert await decision_queries.count_undecided(council.officer_p) == 3
    with pytest.raises(ValidationFailed):
        await decisions.assign(old, assignee_id=council.other_officer.id, actor=council.officer_p, now=NOW)


# --- two officers at once (PostgreSQL: real connections) -------------------------------------------------------


@pytest.mark.postgres
async def test_two_officers_deciding_at_once_make_one_decision(council) -> None:
    for _ in range(5):
        application = await submitted_application(council, child=await make_child(council))
        _, other_p = await second_officer(council)
        results = await asyncio.gather(
            decisions.approve(application, minutes=4680, pence=None, actor=council.officer_p, now=NOW),
            decisions.refuse(application, reason=RefusalReason.OTHER, explanation="No", actor=other_p, now=NOW),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["Application", "NotDecidable"]
        row = await Application.get(id=application.id)
        assert row.status in (ApplicationStatus.APPROVED, ApplicationStatus.REFUSED)
        entries = await AllocationEntry.filter(allocation__child_id=application.child_id).count()
        assert entries == (1 if row.status == ApplicationStatus.APPROVED else 0)
        assert await ApplicationEvent.filter(application_id=application.id).count() == 1
