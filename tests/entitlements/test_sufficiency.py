"""The council's sufficiency report: figures by dimension against hand-built data, disclosure control,
filters, the CSV, and the refresh that the report reads (issue #21 item 4).

Six children of Westshire: five on the targeted tier (applications giving B15 postcodes), one with an
EHC plan (no postcode). Packages are written directly; bookings go through the bookings services.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from bookings import services
from bookings.enums import Attendance
from entitlements import sufficiency
from entitlements.models import SufficiencyMonth
from providers.enums import BookingMode
from shortbreaks.clock import FrozenClock, london
from shortbreaks.errors import ValidationFailed
from tests.bookings.conftest import make_service, make_session, make_staff
from tests.entitlements.conftest import Council

DAY = date(2026, 6, 12)  # a Friday; Westshire's allowance year starts on 1 February


async def test_refresh_writes_a_row_per_active_package_and_the_report_counts_each_child_once(council: Council, westshire: dict) -> None:
    assert await sufficiency.refresh(council.profile.id, day=DAY) == 7
    report = await sufficiency.sufficiency_report(council.profile)
    assert report.refreshed_on == DAY
    assert (report.year_starts, report.year_ends) == (date(2026, 2, 1), date(2027, 1, 31))
    # 12 June is the Friday of the week of 8 June: 5 of 7 days. 180 × 5 / 7 = 128.6 → 129; 120 → 86; 60 → 43.
    assert (report.total.children, report.total.packages) == (6, 7)
    assert report.total.minutes_agreed == 5 * 129 + 86 + 43
    assert report.total.minutes_outstanding == 5 * 129 + 86 + 43
    assert report.total.children_behind == 6
    # With threshold 1 (nothing hidden) the figures by dimension:
    plain = await sufficiency.sufficiency_report(council.profile, threshold=1)
    tiers = {r.key: (r.children, r.packages, r.minutes_agreed) for r in plain.breakdowns[0].rows}
    assert tiers == {"targeted": (5, 5, 5 * 129), "ehc_plan_h1": (2, 2, 86 + 43)}
    assert plain.breakdowns[0].total.children == 6  # a child of two tiers is one child
    assert {r.key: r.children for r in plain.breakdowns[1].rows} == {"ASD": 4, "PMLD": 1, "unknown": 1}
    assert {r.key: r.children for r in plain.breakdowns[2].rows} == {"5-10": 3, "16-17": 2, "0-4": 1}
    assert {r.key: (r.children, r.minutes_agreed) for r in plain.breakdowns[3].rows} == {
        "B15": (4, 4 * 129 + 43),
        "B16": (1, 129),
        "unknown": (1, 86),
    }


async def test_disclosure_control_hides_small_counts_their_hours_and_whatever_gives_them_away(council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    report = await sufficiency.sufficiency_report(council.profile)
    assert (report.total.children, report.total.minutes_agreed) == (6, 5 * 129 + 86 + 43)
    tiers = {r.key: (r.children, r.minutes_agreed) for r in report.breakdowns[0].rows}
    # Two children with EHC plan packages: hidden with their hours, and so is the targeted row (6 − 2 would give it away).
    assert tiers == {"targeted": ("c", "c"), "ehc_plan_h1": ("c", "c")}
    # Four children with ASD as their first need (five packages): the packages would narrow it down too.
    assert {r.key: (r.children, r.packages) for r in report.breakdowns[1].rows} == {
        "ASD": ("c", "c"),
        "PMLD": ("c", "c"),
        "unknown": ("c", "c"),
    }


async def test_filters_narrow_every_table_and_a_bad_value_names_its_field(council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    report = await sufficiency.sufficiency_report(council.profile, sufficiency.SufficiencyQuery(tier="targeted"))
    assert report.filters == {"tier": "targeted"}
    assert (report.total.children, report.total.packages, report.total.minutes_agreed) == (5, 5, 5 * 129)
    with pytest.raises(ValidationFailed) as caught:
        await sufficiency.sufficiency_report(council.profile, sufficiency.SufficiencyQuery(need="NOPE"))
    assert [(e.field, e.message) for e in caught.value.errors] == [("need", "Choose a primary need from the list")]


async def test_the_month_row_is_replaced_by_a_later_refresh_in_the_same_month(council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    await sufficiency.refresh(council.profile.id, day=DAY + timedelta(days=1))
    report = await sufficiency.sufficiency_report(council.profile)
    assert [m.key for m in report.trend] == ["2026-06"]
    assert report.trend[0].children == 6
    assert await SufficiencyMonth.filter(council_id=council.profile.id).count() == 5  # one per mix of dimensions


async def test_never_refreshed_says_so_and_shows_nothing(council: Council) -> None:
    report = await sufficiency.sufficiency_report(council.profile)
    assert report.refreshed_on is None and report.total.children == 0 and report.trend == []


async def test_csv(council: Council, westshire: dict) -> None:
    await sufficiency.refresh(council.profile.id, day=DAY)
    text = sufficiency.report_csv(await sufficiency.sufficiency_report(council.profile))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["section"] == "all" and rows[0]["children"] == "6"


async def test_delivered_booked_waiting_declines_and_places_against_demand(council: Council, westshire: dict, clock: FrozenClock) -> None:
    first, second, third, fourth, fifth = westshire["children"]
    family = westshire["family"]
    staff = await make_staff(council.authority)
    club = await make_service(authority=council.authority, price=0)
    scheme = await make_service(authority=council.authority, price=0, mode=BookingMode.APPROVAL)
    clock.set(london(2026, 6, 1, 9))
    # The first child went on Wednesday 10 June (3 hours); the second is booked for Saturday 13 June.
    wednesday = await make_session(club, starts_at=london(2026, 6, 10, 10), hours=3, capacity=2)
    went = await services.create_booking(family, session_id=wednesday.id, child_ids=[first.id], now=clock.now())
    saturday = await make_session(club, starts_at=london(2026, 6, 13, 10), hours=3, capacity=1)
    await services.create_booking(family, session_id=saturday.id, child_ids=[second.id], now=clock.now())
    # The third asked for a place on 20 June on 1 June and has no answer; the fourth was declined.
    asked = await make_session(scheme, starts_at=london(2026, 6, 20, 10), hours=2, capacity=3)
    await services.create_booking(family, session_id=asked.id, child_ids=[third.id], now=clock.now())
    refused = await services.create_booking(family, session_id=asked.id, child_ids=[fourth.id], now=clock.now())
    # The fifth joined Saturday's waiting list on 10 June.
    clock.set(london(2026, 6, 10, 18))
    await services.record_attendance(went, actor=staff, attendance={first.id: Attendance.ATTENDED}, now=clock.now())
    await services.decline_booking(refused, actor=staff, reason="  No staff available ", now=clock.now())
    await services.join_waiting_list(family, session_id=saturday.id, child_ids=[fifth.id], now=clock.now())

    await sufficiency.refresh(council.profile.id, day=DAY)
    report = await sufficiency.sufficiency_report(council.profile, threshold=1)
    # Attended counts for both of the first child's packages; booked for the second's.
    assert (report.total.minutes_attended, report.total.minutes_booked) == (360, 180)
    tiers = {r.key: r for r in report.breakdowns[0].rows}
    assert (tiers["targeted"].minutes_attended, tiers["targeted"].minutes_booked) == (180, 180)
    assert (tiers["targeted"].children_behind, tiers["targeted"].minutes_outstanding) == (3, 3 * 129)
    assert (tiers["ehc_plan_h1"].children_behind, tiers["ehc_plan_h1"].minutes_outstanding) == (1, 86)
    # Waiting: the third since 1 June (11 days: 1 to 4 weeks), the fifth since 10 June (2 days).
    assert {w.key: w.children for w in report.waiting} == {"week": 1, "month": 1, "quarter": 0, "longer": 0}
    assert report.waiting_total.children == 2
    assert [(d.key, d.label, d.children, d.places) for d in report.declines] == [("no staff available", "No staff available", 1, 1)]
    places = {p.key: p for p in report.places}
    assert places["activity"].places_offered == 2 + 1 + 3
    assert (places["activity"].children_asking, places["activity"].places_asked_for) == (4, 4)
    assert (places["activity"].children_waiting, places["activity"].places_waited_for) == (1, 1)
    # Filtered to the 16-year-olds (the fourth and fifth): only their demand.
    older = await sufficiency.sufficiency_report(council.profile, sufficiency.SufficiencyQuery(age_band="16-17"), threshold=1)
    assert older.total.children == 2 and [d.children for d in older.declines] == [1]
    assert {w.key: w.children for w in older.waiting}["week"] == 1 and older.waiting_total.children == 1
    assert {p.key: p.places_offered for p in older.places}["activity"] == 6  # places offered are the whole area's
