"""Who may see and change what in bookings. Record-level checks answer 404 for other people's records.

- A family sees only its own children, bookings, allocations and waiting-list entries.
- Provider staff act on bookings for services of providers their organisation runs.
- Officers act on children (and their families) whose home authority is theirs.
"""

from __future__ import annotations

from uuid import UUID

from shortbreaks.accounts.enums import Role
from shortbreaks.permissions import Principal


def is_family_of(principal: Principal, family_id: UUID) -> bool:
    return principal.has_role(Role.FAMILY) and principal.id == family_id


def home_authority_id(principal: Principal) -> UUID | None:
    """The family's home local authority (its family membership's organisation)."""
    ids = principal.organisation_ids(Role.FAMILY)
    return ids[0] if ids else None


def staff_organisation_ids(principal: Principal) -> list[UUID]:
    return principal.organisation_ids(Role.PROVIDER_STAFF)


def can_act_for_provider(principal: Principal, provider_organisation_id: UUID) -> bool:
    return principal.is_site_admin or principal.is_member(provider_organisation_id, Role.PROVIDER_STAFF)


def officer_authority_ids(principal: Principal) -> list[UUID]:
    return principal.organisation_ids(Role.LA_OFFICER)


def can_manage_allocations_in(principal: Principal, local_authority_id: UUID) -> bool:
    return principal.is_member(local_authority_id, Role.LA_OFFICER)
