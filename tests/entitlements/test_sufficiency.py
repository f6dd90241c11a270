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
from bookings.models import Child
from entitlements import sufficiency
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource
from entitlements.models import AgreedPackage, Application, PackageAmount, SufficiencyMonth, Tier
from shortbreaks.errors import ValidationFailed
from shortbreaks.clock import london, utc
from tests.bookings.conftest import make_child, make_family, make_service, make_session, make_staff, grant
from tests.entitlements.conftest import Council

DAY = date(2026, 6, 12)  # a Friday; Westshire's allowance year starts on 1 February


async def agree(council: Council, child: Child, *, source: PackageSource, minutes: int, application: Application | None = None) -> AgreedPackage:
    package = await AgreedPackage.create(
        council=council.profile,
        child=child,
        source=source,
        application=application,
        starts_on=date(2026, 6, 1),
        ends_on=date(2027, 3, 31),
        officer=council.officer,
    )
    await PackageAmount.create(package=package, effective_from=date(2026, 6, 1), minutes=minutes, per=PackagePeriod.WEEK)
    return package


async def apply(council: Council, child: Child, tier: Tier, postcode: str) -> Application:
    return await Application.create(
        reference=f"AP-{str(child.id)[:4].upper()}-{str(child.id)[4:6].upper()}",
        council=council.profile,
        family_id=child.family_id,
        child=child,
        tier=tier,
        tier_code=tier.code,
        status=ApplicationStatus.SUBMITTED,
        answers={"postcode": postcode},
        submitted_at=utc(2026, 5, 1, 9),
    )


@pytest.fixture
async def westshire(council: Council) -> dict[str, object]:
    statement = await council.published()
    targeted = await Tier.get(statement_id=statement.id, code="targeted")
    family = await make_family(council.authority)
    children = []
    for n in range(5):
        child = await make_child(family, dob=date(2016, 5, 1) if n < 3 else date(2010, 1, 1))
        child.needs = ["ASD"] if n < 4 else ["PMLD", "ASD"]
        await child.save()
        application = await apply(council, child, targeted, "B15 2TT" if n < 4 else "b16 9zz")
        await agree(council, child, source=PackageSource.TIER_DECISION, minutes=180, application=application)
        children.append(child)
    ehc = await make_child(family, dob=date(2022, 3, 1))
    ehc.needs = []
    await ehc.save()
    await agree(council, ehc, source=PackageSource.EHC_PLAN_H1, minutes=120)
    # The first targeted child also has an EHC plan package: one child, two packages.
    await agree(council, children[0], source=PackageSource.EHC_PLAN_H1, minutes=60)
    return {"children": children, "ehc": ehc, "family": family}


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
    assert {r.key: r.children for r in report.breakdowns[1].rows} == {"ASD": "c", "PMLD": "c", "unknown": "c"}


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
