"""Header navigation for bookings: families see their bookings and children."""

from __future__ import annotations

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY

items = [
    NavItem("Your bookings", "bookings:mine", FAMILY, order=20),
    NavItem("Your children", "bookings:children", FAMILY, order=25),
    NavItem("Allocations", "bookings:allocations", FAMILY, order=30),
]
