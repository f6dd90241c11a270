"""Grants fixtures: a funder, a fund with a round, a grantee with an award, people in every role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import pytest

from grants import services
from grants.enums import BudgetCategory
from grants.models import Award, Fund, Round
from grants.services import BudgetLineInput
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.accounts.services import ensure_membership, load_principal
from shortbreaks.permissions import Principal
from shortbreaks.security import hash_password
from tests.factories import NOW, PASSWORD, make_organisation

_HASH: list[str] = []
_users = itertools.count(1)


async def make_user(*, role: Role, organisation: Organisation | None = None, name: str | None = None) -> User:
    """Like ``tests.factories.make_user`` but hashing the password once per run (argon2 is slow on purpose)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    n = next(_users)
    user = await User.create(
        email=f"grants-user{n}@example.com", password_hash=_HASH[0], display_name=name or f"User {n}", email_verified_at=NOW
    )
    if organisation is None:
        kind = {Role.FAMILY: OrganisationKind.LOCAL_AUTHORITY, Role.LA_OFFICER: OrganisationKind.LOCAL_AUTHORITY}.get(
            role, OrganisationKind.CHARITY
        )
        if role is Role.FUNDER:
            kind = OrganisationKind.FUNDER
        organisation = await make_organisation(kind=kind)
    await ensure_membership(user, organisation, role)
    return user


@dataclass
class World:
    funder_org: Organisation
    funder: User
    funder_p: Principal
    other_funder: User
    grantee_org: Organisation
    grantee: User
    grantee_p: Principal
    authority: Organisation
    officer: User
    other_grantee: User
    family: User
    provider: User
    fund: Fund
    round: Round
    award: Award


async def principal(user: User) -> Principal:
    return await load_principal(user)


async def make_award(
    world_round: Round,
    funder_p: Principal,
    *,
    recipient: Organisation,
    authority: Organisation,
    reference: str,
    amount_pence: int = 10_000_000,
    start: date = date(2025, 4, 1),
    end: date = date(2027, 3, 31),
    budget: list[BudgetLineInput] | None = None,
) -> Award:
    if budget is None:
        half = amount_pence // 2
        budget = [
            BudgetLineInput(BudgetCategory.STAFFING, 2025, half),
            BudgetLineInput(BudgetCategory.ACTIVITIES, 2026, amount_pence - half),
        ]
    return await services.create_award(
        world_round,
        recipient=recipient,
        local_authority=authority,
        reference=reference,
        title=f"Short breaks {reference}",
        description="Saturday clubs and holiday play schemes for disabled children",
        amount_pence=amount_pence,
        awarded_on=date(2025, 3, 1),
        planned_start=start,
        planned_end=end,
        actor=funder_p,
        now=NOW,
        budget_lines=budget,
    )


@pytest.fixture
async def world(app) -> World:
    funder_org = await make_organisation(kind=OrganisationKind.FUNDER, identifier="GB-GOR-D6", name="Department for Education")
    funder = await make_user(role=Role.FUNDER, organisation=funder_org, name="Farid Funder")
    other_funder = await make_user(role=Role.FUNDER, organisation=funder_org, name="Olu Funder")
    authority = await make_organisation(identifier="GB-LAE-BIR", name="Birmingham City Council", region="West Midlands")
    grantee_org = await make_organisation(kind=OrganisationKind.CHARITY, identifier="GB-CHC-1180001", name="Sunshine Saturday Club")
    grantee = await make_user(role=Role.GRANTEE, organisation=grantee_org, name="Grace Grantee")
    other_grantee = await make_user(role=Role.GRANTEE, name="Gil Othergrantee")
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority, name="Helen Officer")
    family = await make_user(role=Role.FAMILY, organisation=authority)
    provider = await make_user(role=Role.PROVIDER_STAFF)
    funder_p = await principal(funder)
    fund = await services.create_fund(
        name="Short breaks innovation fund",
        funder=funder_org,
        total_pence=3_000_000_000,
        starts_on=date(2024, 4, 1),
        ends_on=date(2027, 3, 31),
        grant_id_prefix="360G-DFE-SBIF",
        actor=funder_p,
        now=NOW,
    )
    round_ = await services.create_round(
        fund,
        name="2025-26",
        code="R2",
        budget_pence=1_000_000_000,
        starts_on=date(2025, 4, 1),
        ends_on=date(2026, 3, 31),
        actor=funder_p,
        now=NOW,
    )
    award = await make_award(round_, funder_p, recipient=grantee_org, authority=authority, reference="A001")
    return World(
        funder_org=funder_org,
        funder=funder,
        funder_p=funder_p,
        other_funder=other_funder,
        grantee_org=grantee_org,
        grantee=grantee,
        grantee_p=await principal(grantee),
        authority=authority,
        officer=officer,
        other_grantee=other_grantee,
        family=family,
        provider=provider,
        fund=await Fund.get(id=fund.id),
        round=await Round.get(id=round_.id),
        award=await Award.get(id=award.id),
    )
