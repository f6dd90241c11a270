"""Named reads for entitlements: councils by web address, statement versions, drafts within an officer's councils."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from entitlements import permissions
from entitlements.enums import StatementStatus
from entitlements.models import CouncilProfile, Statement, Tier
from shortbreaks.accounts.models import User
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal

PUBLIC_STATUSES = (StatementStatus.PUBLISHED, StatementStatus.SUPERSEDED)
MAX_NUMBER = 2**31 - 1  # the column is a 32-bit integer: a larger number in a URL names no version


async def active_email(user_id: UUID | None, conn: BaseDBAsyncClient | None = None) -> str | None:
    """The email address to write to a user at: ``None`` for no user, or one no longer active."""
    if user_id is None:
        return None
    user = await User.filter(id=user_id).using_db(conn).first()
    return user.email if user is not None and user.is_active else None


async def get_council(slug: str) -> CouncilProfile:
    council = await CouncilProfile.get_or_none(slug=slug).select_related("local_authority")
    if council is None:
        raise NotFound("There is no council at that address")
    return council


async def get_council_for_officer(principal: Principal, slug: str) -> CouncilProfile:
    """The council at ``slug`` if ``principal`` is one of its officers, else :class:`NotFound`."""
    council = await get_council(slug)
    if not permissions.is_officer_for(principal, council.local_authority_id):
        raise NotFound("There is no council at that address")
    return council


async def find_published(council: CouncilProfile) -> Statement | None:
    return await Statement.get_or_none(council_id=council.id, status=StatementStatus.PUBLISHED)


async def get_published(council: CouncilProfile) -> Statement:
    statement = await find_published(council)
    if statement is None:
        raise NotFound("This council has not published its short breaks statement here yet")
    return statement


async def get_public_version(council: CouncilProfile, number: int) -> Statement:
    """A published or replaced version: drafts are not public."""
    if number > MAX_NUMBER:
        raise NotFound("There is no published version with that number")
    statement = await Statement.get_or_none(council_id=council.id, number=number, status__in=PUBLIC_STATUSES)
    if statement is None:
        raise NotFound("There is no published version with that number")
    return statement


async def list_public_versions(council: CouncilProfile) -> list[Statement]:
    return await Statement.filter(council_id=council.id, status__in=PUBLIC_STATUSES).order_by("-number")


async def list_versions(council: CouncilProfile) -> list[Statement]:
    return await Statement.filter(council_id=council.id).order_by("-number")


async def find_draft(council: CouncilProfile) -> Statement | None:
    return await Statement.get_or_none(council_id=council.id, status=StatementStatus.DRAFT)


async def list_tiers(statement: Statement) -> list[Tier]:
    return await Tier.filter(statement_id=statement.id).order_by("position", "code")


async def list_officer_councils(principal: Principal) -> list[CouncilProfile]:
    return await CouncilProfile.filter(local_authority_id__in=permissions.officer_authority_ids(principal)).select_related(
        "local_authority"
    )


async def get_statement_for_officer(principal: Principal, statement_id: UUID) -> Statement:
    """Any version of a council the officer works for (its council loaded), else :class:`NotFound`."""
    statement = await Statement.get_or_none(id=statement_id).select_related("council__local_authority")
    if statement is None or not permissions.is_officer_for(principal, statement.council.local_authority_id):
        raise NotFound()
    return statement


async def get_tier_for_officer(principal: Principal, tier_id: UUID) -> Tier:
    tier = await Tier.get_or_none(id=tier_id).select_related("statement__council__local_authority")
    if tier is None or not permissions.is_officer_for(principal, tier.statement.council.local_authority_id):
        raise NotFound()
    return tier


def allowance_year(council: CouncilProfile, today: date) -> tuple[date, date]:
    """The council's allowance year holding ``today``: (first day, last day)."""
    month, day = council.allowance_year_start_month, council.allowance_year_start_day
    start = date(today.year, month, day)
    if today < start:
        start = date(today.year - 1, month, day)
    following = date(start.year + 1, month, day)
    return start, date.fromordinal(following.toordinal() - 1)


async def get_version(council: CouncilProfile, number: int) -> Statement:
    """Any version of the council, drafts too (for its officers)."""
    if number > MAX_NUMBER:
        raise NotFound("There is no version with that number")
    statement = await Statement.get_or_none(council_id=council.id, number=number)
    if statement is None:
        raise NotFound("There is no version with that number")
    return statement


async def list_published_councils() -> list[CouncilProfile]:
    """Councils with a published statement, by name."""
    return (
        await CouncilProfile.filter(statements__status=StatementStatus.PUBLISHED)
        .distinct()
        .select_related("local_authority")
        .order_by("local_authority__name")
    )
