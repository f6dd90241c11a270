"""Header navigation by role: the core's items and each package's ``navigation.items``."""

from __future__ import annotations

from dataclasses import dataclass

from shortbreaks.domains import DOMAIN_PACKAGES, optional_module
from shortbreaks.permissions import SIGNED_IN, SITE_ADMIN, Permission, Principal


@dataclass(frozen=True)
class NavItem:
    label: str
    route_name: str
    permission: Permission
    order: int = 50
    # Hide from signed-in users holding none of these roles even if the permission lets admins through.
    hide_for_admin: bool = False


CORE_ITEMS = [
    NavItem("Your account", "accounts:account", SIGNED_IN, order=90),
    NavItem("Administration", "accounts:admin", SITE_ADMIN, order=95),
]


def all_items() -> list[NavItem]:
    items = list(CORE_ITEMS)
    for package in DOMAIN_PACKAGES:
        module = optional_module(package, "navigation")
        if module is not None:
            items.extend(module.items)
    return sorted(items, key=lambda item: item.order)


def items_for(principal: Principal | None, items: list[NavItem]) -> list[NavItem]:
    if principal is None:
        return []
    visible = []
    for item in items:
        if not item.permission.allows(principal):
            continue
        if item.permission.roles and not principal.has_role(*item.permission.roles) and item.hide_for_admin:
            continue
        visible.append(item)
    return visible
