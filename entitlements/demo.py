"""The entitlements demo data: Birmingham's short breaks services statement, in two published versions.

Version 1 (a year ago) offered 70 hours a year through the targeted tier; version 2 (current)
offers 78 and adds holiday schemes. Three tiers: universal clubs and activities open to all
disabled children in the area, a targeted allowance (78 hours a year, for children with an EHC
plan or Disability Living Allowance), and specialist breaks after a social care assessment.
Loading twice changes nothing: nothing is added once the council has its profile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from entitlements import services
from entitlements.models import CouncilProfile
from entitlements.schemas import CouncilProfileIn, StatementIn
from shortbreaks.demo import DemoContext

SLUG = "birmingham"
# Birmingham's postcode districts (B1 to B48, the city's own); the rest of the B area is other councils'.
DISTRICTS = [f"B{n}" for n in range(1, 49)]

INTRODUCTION = (
    "Short breaks give disabled children and young people time to enjoy themselves away from their parents, "
    "and give parents and carers a break from caring. Birmingham City Council provides a range of short breaks "
    "under the Breaks for Carers of Disabled Children Regulations 2011.\n\n"
    "This statement says which short breaks are available, who each is for, and how to get them. "
    "Some are open to every disabled child in Birmingham; others you apply for, or get after an assessment."
)
LOCAL_NEEDS = (
    "We asked 412 parents and carers through the Birmingham Parent Carer Forum in 2026. They asked for more "
    "holiday provision and for breaks that fit around school, so this version adds holiday schemes to the "
    "short breaks allowance and raises it to 78 hours a year.\n\n"
    "We review this statement every year with the Parent Carer Forum. The next review is in January 2027."
)


def _tiers(hours: int, targeted_kinds: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "code": "universal",
            "kind": "universal",
            "name": "Clubs and activities open to all",
            "criteria": "Disabled children and young people aged 0 to 25 who live in Birmingham. You do not need a diagnosis.",
            "rules": {"min_age": 0, "max_age": 25, "lives_in_area": True, "disability": True},
            "gives": "After-school and Saturday clubs, sports and activities run by local providers, free or at a small charge.",
            "service_kinds": ["activity", "holiday_scheme"],
            "how_to_apply": "",
        },
        {
            "code": "targeted",
            "kind": "targeted",
            "name": "Short breaks allowance",
            "criteria": (
                "Children aged 0 to 17 who live in Birmingham, have a disability or additional needs, and either have an "
                "education, health and care (EHC) plan or get Disability Living Allowance."
            ),
            "rules": {"min_age": 0, "max_age": 17, "lives_in_area": True, "disability": True, "ehc_plan_or_dla": True},
            "hours_per_year": hours,
            "gives": "Hours of short breaks to spend with approved providers each allowance year (1 April to 31 March).",
            "service_kinds": targeted_kinds,
            "how_to_apply": (
                "Apply to the Short Breaks Team: sign in to this service and apply, or call 0121 303 1234. "
                "Have your child's EHC plan or DLA award letter to hand. We decide within 28 days and write to tell you."
            ),
        },
        {
            "code": "specialist",
            "kind": "specialist",
            "name": "Specialist short breaks",
            "criteria": (
                "Children aged 0 to 17 who live in Birmingham with complex needs: severe or profound and multiple learning "
                "difficulties, a physical disability or a multi-sensory impairment. A social worker assesses your family's needs."
            ),
            "rules": {"min_age": 0, "max_age": 17, "lives_in_area": True, "needs": ["SLD", "PMLD", "PD", "MSI"]},
            "gives": (
                "A package agreed in your child's plan after the assessment: often overnight breaks, care at home or family-based care."
            ),
            "service_kinds": ["overnight_away", "overnight_home", "family_based", "day_care_home"],
            "how_to_apply": (
                "Ask Birmingham Children's Trust for a children with disabilities assessment: call 0121 303 1888 "
                "(Monday to Friday, 9am to 5pm), or ask your child's social worker."
            ),
        },
    ]


def _statement(hours: int, targeted_kinds: list[str], local_needs: str) -> StatementIn:
    return StatementIn.model_validate(
        {
            "introduction": INTRODUCTION,
            "local_needs": local_needs,
            "contact_email": "shortbreaks@birmingham.example.gov.uk",
            "contact_phone": "0121 303 1234",
            "contact_details": "Short Breaks Team, Birmingham City Council. Monday to Friday, 9am to 5pm.",
            "tiers": _tiers(hours, targeted_kinds),
        }
    )


async def load(ctx: DemoContext) -> None:
    authority = ctx.organisations["GB-LAE-BIR"]
    if await CouncilProfile.filter(local_authority_id=authority.id).exists():
        return
    profile = await services.save_council_profile(
        authority,
        CouncilProfileIn(slug=SLUG, allowance_year_start_month=4, allowance_year_start_day=1, postcode_districts=DISTRICTS),
        actor=None,
        now=ctx.now,
    )
    first = await services.create_version(
        profile,
        _statement(70, ["activity", "day_care_away", "day_care_home"], "We asked parents and carers in 2025."),
        actor=None,
        now=ctx.now - timedelta(days=365),
    )
    await services.publish_statement(first, actor=None, now=ctx.now - timedelta(days=365))
    second = await services.create_version(
        profile, _statement(78, ["activity", "holiday_scheme", "day_care_away", "day_care_home"], LOCAL_NEEDS), actor=None, now=ctx.now
    )
    await services.publish_statement(second, actor=None, now=ctx.now)
