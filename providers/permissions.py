"""Who may do what in the provider directory.

Route level: management routes are declared ``MANAGERS`` (provider staff, local-authority
officers; the site administrator passes). Record level, checked again in the queries that
load a record for a write: provider staff manage only their own organisation's provider,
officers only providers of their authority. Anyone else gets a 404, so ids reveal nothing.
"""

from __future__ import annotations

from uuid import UUID

from shortbreaks.accounts.enums import Role
from shortbreaks.errors import ValidationFailed
from shortbreaks.permissions import Principal, any_role

MANAGERS = any_role(Role.PROVIDER_STAFF, Role.LA_OFFICER)


def can_manage_provider(principal: Principal | None, *, organisation_id: UUID, local_authority_id: UUID) -> bool:
    """Staff of the provider's organisation, officers of its authority and the site administrator."""
    if principal is None:
        return False
    if principal.is_site_admin:
        return True
    return principal.is_member(organisation_id, Role.PROVIDER_STAFF) or principal.is_member(local_authority_id, Role.LA_OFFICER)


def can_approve_provider(principal: Principal | None, *, local_authority_id: UUID) -> bool:
    """Officers of the provider's authority and the site administrator publish and suspend it."""
    if principal is None:
        return False
    return principal.is_site_admin or principal.is_member(local_authority_id, Role.LA_OFFICER)


def can_create_provider_for(principal: Principal, organisation_id: UUID) -> bool:
    return principal.is_site_admin or principal.is_member(organisation_id, Role.PROVIDER_STAFF)


def default_provider_organisation(principal: Principal, requested: UUID | None) -> UUID:
    """The organisation a new provider profile is for: the one asked for, else the principal's only
    provider organisation (``ValidationFailed`` when it has none or several)."""
    if requested is not None:
        return requested
    mine = principal.organisation_ids(Role.PROVIDER_STAFF)
    if len(mine) != 1:
        raise ValidationFailed.field("organisation_id", "Choose the organisation this profile is for")
    return mine[0]
