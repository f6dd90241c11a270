"""Header navigation for entitlements: officers reach their statement, questions, applications to decide and renewals due;
families their applications."""

from entitlements.decision_queries import count_undecided
from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, LA_OFFICER, Principal


async def undecided(principal: Principal) -> int:
    """Applications of the officer's councils still to decide."""
    return await count_undecided(principal)


items = [
    NavItem("Short breaks statement", "entitlements:officer_index", LA_OFFICER, order=62, hide_for_admin=True),
    NavItem("Applications", "entitlements:officer_queue", LA_OFFICER, order=61, hide_for_admin=True, count=undecided),
    NavItem("Renewals", "entitlements:officer_renewals", LA_OFFICER, order=64, hide_for_admin=True),
    NavItem("Your applications", "entitlements:my_applications", FAMILY, order=35),
    NavItem("Application questions", "entitlements:officer_questions", LA_OFFICER, order=63, hide_for_admin=True),
]
