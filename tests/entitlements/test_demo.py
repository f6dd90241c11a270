"""The entitlements demo data: applications at every step of a decision, each one reachable by its family and the officer."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from bookings.models import Allocation, Child
from entitlements import decision_queries, sufficiency
from entitlements.enums import ApplicationEventKind, ApplicationStatus, PackageSource, RefusalReason, ShortfallStatus, ShortfallTrigger
from entitlements.models import AgreedPackage, Application, CouncilProfile, Evidence, ShortfallCase
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import load_principal
from shortbreaks.clock import LONDON
from shortbreaks.demo import DEMO_PASSWORD, load_demo_data
from tests.factories import NOW


async def _by_family(surname: str) -> Application:
    family = await User.get(email=f"{surname.lower()}.family@example.com")
    return await Application.get(family_id=family.id).prefetch_related("events", "evidence")


async def test_demo_applications_are_at_every_step_and_load_once(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    count = await Application.all().count()
    await load_demo_data(app.state.settings, now=NOW)
    assert await Application.all().count() == count == 5

    draft = await _by_family("Adeyemi")
    assert draft.status == ApplicationStatus.DRAFT and draft.answers == {"postcode": "B15 2TT"}

    council = await CouncilProfile.get(slug="birmingham")
    waiting = await _by_family("Kaur")
    clock = decision_queries.decision_clock(waiting, council, now=NOW)
    assert waiting.status == ApplicationStatus.SUBMITTED and clock is not None and clock.overdue

    asked = await _by_family("Robinson")
    assert asked.status == ApplicationStatus.MORE_INFO and "EHC plan" in asked.info_request
    assert ApplicationEventKind.MORE_INFO_REQUESTED in [e.kind for e in asked.events]

    refused = await _by_family("Walsh")
    assert refused.status == ApplicationStatus.REFUSED and refused.refusal_reason == RefusalReason.NEEDS_NOT_MET
    assert [e.filename for e in refused.evidence] == ["Finn EHC plan.pdf"]

    approved = await _by_family("Osei")
    allocation = await Allocation.get(id=approved.allocation_id)
    assert approved.status == ApplicationStatus.APPROVED and allocation.balance_minutes == 78 * 60
    assert allocation.tier_code == "targeted" and "holiday_scheme" in allocation.service_kinds
    assert allocation.starts_on <= NOW.date() <= allocation.ends_on
    assert await Evidence.filter(application__council_id=council.id).count() == 3

    # The officer's queue lists the four sent applications; the draft is the family's alone.
    officer = await load_principal(await User.get(email="officer@example.com"))
    queue = {row.application.reference for row in await decision_queries.list_queue(officer, status="all", now=NOW)}
    assert queue == {waiting.reference, asked.reference, refused.reference, approved.reference}


async def test_the_refused_family_reads_its_letter(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    refused = await _by_family("Walsh")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        page = await client.get("/sign-in")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = await client.post(
            "/sign-in", data={"email": "walsh.family@example.com", "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert signed_in.status_code in (302, 303)
        letter = await client.get(f"/applications/{refused.id}/letter")
    assert letter.status_code == 200
    assert "review" in letter.text and refused.reference in letter.text


async def test_demo_packages_show_a_shortfall_case_for_ella_and_the_family_page_says_so(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    ella = await Child.get(first_name="Ella", last_name="Robinson")
    [package] = await AgreedPackage.filter(child_id=ella.id)
    assert (package.source, package.pattern) == (PackageSource.CHILD_IN_NEED, "2 overnights a month")
    [case] = await ShortfallCase.filter(child_id=ella.id)
    assert (case.status, case.trigger, case.percent_behind) == (ShortfallStatus.OPEN, ShortfallTrigger.BEHIND, 100)
    assert await AgreedPackage.filter(child__first_name="Aarav", source=PackageSource.EHC_PLAN_H1).count() == 1
    await load_demo_data(app.state.settings, now=NOW)
    assert await ShortfallCase.filter(child_id=ella.id).count() == 1


async def test_the_demo_sufficiency_report_is_filled(app: Starlette) -> None:
    await load_demo_data(app.state.settings, now=NOW)
    council = await CouncilProfile.get(slug="birmingham")
    report = await sufficiency.sufficiency_report(council)
    assert report.refreshed_on == NOW.astimezone(LONDON).date()
    assert (report.total.children, report.total.packages) == (13, 13)  # Amir's approval, Aarav's and Ella's plans and ten more
    assert {r.key for r in report.breakdowns[0].rows} == {"targeted", "ehc_plan_h1", "ehc_plan_h2", "child_in_need"}
