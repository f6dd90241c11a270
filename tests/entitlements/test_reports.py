"""The council's applications report: figures by tier and month, working days to decision against
the targets, reviews, disclosure control, and who may see it (page, CSV and API).

Applications are made directly as rows (each status with its dates), not through the services.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime

from bookings.models import Allocation, Child
from entitlements import reports, workdays
from entitlements.enums import ApplicationStatus, RefusalReason, ReviewStatus
from entitlements.models import Application, CouncilProfile, Review, Tier
from shortbreaks.clock import utc
from tests.factories import bearer, sign_in

_refs = itertools.count(1)
JAN5 = utc(2026, 1, 5, 9, 0)  # a Monday
FEB2 = utc(2026, 2, 2, 9, 0)  # a Monday


def test_working_days_leave_out_weekends_and_bank_holidays() -> None:
    assert workdays.working_days_between(date(2026, 1, 5), date(2026, 1, 6)) == 1  # Monday to Tuesday
    assert workdays.working_days_between(date(2026, 1, 5), date(2026, 1, 5)) == 0
    assert workdays.working_days_between(date(2026, 1, 9), date(2026, 1, 11)) == 0  # Friday to Sunday
    # Good Friday 3 April and Easter Monday 6 April 2026: Thursday to Tuesday is one working day.
    assert workdays.working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1
    # Christmas 2031 (Thursday), Boxing Day (Friday): any year, not only those a bundled file covers.
    assert workdays.working_days_between(date(2031, 12, 24), date(2031, 12, 29)) == 1
    # The state funeral of 19 September 2022 was a one-off bank holiday.
    assert workdays.working_days_between(date(2022, 9, 16), date(2022, 9, 20)) == 1


def test_days_to_decision_take_off_the_pause_and_use_london_dates() -> None:
    assert reports.days_to_decision(JAN5, utc(2026, 1, 12, 9), 0) == 5
    assert reports.days_to_decision(JAN5, utc(2026, 1, 12, 9), 2) == 3
    assert reports.days_to_decision(JAN5, utc(2026, 1, 12, 9), 9) == 0
    # 23:30 UTC on 30 June is already 1 July in London.
    assert reports.days_to_decision(utc(2026, 6, 30, 9), utc(2026, 6, 30, 23, 30), 0) == 1


async def _application(
    council,
    tier: Tier,
    status: ApplicationStatus,
    *,
    submitted_at: datetime | None,
    decided_at: datetime | None = None,
    paused: int = 0,
    renewal_of: Application | None = None,
    profile: CouncilProfile | None = None,
) -> Application:
    n = next(_refs)
    child = await Child.create(family=council.family, local_authority=council.authority, first_name=f"Child {n}")
    allocation = None
    if status == ApplicationStatus.APPROVED:
        allocation = await Allocation.create(
            child=child, local_authority=council.authority, year=2025, starts_on=date(2026, 2, 1), ends_on=date(2027, 1, 31)
        )
    return await Application.create(
        reference=f"AP-T{n:03d}",
        council=profile or council.profile,
        family=council.family,
        child=child,
        tier=tier,
        tier_code=tier.code,
        status=status,
        submitted_at=submitted_at,
        decided_at=decided_at,
        decided_by=council.officer if decided_at else None,
        paused_at=submitted_at if status == ApplicationStatus.MORE_INFO else None,
        paused_working_days=paused,
        refusal_reason=RefusalReason.NEEDS_NOT_MET if status == ApplicationStatus.REFUSED else None,
        allocation=allocation,
        renewal_of=renewal_of,
    )


async def make_applications(council) -> None:
    """Targeted: 1 sent in January 2025 (withdrawn), 14 in January 2026 (6 approved, 5 refused with reviews,
    3 undecided), 1 draft;
    specialist: 2 sent in February, approved in March. One more in another council."""
    statement = await council.published()
    tiers = {t.code: t for t in await Tier.filter(statement_id=statement.id)}
    targeted, specialist = tiers["targeted"], tiers["specialist"]
    approved, refused = ApplicationStatus.APPROVED, ApplicationStatus.REFUSED
    earlier = await _application(council, targeted, ApplicationStatus.WITHDRAWN, submitted_at=utc(2025, 1, 6, 9))
    # Working days from Monday 5 January (1 January is a bank holiday, before it).
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 1, 12, 9))  # 5
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 1, 19, 9))  # 10
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 1, 30, 9))  # 19
    # 20 working days: within the first-time target (20) but not the renewal target (10).
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 2, 2, 9), renewal_of=earlier)
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 2, 3, 9))  # 21
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 2, 4, 9), paused=5)  # 22 - 5
    refusals = [
        await _application(council, targeted, refused, submitted_at=JAN5, decided_at=utc(2026, 2, day, 9))
        for day in (5, 6, 9, 10, 11)  # 23, 24, 25, 26, 27
    ]
    await _application(council, targeted, ApplicationStatus.SUBMITTED, submitted_at=JAN5)
    await _application(council, targeted, ApplicationStatus.SUBMITTED, submitted_at=JAN5)
    await _application(council, targeted, ApplicationStatus.MORE_INFO, submitted_at=JAN5)
    await _application(council, targeted, ApplicationStatus.DRAFT, submitted_at=None)
    await _application(council, specialist, approved, submitted_at=FEB2, decided_at=utc(2026, 3, 2, 9))  # 20
    await _application(council, specialist, approved, submitted_at=FEB2, decided_at=utc(2026, 3, 3, 9))  # 21
    # The withdrawn one was sent in January 2025: it counts as received then.
    for application, review_status in zip(refusals, ["open", "upheld", "upheld", "changed", "changed"], strict=True):
        await Review.create(
            application=application,
            grounds="We think the decision is wrong.",
            requested_at=utc(2026, 2, 20, 9),
            original_officer_id=council.officer.id,
            status=ReviewStatus(review_status),
            decided_at=None if review_status == "open" else utc(2026, 3, 1, 9),
        )
    other = await CouncilProfile.create(local_authority=council.other_authority, slug="eastshire")
    await _application(council, targeted, approved, submitted_at=JAN5, decided_at=utc(2026, 1, 6, 9), profile=other)


def _counts(row) -> tuple:
    return (row.label, row.received, row.decided, row.approved, row.refused)


async def test_the_report_gives_the_figures_with_small_counts_hidden(council) -> None:
    await make_applications(council)
    report = await reports.applications_report(council.profile)
    assert [_counts(r) for r in [*report.by_tier, report.by_tier_total]] == [
        # The specialist tier's 2 are hidden; the universal tier's zeros go too, so 17 - 15 cannot be split.
        ("The universal tier", "c", "c", "c", 0),
        ("The targeted tier", 15, 11, 6, 5),
        ("The specialist tier", "c", "c", "c", 0),
        ("All tiers", 17, 13, 8, 5),
    ]
    months = [_counts(r) for r in [*report.by_month, report.by_month_total]]
    # The withdrawn one; its refused 0 is hidden with February's 5 (one hidden refused would be
    # 5 - the rest), and then its decided 0 so that the row's parts keep two unknowns.
    assert months[0] == ("January 2025", "c", "c", 0, "c")
    assert all(m[1:] == (0, 0, 0, 0) for m in months[1:12])  # February to December 2025: shown, not left out
    assert months[12:] == [
        ("January 2026", 14, "c", "c", 0),  # 3 decided, 3 approved
        ("February 2026", "c", 8, "c", "c"),  # 2 received; 3 approved and 5 refused: 5 would give the 3 away
        ("March 2026", 0, "c", "c", 0),  # 2 decided, 2 approved
        ("All months", 17, 13, 8, 5),
    ]
    assert [(t.label, t.median_working_days, t.percent_within_target) for t in [*report.timeliness, report.timeliness_total]] == [
        ("The universal tier", None, None),  # nothing decided
        # 5, 10, 17, 19, 20*, 21, 23, 24, 25, 26, 27*: 4 of 11 within (20 is a renewal, 27 too)
        ("The targeted tier", "21", "36.4"),
        ("The specialist tier", "c", "c"),  # 2 decided
        ("All tiers", "21", "38.5"),  # and 20, 21: 5 of 13
    ]
    assert [(r.label, r.requested, r.open, r.upheld, r.changed) for r in [*report.reviews, report.reviews_total]] == [
        ("The universal tier", 0, 0, 0, 0),
        ("The targeted tier", 5, "c", "c", "c"),
        ("The specialist tier", 0, 0, 0, 0),
        ("All tiers", 5, "c", "c", "c"),
    ]


async def test_without_suppression_the_counts_add_up(council) -> None:
    """Threshold 1 hides nothing: the raw figures behind the suppressed ones above."""
    await make_applications(council)
    report = await reports.applications_report(council.profile, threshold=1)
    assert [_counts(r) for r in report.by_month[12:]] == [
        ("January 2026", 14, 3, 3, 0),
        ("February 2026", 2, 8, 3, 5),
        ("March 2026", 0, 2, 2, 0),
    ]
    assert report.timeliness[2].median_working_days == "20.5" and report.timeliness[2].percent_within_target == "50.0"
    assert [(r.open, r.upheld, r.changed) for r in report.reviews] == [(0, 0, 0), (1, 2, 2), (0, 0, 0)]


async def test_an_empty_council_has_a_report_of_zeros(client, council) -> None:
    await council.published()
    report = await reports.applications_report(council.profile)
    assert report.by_month == []
    assert [_counts(r)[1:] for r in report.by_tier] == [(0, 0, 0, 0)] * 3
    assert report.timeliness_total.median_working_days is None
    await sign_in(client, council.officer)
    page = await client.get("/authority/applications/report")
    assert page.status_code == 200
    assert "No applications have been sent to Westshire Council yet." in page.text


async def test_officers_see_their_own_council_on_the_page_csv_and_api(client, council) -> None:
    await make_applications(council)
    await sign_in(client, council.officer)
    page = await client.get("/authority/applications/report")
    assert page.status_code == 200
    assert "<title>Applications report" in page.text and "Westshire Council" in page.text and "Eastshire" not in page.text
    assert "36.4%" in page.text

    csv_response = await client.get("/authority/applications/report/westshire.csv")
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    targeted = next(r for r in rows if r["section"] == "tier" and r["key"] == "targeted")
    assert (targeted["received"], targeted["decided"], targeted["approved"], targeted["refused"]) == ("15", "11", "6", "5")
    specialist = next(r for r in rows if r["section"] == "timeliness" and r["key"] == "specialist")
    assert (specialist["median_working_days"], specialist["percent_within_target"]) == ("c", "c")
    assert (await client.get("/authority/applications/report/eastshire.csv")).status_code == 404
    assert (await client.get("/authority/applications/report/nowhere.csv")).status_code == 404

    headers = await bearer(council.officer)
    body = (await client.get("/api/v1/councils/westshire/applications/report", headers=headers)).json()
    assert (body["council"], body["threshold"], body["by_tier_total"]["received"]) == ("westshire", 5, 17)
    assert body["by_tier"][2]["received"] == "c"
    api_csv = await client.get("/api/v1/councils/westshire/applications/report.csv", headers=headers)
    assert api_csv.text == csv_response.text
    assert (await client.get("/api/v1/councils/eastshire/applications/report", headers=headers)).status_code == 404


async def test_another_councils_officer_and_families_cannot_see_it(client, council) -> None:
    await make_applications(council)
    other = await bearer(council.other_officer)
    response = await client.get("/api/v1/councils/westshire/applications/report", headers=other)
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    await sign_in(client, council.other_officer)
    page = await client.get("/authority/applications/report")
    assert page.status_code == 200
    # Eastshire has a profile but no statement and one application; Westshire is not there at all.
    assert "Westshire" not in page.text and "Eastshire Council" in page.text
    assert (await client.get("/authority/applications/report/westshire.csv")).status_code == 404
    family = await bearer(council.family)
    assert (await client.get("/api/v1/councils/westshire/applications/report", headers=family)).status_code == 403


async def test_the_report_is_in_the_openapi_document(client) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    operation = spec["paths"]["/api/v1/councils/{slug}/applications/report"]["get"]
    assert "404" in operation["responses"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ApplicationsReport")
    assert "text/csv" in str(spec["paths"]["/api/v1/councils/{slug}/applications/report.csv"]["get"]["responses"]["200"]["content"])
