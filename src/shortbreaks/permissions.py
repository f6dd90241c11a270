"""Who may call a route. Every route declares one :class:`Permission`; a test walks them all.

Route-level permissions answer "may this kind of user call this at all?" (403 when not).
Record-level checks ("is this your child?") live in each package's ``permissions.py`` and
queries, and answer 404 for other people's records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from shortbreaks.accounts.enums import Role

if TYPE_CHECKING:
    from shortbreaks.accounts.models import Membership, User


@dataclass(frozen=True)
class MembershipInfo:
    organisation_id: UUID
    organisation_name: str
    role: Role
    is_org_admin: bool


@dataclass
class Principal:
    """The signed-in user and what they may act as, loaded once per request."""

    user: User
    memberships: list[MembershipInfo] = field(default_factory=list)
    session_id: str | None = None
    token_id: UUID | None = None

    @property
    def id(self) -> UUID:
        return self.user.id

    @property
    def is_site_admin(self) -> bool:
        return bool(self.user.is_site_admin)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(m.role for m in self.memberships)

    def has_role(self, *roles: Role) -> bool:
        return any(m.role in roles for m in self.memberships)

    def organisation_ids(self, *roles: Role) -> list[UUID]:
        """Organisations in which this user holds any of ``roles`` (all roles if none given)."""
        return [m.organisation_id for m in self.memberships if not roles or m.role in roles]

    def is_member(self, organisation_id: UUID, *roles: Role) -> bool:
        return organisation_id in self.organisation_ids(*roles)

    def administers(self, organisation_id: UUID) -> bool:
        return self.is_site_admin or any(m.organisation_id == organisation_id and m.is_org_admin for m in self.memberships)

    @classmethod
    def from_memberships(cls, user: User, memberships: list[Membership], **kwargs: object) -> Principal:
        return cls(
            user=user,
            memberships=[
                MembershipInfo(
                    organisation_id=m.organisation_id,
                    organisation_name=m.organisation.name,
                    role=m.role,
                    is_org_admin=m.is_org_admin,
                )
                for m in memberships
            ],
            **kwargs,  # type: ignore[arg-type]  # session_id / token_id
        )


@dataclass(frozen=True)
class Permission:
    """A route's declared permission.

    ``roles`` empty and ``requires_user`` False: anyone. ``requires_user`` with no roles:
    any signed-in user. With roles: a user holding any of them; site administrators pass
    every role check only when ``admin_passes`` is set.
    """

    name: str
    requires_user: bool
    roles: frozenset[Role] = frozenset()
    site_admin: bool = False
    admin_passes: bool = True

    def allows(self, principal: Principal | None) -> bool:
        if not self.requires_user:
            return True
        if principal is None:
            return False
        if self.site_admin:
            return principal.is_site_admin
        if not self.roles:
            return True
        if self.admin_passes and principal.is_site_admin:
            return True
        return principal.has_role(*self.roles)


PUBLIC = Permission("public", requires_user=False)
SIGNED_IN = Permission("signed_in", requires_user=True)
SITE_ADMIN = Permission("site_admin", requires_user=True, site_admin=True)


def any_role(*roles: Role, admin_passes: bool = True) -> Permission:
    """Signed in with any of ``roles`` (a site administrator passes unless ``admin_passes=False``)."""
    if not roles:
        raise ValueError("any_role needs at least one role")
    name = "role:" + ",".join(sorted(r.value for r in roles))
    return Permission(name, requires_user=True, roles=frozenset(roles), admin_passes=admin_passes)


FAMILY = any_role(Role.FAMILY, admin_passes=False)
PROVIDER_STAFF = any_role(Role.PROVIDER_STAFF)
LA_OFFICER = any_role(Role.LA_OFFICER)
GRANTEE = any_role(Role.GRANTEE)
FUNDER = any_role(Role.FUNDER)
