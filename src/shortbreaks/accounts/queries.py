"""Named account reads used in more than one place."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shortbreaks import sql
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import ApiToken, Membership, Organisation, User


async def list_local_authorities() -> list[Organisation]:
    return await Organisation.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("name")


async def list_families_in(authority_ids: list[UUID]) -> list[Membership]:
    """Family memberships (with their users) of the given local authorities, newest first."""
    if not authority_ids:
        return []
    return await (
        Membership.filter(role=Role.FAMILY, organisation_id__in=authority_ids)
        .select_related("user", "organisation")
        .order_by("-created_at")
    )


async def list_members(organisation_id: UUID) -> list[Membership]:
    return await Membership.filter(organisation_id=organisation_id).select_related("user").order_by("role", "created_at")


async def find_live_api_token(token_hash: str) -> tuple[ApiToken, list[Membership]] | None:
    """The live token with the hash (not revoked, its user active) with its user loaded, and the
    user's memberships with their organisations, oldest first.

    Hand-written: every API request starts here; one joined read costs a tenth of the token, its
    user and the memberships through the ORM (``shortbreaks.sql``).
    """
    rows = await sql.fetch_models(
        f"SELECT {sql.columns('t', ApiToken)}, {sql.columns('u', User)}, {sql.columns('m', Membership)}, {sql.columns('o', Organisation)}"  # noqa: S608 — column lists from the models
        " FROM core_apitoken t JOIN core_user u ON u.id = t.user_id"
        " LEFT JOIN core_membership m ON m.user_id = u.id"
        " LEFT JOIN core_organisation o ON o.id = m.organisation_id"
        " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.is_active"
        " ORDER BY m.created_at, m.id",
        token_hash,
        models={"t": ApiToken, "u": User, "m": Membership, "o": Organisation},
    )
    if not rows:
        return None
    row = rows[0]["t"]
    row.user = rows[0]["u"]
    memberships = []
    for found in rows:
        membership = found["m"]
        if membership is not None:
            membership.organisation = found["o"]
            memberships.append(membership)
    return row, memberships


async def touch_api_token(token_id: UUID, *, now: datetime) -> None:
    """Record when a token was last used (at most every five minutes, :mod:`shortbreaks.accounts.auth`).
    A state change, hand-written: in a booking rush every family's first request runs it, and
    through the ORM it cost about 0.2 ms more CPU (bench/README.md, 2026-12-07)."""
    await sql.execute("UPDATE core_apitoken SET last_used_at = $1 WHERE id = $2", now, token_id)
