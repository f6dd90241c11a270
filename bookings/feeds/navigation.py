"""Header navigation for calendar feeds."""

from shortbreaks.navigation import NavItem
from shortbreaks.permissions import FAMILY, PROVIDER_STAFF

items = [
    NavItem("Calendar", "feeds:family_calendar", FAMILY, order=45),
    NavItem("Calendar feeds", "feeds:provider_calendars", PROVIDER_STAFF, order=46, hide_for_admin=True),
]
