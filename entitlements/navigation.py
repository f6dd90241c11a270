"""Header navigation for entitlements: officers reach their statement, questions, applications to decide, renewals due
and shortfall cases;
families their applications."""

from entitlements.decision_queries import count_undecided
from entitlements.enums import ShortfallStatus
from entitlements.models import ShortfallCase
from shortbreaks.accounts.enums import Role
from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, LA_OFFICER, Principal


async def undecided(principal: Principal) -> int:
    """Applications of the officer's councils still to decide."""
    return await count_undecided(principal)


async def open_shortfalls(principal: Principal) -> int:
    """Open and escalated shortfall cases of the officer's councils."""
    authorities = principal.organisation_ids(Role.LA_OFFICER)
    return await ShortfallCase.filter(council__local_authority_id__in=authorities).exclude(status=ShortfallStatus.CLOSED).count()


items = [
    NavItem("Short breaks statement", "entitlements:officer_index", LA_OFFICER, order=62, hide_for_admin=True),
    NavItem("Applications", "entitlements:officer_queue", LA_OFFICER, order=61, hide_for_admin=True, count=undecided),
    NavItem("Renewals", "entitlements:officer_renewals", LA_OFFICER, order=64, hide_for_admin=True),
    NavItem("Shortfalls", "entitlements:shortfalls", LA_OFFICER, order=65, hide_for_admin=True, count=open_shortfalls),
    NavItem("Your applications", "entitlements:my_applications", FAMILY, order=35),
    NavItem("Application questions", "entitlements:officer_questions", LA_OFFICER, order=63, hide_for_admin=True),
]
