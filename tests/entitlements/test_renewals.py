"""Renewal (issue #20, item 5) and a February-to-January allowance year end to end.

The council in these tests (``council`` fixture, Westshire) starts its allowance year on
1 February. An approved application's allocation runs 1 February 2026 to 31 January 2027; the
invitation to renew goes out 6 weeks before its last day (Sunday 20 December 2026), once; the
family's renewal is a draft with last year's answers; officers renew unchanged ones in bulk, each
with an allocation for 1 February 2027 to 31 January 2028 written in the same transaction. With
``REDIS_URL`` the job runs on a real arq worker.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from bookings import services as booking_services
from bookings.models import Allocation, Child
from entitlements import queries, renewals
from entitlements.enums import ApplicationEventKind, ApplicationStatus
from entitlements.models import Application, ApplicationEvent, Tier
from providers.enums import FundingRoute, ServiceKind, to_mask
from shortbreaks import jobs
from shortbreaks.accounts.enums import Role
from shortbreaks.audit import AuditEvent
from shortbreaks.clock import LONDON, FrozenClock, utc
from shortbreaks.models import OutboxMessage
from tests.bookings.conftest import Inbox, make_service, make_session
from tests.entitlements.conftest import Council, RunJobs, make_user
from tests.factories import csrf_from, sign_in

APPROVED_AT = utc(2026, 6, 10, 9, 30)


async def make_child(council: Council, name: str = "Aarav") -> Child:
    council.family.email_verified_at = APPROVED_AT
    await council.family.save()
    return await booking_services.create_child(
        council.family,
        local_authority_id=council.authority.id,
        first_name=name,
        last_name="Shah",
        date_of_birth=date(2016, 5, 1),
        needs=["ASD"],
        now=APPROVED_AT,
    )


async def approve(council: Council, child: Child, *, now: datetime = APPROVED_AT) -> Application:
    """An approved application, as the officers' decision (H2's approve) leaves it: the tier's
    allowance for the council's allowance year holding the day of approval."""
    statement = await queries.find_published(council.profile) or await council.published()
    tier = await Tier.get(statement_id=statement.id, code="targeted")
    starts, ends = queries.allowance_year(council.profile, now.astimezone(LONDON).date())
    terms = booking_services.AllowanceTerms(starts_on=starts, ends_on=ends, tier_code=tier.code, service_kinds=tuple(tier.service_kinds))
    minutes = (tier.hours_per_year or 0) * 60
    allocation = await booking_services.grant_allocation(
        child, actor=council.officer, terms=terms, minutes=minutes, reason="Approved", now=now
    )
    return await Application.create(
        reference=renewals.new_reference(),
        council_id=council.profile.id,
        family_id=child.family_id,
        child_id=child.id,
        tier_id=tier.id,
        tier_code=tier.code,
        status=ApplicationStatus.APPROVED,
        answers={"care_needs": "Needs one-to-one support", "school": "Westshire Academy"},
        submitted_at=now - timedelta(days=10),
        decided_at=now,
        decided_by_id=council.officer.id,
        approved_minutes=minutes,
        allocation_id=allocation.id,
    )


async def test_an_approval_in_a_february_council_gives_an_allocation_from_1_february_to_31_january(council: Council) -> None:
    application = await approve(council, await make_child(council))
    allocation = await Allocation.get(id=application.allocation_id)
    assert (allocation.starts_on, allocation.ends_on, allocation.year) == (date(2026, 2, 1), date(2027, 1, 31), 2026)
    assert allocation.service_kinds == ["activity", "day_care_away"]
    assert allocation.balance_minutes == 78 * 60


async def test_the_renewal_invitation_goes_out_six_weeks_before_31_january_once(
    council: Council,
    clock: FrozenClock,
    smtp: tuple[Inbox, str],
    run_jobs: RunJobs,
) -> None:
    inbox, _url = smtp
    application = await approve(council, await make_child(council))
    later = await approve(council, await make_child(council, "Maya"), now=utc(2027, 2, 3, 9))  # next year's: not due
    ravi = await make_child(council, "Ravi")
    covered = await approve(council, ravi)
    await approve(council, ravi, now=utc(2027, 2, 3, 9))  # next year approved already: no invitation

    clock.set(datetime(2026, 12, 19, 23, 30, tzinfo=LONDON).astimezone(UTC))  # 6 weeks and a day before
    await jobs.enqueue("invite_renewals", _job_id="invite-1")
    await run_jobs()
    assert inbox.messages == []

    clock.set(datetime(2026, 12, 20, 7, 10, tzinfo=LONDON).astimezone(UTC))  # Sunday 20 December: 6 weeks before 31 January
    await jobs.enqueue("invite_renewals", _job_id="invite-2")
    await jobs.enqueue("invite_renewals", _job_id="invite-3")
    await run_jobs()

    assert inbox.subjects() == [(council.family.email, "Renew Aarav's short breaks allowance")]
    body = inbox.messages[0].get_payload(decode=True).decode()
    assert "ends on Sunday 31 January 2027" in body
    assert "1 February 2027 to 31 January 2028" in body
    assert f"/applications/{application.id}/renew" in body
    events = await ApplicationEvent.filter(kind=ApplicationEventKind.RENEWAL_INVITED).values_list("application_id", flat=True)
    assert events == [application.id]
    assert not await ApplicationEvent.filter(application_id__in=[later.id, covered.id]).exists()
    assert await AuditEvent.filter(action="entitlements.application.renewal_invited", record_id=str(application.id)).count() == 1

    # The next day's run invites nobody again.
    clock.advance(timedelta(days=1))
    await jobs.enqueue("invite_renewals", _job_id="invite-4")
    await run_jobs()
    assert len(inbox.messages) == 1
    assert await OutboxMessage.filter(dedupe_key=f"renewal-invite:{application.id}").count() == 1


async def test_the_family_renews_with_last_years_answers_and_a_second_post_gives_the_same_draft(
    client: httpx.AsyncClient, council: Council, clock: FrozenClock
) -> None:
    application = await approve(council, await make_child(council))
    clock.set(utc(2026, 12, 21, 9))
    await sign_in(client, council.family)

    start = await client.get(f"/applications/{application.id}/renew")
    assert start.status_code == 200
    assert "1 February 2027 to 31 January 2028" in start.text
    first = await client.post(f"/applications/{application.id}/renew", data={"csrf_token": csrf_from(start.text)})
    second = await client.post(f"/applications/{application.id}/renew", data={"csrf_token": csrf_from(start.text)})

    assert first.status_code == second.status_code == 303
    draft = await Application.get(renewal_of_id=application.id)
    assert first.headers["location"] == second.headers["location"] == f"/applications/{draft.id}"
    assert (draft.status, draft.tier_code, draft.family_id, draft.child_id) == (
        ApplicationStatus.DRAFT,
        "targeted",
        council.family.id,
        application.child_id,
    )
    assert draft.answers == application.answers
    published = await queries.find_published(council.profile)
    assert published is not None and (await Tier.get(id=draft.tier_id)).statement_id == published.id
    assert await Application.filter(renewal_of_id=application.id).count() == 1
    started = await ApplicationEvent.get(application_id=draft.id)
    assert (started.kind, started.actor_id) == (ApplicationEventKind.STARTED, council.family.id)
    assert await AuditEvent.filter(action="entitlements.application.renewal_started", record_id=str(draft.id)).count() == 1


async def test_another_family_and_an_officer_cannot_renew_an_application(client: httpx.AsyncClient, council: Council) -> None:
    application = await approve(council, await make_child(council))
    other = await make_user(role=Role.FAMILY, organisation=council.authority)
    await sign_in(client, other)
    page = await client.get(f"/applications/{application.id}/renew")
    assert page.status_code == 404
    home = await client.get("/")
    refused = await client.post(f"/applications/{application.id}/renew", data={"csrf_token": csrf_from(home.text)})
    assert refused.status_code == 404
    assert not await Application.filter(renewal_of_id=application.id).exists()


async def test_a_refused_or_undecided_application_cannot_be_renewed(client: httpx.AsyncClient, council: Council) -> None:
    application = await approve(council, await make_child(council))
    await Application.filter(id=application.id).update(status=ApplicationStatus.WITHDRAWN)
    await sign_in(client, council.family)
    start = await client.get(f"/applications/{application.id}/renew")
    refused = await client.post(f"/applications/{application.id}/renew", data={"csrf_token": csrf_from(start.text)})
    assert refused.status_code == 409
    assert "Only an approved application can be renewed" in refused.text
    assert not await Application.filter(renewal_of_id=application.id).exists()


async def targeted_session(council: Council, day: date) -> Any:
    service = await make_service(authority=council.authority, price=0)
    service.funding_mask = to_mask([FundingRoute.COUNCIL_ALLOCATION])
    service.kind = ServiceKind.ACTIVITY
    await service.save()
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).astimezone(UTC)
    return await make_session(service, starts_at=starts, hours=3)


async def test_officers_renew_unchanged_in_bulk_and_the_new_year_starts_at_its_full_amount(
    client: httpx.AsyncClient, council: Council, clock: FrozenClock
) -> None:
    """End to end in a February council: renewal gives 1 February 2027 to 31 January 2028; a session on
    31 January 2027 is paid from the old year, one on 1 February 2027 from the new, which starts full."""
    aarav, maya = await make_child(council), await make_child(council, "Maya")
    first, second = await approve(council, aarav), await approve(council, maya)
    other_child_family = await make_user(role=Role.FAMILY, organisation=council.other_authority)
    clock.set(utc(2026, 12, 21, 9))
    await sign_in(client, council.officer)

    page = await client.get("/authority/renewals")
    assert page.status_code == 200
    assert first.reference in page.text and second.reference in page.text
    assert "Ends on Sunday 31 January 2027; renews for 1 February 2027 to 31 January 2028" in page.text

    nothing = await client.post("/authority/renewals", data={"csrf_token": csrf_from(page.text)})
    assert nothing.status_code == 422
    assert "Select the applications to renew" in nothing.text

    renewed = await client.post("/authority/renewals", data={"csrf_token": csrf_from(page.text), "application_ids": [str(first.id)]})
    assert renewed.status_code == 303
    assert renewed.headers["location"] == "/authority/renewals"

    renewal = await Application.get(renewal_of_id=first.id)
    assert (renewal.status, renewal.approved_minutes, renewal.answers) == (ApplicationStatus.APPROVED, 78 * 60, first.answers)
    assert renewal.submitted_at is not None and renewal.decided_at is not None and renewal.decided_by_id == council.officer.id
    new = await Allocation.get(id=renewal.allocation_id)
    assert (new.starts_on, new.ends_on, new.tier_code, new.service_kinds) == (
        date(2027, 2, 1),
        date(2028, 1, 31),
        "targeted",
        ["activity", "day_care_away"],
    )
    assert new.balance_minutes == 78 * 60
    assert await ApplicationEvent.filter(application_id=renewal.id, kind=ApplicationEventKind.APPROVED).count() == 1
    assert await AuditEvent.filter(action="entitlements.application.renewed", record_id=str(renewal.id)).count() == 1
    assert await OutboxMessage.filter(dedupe_key=f"renewal-approved:{renewal.id}", to_email=council.family.email).count() == 1
    # Renewed: no longer listed, and not renewed twice.
    after = await client.get("/authority/renewals")
    assert first.reference not in after.text and second.reference in after.text
    again = await client.post("/authority/renewals", data={"csrf_token": csrf_from(after.text), "application_ids": [str(first.id)]})
    assert again.status_code == 303
    assert await Application.filter(renewal_of_id=first.id).count() == 1

    # Balance reset at the year's turn: the old year pays for 31 January, the new one for 1 February.
    old = await Allocation.get(id=first.allocation_id)
    last_day, first_day = await targeted_session(council, date(2027, 1, 31)), await targeted_session(council, date(2027, 2, 1))
    _, old_places = await booking_services.book_places(council.family, session_id=last_day.id, child_ids=[aarav.id], now=clock.now())
    _, new_places = await booking_services.book_places(council.family, session_id=first_day.id, child_ids=[aarav.id], now=clock.now())
    assert (old_places[0].allocation_id, new_places[0].allocation_id) == (old.id, new.id)
    assert (await Allocation.get(id=old.id)).balance_minutes == 78 * 60 - 180
    assert (await Allocation.get(id=new.id)).balance_minutes == 78 * 60 - 180

    # Another council's officer finds nothing to renew, and cannot renew this council's application.
    await client.post("/sign-out", data={"csrf_token": csrf_from((await client.get("/")).text)})
    await sign_in(client, council.other_officer)
    theirs = await client.get("/authority/renewals")
    assert second.reference not in theirs.text
    refused = await client.post("/authority/renewals", data={"csrf_token": csrf_from(theirs.text), "application_ids": [str(second.id)]})
    assert refused.status_code == 404
    assert not await Application.filter(renewal_of_id=second.id).exists()
    assert other_child_family.id  # another council's family is untouched


async def test_a_failed_allocation_write_leaves_no_renewal(council: Council, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    application = await approve(council, await make_child(council))
    clock.set(utc(2026, 12, 21, 9))

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ledger write failed")

    real = Application.create
    calls: list[str] = []

    async def create_then_fail(*args: Any, **kwargs: Any) -> Any:
        made = await real(*args, **kwargs)
        calls.append("created")
        await broken()
        return made

    monkeypatch.setattr(Application, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        await renewals.renew_unchanged([application.id], actor=council.officer_p, now=clock.now())
    assert calls == ["created"]
    monkeypatch.undo()
    assert not await Application.filter(renewal_of_id=application.id).exists()
    assert not await Allocation.filter(child_id=application.child_id, year=2027).exists()


@pytest.mark.postgres
async def test_two_officers_renewing_at_once_make_one_renewal(council: Council, clock: FrozenClock) -> None:
    application = await approve(council, await make_child(council))
    clock.set(utc(2026, 12, 21, 9))
    results = await asyncio.gather(
        renewals.renew_unchanged([application.id], actor=council.officer_p, now=clock.now()),
        renewals.renew_unchanged([application.id], actor=council.officer_p, now=clock.now()),
    )
    assert sorted(len(r.renewed) for r in results) == [0, 1]
    assert await Application.filter(renewal_of_id=application.id).count() == 1
    new = await Allocation.get(child_id=application.child_id, year=2027)
    assert new.balance_minutes == 78 * 60
