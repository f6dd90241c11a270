"""A fixture world for the security tests: "our" family, provider, authority, grantee and funder
own one record of every kind, and a second family, provider, authority, grantee and funder own
nothing of ours, so every route can be called by every role.

``build_world()`` makes the records through the real services; ``World.path_values`` fills a
route's path template; ``World.cookie`` / ``World.token`` sign a role in without the forms
(staff sessions are created at full strength, as after the second factor).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from bookings import services as bookings_services
from bookings.models import Allocation, Booking, Child, WaitingListEntry
from entitlements import services as entitlements_services
from entitlements import sufficiency
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource, QuestionKind, ShortfallEventKind, ShortfallTrigger
from entitlements.models import (
    AgreedPackage,
    Application,
    CouncilProfile,
    Evidence,
    Question,
    ShortfallCase,
    ShortfallEvent,
    Statement,
    Tier,
)
from entitlements.schemas import CouncilProfileIn
from grants import services as grants_services
from grants.models import Award, Fund, SpendReturn, Tranche
from providers import services as provider_services
from providers.models import AvailabilityRule, Closure, Provider, Service, Session
from providers.schemas import ClosureIn
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import create_api_token, ensure_membership, load_principal, start_session
from shortbreaks.clock import LONDON
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_session
from tests.conftest import TEST_NOW
from tests.factories import make_organisation
from tests.grants.conftest import make_award
from tests.providers.conftest import make_provider, make_rule
from tests.providers.conftest import make_service as make_provider_service

# Every role a request can come from. "other_*" hold the same role in another organisation
# (or are another family), so they may call the route but must not see our records.
ROLES = (
    "anonymous",
    "family",
    "staff",
    "officer",
    "grantee",
    "funder",
    "admin",
    "other_family",
    "other_staff",
    "other_officer",
    "other_grantee",
    "other_funder",
)
STAFF_ROLES = {"staff", "officer", "grantee", "funder", "admin", "other_staff", "other_officer", "other_grantee", "other_funder"}
_n = itertools.count(1)


# The routes that work on a draft application (answering, evidence, sending, withdrawing): their
# ``application_id`` is the family's draft; every other route's is the approved application.
DRAFT_ROUTES = frozenset(
    {
        "/applications/{application_id:uuid}",
        "/applications/{application_id:uuid}/questions/{key}",
        "/applications/{application_id:uuid}/check",
        "/applications/{application_id:uuid}/evidence/{evidence_id:uuid}",
        "/applications/{application_id:uuid}/submit",
        "/applications/{application_id:uuid}/evidence",
        "/applications/{application_id:uuid}/withdraw",
        "/api/v1/applications/{application_id:uuid}/evidence/{evidence_id:uuid}",
        "/api/v1/applications/{application_id:uuid}/answers/{key}",
        "/api/v1/applications/{application_id:uuid}/submit",
        "/api/v1/applications/{application_id:uuid}/evidence",
        "/api/v1/applications/{application_id:uuid}/withdraw",
    }
)


@dataclass
class World:
    users: dict[str, User]
    authority: Organisation
    provider: Provider
    service: Service
    session: Session
    full_session: Session
    rule: AvailabilityRule
    closure: Closure
    child: Child
    booking: Booking
    entry: WaitingListEntry
    allocation: Allocation
    fund: Fund
    award: Award
    tranche: Tranche
    spend_return: SpendReturn
    # Our council's statement: version 1 published, version 2 a draft with its tiers.
    draft: Statement
    draft_tier: Tier
    # Our family's approved application, its allowance year ending in two weeks' (real) time: due for renewal.
    application: Application
    family_token_id: UUID
    feed_id: UUID
    tokens: dict[str, str] = field(default_factory=dict)
    # Our family's draft application for our child (the targeted tier), its evidence file, and a question of our council's:
    # ``application_id`` names it in the routes that work on a draft (DRAFT_ROUTES), the approved one elsewhere.
    draft_application: Application | None = None
    evidence: Evidence | None = None
    question: Question | None = None
    # Our child's agreed package (issue #21): an EHC plan's 3 hours a week.
    package: AgreedPackage | None = None
    # Its open shortfall case, as the nightly job opens one.
    shortfall_case: ShortfallCase | None = None

    def path_values(self, path: str = "") -> dict[str, str]:
        """A value for every path parameter any route declares, all naming our records; for ``path``
        a route that works on a draft application, ``application_id`` names the draft."""
        ids: dict[str, Any] = {
            "organisation_id": self.provider.organisation_id,  # type: ignore[attr-defined]
            "provider_id": self.provider.id,
            "service_id": self.service.id,
            "session_id": self.session.id,
            "rule_id": self.rule.id,
            "closure_id": self.closure.id,
            "child_id": self.child.id,
            "booking_id": self.booking.id,
            "entry_id": self.entry.id,
            "allocation_id": self.allocation.id,
            "family_id": self.users["family"].id,
            "fund_id": self.fund.id,
            "round_id": self.award.round_id,  # type: ignore[attr-defined]
            "award_id": self.award.id,
            "tranche_id": self.tranche.id,
            "return_id": self.spend_return.id,
            "token_id": self.family_token_id,
            "feed_id": self.feed_id,
            "slug": "our-council",
            "number": "1",
            "statement_id": self.draft.id,
            "tier_id": self.draft_tier.id,
            "application_id": self.draft_application.id if self.draft_application and path in DRAFT_ROUTES else self.application.id,
            "token": "not-a-real-token",
            "evidence_id": self.evidence.id if self.evidence else uuid4(),
            "question_id": self.question.id if self.question else uuid4(),
            "key": "postcode",
            "tier_code": "targeted",
            "package_id": self.package.id if self.package else uuid4(),
            "case_id": self.shortfall_case.id if self.shortfall_case else uuid4(),
        }
        return {k: str(v) for k, v in ids.items()}

    async def cookie(self, role: str) -> str:
        """A full-strength session cookie value for ``role``."""
        user = self.users[role]
        value, _ = await start_session(user, now=TEST_NOW, absolute=timedelta(hours=12), is_staff=role in STAFF_ROLES)
        return value

    async def token(self, role: str) -> str:
        if role not in self.tokens:
            self.tokens[role], _ = await create_api_token(self.users[role], now=TEST_NOW)
        return self.tokens[role]


async def _user(role: Role | None, organisation: Organisation | None, *, admin: bool = False) -> User:
    n = next(_n)
    user = await User.create(
        email=f"security{n}@example.com",
        password_hash="!",
        display_name=f"Security user {n}",
        is_site_admin=admin,
        email_verified_at=TEST_NOW,
    )
    if role is not None and organisation is not None:
        await ensure_membership(user, organisation, role)
    return user


async def build_world(settings: Settings | None = None) -> World:
    """Our records and the others'; with ``settings``, the evidence file is stored where the app keeps them."""
    authority = await make_organisation(name="Our Council")
    other_authority = await make_organisation(name="Another Council")
    provider_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Our Club")
    other_provider_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Another Club")
    grantee_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Our Grantee")
    other_grantee_org = await make_organisation(kind=OrganisationKind.CHARITY, name="Another Grantee")
    funder_org = await make_organisation(kind=OrganisationKind.FUNDER, name="Our Funder")
    other_funder_org = await make_organisation(kind=OrganisationKind.FUNDER, name="Another Funder")

    users = {
        "family": await _user(Role.FAMILY, authority),
        "staff": await _user(Role.PROVIDER_STAFF, provider_org),
        "officer": await _user(Role.LA_OFFICER, authority),
        "grantee": await _user(Role.GRANTEE, grantee_org),
        "funder": await _user(Role.FUNDER, funder_org),
        "admin": await _user(None, None, admin=True),
        "other_family": await _user(Role.FAMILY, authority),
        "other_staff": await _user(Role.PROVIDER_STAFF, other_provider_org),
        "other_officer": await _user(Role.LA_OFFICER, other_authority),
        "other_grantee": await _user(Role.GRANTEE, other_grantee_org),
        "other_funder": await _user(Role.FUNDER, other_funder_org),
    }

    provider = await make_provider(organisation=provider_org, local_authority=authority, name="Our Club")
    await make_provider(organisation=other_provider_org, local_authority=other_authority, name="Another Club")
    service = await make_provider_service(provider, funding_routes=["council_allocation", "family_pays"], max_age=18)
    rule = await make_rule(service, valid_from=date(2027, 1, 1), valid_until=date(2027, 3, 31))
    closure = await provider_services.create_closure(
        service, ClosureIn(starts_on=date(2027, 12, 24), ends_on=date(2027, 12, 27)), actor=None, now=TEST_NOW
    )
    session = await make_session(service, capacity=5)
    full_session = await make_session(service, starts_at=TEST_NOW + timedelta(days=12), capacity=1)

    family = users["family"]
    child = await _child(family, authority)
    sibling = await _child(family, authority)
    await _child(users["other_family"], authority)
    allocation = await bookings_services.grant_allocation(
        child, actor=users["officer"], year=2026, minutes=60 * 40, reason="Annual", now=TEST_NOW
    )
    await bookings_services.grant_allocation(sibling, actor=users["officer"], year=2026, minutes=60 * 40, reason="Annual", now=TEST_NOW)
    booking = await bookings_services.create_booking(family, session_id=session.id, child_ids=[child.id], now=TEST_NOW)
    await bookings_services.create_booking(family, session_id=full_session.id, child_ids=[sibling.id], now=TEST_NOW)
    [entry] = await bookings_services.join_waiting_list(family, session_id=full_session.id, child_ids=[child.id], now=TEST_NOW)

    funder_p = await load_principal(users["funder"])
    grantee_p = await load_principal(users["grantee"])
    fund = await grants_services.create_fund(
        name="Our fund",
        funder=funder_org,
        total_pence=3_000_000_000,
        starts_on=date(2024, 4, 1),
        ends_on=date(2027, 3, 31),
        grant_id_prefix="360G-SEC",
        actor=funder_p,
        now=TEST_NOW,
    )
    round_ = await grants_services.create_round(
        fund,
        name="2025-26",
        code="R1",
        budget_pence=1_000_000_000,
        starts_on=date(2025, 4, 1),
        ends_on=date(2026, 3, 31),
        actor=funder_p,
        now=TEST_NOW,
    )
    award = await make_award(round_, funder_p, recipient=grantee_org, authority=authority, reference="SEC1")
    tranche = await grants_services.schedule_tranche(award, amount_pence=100_000, due_on=date(2026, 7, 1), actor=funder_p, now=TEST_NOW)
    spend_return = await grants_services.create_return(award, financial_year=2026, quarter=1, actor=grantee_p, now=TEST_NOW)

    draft, draft_tier = await _statement(authority, users["officer"])
    application = await _approved_application(family, child, users["officer"])

    _, family_token = await create_api_token(family, name="For the matrix", now=TEST_NOW)
    from bookings.feeds import services as feed_services

    _, feed = await feed_services.create_family_feed(await load_principal(family), child_id=None, now=TEST_NOW)
    draft_application, evidence, question = await _application(authority, family, child, users["officer"], settings)
    package = await _package(child, users["officer"])
    # The sufficiency report's figures, as the nightly job would work them out (its pages are scanned filled in).
    await sufficiency.refresh((await CouncilProfile.get(local_authority_id=authority.id)).id, day=TEST_NOW.astimezone(LONDON).date())
    return World(
        package=package,
        shortfall_case=await _shortfall_case(package),
        draft_application=draft_application,
        evidence=evidence,
        question=question,
        family_token_id=family_token.id,
        feed_id=feed.id,
        users=users,
        authority=authority,
        provider=provider,
        service=service,
        session=session,
        full_session=full_session,
        rule=rule,
        closure=closure,
        child=child,
        booking=booking,
        entry=entry,
        allocation=allocation,
        fund=fund,
        award=award,
        tranche=tranche,
        spend_return=spend_return,
        draft=draft,
        draft_tier=draft_tier,
        application=application,
    )


async def _statement(authority: Organisation, officer: User) -> tuple[Statement, Tier]:
    """Our council's short breaks statement: version 1 published, version 2 drafted from it."""
    from tests.entitlements.conftest import statement_body

    officer_p = await load_principal(officer)
    profile = await entitlements_services.save_council_profile(
        authority,
        CouncilProfileIn(slug="our-council", allowance_year_start_month=4, allowance_year_start_day=1),
        actor=officer_p,
        now=TEST_NOW,
    )
    first = await entitlements_services.create_version(profile, statement_body(), actor=officer_p, now=TEST_NOW)
    await entitlements_services.publish_statement(first, actor=officer_p, now=TEST_NOW)
    draft = await entitlements_services.create_draft(profile, actor=officer_p, now=TEST_NOW)
    return draft, await Tier.get(statement_id=draft.id, code="targeted")


async def _package(child: Child, officer: User) -> AgreedPackage:
    """Our child's agreed package, current on the real calendar for a while yet (the browser world's clock)."""
    from entitlements import packages

    terms = packages.PackageTerms(
        source=PackageSource.EHC_PLAN_H1,
        source_reference="EHCP-SEC-1",
        starts_on=date(2026, 4, 1),
        ends_on=date(2029, 3, 31),
        minutes=180,
        per=PackagePeriod.WEEK,
        pattern="3 hours every Saturday",
    )
    return await packages.record_package(child, terms, actor=await load_principal(officer), now=TEST_NOW)


async def _shortfall_case(package: AgreedPackage) -> ShortfallCase:
    """An open case for our package, with its opening on the history, as the nightly job leaves one."""
    case = await ShortfallCase.create(
        council_id=package.council_id,
        package_id=package.id,
        child_id=package.child_id,
        officer_id=package.officer_id,
        trigger=ShortfallTrigger.BEHIND,
        opened_on=TEST_NOW.date(),
        opened_at=TEST_NOW,
        period_starts=TEST_NOW.date(),
        period_ends=TEST_NOW.date(),
        in_minutes=True,
        agreed=26,
        delivered=0,
        shortfall=26,
        percent_behind=100,
    )
    await ShortfallEvent.create(case_id=case.id, kind=ShortfallEventKind.OPENED, note="Behind the agreed amount", at=TEST_NOW)
    return case


async def _approved_application(family: User, child: Child, officer: User) -> Application:
    """An approved application whose allowance year ends 14 days after today on the real calendar:
    the browser scans run on the real clock, and the officers' renewals page lists it there."""
    ends_on = datetime.now(UTC).date() + timedelta(days=14)
    starts_on = ends_on - timedelta(days=364)
    tier = await Tier.get(statement__council__local_authority_id=child.local_authority_id, statement__number=1, code="targeted")
    allocation = await Allocation.create(
        child_id=child.id,
        local_authority_id=child.local_authority_id,
        year=starts_on.year,
        starts_on=starts_on,
        ends_on=ends_on,
        tier_code="targeted",
        service_kinds=list(tier.service_kinds),
        in_minutes=True,
        balance_minutes=600,
    )
    return await Application.create(
        reference="AP-SECU-R1",
        council_id=(await CouncilProfile.get(local_authority_id=child.local_authority_id)).id,
        family_id=family.id,
        child_id=child.id,
        tier_id=tier.id,
        tier_code="targeted",
        status=ApplicationStatus.APPROVED,
        answers={},
        submitted_at=TEST_NOW,
        decided_at=TEST_NOW,
        decided_by_id=officer.id,
        approved_minutes=600,
        allocation_id=allocation.id,
    )


async def _child(family: User, authority: Organisation) -> Child:
    return await bookings_services.create_child(
        family,
        local_authority_id=authority.id,
        first_name=f"Child{next(_n)}",
        last_name="Shah",
        date_of_birth=date(2016, 5, 1),
        needs=["ASD"],
        care={"medical": "Epilepsy", "dietary": "No nuts"},
        now=TEST_NOW,
    )


async def _application(
    authority: Organisation, family: User, child: Child, officer: User, settings: Settings | None
) -> tuple[Application, Evidence, Question]:
    """Our family's draft for the targeted tier of our council's published statement, with a PDF."""
    from entitlements import applications
    from entitlements.models import CouncilProfile
    from entitlements.storage import Upload, storage_from_settings

    council = await CouncilProfile.get(local_authority_id=authority.id)
    officer_p = await load_principal(officer)
    question = await applications.add_question(
        officer_p, council, applications.QuestionInput("targeted", QuestionKind.TEXT, "Who cares for your child?"), now=TEST_NOW
    )
    family_p = await load_principal(family)
    tier = await applications.applicable_tier(council, "targeted")
    application, _ = await applications.start_application(family_p, council, tier, child, now=TEST_NOW)
    pdf = Upload(filename="letter.pdf", data=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    if settings is not None:
        evidence = await applications.add_evidence(family_p, application, pdf, storage=storage_from_settings(settings), now=TEST_NOW)
    else:
        evidence = await Evidence.create(
            application_id=application.id,
            filename="letter.pdf",
            content_type="application/pdf",
            size_bytes=15,
            sha256="0" * 64,
            storage_key="0" * 32,
        )
    return application, evidence, question
