"""Header navigation for bookings: families see their bookings and children; provider staff the
requests to decide; officers, the families of their council."""

from __future__ import annotations

from bookings import permissions, queries
from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, LA_OFFICER, PROVIDER_STAFF, Principal


async def requests_waiting(principal: Principal) -> int:
    """How many bookings wait for the staff member's providers to confirm or decline."""
    return await queries.count_requests_waiting(permissions.staff_organisation_ids(principal), site_admin=principal.is_site_admin)


items = [
    NavItem("Your bookings", "bookings:mine", FAMILY, order=20),
    NavItem("Your children", "bookings:children", FAMILY, order=25),
    NavItem("Allocations", "bookings:allocations", FAMILY, order=30),
    NavItem("Bookings", "bookings:provider_bookings", PROVIDER_STAFF, order=22, hide_for_admin=True, count=requests_waiting),
    NavItem("Families", "bookings:officer_families", LA_OFFICER, order=60, hide_for_admin=True),
]
