"""Who writes and who reads a council's short breaks statement.

- **Anyone**, signed in or not, reads a council's published statement, its older published
  versions, and uses the eligibility checker: they are public information by law.
- A **local-authority officer** of the council writes drafts, edits them, publishes them and sets
  the council's profile (web address, allowance year, area). Pages and API calls for writing are
  declared for officers (403 for anyone else); a council, draft or tier of another council answers
  404, so an officer learns nothing about another council's drafts.
"""

from __future__ import annotations

from uuid import UUID

from shortbreaks.accounts.enums import Role
from shortbreaks.permissions import Principal


def is_officer_for(principal: Principal | None, local_authority_id: UUID) -> bool:
    return principal is not None and principal.is_member(local_authority_id, Role.LA_OFFICER)


def officer_authority_ids(principal: Principal) -> list[UUID]:
    return principal.organisation_ids(Role.LA_OFFICER)
