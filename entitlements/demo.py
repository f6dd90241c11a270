"""The entitlements demo data: Birmingham's short breaks services statement, in two published versions,
and applications at every step of a decision.

Version 1 (a year ago) offered 70 hours a year through the targeted tier; version 2 (current)
offers 78 and adds holiday schemes. Three tiers: universal clubs and activities open to all
disabled children in the area, a targeted allowance (78 hours a year, for children with an EHC
plan or Disability Living Allowance), and specialist breaks after a social care assessment.
Applications (each family signs in as ``<surname>.family@example.com`` with the demo password;
the officer is officer@example.com): the Adeyemis are part-way through applying for Tobi; Jasleen
Kaur's application has waited past the council's 20 working days; the council asked the Robinsons
for Ella's EHC plan and is waiting; Finn Walsh's was refused with a letter; Amir Osei's was approved
with the 78 hours, so his allocation pays for the targeted tier's kinds of break. Birmingham also
asks every applicant one question of its own.

Agreed packages and shortfalls: besides Amir's package from his approval, Aarav Shah (the
Shahs, family@example.com) has 3 hours every Saturday in his EHC plan's section H1, and Ella
Robinson 2 overnights a month (48 hours) in her child in need plan, with nothing booked. The
nightly shortfall job runs once as the demo loads, so the officer's Shortfalls page has cases and
the families' short breaks pages say the council is looking into it.

Ten more children have packages agreed in their EHC plans (sections H1 and H2) or child in need
plans, so the council's sufficiency report has figures to show; the same run of the nightly job
works it out.

Loading twice changes nothing: nothing is added once the council has its profile.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bookings import services as booking_services
from bookings.models import Child
from entitlements import applications, decisions, packages, queries, services, shortfall_cases
from entitlements.enums import PackagePeriod, PackageSource, QuestionKind, RefusalReason
from entitlements.models import Application, CouncilProfile
from entitlements.schemas import CouncilProfileIn, StatementIn
from entitlements.storage import Upload, storage_from_settings
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import ensure_membership, ensure_user, load_principal
from shortbreaks.clock import LONDON
from shortbreaks.demo import DEMO_PASSWORD, DemoContext

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
    await _applications(ctx, profile, authority)
    await _plan_packages(ctx, profile, authority)
    # The nightly job, once: shortfall cases and the sufficiency report's figures (so both are filled at once).
    await _packages(ctx, authority)


# A one-page PDF: what a family photographs or scans (an EHC plan's first page, a DLA award letter).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# (surname, child, born, needs, what happens to the application)
APPLICANTS = [
    ("Adeyemi", "Tobi", date(2017, 5, 14), ["ASD"], "draft"),
    ("Kaur", "Jasleen", date(2015, 10, 2), ["SLCN", "ASD"], "waiting"),
    ("Robinson", "Ella", date(2014, 2, 27), ["SLD"], "more_info"),
    ("Walsh", "Finn", date(2011, 6, 19), ["SEMH"], "refused"),
    ("Osei", "Amir", date(2017, 1, 9), ["ASD"], "approved"),
]
ANSWERS = {"postcode": "B15 2TT", "ehc_plan": "yes", "dla": "no"}
OWN_QUESTION = "Who looks after your child most of the time?"


async def _applicant(
    surname: str, first_name: str, born: date, needs: list[str], authority: Organisation, now: datetime
) -> tuple[User, Child]:
    user = await ensure_user(
        email=f"{surname.lower()}.family@example.com", password=DEMO_PASSWORD, display_name=f"The {surname} family", now=now
    )
    await ensure_membership(user, authority, Role.FAMILY)
    child = await Child.get_or_none(family_id=user.id, first_name=first_name)
    if child is None:
        child = await booking_services.create_child(
            user,
            local_authority_id=authority.id,
            first_name=first_name,
            last_name=surname,
            date_of_birth=born,
            needs=needs,
            care={},
            now=now,
        )
    return user, child


async def _applications(ctx: DemoContext, profile: CouncilProfile, authority: Organisation) -> None:
    """The applications described in the module's docstring, made through the services (audited, with their history)."""
    now = ctx.now
    officer = await load_principal(ctx.users["officer@example.com"])
    await applications.add_question(
        officer,
        profile,
        applications.QuestionInput("targeted", QuestionKind.TEXT, OWN_QUESTION, hint="For example: me, my partner and my mother."),
        now=now - timedelta(days=60),
    )
    tier = await applications.applicable_tier(profile, "targeted")
    storage = storage_from_settings(ctx.settings)
    year_start, _ = queries.allowance_year(profile, now.astimezone(LONDON).date())
    # Decisions in the current allowance year, so the approved allocation is this year's.
    earliest = datetime(year_start.year, year_start.month, year_start.day, 9, tzinfo=LONDON).astimezone(now.tzinfo)
    for surname, first_name, born, needs, outcome in APPLICANTS:
        user, child = await _applicant(surname, first_name, born, needs, authority, now)
        if await Application.filter(child_id=child.id).exists():
            continue
        family = await load_principal(user)
        sent = now - timedelta(days={"draft": 0, "waiting": 35, "more_info": 12, "refused": 20, "approved": 30}[outcome])
        application, _ = await applications.start_application(family, profile, tier, child, now=sent - timedelta(hours=1))
        await applications.save_answer(family, application, "postcode", ANSWERS["postcode"], now=sent - timedelta(minutes=50))
        if outcome == "draft":
            continue  # part-way: the postcode answered, the rest to do
        for key in ("ehc_plan", "dla"):
            application = await applications.save_answer(family, application, key, ANSWERS[key], now=sent - timedelta(minutes=40))
        [question] = [q for q in await applications.council_questions(profile.id, "targeted") if q.label == OWN_QUESTION]
        application = await applications.save_answer(
            family, application, str(question.id), "Me and my partner", now=sent - timedelta(minutes=30)
        )
        if outcome != "more_info":
            upload = Upload(filename=f"{first_name} EHC plan.pdf", data=DEMO_PDF, content_type="application/pdf")
            await applications.add_evidence(family, application, upload, storage=storage, now=sent - timedelta(minutes=20))
        application, _ = await applications.submit_application(
            family, application, now=sent, link=f"{ctx.settings.base_url}/applications/{application.id}"
        )
        if outcome == "more_info":
            await decisions.request_information(
                application,
                request_text=f"Please send the first page of {first_name}'s EHC plan, or a letter from her school about her needs.",
                actor=officer,
                now=now - timedelta(days=5),
            )
        elif outcome == "refused":
            await decisions.refuse(
                application,
                reason=RefusalReason.NEEDS_NOT_MET,
                explanation=(
                    f"{first_name}'s EHC plan describes needs that his school meets, and it does not say he needs support outside school. "
                    "The clubs and activities open to all are open to him, and our family support team can talk to you about other help."
                ),
                actor=officer,
                now=max(now - timedelta(days=8), earliest),
            )
        elif outcome == "approved":
            default = decisions.default_amount(tier)
            await decisions.approve(
                application, minutes=default.minutes, pence=default.pence, actor=officer, now=max(now - timedelta(days=21), earliest)
            )


async def _packages(ctx: DemoContext, authority: Organisation) -> None:
    """Aarav's and Ella's plans (see the module's docstring), then one run of the nightly shortfall job."""
    officer = await load_principal(ctx.users["officer@example.com"])
    today = ctx.now.astimezone(LONDON).date()
    plans = [
        ("family@example.com", "Aarav", PackageSource.EHC_PLAN_H1, "EHCP-2291", 180, PackagePeriod.WEEK, "3 hours every Saturday", 10),
        (
            "robinson.family@example.com",
            "Ella",
            PackageSource.CHILD_IN_NEED,
            "CIN-4410",
            48 * 60,
            PackagePeriod.MONTH,
            "2 overnights a month",
            6,
        ),
    ]
    for email, first_name, source, reference, minutes, per, pattern, weeks_ago in plans:
        user = ctx.users.get(email) or await User.get_or_none(email=email)
        child = await Child.get_or_none(family_id=user.id, first_name=first_name) if user else None
        if child is None:
            continue
        starts_on = today - timedelta(weeks=weeks_ago)
        terms = packages.PackageTerms(
            source=source,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=364),
            per=per,
            minutes=minutes,
            source_reference=reference,
            pattern=pattern,
            officer_id=officer.id,
        )
        await packages.record_package(child, terms, actor=officer, now=ctx.now - timedelta(weeks=weeks_ago))
    await shortfall_cases.run_nightly(now=ctx.now, base_url=ctx.settings.base_url)


# Packages from plans: (surname, child, born, needs, source, minutes or pence, per).
PLAN_CHILDREN = [
    ("Begum", "Aisha", date(2012, 3, 4), ["PMLD"], PackageSource.EHC_PLAN_H2, 1440, None, PackagePeriod.MONTH),
    ("Novak", "Luka", date(2009, 9, 21), ["SLD", "PD"], PackageSource.EHC_PLAN_H2, 1440, None, PackagePeriod.MONTH),
    ("Hughes", "Maisie", date(2015, 7, 30), ["ASD"], PackageSource.EHC_PLAN_H1, 180, None, PackagePeriod.WEEK),
    ("Ahmed", "Zain", date(2013, 11, 8), ["ASD", "SLCN"], PackageSource.EHC_PLAN_H1, 180, None, PackagePeriod.WEEK),
    ("Clarke", "Ruby", date(2010, 1, 15), ["PD"], PackageSource.EHC_PLAN_H1, 240, None, PackagePeriod.WEEK),
    ("Mensah", "Kofi", date(2016, 4, 2), ["SEMH"], PackageSource.CHILD_IN_NEED, None, 20_000, PackagePeriod.MONTH),
    ("Patel", "Anya", date(2008, 6, 12), ["MSI"], PackageSource.CHILD_IN_NEED, None, 15_000, PackagePeriod.MONTH),
    ("Doyle", "Sean", date(2014, 8, 19), ["ASD"], PackageSource.EHC_PLAN_H1, 120, None, PackagePeriod.WEEK),
    ("Kowalski", "Maja", date(2011, 2, 26), ["ASD"], PackageSource.EHC_PLAN_H2, 720, None, PackagePeriod.MONTH),
    ("Evans", "Rhys", date(2018, 10, 5), ["SLCN"], PackageSource.EHC_PLAN_H1, 180, None, PackagePeriod.WEEK),
]


async def _plan_packages(ctx: DemoContext, profile: CouncilProfile, authority: Organisation) -> None:
    """Packages agreed in children's plans, recorded by the officer through the packages service."""
    officer = await load_principal(ctx.users["officer@example.com"])
    year_start, year_end = queries.allowance_year(profile, ctx.now.astimezone(LONDON).date())
    for n, (surname, first_name, born, needs, source, minutes, pence, per) in enumerate(PLAN_CHILDREN, start=1):
        _, child = await _applicant(surname, first_name, born, needs, authority, ctx.now)
        terms = packages.PackageTerms(
            source=source,
            starts_on=year_start,
            ends_on=year_end,
            per=per,
            minutes=minutes,
            pence=pence,
            source_reference=f"BCC-{source.value.upper().replace('_', '-')}-{n:04d}",
            pattern="Agreed in the child's plan",
        )
        await packages.record_package(child, terms, actor=officer, now=ctx.now)
