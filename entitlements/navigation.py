"""Header navigation for entitlements: officers reach their council's short breaks statement."""

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import LA_OFFICER

items = [NavItem("Short breaks statement", "entitlements:officer_index", LA_OFFICER, order=62, hide_for_admin=True)]
