"""Who sees and does what with grants.

- A **funder** (a member with the funder role of the fund's funder organisation) sees the
  whole fund and makes every decision: awards, payments, variations, approving returns.
- A **grantee** (a member with the grantee role of an award's recipient) sees its own awards
  and creates, edits and submits their spend returns.
- A **local-authority officer** sees, read-only, the awards in their authority's area.
- A **site administrator** sees everything, read-only.
- Anyone else sees none of it: whole pages answer 403 (declared on the route as
  :data:`GRANTS_USER`), single records 404 (the queries filter by :func:`award_scope`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.expressions import Q

from shortbreaks.accounts.enums import Role
from shortbreaks.permissions import FUNDER, Principal, any_role

GRANTS_USER = any_role(Role.FUNDER, Role.GRANTEE, Role.LA_OFFICER)
FUNDER_ONLY = FUNDER


def funder_org_ids(principal: Principal) -> list[UUID]:
    return principal.organisation_ids(Role.FUNDER)


def is_funder_of(principal: Principal, funder_id: UUID) -> bool:
    return principal.is_member(funder_id, Role.FUNDER)


def is_grantee_of(principal: Principal, recipient_id: UUID) -> bool:
    return principal.is_member(recipient_id, Role.GRANTEE)


def is_officer_for(principal: Principal, local_authority_id: UUID) -> bool:
    return principal.is_member(local_authority_id, Role.LA_OFFICER)


def _lookup(lookup: str, value: object) -> Q:
    """``Q(<lookup>=value)`` for a lookup built at run time."""
    conditions: dict[str, Any] = {lookup: value}
    return Q(**conditions)


def award_scope(principal: Principal, *, prefix: str = "") -> Q:
    """A filter for the awards ``principal`` may see; ``prefix`` reaches awards through a relation (``spend_return__award__``)."""
    if principal.is_site_admin:
        return Q()
    clauses = []
    if funders := principal.organisation_ids(Role.FUNDER):
        clauses.append(_lookup(f"{prefix}fund__funder_id__in", funders))
    if recipients := principal.organisation_ids(Role.GRANTEE):
        clauses.append(_lookup(f"{prefix}recipient_id__in", recipients))
    if authorities := principal.organisation_ids(Role.LA_OFFICER):
        clauses.append(_lookup(f"{prefix}local_authority_id__in", authorities))
    if not clauses:
        # Matches nothing: no award has a null id.
        return _lookup(f"{prefix}id__isnull", True)
    return Q(*clauses, join_type="OR")


def fund_scope(principal: Principal) -> Q:
    """Funds ``principal`` may see: those it funds, or in which it holds or oversees an award."""
    if principal.is_site_admin:
        return Q()
    clauses = []
    if funders := principal.organisation_ids(Role.FUNDER):
        clauses.append(Q(funder_id__in=funders))
    if recipients := principal.organisation_ids(Role.GRANTEE):
        clauses.append(Q(awards__recipient_id__in=recipients))
    if authorities := principal.organisation_ids(Role.LA_OFFICER):
        clauses.append(Q(awards__local_authority_id__in=authorities))
    if not clauses:
        return Q(id__isnull=True)
    return Q(*clauses, join_type="OR")


def sees_whole_fund(principal: Principal, funder_id: UUID) -> bool:
    return principal.is_site_admin or is_funder_of(principal, funder_id)


def can_view_award(principal: Principal, *, funder_id: UUID, recipient_id: UUID, local_authority_id: UUID) -> bool:
    return sees_whole_fund(principal, funder_id) or is_grantee_of(principal, recipient_id) or is_officer_for(principal, local_authority_id)


def can_edit_returns(principal: Principal, *, recipient_id: UUID) -> bool:
    return is_grantee_of(principal, recipient_id)


def can_decide(principal: Principal, *, funder_id: UUID) -> bool:
    return is_funder_of(principal, funder_id)
