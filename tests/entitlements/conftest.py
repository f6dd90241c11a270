"""Entitlements fixtures: a council with its profile, its officer, another council's officer, and statements built through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bookings.models import Child
from entitlements import services
from entitlements.enums import ApplicationStatus, PackagePeriod, PackageSource
from entitlements.models import AgreedPackage, Application, CouncilProfile, PackageAmount, Statement, Tier
from entitlements.schemas import CouncilProfileIn, StatementIn
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import ensure_membership, load_principal
from shortbreaks.permissions import Principal
from shortbreaks.security import hash_password
from tests.bookings.conftest import RunJobs as RunJobs
from tests.bookings.conftest import run_jobs as run_jobs  # a fixture: runs every queued job (a real arq worker with Redis)
from tests.bookings.conftest import smtp as smtp  # a fixture: a local SMTP server catching what is sent
from tests.factories import NOW, PASSWORD, make_organisation

_HASH: list[str] = []
_users = itertools.count(1)


async def make_user(*, role: Role | None, organisation: Organisation | None) -> User:
    """A user, hashing the password once per run (argon2 is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    n = next(_users)
    user = await User.create(email=f"entitlements-user{n}@example.com", password_hash=_HASH[0], display_name=f"User {n}")
    if role is not None and organisation is not None:
        await ensure_membership(user, organisation, role)
    return user


def tier(code: str = "targeted", kind: str = "targeted", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "kind": kind,
        "name": f"The {code} tier",
        "criteria": "Disabled children aged 0 to 17 in the area with an EHC plan or DLA.",
        "rules": {"min_age": 0, "max_age": 17, "lives_in_area": True, "disability": True, "ehc_plan_or_dla": True},
        "hours_per_year": 78,
        "gives": "Hours of short breaks.",
        "service_kinds": ["activity", "day_care_away"],
        "how_to_apply": "Call the short breaks team on 0121 000 0000.",
    }
    if kind == "universal":
        data.update(rules={"max_age": 25, "disability": True}, hours_per_year=None, how_to_apply="")
    if kind == "specialist":
        data.update(rules={"max_age": 17, "lives_in_area": True, "needs": ["PMLD", "SLD"]}, hours_per_year=None)
    data.update(overrides)
    return data


def statement_body(**overrides: Any) -> StatementIn:
    data: dict[str, Any] = {
        "introduction": "Short breaks give families a break from caring.",
        "local_needs": "We asked parents and carers.",
        "contact_email": "breaks@council.example.gov.uk",
        "contact_phone": "0121 000 0000",
        "tiers": [tier("universal", "universal"), tier(), tier("specialist", "specialist")],
    }
    data.update(overrides)
    return StatementIn.model_validate(data)


@dataclass
class Council:
    authority: Organisation
    profile: CouncilProfile
    officer: User
    officer_p: Principal
    other_authority: Organisation
    other_officer: User
    other_officer_p: Principal
    family: User

    async def published(self, body: StatementIn | None = None) -> Statement:
        draft = await services.create_version(self.profile, body or statement_body(), actor=self.officer_p, now=NOW)
        return await services.publish_statement(draft, actor=self.officer_p, now=NOW)


@pytest.fixture
async def council() -> Council:
    authority = await make_organisation(name="Westshire Council")
    other_authority = await make_organisation(name="Eastshire Council")
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    other_officer = await make_user(role=Role.LA_OFFICER, organisation=other_authority)
    officer_p = await load_principal(officer)
    profile = await services.save_council_profile(
        authority,
        CouncilProfileIn(
            slug="westshire", allowance_year_start_month=2, allowance_year_start_day=1, postcode_districts=["B15", "B16", "WS"]
        ),
        actor=officer_p,
        now=NOW,
    )
    return Council(
        authority=authority,
        profile=profile,
        officer=officer,
        officer_p=officer_p,
        other_authority=other_authority,
        other_officer=other_officer,
        other_officer_p=await load_principal(other_officer),
        family=await make_user(role=Role.FAMILY, organisation=authority),
    )


async def agree(
    council: Council, child: Child, *, starts_on: date, ends_on: date, amounts: list[tuple[date, int, PackagePeriod]]
) -> AgreedPackage:
    package = await AgreedPackage.create(
        council=council.profile,
        child=child,
        source=PackageSource.EHC_PLAN_H1,
        starts_on=starts_on,
        ends_on=ends_on,
        pattern="3 hours every Saturday",
        officer=council.officer,
    )
    for effective_from, minutes, per in amounts:
        await PackageAmount.create(package=package, effective_from=effective_from, minutes=minutes, per=per)
    return package


# --- the sufficiency report's children (tests/entitlements/test_sufficiency*.py) -----------------------


async def agree_weekly(
    council: Council, child: Child, *, source: PackageSource, minutes: int, application: Application | None = None
) -> AgreedPackage:
    """A package of ``minutes`` a week from 1 June 2026 to 31 March 2027, written directly."""
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


async def sent_application(council: Council, child: Child, tier: Tier, postcode: str) -> Application:
    """An application sent on 1 May 2026 giving ``postcode`` (as written, for the test)."""
    return await Application.create(
        reference=f"AP-{str(child.id)[:4].upper()}-{str(child.id)[4:6].upper()}",
        council=council.profile,
        family_id=child.family_id,
        child=child,
        tier=tier,
        tier_code=tier.code,
        status=ApplicationStatus.SUBMITTED,
        answers={"postcode": postcode},
        submitted_at=datetime(2026, 5, 1, 9, tzinfo=UTC),
    )


@pytest.fixture
async def westshire(council: Council) -> dict[str, Any]:
    """Six children: five on the targeted tier (four ASD, one PMLD first; three aged 10, two 16; four in B15 and
    one in B16), one aged 4 with an EHC plan and no needs recorded; the first targeted child has an EHC plan package too."""
    from tests.bookings.conftest import make_child, make_family

    statement = await council.published()
    targeted = await Tier.get(statement_id=statement.id, code="targeted")
    family = await make_family(council.authority)
    children = []
    for n in range(5):
        child = await make_child(family, dob=date(2016, 5, 1) if n < 3 else date(2010, 1, 1))
        child.needs = ["ASD"] if n < 4 else ["PMLD", "ASD"]
        await child.save()
        application = await sent_application(council, child, targeted, "B15 2TT" if n < 4 else "b16 9zz")
        await agree_weekly(council, child, source=PackageSource.TIER_DECISION, minutes=180, application=application)
        children.append(child)
    ehc = await make_child(family, dob=date(2022, 3, 1))
    ehc.needs = []
    await ehc.save()
    await agree_weekly(council, ehc, source=PackageSource.EHC_PLAN_H1, minutes=120)
    await agree_weekly(council, children[0], source=PackageSource.EHC_PLAN_H1, minutes=60)
    return {"children": children, "ehc": ehc, "family": family}
