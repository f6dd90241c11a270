"""Header navigation for grants."""

from __future__ import annotations

from grants.permissions import GRANTS_USER
from shortbreaks.navigation import NavItem

items = [NavItem("Grants", "grants:index", GRANTS_USER, order=70)]
