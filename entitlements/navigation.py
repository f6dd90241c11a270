"""Header navigation for entitlements: officers reach their statement, questions and renewals due; families their applications."""

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, LA_OFFICER

items = [
    NavItem("Short breaks statement", "entitlements:officer_index", LA_OFFICER, order=62, hide_for_admin=True),
    NavItem("Renewals", "entitlements:officer_renewals", LA_OFFICER, order=64, hide_for_admin=True),
    NavItem("Your applications", "entitlements:my_applications", FAMILY, order=35),
    NavItem("Application questions", "entitlements:officer_questions", LA_OFFICER, order=63, hide_for_admin=True),
]
