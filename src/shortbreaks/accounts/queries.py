"""Named account reads used in more than one place."""

from __future__ import annotations

from uuid import UUID

from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Membership, Organisation


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
