"""Header links of the provider directory."""

from providers.permissions import MANAGERS
from shortbreaks.navigation import NavItem
from shortbreaks.permissions import SIGNED_IN

items = [
    NavItem("Find short breaks", "providers:search", SIGNED_IN, order=10),
    NavItem("Your provider", "providers:dashboard", MANAGERS, order=20),
]
