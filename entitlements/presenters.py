"""Shaping statements for pages and the API: the same words and numbers in both."""

from __future__ import annotations

from datetime import date

from entitlements import queries
from entitlements.models import CouncilProfile, Statement, Tier
from entitlements.schemas import AllowanceYear, StatementOut, TierOut, TierRules, VersionSummary
from providers.enums import ServiceKind


def allowance_year_out(council: CouncilProfile, today: date) -> AllowanceYear:
    starts_on, ends_on = queries.allowance_year(council, today)
    return AllowanceYear(
        start_month=council.allowance_year_start_month,
        start_day=council.allowance_year_start_day,
        current_starts_on=starts_on,
        current_ends_on=ends_on,
    )


def allowance_year_text(council: CouncilProfile) -> str:
    """ "1 April to 31 March" (the days are the same every year: 29 February is never a start)."""
    start = date(2001, council.allowance_year_start_month, council.allowance_year_start_day)
    end = date.fromordinal(date(2002, start.month, start.day).toordinal() - 1)
    return f"{start.day} {start:%B} to {end.day} {end:%B}"


def tier_out(tier: Tier) -> TierOut:
    return TierOut(
        id=tier.id,
        code=tier.code,
        kind=tier.kind,
        name=tier.name,
        criteria=tier.criteria,
        rules=TierRules.model_validate(tier.rules or {}),
        hours_per_year=tier.hours_per_year,
        pence_per_year=tier.pence_per_year,
        gives=tier.gives,
        service_kinds=[ServiceKind(k) for k in tier.service_kinds or []],
        how_to_apply=tier.how_to_apply,
    )


def service_kinds(tier: Tier) -> list[tuple[str, str]]:
    """(value, label) of each kind of short break the tier pays for: the value filters the service search."""
    return [(k, ServiceKind(k).label) for k in tier.service_kinds or []]


async def statement_out(council: CouncilProfile, statement: Statement, *, today: date) -> StatementOut:
    tiers = await queries.list_tiers(statement)
    versions = await queries.list_public_versions(council)
    return StatementOut(
        council=council.local_authority.name,
        slug=council.slug,
        number=statement.number,
        status=statement.status,
        published_at=statement.published_at,
        introduction=statement.introduction,
        local_needs=statement.local_needs,
        contact_email=statement.contact_email,
        contact_phone=statement.contact_phone,
        contact_details=statement.contact_details,
        allowance_year=allowance_year_out(council, today),
        tiers=[tier_out(t) for t in tiers],
        versions=[VersionSummary(number=v.number, status=v.status, published_at=v.published_at) for v in versions],
    )
