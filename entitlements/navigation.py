"""Header navigation for entitlements: officers reach their council's short breaks statement and the renewals due."""

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import LA_OFFICER

items = [
    NavItem("Short breaks statement", "entitlements:officer_index", LA_OFFICER, order=62, hide_for_admin=True),
    NavItem("Renewals", "entitlements:officer_renewals", LA_OFFICER, order=64, hide_for_admin=True),
]
