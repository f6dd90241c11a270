"""Header navigation for bookings: families see their bookings and children; officers, the families of their council."""

from __future__ import annotations

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, LA_OFFICER

items = [
    NavItem("Your bookings", "bookings:mine", FAMILY, order=20),
    NavItem("Your children", "bookings:children", FAMILY, order=25),
    NavItem("Allocations", "bookings:allocations", FAMILY, order=30),
    NavItem("Families", "bookings:officer_families", LA_OFFICER, order=60, hide_for_admin=True),
]
