"""Submitted applications made directly with the models (the family's form is another part's), for the decision tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from bookings.models import Child
from entitlements.enums import ApplicationStatus, StatementStatus
from entitlements.models import Application, Statement, Tier
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import load_principal
from shortbreaks.permissions import Principal
from tests.entitlements.conftest import Council, make_user
from tests.factories import NOW

_refs = itertools.count(1)


async def make_child(council: Council, family: User | None = None, first_name: str = "Sam") -> Child:
    return await Child.create(
        family_id=(family or council.family).id,
        local_authority_id=council.authority.id,
        first_name=first_name,
        last_name="Jones",
        date_of_birth=date(2016, 5, 1),
    )


async def submitted_application(
    council: Council,
    *,
    submitted_at: datetime = NOW,
    tier_code: str = "targeted",
    child: Child | None = None,
    family: User | None = None,
    renewal_of: Application | None = None,
    **fields: Any,
) -> Application:
    """An application sent for the council's published tier (publishing the statement if need be)."""
    statement = await Statement.get_or_none(council_id=council.profile.id, status=StatementStatus.PUBLISHED)
    if statement is None:
        statement = await council.published()
    tier = await Tier.get(statement_id=statement.id, code=tier_code)
    family = family or council.family
    child = child or await make_child(council, family)
    n = next(_refs)
    return await Application.create(
        reference=f"AP-{n:04d}-TS",
        council_id=council.profile.id,
        family_id=family.id,
        child_id=child.id,
        tier_id=tier.id,
        tier_code=tier.code,
        renewal_of_id=renewal_of.id if renewal_of else None,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=submitted_at,
        answers={"ehc_plan": "yes", "postcode": "B15 2TT", "What helps at home?": "A regular evening off"},
        **fields,
    )


async def second_officer(council: Council) -> tuple[User, Principal]:
    user = await make_user(role=Role.LA_OFFICER, organisation=council.authority)
    return user, await load_principal(user)
